package binance

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nanotick/nanotick/exchange"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/md"
	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/perp"
	"github.com/nanotick/nanotick/risk"
	"github.com/rs/zerolog"
	"github.com/shopspring/decimal"
)

// The loopback tests of the USD-M gateway: the local exchange serves USD-M's WebSocket
// API, REST and user data stream as Binance documents them; the test's goroutine plays
// the engine's (Place, Cancel, Modify and Drain).

func startUSDMExchange(t *testing.T, funding time.Duration) *exchange.Exchange {
	t.Helper()
	ex, err := exchange.Start(context.Background(), exchange.Config{Seed: 3,
		Futures:  []exchange.FuturesInstrument{exchange.BTCUSDTPerp()},
		USDM:     exchange.USDMConfig{FundingInterval: funding},
		Accounts: []exchange.AccountConfig{{APIKey: docKey, Secret: docSecret, Balances: map[string]string{"USDT": "100000", "BTC": "1"}}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ex.Close() })
	return ex
}

// syncSink is a Sink the test reads from its own goroutine.
type syncSink struct {
	mu  sync.Mutex
	got []string
}

func (s *syncSink) add(f string, a ...any) {
	s.mu.Lock()
	s.got = append(s.got, fmt.Sprintf(f, a...))
	s.mu.Unlock()
}
func (s *syncSink) OnAck(id uint64, now int64) { s.add("ack %d", id) }
func (s *syncSink) OnFill(id uint64, price, qty, fee int64, maker bool, now int64) {
	s.add("fill %d %d", id, qty)
}
func (s *syncSink) OnCancelled(id uint64, now int64) { s.add("cancelled %d", id) }
func (s *syncSink) OnRejected(id uint64, reason string, now int64) {
	s.add("rejected %d %s", id, reason)
}
func (s *syncSink) OnModified(id uint64, price, qty, now int64) {
	s.add("modified %d %d@%d", id, qty, price)
}
func (s *syncSink) OnModifyRejected(id uint64, reason string, now int64) {
	s.add("modify-rejected %d %s", id, reason)
}
func (s *syncSink) OnForcedFill(i instrument.Index, side orderbook.Side, price, qty, fee int64, now int64) {
	s.add("forced %d %v %d@%d fee %d", i, side, qty, price, fee)
}
func (s *syncSink) has(prefix string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, g := range s.got {
		if strings.HasPrefix(g, prefix) {
			return true
		}
	}
	return false
}

func startFuturesGateway(t *testing.T, ex *exchange.Exchange, mutate func(*FuturesConfig)) (*FuturesGateway, *FuturesAccount, error) {
	t.Helper()
	creds, _ := NewCredentials(docKey, docSecret)
	cfg := FuturesConfig{APIURL: ex.USDMWSAPIURL(), RESTURL: ex.RESTURL(), StreamURL: ex.FuturesMarketDataURL(),
		Symbol: "BTCUSDT", MarginAsset: "USDT", PriceScale: 2, QtyScale: 3, Credentials: creds,
		Leverage: 5, MarginMode: perp.Isolated, SetMargin: true, RequestTimeout: 20 * time.Second,
		BackoffMin: 20 * time.Millisecond, BackoffMax: 200 * time.Millisecond, Logger: zerolog.Nop()}
	if mutate != nil {
		mutate(&cfg)
	}
	g, err := NewFutures(cfg)
	if err != nil {
		t.Fatal(err)
	}
	acct, err := g.Start(context.Background())
	if err == nil {
		t.Cleanup(func() { g.Close() })
	}
	return g, acct, err
}

// drainUntil drains g into s until cond holds, bounded by a generous deadline that only
// catches a hang.
func drainFut(t *testing.T, g *FuturesGateway, s Sink, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; sink %v", what, s)
		}
		g.Drain(s, time.Now().UnixNano())
		time.Sleep(2 * time.Millisecond)
	}
}

