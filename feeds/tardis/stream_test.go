package tardis

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/feeds/binance"
	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/internal/testdata"
	"github.com/nanotick/nanotick/md"
	"github.com/nanotick/nanotick/orderbook"
)

// venueCase is one venue's fixture files (testdata/gen.py) and the instrument they
// hold: the scales are the venue's tick and size decimals.
type venueCase struct {
	exchange, venue, symbol, file string
	price, qty                    fixed.Scale
	contract                      string // contract size in base, "" for none
	snapshot                      string // book_snapshot_N file, if any
}

var venueCases = []venueCase{
	{"binance", "binance-spot", "BTCUSDT", "BTCUSDT.csv.gz", 2, 5, "", ""},
	{"binance-futures", "binance-usdm", "BTCUSDT", "BTCUSDT.csv.gz", 1, 3, "", "book_snapshot_5"},
	{"bybit", "bybit-linear", "BTCUSDT", "BTCUSDT.csv.gz", 1, 3, "", "book_snapshot_25"},
	{"bybit-spot", "bybit-spot", "BTCUSDT", "BTCUSDT.csv", 2, 6, "", ""},
	{"okex", "okx-spot", "BTC-USDT", "BTC-USDT.csv", 1, 8, "", ""},
	{"okex-swap", "okx-swap", "BTC-USDT-SWAP", "BTC-USDT-SWAP.csv.gz", 1, 2, "0.01", ""},
	{"coinbase", "coinbase", "BTC-USD", "BTC-USD.csv.gz", 2, 8, "", ""},
	{"kraken", "kraken", "XBT/USD", "XBT-USD.csv", 1, 8, "", ""},
	{"deribit", "deribit", "BTC_USDC-PERPETUAL", "BTC_USDC-PERPETUAL.csv.gz", 0, 4, "", "book_snapshot_25"},
}

func (v venueCase) path(dataset string) string {
	name := fmt.Sprintf("%s_%s_2024-08-08_%s", v.exchange, dataset, v.file)
	if dataset == v.snapshot {
		name = strings.TrimSuffix(name, ".gz")
	}
	return filepath.Join("testdata", name)
}

func (v venueCase) spec(t testing.TB) *instrument.Spec {
	sp := &instrument.Spec{
		ID: instrument.ID{Venue: v.venue, Symbol: v.symbol}, Kind: instrument.Spot, Base: "BTC", Quote: "USD",
		PriceScale: v.price, QtyScale: v.qty, Tick: 1, Lot: 1,
	}
	if v.contract != "" {
		cs, err := v.qty.FromDecimal(decimal.RequireFromString(v.contract))
		if err != nil {
			t.Fatal(err)
		}
		sp.ContractSize = cs
	}
	return sp
}

// model is an independent reading of Tardis files, by the documented rules, with
// encoding/csv and decimals: the book after each message, and the trades.
type model struct {
	states []string
	trades []string
}

// levelText is a book side as "price:qty" decimals, best first.
func levelText(m map[string]decimal.Decimal, desc bool) string {
	type lv struct {
		p decimal.Decimal
		q decimal.Decimal
	}
	var ls []lv
	for p, q := range m {
		ls = append(ls, lv{decimal.RequireFromString(p), q})
	}
	sort.Slice(ls, func(i, j int) bool {
		if desc {
			return ls[i].p.GreaterThan(ls[j].p)
		}
		return ls[i].p.LessThan(ls[j].p)
	})
	var sb strings.Builder
	for _, l := range ls {
		fmt.Fprintf(&sb, "%s:%s ", l.p.String(), l.q.String())
	}
	return sb.String()
}

func readCSV(t testing.TB, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	}
	rows, err := csv.NewReader(r).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows[1:]
}

