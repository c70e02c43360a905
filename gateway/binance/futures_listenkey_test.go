package binance

import (
	"context"
	"testing"
	"time"

	"github.com/nanotick/nanotick/exchange"
	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/risk"
)

// The listen key's life over loopback (USDⓈ-M Futures, User Data Streams: "Start User
// Data Stream", "Keepalive User Data Stream", "Event: User Data Stream Expired"): a key
// lives 60 minutes unless a PUT extends it; when it lapses the stream gets
// listenKeyExpired and a new key must be started. The local exchange's key lifetime is
// shortened so that both happen within a test.

// startUSDMExchangeKeyLife is startUSDMExchange with listen keys that live life.
func startUSDMExchangeKeyLife(t *testing.T, life time.Duration) *exchange.Exchange {
	t.Helper()
	ex, err := exchange.Start(context.Background(), exchange.Config{Seed: 3,
		Futures:  []exchange.FuturesInstrument{exchange.BTCUSDTPerp()},
		USDM:     exchange.USDMConfig{ListenKeyLifetime: life},
		Accounts: []exchange.AccountConfig{{APIKey: docKey, Secret: docSecret, Balances: map[string]string{"USDT": "100000", "BTC": "1"}}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ex.Close() })
	return ex
}

// TestFuturesKeepAliveHoldsListenKey: keepalives sent well within the key's lifetime
// keep the one key (and its stream) alive past that lifetime: no listenKeyExpired, no
// new key, and a fill still arrives over the first stream. Without the keepalive loop
// the key lapses after 2 s and the stream is reopened (ListenKeyRenewals > 0).
func TestFuturesKeepAliveHoldsListenKey(t *testing.T) {
	ex := startUSDMExchangeKeyLife(t, 2*time.Second)
	g, _, err := startFuturesGateway(t, ex, func(c *FuturesConfig) { c.KeepAlive = 100 * time.Millisecond })
	if err != nil {
		t.Fatal(err)
	}
	s := &syncSink{}
	// 30 keepalives span at least 3 s, half again the key's lifetime. Only a keepalive
	// delayed by more than 1.9 s could let the key lapse.
	drainFut(t, g, s, "30 keepalives", func() bool { return g.Counters().KeepAlives >= 30 })
	_, ask := touch(t, ex)
	o := risk.Order{ID: 1, Side: orderbook.Bid, Price: ask + 5000, Qty: 2, IOC: true}
	if err := g.Place(&o, time.Now().UnixNano()); err != nil {
		t.Fatal(err)
	}
	drainFut(t, g, s, "fill 1", func() bool { return s.has("fill 1") })
	if c := g.Counters(); c.ListenKeyRenewals != 0 || c.Reconnects != 0 {
		t.Errorf("the kept-alive key was replaced: counters %+v", c)
	}
}

// TestFuturesRenewsExpiredListenKey: with no keepalive before the key lapses, the
// stream's listenKeyExpired makes the gateway start a new key and reopen the stream, and
// the order's events reach the engine over the new one.
func TestFuturesRenewsExpiredListenKey(t *testing.T) {
	ex := startUSDMExchangeKeyLife(t, time.Second)
	g, _, err := startFuturesGateway(t, ex, func(c *FuturesConfig) { c.KeepAlive = time.Hour })
	if err != nil {
		t.Fatal(err)
	}
	s := &syncSink{}
	drainFut(t, g, s, "a new listen key", func() bool {
		c := g.Counters()
		return c.ListenKeyRenewals >= 1 && g.ustream.Load() != nil
	})
	_, ask := touch(t, ex)
	o := risk.Order{ID: 1, Side: orderbook.Bid, Price: ask + 5000, Qty: 2, IOC: true}
	if err := g.Place(&o, time.Now().UnixNano()); err != nil {
		t.Fatal(err)
	}
	drainFut(t, g, s, "fill 1 after the renewal", func() bool { return s.has("fill 1") })
	if c := g.Counters(); c.KeepAlives != 0 || c.Malformed != 0 {
		t.Errorf("counters %+v", c)
	}
}
