package tardis

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/md"
	"github.com/nanotick/nanotick/orderbook"
)

// tickerVenues are the venues with a derivative_ticker fixture (testdata/gen.py).
var tickerVenues = []string{"binance-futures", "bybit", "okex-swap", "deribit"}

// markText is a PerpMark as text: the fields it has, at their scales.
func markText(m md.PerpMark) string {
	var b strings.Builder
	if m.Fields&md.HasNextFunding != 0 {
		fmt.Fprintf(&b, "next=%d ", m.NextFunding)
	}
	if m.Fields&md.HasFundingRate != 0 {
		fmt.Fprintf(&b, "rate=%s ", md.RateScale.Decimal(m.FundingRate))
	}
	if m.Fields&md.HasIndexPrice != 0 {
		fmt.Fprintf(&b, "index=%s ", md.MarkPriceScale.Decimal(m.Index))
	}
	if m.Fields&md.HasMarkPrice != 0 {
		fmt.Fprintf(&b, "mark=%s ", md.MarkPriceScale.Decimal(m.Price))
	}
	return b.String()
}

// modelTicker is an independent reading of a derivative_ticker file with encoding/csv
// and decimals (which read exponents): per row, its exchange time and the fields it
// gives, rounded half away from zero to md's scales, empty columns left out.
func modelTicker(t testing.TB, path string) []string {
	var out []string
	for _, r := range readCSV(t, path) {
		var b strings.Builder
		if r[4] != "" {
			fmt.Fprintf(&b, "next=%s000 ", r[4])
		}
		if r[5] != "" {
			fmt.Fprintf(&b, "rate=%s ", decimal.RequireFromString(r[5]).Round(int32(md.RateScale)))
		}
		if r[9] != "" {
			fmt.Fprintf(&b, "index=%s ", decimal.RequireFromString(r[9]).Round(int32(md.MarkPriceScale)))
		}
		if r[10] != "" {
			fmt.Fprintf(&b, "mark=%s ", decimal.RequireFromString(r[10]).Round(int32(md.MarkPriceScale)))
		}
		out = append(out, r[2]+"000 "+b.String())
	}
	return out
}

// TestTickerVenues reads each venue's derivative_ticker fixture beside its book and
// trades: every row becomes one md.Mark with exactly the fields the row gives (Deribit:
// no funding time; Binance: no open interest on the first rows, which nothing keeps),
// equal to an independent reading; frames of the three files come in local time order;
// the book and trades are what they are without the ticker.
func TestTickerVenues(t *testing.T) {
	for _, v := range venueCases {
		if !slices.Contains(tickerVenues, v.exchange) {
			continue
		}
		t.Run(v.exchange, func(t *testing.T) {
			sp := v.spec(t)
			ticker := v.path("derivative_ticker")
			s, err := OpenStream(StreamOptions{Spec: sp, Book: []string{v.path("incremental_book_L2")}, Trades: []string{v.path("trades")}, Ticker: []string{ticker}, Strict: true})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			feed, err := NewMDFeed(sp, orderbook.New(64), md.Config{})
			if err != nil {
				t.Fatal(err)
			}
			var marks []string
			kinds := map[md.Kind]int{}
			last := int64(0)
			for {
				local, frame, err := s.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if local < last {
					t.Fatalf("local time %d after %d", local, last)
				}
				last = local
				ev, err := feed.Decode(frame)
				if err != nil {
					t.Fatalf("%q: %v", frame, err)
				}
				if err := feed.Apply(local); err != nil {
					t.Fatal(err)
				}
				kinds[ev.Kind]++
				if ev.Kind == md.Mark {
					marks = append(marks, fmt.Sprintf("%d %s", ev.Exchange, markText(ev.Mark)))
				}
			}
			want := modelTicker(t, ticker)
			if len(want) < 5 {
				t.Fatalf("fixture has %d rows", len(want))
			}
			if strings.Join(marks, "\n") != strings.Join(want, "\n") {
				t.Fatalf("marks:\n%s\nwant:\n%s", strings.Join(marks, "\n"), strings.Join(want, "\n"))
			}
			c := s.Counters()
			if c.TickerFrames != uint64(len(want)) || c.Ticker.Rows != uint64(len(want)) || c.Ticker.Malformed != 0 {
				t.Fatalf("counters %+v", c)
			}
			if v.exchange == "deribit" && strings.Contains(marks[0], "next=") {
				t.Fatalf("deribit has no funding time: %s", marks[0])
			}
			if v.exchange != "deribit" && !strings.Contains(marks[0], "next=1723104000000000000 ") {
				t.Fatalf("funding at 08:00 UTC: %s", marks[0])
			}
			// The ticker adds marks and changes nothing else.
			plain, err := OpenStream(StreamOptions{Spec: sp, Book: []string{v.path("incremental_book_L2")}, Trades: []string{v.path("trades")}, Strict: true})
			if err != nil {
				t.Fatal(err)
			}
			defer plain.Close()
			states, trades, err := run(t, plain, sp)
			if err != nil {
				t.Fatal(err)
			}
			if kinds[md.Trade] != len(trades) || kinds[md.Depth]+kinds[md.Snapshot] != len(states) {
				t.Fatalf("kinds %v, want %d trades and %d book frames", kinds, len(trades), len(states))
			}
		})
	}
}

