package tardis

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/backtest"
	"github.com/nanotick/nanotick/examples/strategies/marketmaker"
	"github.com/nanotick/nanotick/feeds/binance"
	"github.com/nanotick/nanotick/feeds/recording"
	"github.com/nanotick/nanotick/internal/enginetest"
	"github.com/nanotick/nanotick/internal/testdata"
	"github.com/nanotick/nanotick/orderbook"
)

var spot = binance.Instrument{Symbol: "BTCUSDT", PriceScale: 8, QtyScale: 8}

// bookState is a book's levels, both sides, as text.
func bookState(b *orderbook.Book) string {
	var sb strings.Builder
	for _, side := range []orderbook.Side{orderbook.Bid, orderbook.Ask} {
		for _, l := range b.AppendLevels(nil, side, b.Len(side)) {
			fmt.Fprintf(&sb, "%d:%d@%d ", side, l.Qty, l.Price)
		}
		sb.WriteByte('|')
	}
	return sb.String()
}

// dec8 formats a fixed-point value of scale 8 with shopspring/decimal: independent of
// package fixed, which the Source uses.
func dec8(v int64) string { return decimal.New(v, -8).String() }

// state is the book after one depth or snapshot frame.
type state struct {
	local int64 // µs
	book  string
}

// trade is what the strategy sees of a trade.
type trade struct {
	local      int64 // µs
	id         uint64
	price, qty int64
	sell       bool
	t          int64 // trade time, ms
}