// modelIncremental reads incremental_book_L2 rows by Tardis's rules: skip updates
// before the first snapshot; a snapshot row after an update row starts a new book;
// the rows of one local_timestamp are one message.
func modelIncremental(t testing.TB, path string, cs decimal.Decimal) []string {
	var states []string
	bids, asks := map[string]decimal.Decimal{}, map[string]decimal.Decimal{}
	started, lastSnap := false, false
	lastLocal := ""
	flush := func() {
		states = append(states, levelText(bids, true)+"|"+levelText(asks, false))
	}
	pending := false
	for _, r := range readCSV(t, path) {
		snap := r[4] == "true"
		if !snap && !started {
			continue
		}
		newMsg := snap != lastSnap || (!snap && r[3] != lastLocal)
		if newMsg && pending {
			flush()
		}
		if snap && !lastSnap {
			bids, asks = map[string]decimal.Decimal{}, map[string]decimal.Decimal{}
		}
		started, lastSnap, lastLocal, pending = true, snap, r[3], true
		p := decimal.RequireFromString(r[6]).String()
		q := decimal.RequireFromString(r[7]).Mul(cs)
		side := bids
		if r[5] == "ask" {
			side = asks
		}
		if q.IsZero() {
			delete(side, p)
		} else {
			side[p] = q
		}
	}
	if pending {
		flush()
	}
	return states
}

func modelTrades(t testing.TB, path string, cs decimal.Decimal) []string {
	var out []string
	for _, r := range readCSV(t, path) {
		out = append(out, fmt.Sprintf("%s %s %s@%s", r[2], r[5], decimal.RequireFromString(r[7]).Mul(cs), decimal.RequireFromString(r[6])))
	}
	return out
}

// bookText is the feed's book in the model's notation.
func bookText(b *orderbook.Book, sp *instrument.Spec) string {
	var parts [2]string
	for i, side := range []orderbook.Side{orderbook.Bid, orderbook.Ask} {
		var sb strings.Builder
		for _, l := range b.AppendLevels(nil, side, b.Len(side)) {
			fmt.Fprintf(&sb, "%s:%s ", sp.PriceScale.Decimal(l.Price).String(), sp.QtyScale.Decimal(l.Qty).String())
		}
		parts[i] = sb.String()
	}
	return parts[0] + "|" + parts[1]
}

// run reads a stream through an MDFeed, returning the book after each book frame and
// the trades (time, aggressor, qty@price), and the frames' local times.
func run(t testing.TB, s *Stream, sp *instrument.Spec) (states, trades []string, err error) {
	book := orderbook.New(64)
	feed, ferr := NewMDFeed(sp, book, md.Config{Index: 3})
	if ferr != nil {
		t.Fatal(ferr)
	}
	last := int64(-1)
	for {
		local, frame, err := s.Next()
		if err == io.EOF {
			return states, trades, nil
		}
		if err != nil {
			return states, trades, err
		}
		if local < last {
			t.Fatalf("local time went back: %d after %d", local, last)
		}
		last = local
		ev, derr := feed.Decode(frame)
		if derr != nil {
			t.Fatalf("a stream frame does not decode: %v\n%s", derr, frame)
		}
		if ev.Instrument != 3 {
			t.Fatalf("instrument %d", ev.Instrument)
		}
		if err := feed.Apply(local); err != nil {
			t.Fatal(err)
		}
		switch ev.Kind {
		case md.Snapshot, md.Depth:
			if ev.Applied != 1 || ev.Status != md.Valid || !book.Synced() || book.LocalTime() != local {
				t.Fatalf("applied %d, status %v, synced %v", ev.Applied, ev.Status, book.Synced())
			}
			states = append(states, bookText(book, sp))
		case md.Trade:
			side := "buy"
			if ev.Trade.Aggressor == orderbook.Ask {
				side = "sell"
			}
			trades = append(trades, fmt.Sprintf("%d %s %s@%s", ev.Trade.Time/1000, side,
				sp.QtyScale.Decimal(ev.Trade.Qty), sp.PriceScale.Decimal(ev.Trade.Price)))
		default:
			t.Fatalf("event %v", ev.Kind)
		}
	}
}

