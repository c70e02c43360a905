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

	"github.com/nanotick/nanotick/feeds/binance"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/orderbook"
)

// snapRow writes a book_snapshot_n row; levels are "price:amount", asks and bids
// best first, fewer than n leaving the rest empty.
func snapRow(n int, exch, sym string, ts, local int64, asks, bids []string) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s,%s,%d,%d", exch, sym, ts, local)
	for i := range n {
		for _, side := range [][]string{asks, bids} {
			if i < len(side) {
				p, q, _ := strings.Cut(side[i], ":")
				fmt.Fprintf(&sb, ",%s,%s", p, q)
			} else {
				sb.WriteString(",,")
			}
		}
	}
	return sb.String()
}

// TestSnapshotReplay replays book_snapshot_5 rows of a venue nanotick has no
// connector for (Deribit's BTC-PERPETUAL): each row becomes the whole book, valid at
// once, with the other symbol's rows skipped; trades replay beside them.
func TestSnapshotReplay(t *testing.T) {
	dir := t.TempDir()
	book := snapshotHeader(5) + "\n" +
		snapRow(5, "deribit", "BTC-PERPETUAL", 1000, 1100, []string{"101:3", "102:4"}, []string{"100:1", "99.5:2"}) + "\n" +
		snapRow(5, "deribit", "ETH-PERPETUAL", 1500, 1600, []string{"5:1"}, []string{"4:1"}) + "\n" +
		snapRow(5, "deribit", "BTC-PERPETUAL", 2000, 2100, []string{"101:1"}, []string{"100.5:7", "100:1", "99:1", "98:1", "97:1"}) + "\n"
	trades := TradeHeader + "\nderibit,BTC-PERPETUAL,1500,1500,t1,buy,101,0.5\n"
	inst := binance.Instrument{Symbol: "BTC-PERPETUAL", PriceScale: 1, QtyScale: 1}
	src, err := Open(Options{Instrument: inst,
		Book:   []string{writeFile(t, dir, "snap.csv", book)},
		Trades: []string{writeFile(t, dir, "trades.csv", trades)}, Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	got, gotTrades, b := replay(t, src, binance.Spot, inst)
	lv := func(side orderbook.Side, p, q int64) string { return fmt.Sprintf("%d:%d@%d ", side, q, p) }
	bid, ask := orderbook.Bid, orderbook.Ask
	first := lv(bid, 1000, 10) + lv(bid, 995, 20) + "|" + lv(ask, 1010, 30) + lv(ask, 1020, 40) + "|"
	second := lv(bid, 1005, 70) + lv(bid, 1000, 10) + lv(bid, 990, 10) + lv(bid, 980, 10) + lv(bid, 970, 10) + "|" + lv(ask, 1010, 10) + "|"
	want := []state{{1100, first}, {1100, first}, {2100, second}, {2100, second}}
	if !slices.Equal(got, want) {
		t.Fatalf("books\n got %v\nwant %v", got, want)
	}
	if len(gotTrades) != 1 || gotTrades[0].price != 1010 || !b.Synced() {
		t.Fatalf("trades %v, synced %v", gotTrades, b.Synced())
	}
	if c := src.Counters(); c.Snapshots != 2 || c.Depth != 2 || c.Book.OtherSymbol != 1 || c.Book.Rows != 2 {
		t.Fatalf("counters %+v", c)
	}
}

// TestSnapshotMalformed: a bad row is counted and skipped, or with Strict ends the
// replay with its file and line.
func TestSnapshotMalformed(t *testing.T) {
	dir := t.TempDir()
	rows := []string{
		snapRow(2, "okex-swap", "BTC-USDT-SWAP", 1, 1, []string{"101:1"}, []string{"100:1"}),
		"okex-swap,BTC-USDT-SWAP,2,2,101,1,100",          // a column short
		"okex-swap,BTC-USDT-SWAP,3,3,101,1,100,0,,,,",    // zero amount
		"okex-swap,BTC-USDT-SWAP,4,4,101.55,1,100,1,,,,", // too precise
		"okex-swap,BTC-USDT-SWAP,x,4,101,1,100,1,,,,",    // timestamp
		snapRow(2, "okex-swap", "BTC-USDT-SWAP", 5, 5, []string{"102:1"}, []string{"101:1"}),
	}
	p := writeFile(t, dir, "s.csv", snapshotHeader(2)+"\n"+strings.Join(rows, "\n")+"\n")
	inst := binance.Instrument{Symbol: "BTC-USDT-SWAP", PriceScale: 1, QtyScale: 0}
	src, err := Open(Options{Instrument: inst, Book: []string{p}})
	if err != nil {
		t.Fatal(err)
	}
	got, _, _ := replay(t, src, binance.Spot, inst)
	if len(got) != 4 || src.Counters().Book.Malformed != 4 || len(src.Errors()) != 4 {
		t.Fatalf("%d states, counters %+v, errors %v", len(got), src.Counters(), src.Errors())
	}
	src, _ = Open(Options{Instrument: inst, Book: []string{p}, Strict: true})
	src.Next()
	src.Next()
	if _, _, err := src.Next(); err == nil || !strings.Contains(err.Error(), p+":3:") {
		t.Fatalf("strict: %v", err)
	}
}

// TestProbe reads dataset, exchange and symbol from each dataset's files, gzip too.
func TestProbe(t *testing.T) {
	dir := t.TempDir()
	gz := filepath.Join(dir, "bybit.csv.gz")
	f, err := os.Create(gz)
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(f)
	fmt.Fprintf(zw, "%s\nbybit,BTCUSDT,1,1,true,bid,100,1\n", BookHeader)
	zw.Close()
	f.Close()
	tests := []struct {
		path string
		want Info
	}{
		{gz, Info{Dataset: IncrementalBookL2, Exchange: "bybit", Symbol: "BTCUSDT"}},
		{writeFile(t, dir, "t.csv", TradeHeader+"\r\n\r\nkraken,XBT/USD,1,1,x,buy,1,1\r\n"), Info{Dataset: Trades, Exchange: "kraken", Symbol: "XBT/USD"}},
		{writeFile(t, dir, "s.csv", snapshotHeader(25)+"\n"+snapRow(25, "coinbase", "BTC-USD", 1, 1, nil, nil)+"\n"), Info{Dataset: BookSnapshot, Levels: 25, Exchange: "coinbase", Symbol: "BTC-USD"}},
		{writeFile(t, dir, "e.csv", TradeHeader+"\n"), Info{Dataset: Trades}},
	}
	for _, tt := range tests {
		got, err := Probe(tt.path)
		if err != nil || got != tt.want {
			t.Errorf("%s: %+v %v, want %+v", tt.path, got, err, tt.want)
		}
	}
	for _, bad := range []string{
		writeFile(t, dir, "h.csv", "a,b,c\n"),
		writeFile(t, dir, "n.csv", ""),
		writeFile(t, dir, "s26.csv", snapshotHeader(26)+"\n"),
		filepath.Join(dir, "missing.csv"),
	} {
		if _, err := Probe(bad); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestVenueName(t *testing.T) {
	for in, want := range map[string]string{
		"binance": "binance-spot", "binance-futures": "binance-usdm", "bybit": "bybit-linear",
		"bybit-spot": "bybit-spot", "kraken": "kraken", "okex-swap": "okx-swap", "okex": "okx-spot", "deribit": "deribit", "coinbase": "coinbase",
	} {
		if got := VenueName(in); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
}

// FuzzSnapshotReader feeds arbitrary rows to a book_snapshot_2 Source: every frame it
// makes must decode and sync without error, and nothing may panic.
func FuzzSnapshotReader(f *testing.F) {
	f.Add(snapRow(2, "deribit", "BTCUSDT", 1, 1, []string{"101:1", "102:2"}, []string{"100:1"}) + "\n")
	f.Add("deribit,BTCUSDT,1,1,101,1,100,1,,,,\nderibit,BTCUSDT,2,2,1e2,1,,,,,,\n,,,,,,,,,,,\n")
	f.Fuzz(func(t *testing.T, rows string) {
		open := func(string) (io.ReadCloser, error) {
			return io.NopCloser(strings.NewReader(snapshotHeader(2) + "\n" + rows)), nil
		}
		src, err := Open(Options{Instrument: spot, Book: []string{"s.csv"}, open: open})
		if err != nil {
			t.Fatal(err)
		}
		feed, err := binance.NewFeed(binance.Spot, spot, orderbook.New(64), binance.SyncConfig{})
		if err != nil {
			t.Fatal(err)
		}
		for {
			local, frame, err := src.Next()
			if err == io.EOF || errors.Is(err, ErrTruncated) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, err := feed.Handle(frame, local); err != nil {
				t.Fatalf("frame %q: %v", frame, err)
			}
			if c := feed.Counters(); c.Gaps != 0 || c.StaleSnapshots != 0 {
				t.Fatalf("sync lost sequence: %+v after %q", c, frame)
			}
		}
	})
}

// TestVenueOf: Tardis's "bybit" derivatives split into Bybit's linear and inverse
// contracts by symbol (Bybit's instruments-info: inverse BTCUSD, inverse futures
// BTCUSDH25; linear BTCUSDT, BTCPERP, BTC-27DEC24); other exchanges as VenueName.
func TestVenueOf(t *testing.T) {
	for _, c := range []struct{ exchange, symbol, want string }{
		{"bybit", "BTCUSD", "bybit-inverse"},
		{"bybit", "ETHUSD", "bybit-inverse"},
		{"bybit", "BTCUSDH25", "bybit-inverse"},
		{"bybit", "BTCUSDZ24", "bybit-inverse"},
		{"bybit", "BTCUSDT", "bybit-linear"},
		{"bybit", "BTCUSDC", "bybit-linear"},
		{"bybit", "BTCPERP", "bybit-linear"},
		{"bybit", "BTC-27DEC24", "bybit-linear"},
		{"bybit", "USD", "bybit-linear"},
		{"bybit", "BTCUSDA25", "bybit-linear"},
		{"deribit", "BTC-PERPETUAL", "deribit"},
		{"bitmex", "XBTUSD", "bitmex"},
		{"okex-swap", "BTC-USD-SWAP", "okx-swap"},
		{"binance-futures", "BTCUSDT", "binance-usdm"},
	} {
		if got := VenueOf(c.exchange, c.symbol); got != c.want {
			t.Errorf("%s %s: %s, want %s", c.exchange, c.symbol, got, c.want)
		}
	}
}

// TestInverseContracts: an inverse swap counted in contracts (OKX's BTC-USD-SWAP: 100
// USD each) reads its amounts as their USD value: 3 contracts are 300 USD.
func TestInverseContracts(t *testing.T) {
	sp := &instrument.Spec{
		ID: instrument.ID{Venue: "okx-swap", Symbol: "BTC-USD-SWAP"}, Kind: instrument.Perpetual, Inverse: true, Base: "BTC", Quote: "USD",
		PriceScale: 1, QtyScale: 0, Tick: 1, Lot: 100, ContractSize: 100,
	}
	book := BookHeader + `
okex-swap,BTC-USD-SWAP,1000,1100,true,bid,56500.1,3
okex-swap,BTC-USD-SWAP,1000,1100,true,ask,56500.2,7
`
	trades := TradeHeader + "\nokex-swap,BTC-USD-SWAP,1500,1600,9,buy,56500.2,2\n"
	files := memFiles{"b": []byte(book), "t": []byte(trades)}
	s, err := OpenStream(StreamOptions{Spec: sp, Book: []string{"b"}, Trades: []string{"t"}, Strict: true, open: files.open})
	if err != nil {
		t.Fatal(err)
	}
	states, tr, err := run(t, s, sp)
	if err != nil {
		t.Fatal(err)
	}
	if len(states) != 1 || states[0] != "56500.1:300 |56500.2:700 " || len(tr) != 1 || !strings.Contains(tr[0], "200") {
		t.Fatalf("states %q, trades %q", states, tr)
	}
}
