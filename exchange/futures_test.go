package exchange

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/nanotick/nanotick/feeds/binance"
	"github.com/nanotick/nanotick/orderbook"
)

// multiConfig lists BTCUSDT and ETHUSDT spot and the BTCUSDT perpetual.
func multiConfig(seed uint64) Config {
	return Config{Seed: seed, Instruments: []Instrument{BTCUSDT(), ETHUSDT()}, Futures: []FuturesInstrument{BTCUSDTPerp()}}
}

type venueSync struct {
	frames, trades, tickers, decodeErrs int
	firstErr                            error
	counters                            binance.Counters
	state                               binance.SyncState
	checked, mismatches                 int
	mid                                 int64
}

// syncVenue syncs a book of one symbol from the combined streams at streamsURL and
// the REST snapshots at snapshotURL for d, as a client of venue would, and
// cross-checks every bookTicker whose update id is that of an applied depth event.
func syncVenue(t *testing.T, venue binance.Venue, inst binance.Instrument, streamsURL, snapshotURL string, d time.Duration) venueSync {
	t.Helper()
	ws := dial(t, streamsURL)
	type top struct{ bid, ask orderbook.Level }
	tops := map[uint64]top{}
	book := orderbook.New(4096)
	feed, err := binance.NewFeed(venue, inst, book, binance.SyncConfig{OnApply: func(b *orderbook.Book) {
		bid, _ := b.Best(orderbook.Bid)
		ask, _ := b.Best(orderbook.Ask)
		tops[b.UpdateID()] = top{bid, ask}
	}})
	if err != nil {
		t.Fatal(err)
	}
	var res venueSync
	tickers := map[uint64]binance.BookTicker{}
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		ws.SetReadDeadline(end)
		_, msg, err := ws.ReadMessage()
		if err != nil {
			break
		}
		res.frames++
		ev, err := feed.Handle(msg, time.Now().UnixNano())
		if err != nil {
			if res.decodeErrs++; res.firstErr == nil {
				res.firstErr = err
			}
			continue
		}
		switch ev.Kind {
		case binance.KindTrade:
			res.trades++
		case binance.KindBookTicker:
			res.tickers++
			tickers[ev.Ticker.UpdateID] = ev.Ticker
		}
		if feed.Sync().NeedSnapshot() {
			code, body := getBody(t, snapshotURL)
			if code != 200 {
				t.Fatalf("snapshot: %d %s", code, body)
			}
			if _, err := feed.Handle(body, time.Now().UnixNano()); err != nil {
				t.Fatalf("snapshot: %v", err)
			}
		}
	}
	for u, tk := range tickers {
		if tp, ok := tops[u]; ok {
			res.checked++
			if tp.bid != (orderbook.Level{Price: tk.BidPrice, Qty: tk.BidQty}) || tp.ask != (orderbook.Level{Price: tk.AskPrice, Qty: tk.AskQty}) {
				res.mismatches++
			}
		}
	}
	res.counters = feed.Counters()
	res.state = feed.Sync().State()
	res.mid, _ = book.Mid()
	return res
}