// TestVenueFiles reads each venue's incremental_book_L2 and trades fixtures, and its
// book_snapshot_N file where there is one, and requires the book after every message
// and every trade to be what an independent reading of the rows by Tardis's rules
// gives.
func TestVenueFiles(t *testing.T) {
	for _, v := range venueCases {
		t.Run(v.exchange, func(t *testing.T) {
			sp := v.spec(t)
			cs := decimal.NewFromInt(1)
			if v.contract != "" {
				cs = decimal.RequireFromString(v.contract)
			}
			book, trades := v.path("incremental_book_L2"), v.path("trades")
			info, err := Probe(book)
			if err != nil || info.Dataset != IncrementalBookL2 || info.Exchange != v.exchange || info.Symbol != v.symbol || VenueName(info.Exchange) != v.venue {
				t.Fatalf("probe %+v, %v", info, err)
			}
			s, err := OpenStream(StreamOptions{Spec: sp, Book: []string{book}, Trades: []string{trades}, Strict: true})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			states, gotTrades, err := run(t, s, sp)
			if err != nil {
				t.Fatal(err)
			}
			want := modelIncremental(t, book, cs)
			if len(states) != len(want) || len(want) < 50 {
				t.Fatalf("%d book states, the model %d", len(states), len(want))
			}
			for i := range want {
				if states[i] != want[i] {
					t.Fatalf("book %d:\n got %s\nwant %s", i, states[i], want[i])
				}
			}
			if wt := modelTrades(t, trades, cs); !slices.Equal(gotTrades, wt) || len(wt) < 10 {
				t.Fatalf("trades:\n got %v\nwant %v", gotTrades, wt)
			}
			if done, total := s.Progress(); done != total || total == 0 || s.Malformed() != 0 {
				t.Fatalf("progress %d of %d, %d malformed", done, total, s.Malformed())
			}
			c := s.Counters()
			if c.SkippedBeforeSnapshot != 2 || c.Snapshots != 1 || c.Book.Malformed+c.Trades.Malformed != 0 || c.TradeFrames != uint64(len(gotTrades)) {
				t.Fatalf("counters %+v", c)
			}
			if v.snapshot == "" {
				return
			}
			testSnapshotFile(t, v, sp, cs)
		})
	}
}