func TestParseRef(t *testing.T) {
	for _, c := range []struct {
		in    string
		scale fixed.Scale
		want  int64
		ok    bool
	}{
		{"0.0001", 10, 1_000_000, true},
		{"-0.000125", 10, -1_250_000, true},
		{"6.4e-7", 10, 6400, true},
		{"1.5E-7", 10, 1500, true},
		{"1e-11", 10, 0, true},   // below the scale: 0
		{"5e-11", 10, 1, true},   // half rounds away from zero
		{"-5e-11", 10, -1, true}, // on both sides
		{"0.00000000004999", 10, 0, true},
		{"0.000071843219", 10, 718432, true}, // more decimals than the scale: rounded
		{"56517.13687135", 8, 5651713687135, true},
		{"56517.136871355", 8, 5651713687136, true},
		{"+12", 2, 1200, true},
		{".5", 0, 1, true},
		{"0000000000000000000012.5", 8, 1250000000, true}, // leading zeros cost nothing
		{"1e3", 0, 1000, true},
		{"92233720368.54775807", 8, 9223372036854775807 / 10 * 10, false}, // 19 digits: refused
		{"9223372036.854775807", 8, 922337203685477581, true},
		{"1e9999", 0, 0, false},
		{"1e-9999", 8, 0, true},
		{"", 8, 0, false},
		{"-", 8, 0, false},
		{".", 8, 0, false},
		{"1.2.3", 8, 0, false},
		{"1e", 8, 0, false},
		{"1e+", 8, 0, false},
		{"1e12345", 8, 0, false},
		{"NaN", 8, 0, false},
		{"0x10", 8, 0, false},
		{"1,5", 8, 0, false},
		{" 1", 8, 0, false},
	} {
		got, ok := parseRef([]byte(c.in), c.scale)
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("parseRef(%q, %d) = %d, %v; want %d, %v", c.in, c.scale, got, ok, c.want, c.ok)
		}
	}
}

const tickerRows = TickerHeader + `
okex-swap,BTC-USDT-SWAP,1500,1500,1800000,0.0001,,100,100.5,100.2,100.3
okex-swap,BTC-USDT-SWAP,2500,2500,,,,,,,
okex-swap,BTC-USDT-SWAP,3500,3500,1800000,x,,100,100.5,100.2,100.3
okex-swap,BTC-USDT-SWAP,3600,3600,1800000,0.0001,,100,100.5,100.2,0
okex-swap,BTC-USDT-SWAP,3700,3700,1800000,0.0001,,100,100.5,-1,100.3
okex-swap,BTC-USDT-SWAP,3800,3800,18e5,0.0001,,100,100.5,100.2,100.3
okex-swap,BTC-USDT-SWAP,3900,3900,1800000,0.0001,abc,100,100.5,100.2,100.3
okex-swap,BTC-USDT-SWAP,4000,4000,1800000,0.0001,,100,100.5,100.2
okex-swap,BTC-USDT-SWAP,4100,4100,1800000,0.0001,,1e400,100.5,100.2,100.3
bybit,BTCUSDT,4200,4200,1800000,0.0001,,100,100.5,100.2,100.3
okex-swap,BTC-USDT-SWAP,6000,6000,1800000,-0.00005,,100,100.5,100.2,100.4
`