// TestFuturesMarketData syncs a USD-M client's book of the BTCUSDT perpetual from the
// local exchange, through the same decoder and sync procedure (pu checked against the
// previous u) that replays the real USD-M recording, and a spot client's ETHUSDT book
// beside it.
func TestFuturesMarketData(t *testing.T) {
	e := startExchange(t, multiConfig(3))
	base := e.FuturesMarketDataURL()
	// Depth and book tickers are /public streams, trades /market (usdm_route.go): the
	// trades are checked on their own connection below.
	perp := syncVenue(t, binance.USDM, binance.Instrument{Symbol: "BTCUSDT", PriceScale: 2, QtyScale: 3},
		base+"/public/stream?streams=btcusdt@depth@0ms/btcusdt@bookTicker",
		e.RESTURL()+"/fapi/v1/depth?symbol=BTCUSDT&limit=1000", 2*time.Second)
	t.Logf("perp %+v", perp)
	if perp.decodeErrs != 0 || perp.counters.Gaps != 0 || perp.counters.Snapshots != 1 || perp.state != binance.Live {
		t.Errorf("perp: %d decode errors (%v), counters %+v, state %v", perp.decodeErrs, perp.firstErr, perp.counters, perp.state)
	}
	if perp.counters.Applied < 20 || perp.checked < 5 || perp.mismatches != 0 {
		t.Errorf("perp: %d applied, %d tickers checked, %d mismatches", perp.counters.Applied, perp.checked, perp.mismatches)
	}
	trades := dial(t, base+"/market/ws/btcusdt@trade")
	trades.SetReadDeadline(time.Now().Add(30 * time.Second))
	if _, b, err := trades.ReadMessage(); err != nil || !strings.Contains(string(b), `"e":"trade"`) {
		t.Errorf("perp trades on /market: %s, %v", b, err)
	}
	eth := syncVenue(t, binance.Spot, binance.Instrument{Symbol: "ETHUSDT", PriceScale: 8, QtyScale: 8},
		e.MarketDataURL()+"/stream?streams=ethusdt@depth@100ms/ethusdt@trade/ethusdt@bookTicker",
		e.RESTURL()+"/api/v3/depth?symbol=ETHUSDT&limit=1000", time.Second)
	if eth.decodeErrs != 0 || eth.counters.Gaps != 0 || eth.state != binance.Live || eth.mid < 1000e8 || eth.mid > 5000e8 {
		t.Errorf("eth: %d decode errors (%v), counters %+v, state %v, mid %d", eth.decodeErrs, eth.firstErr, eth.counters, eth.state, eth.mid)
	}
}

// TestFuturesWire checks the USD-M formats field by field, and that the venues do not
// leak into each other: a spot connection may not subscribe to a futures-only stream and
// a futures connection gets only futures frames.
func TestFuturesWire(t *testing.T) {
	e := startExchange(t, multiConfig(4))
	ws := dial(t, e.FuturesMarketDataURL()+"/ws/btcusdt@depth@0ms")
	ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	var prevU uint64
	for i := range 5 {
		_, msg, err := ws.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		var ev struct {
			E, T       int64
			S          string `json:"s"`
			U          uint64 `json:"U"`
			LastU      uint64 `json:"u"`
			PU         uint64 `json:"pu"`
			Bids, Asks [][2]string
			EventType  string `json:"e"`
		}
		// encoding/json matches keys case-insensitively; decode the ambiguous ones by hand.
		if err := json.Unmarshal(msg, &ev); err != nil {
			t.Fatalf("%s: %v", msg, err)
		}
		var raw map[string]json.RawMessage
		json.Unmarshal(msg, &raw)
		json.Unmarshal(raw["U"], &ev.U)
		json.Unmarshal(raw["u"], &ev.LastU)
		json.Unmarshal(raw["E"], &ev.E)
		json.Unmarshal(raw["T"], &ev.T)
		json.Unmarshal(raw["b"], &ev.Bids)
		json.Unmarshal(raw["a"], &ev.Asks)
		if ev.EventType != "depthUpdate" || ev.S != "BTCUSDT" || ev.E == 0 || ev.T == 0 || ev.U > ev.LastU {
			t.Errorf("event %s", msg)
		}
		if i > 0 && ev.PU != prevU {
			t.Errorf("pu %d, previous u %d", ev.PU, prevU)
		}
		prevU = ev.LastU
		for _, l := range append(ev.Bids, ev.Asks...) {
			p, q, _ := strings.Cut(l[0], ".")
			_, qd, _ := strings.Cut(l[1], ".")
			if len(q) != 2 || len(qd) != 3 || p == "" {
				t.Fatalf("level %v: want 2 and 3 decimals", l)
			}
		}
	}
	_, body := getBody(t, e.RESTURL()+"/fapi/v1/depth?symbol=BTCUSDT&limit=5")
	if !bytes.HasPrefix(body, []byte(`{"lastUpdateId":`)) || !bytes.Contains(body, []byte(`,"E":`)) || !bytes.Contains(body, []byte(`,"T":`)) {
		t.Errorf("snapshot %s", body)
	}
	for _, q := range []struct {
		path string
		code int
	}{
		{"/fapi/v1/depth?symbol=BTCUSDT&limit=7", 400},
		{"/fapi/v1/depth?symbol=ETHUSDT", 400},
		{"/fapi/v1/depth?limit=5", 400},
		{"/fapi/v1/exchangeInfo", 200},
	} {
		if code, body := getBody(t, e.RESTURL()+q.path); code != q.code {
			t.Errorf("%s: %d %s", q.path, code, body)
		}
	}
	_, info := getBody(t, e.RESTURL()+"/fapi/v1/exchangeInfo")
	for _, want := range []string{`"contractType":"PERPETUAL"`, `"tickSize":"0.1"`, `"stepSize":"0.001"`, `"filterType":"MIN_NOTIONAL","notional":"100"`, `"pricePrecision":2`, `"quantityPrecision":3`} {
		if !bytes.Contains(info, []byte(want)) {
			t.Errorf("exchangeInfo lacks %s: %s", want, info)
		}
	}
	// depth@0ms is USD-M's: a spot connection may not subscribe to it.
	spot := dial(t, e.MarketDataURL()+"/stream?streams=btcusdt@trade")
	if err := spot.WriteMessage(1, []byte(`{"method":"SUBSCRIBE","params":["btcusdt@depth@0ms"],"id":1}`)); err != nil {
		t.Fatal(err)
	}
	spot.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		_, msg, err := spot.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(msg, []byte(`"id":1`)) {
			if !bytes.Contains(msg, []byte(`"error"`)) {
				t.Errorf("spot accepted a USD-M stream: %s", msg)
			}
			break
		}
		if bytes.Contains(msg, []byte(`"X":"MARKET"`)) {
			t.Fatalf("a futures trade reached a spot connection: %s", msg)
		}
	}
}