// testSnapshotFile requires each book_snapshot_N row to become the whole book.
func testSnapshotFile(t *testing.T, v venueCase, sp *instrument.Spec, cs decimal.Decimal) {
	path := v.path(v.snapshot)
	s, err := OpenStream(StreamOptions{Spec: sp, Book: []string{path}, Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	states, _, err := run(t, s, sp)
	if err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, path)
	if len(states) != len(rows) || len(rows) == 0 {
		t.Fatalf("%d states of %d rows", len(states), len(rows))
	}
	for i, r := range rows {
		bids, asks := map[string]decimal.Decimal{}, map[string]decimal.Decimal{}
		for j := 4; j+3 < len(r); j += 4 {
			if r[j] != "" {
				asks[decimal.RequireFromString(r[j]).String()] = decimal.RequireFromString(r[j+1]).Mul(cs)
			}
			if r[j+2] != "" {
				bids[decimal.RequireFromString(r[j+2]).String()] = decimal.RequireFromString(r[j+3]).Mul(cs)
			}
		}
		if want := levelText(bids, true) + "|" + levelText(asks, false); states[i] != want {
			t.Fatalf("row %d:\n got %s\nwant %s", i+2, states[i], want)
		}
	}
}

// memFiles serves files from memory, for the stream's open hook.
type memFiles map[string][]byte

func (m memFiles) open(p string) (io.ReadCloser, error) {
	b, ok := m[p]
	if !ok {
		return nil, os.ErrNotExist
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

var okxSpec = &instrument.Spec{
	ID: instrument.ID{Venue: "okx-swap", Symbol: "BTC-USDT-SWAP"}, Kind: instrument.Perpetual, Base: "BTC", Quote: "USDT",
	PriceScale: 1, QtyScale: 2, Tick: 1, Lot: 1, ContractSize: 1,
}

const okxBook = BookHeader + `
okex-swap,BTC-USDT-SWAP,1000,1100,true,bid,100.5,3
okex-swap,BTC-USDT-SWAP,1000,1100,true,ask,101,2
okex-swap,BTC-USDT-SWAP,2000,2100,false,bid,100.5,0
okex-swap,BTC-USDT-SWAP,2000,2100,false,bid,100.4,7
okex-swap,BTC-USDT-SWAP,3000,3100,false,ask,101,1
okex-swap,BTC-USDT-SWAP,4000,4100,true,bid,99,1
okex-swap,BTC-USDT-SWAP,4000,4100,true,ask,99.5,1
okex-swap,BTC-USDT-SWAP,5000,5100,false,ask,99.6,4
`

// TestSnapshotReplacesBook: a snapshot block after updates (a reconnection) discards
// the book, as Tardis documents; the contract size turns OKX's contracts into BTC.
func TestSnapshotReplacesBook(t *testing.T) {
	files := memFiles{"b": []byte(okxBook), "t": []byte(TradeHeader + "\nokex-swap,BTC-USDT-SWAP,2050,2100,77,sell,100.4,2\n")}
	s, err := OpenStream(StreamOptions{Spec: okxSpec, Book: []string{"b"}, Trades: []string{"t"}, Strict: true, open: files.open})
	if err != nil {
		t.Fatal(err)
	}
	states, trades, err := run(t, s, okxSpec)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"100.5:0.03 |101:0.02 ",
		"100.4:0.07 |101:0.02 ",
		"100.4:0.07 |101:0.01 ",
		"99:0.01 |99.5:0.01 ",
		"99:0.01 |99.5:0.01 99.6:0.04 ",
	}
	if !slices.Equal(states, want) {
		t.Fatalf("states\n got %q\nwant %q", states, want)
	}
	// The trade's local time equals the update's: the book goes first.
	if !slices.Equal(trades, []string{"2050 sell 0.02@100.4"}) {
		t.Fatalf("trades %q", trades)
	}
	if c := s.Counters(); c.Snapshots != 2 || c.Depth != 3 || c.TradeFrames != 1 {
		t.Fatalf("counters %+v", c)
	}
}

// TestStreamFaults: malformed rows are counted and skipped (or stop a strict
// stream with file and line); other symbols are skipped; a truncated file delivers
// its complete rows and then says where it broke; an overlong block is refused.
func TestStreamFaults(t *testing.T) {
	bad := BookHeader + `
okex-swap,BTC-USDT-SWAP,1000,1100,true,bid,100.5,3
okex-swap,BTC-USDT-SWAP,1000,1100,true,ask,101,2
okex-swap,BTC-USDT-SWAP,2000,2100,false,bid,100.55,1
okex-swap,BTC-USDT-SWAP,2000,2100,false,bid,100.4,0.001
okex-swap,BTC-USDT-SWAP,2000,2100,maybe,bid,100.4,1
okex-swap,BTC-USDT-SWAP,2000,2100,false,up,100.4,1
okex-swap,BTC-USDT-SWAP,2000,2100,false,bid,100.4
okex-swap,ETH-USDT-SWAP,2000,2100,false,bid,100.4,1
okex-swap,BTC-USDT-SWAP,2000,2100,false,bid,100.3,5
`
	files := memFiles{"b": []byte(bad)}
	s, err := OpenStream(StreamOptions{Spec: okxSpec, Book: []string{"b"}, open: files.open})
	if err != nil {
		t.Fatal(err)
	}
	states, _, err := run(t, s, okxSpec)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"100.5:0.03 |101:0.02 ", "100.5:0.03 100.3:0.05 |101:0.02 "}; !slices.Equal(states, want) {
		t.Fatalf("states %q", states)
	}
	c := s.Counters()
	if c.Book.Malformed != 5 || c.Book.OtherSymbol != 1 || len(s.Errors()) != 5 {
		t.Fatalf("counters %+v, errors %v", c, s.Errors())
	}
	if e := s.Errors()[0].Error(); e != `b:4: malformed row: price "100.55"` {
		t.Fatalf("first error %q", e)
	}
	if e := s.Errors()[1].Error(); e != `b:5: malformed row: amount "0.001"` {
		t.Fatalf("second error %q", e)
	}

	s, _ = OpenStream(StreamOptions{Spec: okxSpec, Book: []string{"b"}, Strict: true, open: files.open})
	if _, _, err := run(t, s, okxSpec); err == nil || !errors.Is(err, ErrMalformed) || !strings.HasPrefix(err.Error(), "b:4:") {
		t.Fatalf("strict: %v", err)
	}

	// Truncated: plain inside a row, and gzip cut short.
	cut := okxBook[:strings.Index(okxBook, "false,ask,101,1")+12]
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(okxBook))
	zw.Close()
	for name, content := range map[string][]byte{"plain": []byte(cut), "gz": gz.Bytes()[:gz.Len()*2/3]} {
		files := memFiles{name: content}
		s, _ := OpenStream(StreamOptions{Spec: okxSpec, Book: []string{name}, open: files.open})
		states, _, err := run(t, s, okxSpec)
		var e *Error
		if !errors.Is(err, ErrTruncated) && !errors.Is(err, io.ErrUnexpectedEOF) || !errors.As(err, &e) || e.File != name {
			t.Fatalf("%s: error %v", name, err)
		}
		if name == "plain" && (e.Line != 6 || len(states) != 2 || !strings.HasPrefix(err.Error(), "plain:6: truncated")) {
			t.Fatalf("plain: line %d, %d states", e.Line, len(states))
		}
		if _, _, again := s.Next(); again != err {
			t.Fatalf("%s: the next call returned %v", name, again)
		}
	}

	s, _ = OpenStream(StreamOptions{Spec: okxSpec, Book: []string{"b"}, MaxRows: 1, open: memFiles{"b": []byte(okxBook)}.open})
	if _, _, err := run(t, s, okxSpec); err == nil || !strings.Contains(err.Error(), "longer than 1 rows") {
		t.Fatalf("max rows: %v", err)
	}
}