// touch reads the perp's best bid and ask from the exchange's REST depth.
func touch(t *testing.T, ex *exchange.Exchange) (bid, ask int64) {
	t.Helper()
	resp, err := http.Get(ex.RESTURL() + "/fapi/v1/depth?symbol=BTCUSDT&limit=5")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var d struct{ Bids, Asks [][2]string }
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil || len(d.Bids) == 0 || len(d.Asks) == 0 {
		t.Fatalf("depth: %v %+v", err, d)
	}
	return decimal.RequireFromString(d.Bids[0][0]).Shift(2).IntPart(), decimal.RequireFromString(d.Asks[0][0]).Shift(2).IntPart()
}

// TestFuturesOnLocalExchange walks an order's life on the local exchange's USD-M venue:
// a resting GTX order acked, modified in place (same id), queried and cancelled; a GTX
// order that would take refused with -5022; an IOC that takes filled, the position
// following in ACCOUNT_UPDATE; a reduce-only order that would grow the position refused
// with -2022, a FOK that cannot fill whole with -5021, an order beyond the margin with
// -2019 (USDⓈ-M "Error Codes"), each reaching the engine with its code and counted.
func TestFuturesOnLocalExchange(t *testing.T) {
	ex := startUSDMExchange(t, 0)
	g, acct, err := startFuturesGateway(t, ex, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !acct.Position.Amount.IsZero() || len(acct.OpenOrders) != 0 {
		t.Fatalf("account %+v", acct)
	}
	s := &syncSink{}
	now := func() int64 { return time.Now().UnixNano() }
	bid, ask := touch(t, ex)

	// A GTX bid well below the touch rests; modified, it keeps its id.
	o := risk.Order{ID: 1, Side: orderbook.Bid, Price: bid - 50000, Qty: 2, PostOnly: true}
	if err := g.Place(&o, now()); err != nil {
		t.Fatal(err)
	}
	drainFut(t, g, s, "ack 1", func() bool { return s.has("ack 1") })
	o.Price -= 100
	if err := g.Modify(o.ID, o.Side, o.Price, o.Qty, now()); err != nil {
		t.Fatal(err)
	}
	drainFut(t, g, s, "modified 1", func() bool { return s.has("modified 1 2@") })
	if !g.query(1, now()) {
		t.Fatal("order.status not sent")
	}
	if err := g.Cancel(1, now()); err != nil {
		t.Fatal(err)
	}
	drainFut(t, g, s, "cancelled 1", func() bool { return s.has("cancelled 1") })

	// A GTX sell well under the bid would take: USD-M refuses it with -5022.
	bid, ask = touch(t, ex)
	o2 := risk.Order{ID: 2, Side: orderbook.Ask, Price: bid - 5000, Qty: 2, PostOnly: true}
	if err := g.Place(&o2, now()); err != nil {
		t.Fatal(err)
	}
	drainFut(t, g, s, "GTX refused", func() bool { return s.has("rejected 2 venue error -5022") })
	if s.has("fill 2") {
		t.Fatalf("a GTX order took liquidity: %v", s.got)
	}

	// An IOC buy through the ask fills; the position follows.
	_, ask = touch(t, ex)
	o3 := risk.Order{ID: 3, Side: orderbook.Bid, Price: ask + 5000, Qty: 2, IOC: true}
	if err := g.Place(&o3, now()); err != nil {
		t.Fatal(err)
	}
	drainFut(t, g, s, "IOC fill", func() bool { return s.has("fill 3") })
	drainFut(t, g, s, "position 0.002", func() bool { return g.Position().Amount.Equal(decimal.RequireFromString("0.002")) })

	// A reduce-only buy would grow the long: -2022. A FOK priced under the bid cannot
	// fill whole: -5021, never a partial fill.
	bid, ask = touch(t, ex)
	o4 := risk.Order{ID: 4, Side: orderbook.Bid, Price: ask + 5000, Qty: 2, IOC: true, ReduceOnly: true}
	if err := g.Place(&o4, now()); err != nil {
		t.Fatal(err)
	}
	drainFut(t, g, s, "reduce-only refused", func() bool { return s.has("rejected 4 venue error -2022") })
	o5 := risk.Order{ID: 5, Side: orderbook.Bid, Price: bid - 5000, Qty: 2, FOK: true}
	if err := g.Place(&o5, now()); err != nil {
		t.Fatal(err)
	}
	drainFut(t, g, s, "FOK refused", func() bool { return s.has("rejected 5 venue error -5021") })
	// An order far beyond the account's margin: -2019.
	o6 := risk.Order{ID: 6, Side: orderbook.Bid, Price: bid - 5000, Qty: 90000}
	if err := g.Place(&o6, now()); err != nil {
		t.Fatal(err)
	}
	drainFut(t, g, s, "margin refusal", func() bool { return s.has("rejected 6 venue error -2019") })
	if s.has("fill 4") || s.has("fill 5") {
		t.Fatalf("reduce-only or FOK filled: %v", s.got)
	}
	c := g.Counters()
	if c.Placed != 6 || c.RejectMargin != 1 || c.Modifies != 1 || c.Malformed != 0 || c.RejectPostOnly != 1 ||
		c.RejectReduceOnly != 1 || c.RejectFOK != 1 || c.Rejects != 4 || c.RejectOther != 0 {
		t.Errorf("counters %+v", c)
	}
	t.Logf("sink %v", s.got)
}

// TestFuturesRefusesWhatItDidNotExpect: a position the config does not expect, and open
// orders this session did not place, refuse the start; the expected position starts.
func TestFuturesRefusesWhatItDidNotExpect(t *testing.T) {
	ex := startUSDMExchange(t, 0)
	g, _, err := startFuturesGateway(t, ex, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := &syncSink{}
	_, ask := touch(t, ex)
	o := risk.Order{ID: 1, Side: orderbook.Bid, Price: ask + 5000, Qty: 3, IOC: true}
	if err := g.Place(&o, time.Now().UnixNano()); err != nil {
		t.Fatal(err)
	}
	drainFut(t, g, s, "position", func() bool { return g.Position().Amount.Equal(decimal.RequireFromString("0.003")) })
	rest := risk.Order{ID: 2, Side: orderbook.Bid, Price: ask - 100000, Qty: 2, PostOnly: true}
	if err := g.Place(&rest, time.Now().UnixNano()); err != nil {
		t.Fatal(err)
	}
	drainFut(t, g, s, "ack 2", func() bool { return s.has("ack 2") })

	_, _, err = startFuturesGateway(t, ex, nil)
	if err == nil || !strings.Contains(err.Error(), "position of 0.003 BTCUSDT, the config expects 0: refusing to trade") {
		t.Fatalf("unexpected position: %v", err)
	}
	_, _, err = startFuturesGateway(t, ex, func(c *FuturesConfig) { c.ExpectedPosition = decimal.RequireFromString("0.003") })
	if err == nil || !strings.Contains(err.Error(), "1 open orders on BTCUSDT that this session did not place") {
		t.Fatalf("open orders: %v", err)
	}
	// Closing the first gateway cancels its order: the venue is clean for the next.
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := startFuturesGateway(t, ex, func(c *FuturesConfig) { c.ExpectedPosition = decimal.RequireFromString("0.003") }); err != nil {
		t.Fatalf("expected position: %v", err)
	}
}

// TestFuturesReconnectReconciles drops both connections under a resting order: each is
// redialled (the user data stream with a listen key again), the position and open orders
// are read again, the order is queried back to acknowledged, and it can still be
// cancelled; a new order after it fills.
func TestFuturesReconnectReconciles(t *testing.T) {
	ex := startUSDMExchange(t, 0)
	g, _, err := startFuturesGateway(t, ex, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := &syncSink{}
	bid, ask := touch(t, ex)
	o := risk.Order{ID: 1, Side: orderbook.Bid, Price: bid - 50000, Qty: 2, PostOnly: true}
	if err := g.Place(&o, time.Now().UnixNano()); err != nil {
		t.Fatal(err)
	}
	drainFut(t, g, s, "ack 1", func() bool { return s.has("ack 1") })
	g.conn.Load().Close()
	g.ustream.Load().Close()
	drainFut(t, g, s, "both reconnects", func() bool {
		c := g.Counters()
		return c.Reconnects >= 2 && g.conn.Load() != nil && g.ustream.Load() != nil
	})
	drainFut(t, g, s, "order known again", func() bool {
		st, ok := g.State(1)
		return ok && st == StateAcked
	})
	if err := g.Cancel(1, time.Now().UnixNano()); err != nil {
		t.Fatal(err)
	}
	drainFut(t, g, s, "cancelled 1", func() bool { return s.has("cancelled 1") })
	o2 := risk.Order{ID: 2, Side: orderbook.Bid, Price: ask + 5000, Qty: 2, IOC: true}
	if err := g.Place(&o2, time.Now().UnixNano()); err != nil {
		t.Fatal(err)
	}
	drainFut(t, g, s, "fill 2 over the new stream", func() bool { return s.has("fill 2") })
	if c := g.Counters(); c.ListenKeyRenewals < 1 || c.Queries < 1 {
		t.Errorf("counters %+v", c)
	}
}

// TestFuturesFundingOnLocalExchange holds a position over the exchange's short funding
// interval: the FUNDING_FEE payment arrives, and our own computation on the mark the
// venue announced (read from GET /fapi/v1/premiumIndex, as the engine reads the mark
// stream) agrees with it.
func TestFuturesFundingOnLocalExchange(t *testing.T) {
	ex := startUSDMExchange(t, 2*time.Second)
	var mark md.PerpMark
	g, _, err := startFuturesGateway(t, ex, func(c *FuturesConfig) {
		c.MarkSource = func() md.PerpMark { return mark }
	})
	if err != nil {
		t.Fatal(err)
	}
	s := &syncSink{}
	_, ask := touch(t, ex)
	o := risk.Order{ID: 1, Side: orderbook.Bid, Price: ask + 5000, Qty: 3, IOC: true}
	if err := g.Place(&o, time.Now().UnixNano()); err != nil {
		t.Fatal(err)
	}
	drainFut(t, g, s, "position", func() bool { return !g.Position().Amount.IsZero() })
	last := time.Time{}
	var f FundingCheck
	drainFut(t, g, s, "a checked funding payment on the position", func() bool {
		if time.Since(last) > 50*time.Millisecond {
			last = time.Now()
			mark = premiumIndex(t, ex)
		}
		for _, x := range g.Fundings() {
			if x.Checked && !x.Position.IsZero() {
				f = x
				return true
			}
		}
		return false
	})
	if f.Venue.IsZero() || !f.Position.Equal(decimal.RequireFromString("0.003")) {
		t.Fatalf("funding %+v; all %+v; sink %v", f, g.Fundings(), s.got)
	}
	// Ours is perp.FundingPayment on what the engine saw; the venue's is the same
	// formula on the rate and mark it charged at that time (GET /fapi/v1/fundingRate).
	if !f.Ours.Equal(perp.FundingPayment(f.Position, f.Mark, f.Rate)) {
		t.Errorf("ours %s is not perp.FundingPayment(%s, %s, %s)", f.Ours, f.Position, f.Mark, f.Rate)
	}
	rate, markT := fundingAt(t, ex, f.Time)
	if want := perp.FundingPayment(f.Position, markT, rate).Round(8); !f.Venue.Equal(want) {
		t.Errorf("venue paid %s, its own rate %s and mark %s make %s", f.Venue, rate, markT, want)
	}
	// The mark stream announced the rate the venue charged: the two agree to the cent
	// (the marks differ by the last second's move).
	if f.Rate.Equal(rate) && f.Ours.Sub(f.Venue).Abs().GreaterThan(decimal.New(1, -2)) {
		t.Errorf("ours %s, venue %s", f.Ours, f.Venue)
	}
	t.Logf("funding %+v checked=%v", f, f.Checked)
}

// fundingAt returns the rate and mark the exchange charged at funding time ms.
func fundingAt(t *testing.T, ex *exchange.Exchange, ms int64) (rate, mark decimal.Decimal) {
	resp, err := http.Get(ex.RESTURL() + "/fapi/v1/fundingRate?symbol=BTCUSDT")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var hist []struct {
		FundingTime int64           `json:"fundingTime"`
		FundingRate decimal.Decimal `json:"fundingRate"`
		MarkPrice   decimal.Decimal `json:"markPrice"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&hist); err != nil {
		t.Fatal(err)
	}
	for _, h := range hist {
		if h.FundingTime == ms {
			return h.FundingRate, h.MarkPrice
		}
	}
	t.Fatalf("no funding at %d in %+v", ms, hist)
	return
}

func premiumIndex(t *testing.T, ex *exchange.Exchange) md.PerpMark {
	resp, err := http.Get(ex.RESTURL() + "/fapi/v1/premiumIndex?symbol=BTCUSDT")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var p struct {
		MarkPrice       string `json:"markPrice"`
		LastFundingRate string `json:"lastFundingRate"`
		NextFundingTime int64  `json:"nextFundingTime"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
		t.Fatal(err)
	}
	return md.PerpMark{Price: decimal.RequireFromString(p.MarkPrice).Shift(8).IntPart(),
		FundingRate: decimal.RequireFromString(p.LastFundingRate).Shift(10).IntPart(),
		NextFunding: p.NextFundingTime * 1e6, Fields: md.HasMarkPrice | md.HasFundingRate | md.HasNextFunding}
}

// TestFuturesLiquidationHalts: an isolated long at high leverage through a 5% crash is
// liquidated by the exchange: the margin call and the liquidation are counted, the
// strategy is halted (OnHalt) with what happened, and the position the events leave is
// the venue's.
func TestFuturesLiquidationHalts(t *testing.T) {
	ex := startUSDMExchange(t, 0)
	var mu sync.Mutex
	var halts []string
	g, _, err := startFuturesGateway(t, ex, func(c *FuturesConfig) {
		c.Leverage = 50
		c.OnHalt = func(r string) { mu.Lock(); halts = append(halts, r); mu.Unlock() }
	})
	if err != nil {
		t.Fatal(err)
	}
	s := &syncSink{}
	_, ask := touch(t, ex)
	o := risk.Order{ID: 1, Side: orderbook.Bid, Price: ask + 5000, Qty: 3, IOC: true}
	if err := g.Place(&o, time.Now().UnixNano()); err != nil {
		t.Fatal(err)
	}
	drainFut(t, g, s, "position", func() bool { return !g.Position().Amount.IsZero() })
	if err := ex.Shock("BTCUSDT", -0.05); err != nil {
		t.Fatal(err)
	}
	drainFut(t, g, s, "liquidation", func() bool { return g.Counters().Liquidations > 0 })
	drainFut(t, g, s, "flat after liquidation", func() bool { return g.Position().Amount.IsZero() })
	// The liquidation's fill reaches the engine once, as a sale of the whole position,
	// so that its position stays the venue's.
	drainFut(t, g, s, "the forced fill", func() bool { return s.has("forced ") })
	s.mu.Lock()
	var forced []string
	for _, e := range s.got {
		if strings.HasPrefix(e, "forced ") {
			forced = append(forced, e)
		}
	}
	s.mu.Unlock()
	if len(forced) != 1 || !strings.HasPrefix(forced[0], fmt.Sprintf("forced 0 %v 3@", orderbook.Ask)) || g.Counters().ForcedFills != 1 {
		t.Errorf("forced fills %q, counted %d: want one sale of 3", forced, g.Counters().ForcedFills)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(halts) == 0 || !strings.Contains(strings.Join(halts, "\n"), "liquidation on BTCUSDT") {
		t.Errorf("halts %q", halts)
	}
	t.Logf("counters %+v halts %q", g.Counters(), halts)
}