// TestCorrelatedMarkets steps a leader and two followers by hand: the followers' returns
// correlate with the leader's as configured, and the perpetual stays near its spot.
func TestCorrelatedMarkets(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	btc, err := NewMarket(BTCUSDT(), 1, SynthConfig{}, start, nil)
	if err != nil {
		t.Fatal(err)
	}
	eth, err := NewMarket(ETHUSDT(), 2, SynthConfig{}, start, nil)
	if err != nil {
		t.Fatal(err)
	}
	perp, err := newFuturesMarket(BTCUSDTPerp(), 3, SynthConfig{}, start, nil)
	if err != nil {
		t.Fatal(err)
	}
	eth.follow(btc, 0.8)
	perp.follow(btc, 0.95)
	var rb, re []float64
	maxBasis := 0.0
	pb, pe := float64(btc.ref), float64(eth.ref)
	for i := 1; i <= 1000; i++ {
		now := start + int64(i)*int64(100*time.Millisecond)
		btc.Step(now)
		eth.Step(now)
		perp.Step(now)
		rb = append(rb, float64(btc.ref)/pb-1)
		re = append(re, float64(eth.ref)/pe-1)
		pb, pe = float64(btc.ref), float64(eth.ref)
		maxBasis = max(maxBasis, math.Abs(float64(perp.ref)/float64(btc.ref)-1))
	}
	if c := corr(rb, re); c < 0.6 || c > 0.95 {
		t.Errorf("correlation of returns %.3f, want about 0.8", c)
	}
	if maxBasis > 0.002 {
		t.Errorf("the perpetual strayed %.4f from spot", maxBasis)
	}
}

func corr(a, b []float64) float64 {
	var ma, mb float64
	for i := range a {
		ma += a[i]
		mb += b[i]
	}
	ma /= float64(len(a))
	mb /= float64(len(b))
	var sab, saa, sbb float64
	for i := range a {
		sab += (a[i] - ma) * (b[i] - mb)
		saa += (a[i] - ma) * (a[i] - ma)
		sbb += (b[i] - mb) * (b[i] - mb)
	}
	return sab / math.Sqrt(saa*sbb)
}

func TestFuturesConfigErrors(t *testing.T) {
	bad := BTCUSDTPerp()
	bad.Follows = "SOLUSDT"
	fine := BTCUSDTPerp()
	fine.PricePrecision = 0 // tick 0.1 cannot print with no decimals
	for _, cfg := range []Config{
		{Futures: []FuturesInstrument{bad}},
		{Futures: []FuturesInstrument{fine}},
		{Futures: []FuturesInstrument{BTCUSDTPerp(), BTCUSDTPerp()}},
		{Correlation: 2},
	} {
		if e, err := Start(t.Context(), cfg); err == nil {
			e.Close()
			t.Errorf("config %+v accepted", cfg)
		}
	}
}