// TestFeedRefusesBadFrames: Decode refuses a frame with any bad row whole, and
// changes nothing.
func TestFeedRefusesBadFrames(t *testing.T) {
	book := orderbook.New(16)
	f, _ := NewMDFeed(okxSpec, book, md.Config{})
	for _, frame := range []string{
		"",
		"okex-swap,BTC-USDT-SWAP,1,2,true,bid,100,1\nokex-swap,BTC-USDT-SWAP,1,2,false,bid,100,1\n",
		"okex-swap,BTC-USDT-SWAP,1,2,7,buy,100,1\nokex-swap,BTC-USDT-SWAP,1,2,8,buy,100,1\n",
		"okex-swap,ETH-USDT-SWAP,1,2,true,bid,100,1\n",
		"okex-swap,BTC-USDT-SWAP,1,2,true,bid,100.01,1\n",
		"okex-swap,BTC-USDT-SWAP,x,2,true,bid,100,1\n",
		"okex-swap,BTC-USDT-SWAP,1,2,true,bid,100,1,5\n",
		"okex-swap,BTC-USDT-SWAP,1,2,100,1,99,1\nokex-swap,BTC-USDT-SWAP,1,2,100,1,99,1\n",
	} {
		ev, err := f.Decode([]byte(frame))
		if err == nil || ev.Kind != md.None {
			t.Errorf("%q: %v, %v", frame, ev.Kind, err)
		}
	}
	if f.Counters().Malformed != 8 || book.Len(orderbook.Bid) != 0 {
		t.Fatalf("counters %+v", f.Counters())
	}
	// book_snapshot_1 has eight columns and no side.
	ev, err := f.Decode([]byte("okex-swap,BTC-USDT-SWAP,1,2,100,1,99,3\n"))
	if err != nil || ev.Kind != md.Snapshot || len(ev.Bids) != 1 || ev.Asks[0].Qty != 1 {
		t.Fatalf("snapshot_1: %+v, %v", ev, err)
	}
	// An update before any snapshot is dropped.
	f.Decode([]byte("okex-swap,BTC-USDT-SWAP,1,2,false,bid,100,1\n"))
	if f.Apply(5); f.Counters().Dropped != 1 || book.Len(orderbook.Bid) != 0 {
		t.Fatalf("dropped %+v", f.Counters())
	}
}