// TestTickerFaults: bad numbers, non-positive prices, a wrong column count and an
// empty row of fields; malformed rows are counted and named by file and line, a row
// with every value empty is a Mark with no fields, another symbol's rows are skipped;
// Strict stops at the first bad row; a truncated ticker file delivers its rows, then
// the error.
func TestTickerFaults(t *testing.T) {
	files := memFiles{"b": []byte(okxBook), "k": []byte(tickerRows), "cut": []byte(tickerRows[:len(tickerRows)-10])}
	s, err := OpenStream(StreamOptions{Spec: okxSpec, Book: []string{"b"}, Ticker: []string{"k"}, open: files.open})
	if err != nil {
		t.Fatal(err)
	}
	feed, _ := NewMDFeed(okxSpec, orderbook.New(16), md.Config{})
	var marks []string
	for {
		_, frame, err := s.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ev, err := feed.Decode(frame)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Kind == md.Mark {
			marks = append(marks, markText(ev.Mark))
		}
	}
	want := []string{
		"next=1800000000 rate=0.0001 index=100.2 mark=100.3 ",
		"",
		"next=1800000000 rate=0.0001 index=100.2 mark=100.3 ",
		"next=1800000000 rate=-0.00005 index=100.2 mark=100.4 ",
	}
	if strings.Join(marks, "|") != strings.Join(want, "|") {
		t.Fatalf("marks %q, want %q", marks, want)
	}
	c := s.Counters()
	if c.Ticker.Malformed != 6 || c.Ticker.OtherSymbol != 1 || c.Ticker.Rows != 4 {
		t.Fatalf("counters %+v", c.Ticker)
	}
	errs := s.Errors()
	for i, w := range []string{"k:4: malformed row: funding_rate \"x\"", "k:5: malformed row: mark_price \"0\"", "k:6: malformed row: index_price \"-1\"",
		"k:7: malformed row: funding_timestamp \"18e5\"", "k:8: malformed row: predicted_funding_rate \"abc\"", "k:9: malformed row: want 11 unquoted columns"} {
		if i >= len(errs) || !strings.HasPrefix(errs[i].Error(), w) {
			t.Fatalf("error %d: %v, want %s...", i, errs, w)
		}
	}
	// 1e400 is a number: open interest is only checked to be one (line 10 is good).
	if len(errs) != 6 {
		t.Fatalf("errors %v", errs)
	}

	strict, _ := OpenStream(StreamOptions{Spec: okxSpec, Book: []string{"b"}, Ticker: []string{"k"}, Strict: true, open: files.open})
	var serr error
	for serr == nil {
		_, _, serr = strict.Next()
	}
	if !errors.Is(serr, ErrMalformed) || !strings.HasPrefix(serr.Error(), "k:4: ") {
		t.Fatalf("strict: %v", serr)
	}

	cut, _ := OpenStream(StreamOptions{Spec: okxSpec, Book: []string{"b"}, Ticker: []string{"cut"}, open: files.open})
	var cerr error
	for cerr == nil {
		_, _, cerr = cut.Next()
	}
	if !errors.Is(cerr, ErrTruncated) || !strings.HasPrefix(cerr.Error(), "cut:12: ") {
		t.Fatalf("truncated: %v", cerr)
	}

	if _, err := OpenStream(StreamOptions{Spec: okxSpec, Ticker: []string{"k"}, open: files.open}); err == nil || !strings.Contains(err.Error(), "book or trades") {
		t.Fatalf("ticker alone: %v", err)
	}
	bad := memFiles{"b": []byte(okxBook), "k": []byte(TradeHeader + "\n")}
	bs, err := OpenStream(StreamOptions{Spec: okxSpec, Book: []string{"b"}, Ticker: []string{"k"}, open: bad.open})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := bs.Next(); err == nil || !strings.Contains(err.Error(), "k:1: header") {
		t.Fatalf("a trades file given as ticker: %v", err)
	}
}