// toTardis converts the first n records of a Binance spot recording into Tardis CSV
// files (book gzip-compressed, trades plain), the way Tardis builds them: the depth
// events received before the snapshot are written as plain updates (which a reader must
// skip), the snapshot as the full book it produces, and each applied update as its
// rows. It returns the books and trades a replay must reproduce.
func toTardis(t testing.TB, path string, n int, dir string) (bookFile, tradeFile string, states []state, trades []trade) {
	t.Helper()
	r, err := recording.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	bookFile, tradeFile = filepath.Join(dir, "book.csv.gz"), filepath.Join(dir, "trades.csv")
	bf, err := os.Create(bookFile)
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(bf)
	tf, err := os.Create(tradeFile)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(zw, "exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount")
	fmt.Fprintln(tf, "exchange,symbol,timestamp,local_timestamp,id,side,price,amount")

	book := orderbook.New(8192)
	feed, err := binance.NewFeed(binance.Spot, spot, book, binance.SyncConfig{})
	if err != nil {
		t.Fatal(err)
	}
	snapshotSeen := false
	row := func(ts, local int64, snap bool, side string, p, q int64) {
		fmt.Fprintf(zw, "binance,BTCUSDT,%d,%d,%t,%s,%s,%s\n", ts, local, snap, side, dec8(p), dec8(q))
	}
	for range n {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		before := book.UpdateID()
		ev, err := feed.Handle(rec.Frame, rec.Local)
		if err != nil {
			t.Fatalf("%s:%d: %v", rec.File, rec.Line, err)
		}
		local := rec.Local / 1000
		switch ev.Kind {
		case binance.KindDepth:
			applied := book.UpdateID() != before
			if snapshotSeen && !applied {
				continue // covered by the snapshot
			}
			if len(states) > 0 && states[len(states)-1].local == local {
				t.Fatalf("%s:%d: two book updates in the same microsecond", rec.File, rec.Line)
			}
			for _, l := range ev.Depth.Bids {
				row(ev.Depth.EventTime*1000, local, false, "bid", l.Price, l.Qty)
			}
			for _, l := range ev.Depth.Asks {
				row(ev.Depth.EventTime*1000, local, false, "ask", l.Price, l.Qty)
			}
			if applied {
				states = append(states, state{local, bookState(book)})
			}
		case binance.KindSnapshot:
			snapshotSeen = true
			for _, side := range []orderbook.Side{orderbook.Bid, orderbook.Ask} {
				name := map[orderbook.Side]string{orderbook.Bid: "bid", orderbook.Ask: "ask"}[side]
				for _, l := range book.AppendLevels(nil, side, book.Len(side)) {
					row(local, local, true, name, l.Price, l.Qty)
				}
			}
			states = append(states, state{local, bookState(book)})
		case binance.KindTrade:
			tr := ev.Trade
			side := "buy"
			if tr.BuyerMaker {
				side = "sell"
			}
			fmt.Fprintf(tf, "binance,BTCUSDT,%d,%d,%d,%s,%s,%s\n", tr.TradeTime*1000, local, tr.ID, side, dec8(tr.Price), dec8(tr.Qty))
			trades = append(trades, trade{local, tr.ID, tr.Price, tr.Qty, tr.BuyerMaker, tr.TradeTime})
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := bf.Close(); err != nil {
		t.Fatal(err)
	}
	if err := tf.Close(); err != nil {
		t.Fatal(err)
	}
	if !snapshotSeen || len(states) < 10 || len(trades) < 10 {
		t.Fatalf("fixture too small: snapshot %v, %d books, %d trades", snapshotSeen, len(states), len(trades))
	}
	return bookFile, tradeFile, states, trades
}

// replay reads a Source through a binance.Feed and returns the books after each
// depth or snapshot frame and the trades, in order.
func replay(t *testing.T, src *Source, venue binance.Venue, inst binance.Instrument) (states []state, trades []trade, book *orderbook.Book) {
	t.Helper()
	book = orderbook.New(8192)
	feed, err := binance.NewFeed(venue, inst, book, binance.SyncConfig{})
	if err != nil {
		t.Fatal(err)
	}
	last := int64(-1)
	for {
		local, frame, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if local < last {
			t.Fatalf("local time went back: %d after %d", local, last)
		}
		last = local
		ev, err := feed.Handle(frame, local)
		if err != nil {
			t.Fatalf("frame %s: %v", frame, err)
		}
		switch ev.Kind {
		case binance.KindDepth:
			if !book.Synced() {
				t.Fatalf("book out of sync after %s", frame)
			}
			states = append(states, state{local / 1000, bookState(book)})
		case binance.KindSnapshot:
			states = append(states, state{local / 1000, bookState(book)})
		case binance.KindTrade:
			tr := ev.Trade
			trades = append(trades, trade{local / 1000, tr.ID, tr.Price, tr.Qty, tr.BuyerMaker, tr.TradeTime})
		default:
			t.Fatalf("unexpected frame %s", frame)
		}
	}
	return states, trades, book
}

// TestReplayMatchesBinance converts the start of the real spot recording to Tardis CSV
// and requires the replay of the CSV to give the same book after every event, and the
// same trades, as the original Binance frames.
func TestReplayMatchesBinance(t *testing.T) {
	path := testdata.SharedData(t, "binance-spot-btcusdt-20240808.gz")
	bookFile, tradeFile, want, wantTrades := toTardis(t, path, 3000, t.TempDir())
	src, err := Open(Options{Instrument: spot, Book: []string{bookFile}, Trades: []string{tradeFile}, Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	got, gotTrades, _ := replay(t, src, binance.Spot, spot)
	if len(got) != len(want) {
		t.Errorf("%d book states, want %d", len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			t.Fatalf("book %d differs:\n got %.300s\nwant %.300s", i, fmt.Sprint(got[i]), fmt.Sprint(want[i]))
		}
	}
	if !slices.Equal(gotTrades, wantTrades) {
		t.Fatalf("trades differ: %d vs %d", len(gotTrades), len(wantTrades))
	}
	c := src.Counters()
	if c.Snapshots != 1 || c.SkippedBeforeSnapshot == 0 || c.Book.Malformed != 0 || c.Trades.Malformed != 0 || c.TradeFrames != uint64(len(wantTrades)) {
		t.Fatalf("counters %+v", c)
	}
	t.Logf("%d book states, %d trades, %+v", len(got), len(gotTrades), c)
}

// writeFile writes a file in dir and returns its path.
func writeFile(t testing.TB, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// A hand-written day: updates before the snapshot, a snapshot, updates grouped by
// local time, a deletion, a reconnect's snapshot, and more updates.
const handBook = BookHeader + `
binance,BTCUSDT,1000,1000,false,bid,99,1
binance,BTCUSDT,2000,2000,true,bid,100,1
binance,BTCUSDT,2000,2000,true,bid,99,2
binance,BTCUSDT,2000,2000,true,ask,101,3
binance,BTCUSDT,2000,2000,true,ask,102,0
binance,ethusdt,2500,2500,false,bid,5,5
binance,BTCUSDT,3000,3000,false,bid,100,1.5
binance,BTCUSDT,3000,3000,false,ask,101.5,4
binance,BTCUSDT,4000,4000,false,bid,99,0
binance,BTCUSDT,5000,5000,true,bid,98,7
binance,BTCUSDT,5000,5000,true,ask,103,8
binance,BTCUSDT,6000,6000,false,ask,103,9
`

const handTrades = TradeHeader + `
binance,BTCUSDT,2500,2500,42,sell,100,0.5
binance,BTCUSDT,3000,3000,abc,buy,101,1
binance,BTCUSDT,7000,7000,43,unknown,103,2
`

func TestHandWritten(t *testing.T) {
	u := int64(1e8) // one unit at scale 8
	lv := func(side orderbook.Side, p, q float64) string {
		return fmt.Sprintf("%d:%d@%d ", side, int64(q*float64(u)), int64(p*float64(u)))
	}
	b, a := orderbook.Bid, orderbook.Ask
	want := []state{
		{2000, lv(b, 100, 1) + lv(b, 99, 2) + "|" + lv(a, 101, 3) + "|"},
		{3000, lv(b, 100, 1.5) + lv(b, 99, 2) + "|" + lv(a, 101, 3) + lv(a, 101.5, 4) + "|"},
		{4000, lv(b, 100, 1.5) + "|" + lv(a, 101, 3) + lv(a, 101.5, 4) + "|"},
		{5000, lv(b, 98, 7) + "|" + lv(a, 103, 8) + "|"},
		{6000, lv(b, 98, 7) + "|" + lv(a, 103, 9) + "|"},
	}
	wantTrades := []trade{
		{2500, 42, 100 * u, u / 2, true, 2},
		{3000, 0, 101 * u, u, false, 3},
		{7000, 43, 103 * u, 2 * u, false, 7},
	}
	for _, venue := range []binance.Venue{binance.Spot, binance.USDM} {
		t.Run(venue.String(), func(t *testing.T) {
			dir := t.TempDir()
			src, err := Open(Options{
				Venue: venue, Instrument: spot,
				Book:   []string{writeFile(t, dir, "book.csv", handBook)},
				Trades: []string{writeFile(t, dir, "trades.csv", handTrades)},
			})
			if err != nil {
				t.Fatal(err)
			}
			got, gotTrades, _ := replay(t, src, venue, spot)
			if !slices.Equal(got, want) {
				t.Fatalf("books\n got %v\nwant %v", got, want)
			}
			if !slices.Equal(gotTrades, wantTrades) {
				t.Fatalf("trades\n got %v\nwant %v", gotTrades, wantTrades)
			}
			c := src.Counters()
			if c.SkippedBeforeSnapshot != 1 || c.Book.OtherSymbol != 1 || c.Snapshots != 2 || c.Depth != 3 || c.Book.Rows != 11 {
				t.Fatalf("counters %+v", c)
			}
		})
	}
}

// TestMultipleFiles checks that each file's leading updates are skipped and its
// snapshot replaces the book, across files.
func TestMultipleFiles(t *testing.T) {
	dir := t.TempDir()
	day1 := writeFile(t, dir, "d1.csv", BookHeader+"\nbinance,BTCUSDT,1,1,true,bid,100,1\nbinance,BTCUSDT,1,1,true,ask,101,1\nbinance,BTCUSDT,2,2,false,bid,100,2\n")
	day2 := writeFile(t, dir, "d2.csv", BookHeader+"\nbinance,BTCUSDT,3,3,false,bid,100,5\nbinance,BTCUSDT,4,4,true,bid,90,1\nbinance,BTCUSDT,4,4,true,ask,91,1\n")
	src, err := Open(Options{Instrument: spot, Book: []string{day1, day2}})
	if err != nil {
		t.Fatal(err)
	}
	got, _, book := replay(t, src, binance.Spot, spot)
	if len(got) != 3 || book.Len(orderbook.Bid) != 1 || src.Counters().SkippedBeforeSnapshot != 1 {
		t.Fatalf("states %v, counters %+v", got, src.Counters())
	}
	if l, _ := book.Best(orderbook.Bid); l.Price != 90e8 {
		t.Fatalf("best bid %v after the second file's snapshot", l)
	}
}

func TestMalformedRows(t *testing.T) {
	good := "binance,BTCUSDT,1,1,true,bid,100,1"
	tests := []struct {
		name, line, want string
	}{
		{"columns", "binance,BTCUSDT,1,1,true,bid,100", "want 8 unquoted columns"},
		{"extra column", good + ",x", "want 8 unquoted columns"},
		{"quoted", `binance,"BTCUSDT",1,1,true,bid,100,1`, "want 8 unquoted columns"},
		{"timestamp", "binance,BTCUSDT,x,1,true,bid,100,1", "timestamp"},
		{"negative local", "binance,BTCUSDT,1,-1,true,bid,100,1", "local_timestamp"},
		{"snapshot flag", "binance,BTCUSDT,1,1,yes,bid,100,1", "is_snapshot"},
		{"side", "binance,BTCUSDT,1,1,true,buy,100,1", "side"},
		{"price", "binance,BTCUSDT,1,1,true,bid,1.000000001,1", "price"},
		{"zero price", "binance,BTCUSDT,1,1,true,bid,0,1", "price"},
		{"amount", "binance,BTCUSDT,1,1,true,bid,100,-1", "amount"},
		{"float", "binance,BTCUSDT,1,1,true,bid,100,NaN", "amount"},
		{"overlong", strings.Repeat("x", MaxLine+10), "longer than"},
		{"huge", strings.Repeat("x", 200_000), "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			p := writeFile(t, dir, "b.csv", BookHeader+"\n"+good+"\n"+tt.line+"\r\n"+good+"\n")
			r, err := OpenBook(spot, p)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for {
				_, err := r.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				n++
			}
			if n != 2 || r.Counters().Malformed != 1 || len(r.Errors()) != 1 {
				t.Fatalf("rows %d, counters %+v", n, r.Counters())
			}
			e := r.Errors()[0]
			if !strings.Contains(e.Error(), p+":3: ") || !strings.Contains(e.Error(), tt.want) || !errors.Is(e, ErrMalformed) {
				t.Fatalf("error %v, want %s:3 and %q", e, p, tt.want)
			}
			// Strict: the same row ends the stream.
			r, _ = OpenBook(spot, p)
			r.SetStrict(true)
			r.Next()
			if _, err := r.Next(); err == nil || !strings.Contains(err.Error(), p+":3: ") {
				t.Fatalf("strict: %v", err)
			}
		})
	}
}

func TestBadFiles(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, content, want string
	}{
		{"header", "a,b,c\n", ":1: header"},
		{"trade header", TradeHeader + "\n", ":1: header"},
		{"empty", "", ":1: empty file"},
		{"bad gzip", "\x1f\x8bnot gzip", ":1: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeFile(t, dir, tt.name+".csv", tt.content)
			src, err := Open(Options{Instrument: spot, Book: []string{p}})
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = src.Next()
			if err == nil || err == io.EOF || !strings.Contains(err.Error(), p+tt.want) {
				t.Fatalf("err %v, want %q", err, p+tt.want)
			}
			if _, _, err2 := src.Next(); err2 != err {
				t.Fatalf("error not sticky: %v", err2)
			}
		})
	}
	for _, opt := range []Options{
		{Instrument: spot, Book: []string{filepath.Join(dir, "missing.csv")}},
		{Instrument: spot},
		{Instrument: binance.Instrument{PriceScale: 8, QtyScale: 8}, Book: []string{"x"}},
		{Instrument: binance.Instrument{Symbol: `BTC"USDT`, PriceScale: 8, QtyScale: 8}, Book: []string{"x"}},
	} {
		if _, err := Open(opt); err == nil {
			t.Errorf("Open(%+v): want an error", opt)
		}
	}
}

// FuzzReader feeds arbitrary rows to both readers through a Source and requires every
// frame it makes to decode and sync without error (the synthetic update ids never
// break the sequence), and no panic.
func FuzzReader(f *testing.F) {
	for _, s := range []string{
		strings.TrimPrefix(handBook, BookHeader+"\n"),
		"binance,BTCUSDT,1,1,true,bid,100,1\nbinance,BTCUSDT,2,2,false,ask,1e2,0.5\n",
		"binance,BTCUSDT,1,1,true,bid,100,1\r\n,,,,,,,\n\n\"\",x\n",
		"binance,BTCUSDT,99999999999999999,1,false,bid,1,1\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, rows string) {
		files := map[string]string{
			"b.csv": BookHeader + "\n" + rows,
			"t.csv": TradeHeader + "\n" + strings.ReplaceAll(strings.ReplaceAll(rows, "true", "7"), "false", "8"),
		}
		open := func(name string) (io.ReadCloser, error) {
			return io.NopCloser(strings.NewReader(files[name])), nil
		}
		for _, venue := range []binance.Venue{binance.Spot, binance.USDM} {
			src, err := Open(Options{Venue: venue, Instrument: spot, Book: []string{"b.csv"}, Trades: []string{"t.csv"}, open: open})
			if err != nil {
				t.Fatal(err)
			}
			feed, err := binance.NewFeed(venue, spot, orderbook.New(64), binance.SyncConfig{})
			if err != nil {
				t.Fatal(err)
			}
			for {
				local, frame, err := src.Next()
				if err == io.EOF {
					break
				}
				if errors.Is(err, ErrTruncated) {
					break // a last row without its line feed
				}
				if err != nil {
					t.Fatal(err) // only I/O, header and truncation errors end a stream
				}
				if local < 0 {
					t.Fatalf("negative local %d", local)
				}
				if _, err := feed.Handle(frame, local); err != nil {
					t.Fatalf("frame %q: %v", frame, err)
				}
				if c := feed.Counters(); c.Gaps != 0 || c.StaleSnapshots != 0 {
					t.Fatalf("sync lost sequence: %+v after %q", c, frame)
				}
			}
			src.Close()
		}
	})
}

// TestBacktest replays the converted recording through the backtester: the engine and
// the simulated exchange must take every frame, in sync, with no gap.
func TestBacktest(t *testing.T) {
	var _ backtest.Source = (*Source)(nil)
	path := testdata.SharedData(t, "binance-spot-btcusdt-20240808.gz")
	bookFile, tradeFile, states, trades := toTardis(t, path, 3000, t.TempDir())
	src, err := Open(Options{Instrument: spot, Book: []string{bookFile}, Trades: []string{tradeFile}, Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	lat, _ := backtest.ConstantLatency(time.Millisecond, time.Millisecond)
	cfg := backtest.Config{
		Engine:   enginetest.SpotConfig(),
		Strategy: marketmaker.New(), StrategyName: "marketmaker", Latency: lat,
		Queue: backtest.RiskAverse, PartialFills: true, InitialBalance: decimal.RequireFromString("10000"),
	}
	rep, err := backtest.RunSource(cfg, src)
	if err != nil {
		t.Fatal(err)
	}
	ev := rep.Events
	if ev.Frames != uint64(len(states)+len(trades)) || ev.EngineMalformed != 0 || ev.ExchangeMalformed != 0 ||
		ev.EngineGaps != 0 || ev.ExchangeGaps != 0 || ev.Trades != uint64(len(trades)) || rep.Orders.Sent == 0 {
		t.Fatalf("events %+v, orders %+v", ev, rep.Orders)
	}
	t.Logf("frames %d, book updates %d, trades %d, orders sent %d, fills %d", ev.Frames, ev.BookUpdates, ev.Trades, rep.Orders.Sent, rep.Orders.Fills)
}

// BenchmarkSource reads the Tardis conversion of the start of the spot recording (the
// book file gzip-compressed) and makes its Binance frames, without decoding them.
func BenchmarkSource(b *testing.B) {
	path := testdata.SharedData(b, "binance-spot-btcusdt-20240808.gz")
	bookFile, tradeFile, _, _ := toTardis(b, path, 3000, b.TempDir())
	var frames, rows uint64
	b.ReportAllocs()
	for b.Loop() {
		src, err := Open(Options{Instrument: spot, Book: []string{bookFile}, Trades: []string{tradeFile}})
		if err != nil {
			b.Fatal(err)
		}
		frames = 0
		for {
			_, _, err := src.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			frames++
		}
		c := src.Counters()
		rows = c.Book.Rows + c.Trades.Rows
		src.Close()
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(frames), "frames/op")
}