// TestStreamMatchesBinance writes the start of the real spot recording as Tardis CSV
// (toTardis) and requires the book after every message and the trades, read through
// Stream and MDFeed as md events, to equal those the Binance feed builds from the
// original frames.
func TestStreamMatchesBinance(t *testing.T) {
	path := testdata.SharedData(t, "binance-spot-btcusdt-20240808.gz")
	bookFile, tradeFile, want, wantTrades := toTardis(t, path, 3000, t.TempDir())
	sp := &instrument.Spec{ID: instrument.ID{Venue: "binance-spot", Symbol: "BTCUSDT"}, PriceScale: 8, QtyScale: 8}
	s, err := OpenStream(StreamOptions{Spec: sp, Book: []string{bookFile}, Trades: []string{tradeFile}, Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	book := orderbook.New(8192)
	feed, _ := NewMDFeed(sp, book, md.Config{})
	var got []state
	var gotTrades []trade
	for {
		local, frame, err := s.Next()
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
		feed.Apply(local)
		switch ev.Kind {
		case md.Snapshot, md.Depth:
			got = append(got, state{local / 1000, bookState(book)})
		case md.Trade:
			tr := ev.Trade
			gotTrades = append(gotTrades, trade{local / 1000, 0, tr.Price, tr.Qty, tr.Aggressor == orderbook.Ask, tr.Time / 1e6})
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%d book states, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("book %d differs:\n got %.300s\nwant %.300s", i, fmt.Sprint(got[i]), fmt.Sprint(want[i]))
		}
	}
	for i := range wantTrades {
		wantTrades[i].id = 0 // md trades carry no id
	}
	if !slices.Equal(gotTrades, wantTrades) {
		t.Fatalf("trades differ: %d vs %d", len(gotTrades), len(wantTrades))
	}
	t.Logf("%d book states and %d trades equal; %+v", len(got), len(gotTrades), s.Counters())
}

// bigBook is an incremental_book_L2 file of n update groups after a snapshot.
func bigBook(n int) []byte {
	var b bytes.Buffer
	b.WriteString(BookHeader + "\n")
	for i := range 20 {
		fmt.Fprintf(&b, "okex-swap,BTC-USDT-SWAP,1000,1100,true,bid,%d.5,%d\n", 1000-i, i+1)
		fmt.Fprintf(&b, "okex-swap,BTC-USDT-SWAP,1000,1100,true,ask,%d.5,%d\n", 1001+i, i+1)
	}
	for i := range n {
		ts := 2000 + i*10
		fmt.Fprintf(&b, "okex-swap,BTC-USDT-SWAP,%d,%d,false,bid,%d.1,%d\n", ts, ts+5, 990+i%10, i%7)
		fmt.Fprintf(&b, "okex-swap,BTC-USDT-SWAP,%d,%d,false,ask,%d.2,%d\n", ts, ts+5, 1005+i%10, i%5+1)
	}
	return b.Bytes()
}

// TestStreamAllocs: reading, decoding and applying allocate nothing per frame once
// warm, for updates and trades.
func TestStreamAllocs(t *testing.T) {
	var trades bytes.Buffer
	trades.WriteString(TradeHeader + "\n")
	for i := range 5000 {
		fmt.Fprintf(&trades, "okex-swap,BTC-USDT-SWAP,%d,%d,%d,sell,1000.5,%d\n", 2000+i*10, 2003+i*10, i, i%9+1)
	}
	files := memFiles{"b": bigBook(5000), "t": trades.Bytes()}
	s, err := OpenStream(StreamOptions{Spec: okxSpec, Book: []string{"b"}, Trades: []string{"t"}, open: files.open})
	if err != nil {
		t.Fatal(err)
	}
	feed, _ := NewMDFeed(okxSpec, orderbook.New(64), md.Config{})
	step := func() {
		local, frame, err := s.Next()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := feed.Decode(frame); err != nil {
			t.Fatal(err)
		}
		feed.Apply(local)
	}
	for range 200 {
		step()
	}
	if a := testing.AllocsPerRun(2000, step); a != 0 {
		t.Fatalf("%.2f allocations per frame", a)
	}
}

// FuzzStream feeds arbitrary files to a Stream: nothing may panic, every frame it
// makes must decode, and the book must never hold a level that is not positive.
func FuzzStream(f *testing.F) {
	f.Add([]byte(okxBook), []byte(TradeHeader+"\nokex-swap,BTC-USDT-SWAP,2050,2100,77,sell,100.4,2\n"))
	f.Add([]byte(BookHeader+"\nokex-swap,BTC-USDT-SWAP,1,1,true,bid,1,1\nokex-swap,btc-usdt-swap,1,1,false,ask,2,1e1"), []byte(TradeHeader+"\n,,,,,,,\n"))
	f.Add([]byte(snapshotHeader(2)+"\nokex-swap,BTC-USDT-SWAP,1,1,101,1,100,1,,,,\n"), []byte(TradeHeader))
	f.Fuzz(func(t *testing.T, book, trades []byte) {
		files := memFiles{"b": book, "t": trades}
		s, err := OpenStream(StreamOptions{Spec: okxSpec, Book: []string{"b"}, Trades: []string{"t"}, MaxRows: 100, open: files.open})
		if err != nil {
			return
		}
		b := orderbook.New(16)
		feed, _ := NewMDFeed(okxSpec, b, md.Config{})
		for range 10_000 {
			local, frame, err := s.Next()
			if err != nil {
				return
			}
			if _, err := feed.Decode(frame); err != nil {
				t.Fatalf("frame %q does not decode: %v", frame, err)
			}
			feed.Apply(local)
			for _, side := range []orderbook.Side{orderbook.Bid, orderbook.Ask} {
				for _, l := range b.AppendLevels(nil, side, b.Len(side)) {
					if l.Qty <= 0 || l.Price <= 0 {
						t.Fatalf("level %+v", l)
					}
				}
			}
		}
	})
}

// TestStreamDays reads two days' files of one instrument in order: each day's file
// opens with its own snapshot, which replaces the book, and the buffered updates before
// it are skipped, as Tardis documents for every file.
func TestStreamDays(t *testing.T) {
	day2 := BookHeader + `
okex-swap,BTC-USDT-SWAP,9000,9050,false,bid,100.4,9
okex-swap,BTC-USDT-SWAP,9000,9100,true,bid,98,2
okex-swap,BTC-USDT-SWAP,9000,9100,true,ask,98.5,3
okex-swap,BTC-USDT-SWAP,9500,9600,false,bid,98.1,1
`
	files := memFiles{"d1": []byte(okxBook), "d2": []byte(day2)}
	s, err := OpenStream(StreamOptions{Spec: okxSpec, Book: []string{"d1", "d2"}, Strict: true, open: files.open})
	if err != nil {
		t.Fatal(err)
	}
	states, _, err := run(t, s, okxSpec)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(states); n != 7 || states[5] != "98:0.02 |98.5:0.03 " || states[6] != "98.1:0.01 98:0.02 |98.5:0.03 " {
		t.Fatalf("states %q", states)
	}
	if c := s.Counters(); c.SkippedBeforeSnapshot != 1 || c.Snapshots != 3 {
		t.Fatalf("counters %+v", c)
	}
}

// BenchmarkTardisReplay reads the same Tardis files (the first 3,000 records of the
// real spot recording, toTardis) to a book two ways, side by side: md, the Stream cut
// into frames of rows and decoded and applied by MDFeed; binance-frames, the older
// Source that re-encodes rows as Binance JSON for the Binance feed. ns/row is the
// figure to compare; the allocations per op are the files' opening (readers, gzip),
// none per row (TestStreamAllocs).
func BenchmarkTardisReplay(b *testing.B) {
	path := testdata.SharedData(b, "binance-spot-btcusdt-20240808.gz")
	bookFile, tradeFile, _, _ := toTardis(b, path, 3000, b.TempDir())
	sp := &instrument.Spec{ID: instrument.ID{Venue: "binance-spot", Symbol: "BTCUSDT"}, PriceScale: 8, QtyScale: 8}
	b.Run("md", func(b *testing.B) {
		var rows uint64
		b.ReportAllocs()
		cpu := testdata.StartCPUTimer()
		for b.Loop() {
			s, err := OpenStream(StreamOptions{Spec: sp, Book: []string{bookFile}, Trades: []string{tradeFile}})
			if err != nil {
				b.Fatal(err)
			}
			feed, _ := NewMDFeed(sp, orderbook.New(8192), md.Config{})
			for {
				local, frame, err := s.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				if _, err := feed.Decode(frame); err != nil {
					b.Fatal(err)
				}
				feed.Apply(local)
			}
			c := s.Counters()
			rows = c.Book.Rows + c.Trades.Rows
			s.Close()
		}
		reportRows(b, cpu, rows)
	})
	b.Run("binance-frames", func(b *testing.B) {
		var rows uint64
		b.ReportAllocs()
		cpu := testdata.StartCPUTimer()
		for b.Loop() {
			src, err := Open(Options{Instrument: spot, Book: []string{bookFile}, Trades: []string{tradeFile}})
			if err != nil {
				b.Fatal(err)
			}
			feed, _ := binance.NewFeed(binance.Spot, spot, orderbook.New(8192), binance.SyncConfig{})
			for {
				local, frame, err := src.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				if _, err := feed.Handle(frame, local); err != nil {
					b.Fatal(err)
				}
			}
			c := src.Counters()
			rows = c.Book.Rows + c.Trades.Rows
			src.Close()
		}
		reportRows(b, cpu, rows)
	})
}

// reportRows reports the wall and CPU time per row of a benchmark that read rows rows
// per op.
func reportRows(b *testing.B, cpu testdata.CPUTimer, rows uint64) {
	n := float64(b.N) * float64(rows)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/row")
	if d, ok := cpu.Stop(); ok {
		b.ReportMetric(float64(d.Nanoseconds())/n, "cpu-ns/row")
	}
}