// TestTickerAllocs: reading, decoding and applying ticker rows among book and trade
// frames allocates nothing per frame.
func TestTickerAllocs(t *testing.T) {
	var trades, ticker bytes.Buffer
	trades.WriteString(TradeHeader + "\n")
	ticker.WriteString(TickerHeader + "\n")
	for i := range 5000 {
		fmt.Fprintf(&trades, "okex-swap,BTC-USDT-SWAP,%d,%d,%d,sell,1000.5,%d\n", 2000+i*10, 2003+i*10, i, i%9+1)
		fmt.Fprintf(&ticker, "okex-swap,BTC-USDT-SWAP,%d,%d,1723104000000000,0.000%d,,%d,1000.5,1000.%d,1000.4%d\n", 2001+i*10, 2004+i*10, 1000+i%77, 2000000+i, i%10, i%1000)
	}
	files := memFiles{"b": bigBook(5000), "t": trades.Bytes(), "k": ticker.Bytes()}
	s, err := OpenStream(StreamOptions{Spec: okxSpec, Book: []string{"b"}, Trades: []string{"t"}, Ticker: []string{"k"}, open: files.open})
	if err != nil {
		t.Fatal(err)
	}
	feed, _ := NewMDFeed(okxSpec, orderbook.New(64), md.Config{})
	marks := 0
	step := func() {
		local, frame, err := s.Next()
		if err != nil {
			t.Fatal(err)
		}
		ev, err := feed.Decode(frame)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Kind == md.Mark {
			marks++
		}
		feed.Apply(local)
	}
	for range 200 {
		step()
	}
	if a := testing.AllocsPerRun(3000, step); a != 0 {
		t.Fatalf("%.2f allocations per frame", a)
	}
	if marks < 500 {
		t.Fatalf("only %d ticker frames among the frames measured", marks)
	}
}

// FuzzTicker feeds arbitrary derivative_ticker files beside a good book: nothing may
// panic, every frame the stream makes must decode, a Mark's prices are positive.
func FuzzTicker(f *testing.F) {
	f.Add([]byte(tickerRows))
	f.Add([]byte(TickerHeader + "\nokex-swap,BTC-USDT-SWAP,1,1,,6.4e-7,,,,,\n"))
	f.Add([]byte(TickerHeader + "\nokex-swap,BTC-USDT-SWAP,1,1,1,1e-99999,,,,1e18,.5"))
	f.Fuzz(func(t *testing.T, ticker []byte) {
		files := memFiles{"b": []byte(okxBook), "k": ticker}
		s, err := OpenStream(StreamOptions{Spec: okxSpec, Book: []string{"b"}, Ticker: []string{"k"}, open: files.open})
		if err != nil {
			return
		}
		feed, _ := NewMDFeed(okxSpec, orderbook.New(16), md.Config{})
		for range 10_000 {
			local, frame, err := s.Next()
			if err != nil {
				return
			}
			ev, err := feed.Decode(frame)
			if err != nil {
				t.Fatalf("frame %q does not decode: %v", frame, err)
			}
			if ev.Kind == md.Mark {
				m := ev.Mark
				if (m.Fields&md.HasMarkPrice != 0 && m.Price <= 0) || (m.Fields&md.HasIndexPrice != 0 && m.Index <= 0) {
					t.Fatalf("mark %+v from %q", m, frame)
				}
			}
			feed.Apply(local)
		}
	})
}
