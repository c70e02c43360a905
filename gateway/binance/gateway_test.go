package binance

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nanotick/nanotick/exchange"
	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/risk"
	"github.com/rs/zerolog"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestCredentialsNeverPrinted(t *testing.T) {
	c, err := NewCredentials(docKey, docSecret)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	log := zerolog.New(&logs)
	log.Info().Object("creds", c).Interface("any", c).Msg(fmt.Sprintf("%v %+v %#v %s %q", c, c, c, c, c))
	j, _ := json.Marshal(struct{ C Credentials }{c})
	out := logs.String() + string(j) + fmt.Sprint(c) + fmt.Sprintf("%x", c)
	if strings.Contains(out, docSecret) || strings.Contains(out, docKey) || strings.Contains(out, docKey[:12]) {
		t.Fatalf("credentials printed: %s", out)
	}
	if !strings.Contains(out, "vmPU****") {
		t.Fatalf("no masked key in %s", out)
	}
	if _, err := NewCredentials("", "x"); err == nil {
		t.Fatal("empty key accepted")
	}
}

func TestCredentialsFromFileAndEnv(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keys")
	if err := os.WriteFile(path, []byte("# binance\n"+docKey+"\n\n"+docSecret+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := CredentialsFromFile(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("world-readable file accepted: %v", err)
	}
	os.Chmod(path, 0o600)
	c, err := CredentialsFromFile(path)
	if err != nil || c.apiKey != docKey || string(c.secret) != docSecret {
		t.Fatalf("%v %v", c, err)
	}
	t.Setenv("NT_TEST_KEY", docKey)
	t.Setenv("NT_TEST_SECRET", docSecret)
	if c, err := CredentialsFromEnv("NT_TEST_KEY", "NT_TEST_SECRET"); err != nil || c.apiKey != docKey {
		t.Fatalf("%v %v", c, err)
	}
	if _, err := CredentialsFromEnv("NT_TEST_KEY", "NT_TEST_NOPE"); err == nil || strings.Contains(err.Error(), docKey) {
		t.Fatalf("missing secret: %v", err)
	}
}

// venue is a local exchange with one funded account.
func venue(t *testing.T, faults exchange.Faults) *exchange.Exchange {
	t.Helper()
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	ex, err := exchange.Start(ctx, exchange.Config{Seed: 1, Faults: faults,
		Accounts: []exchange.AccountConfig{{APIKey: docKey, Secret: docSecret, Balances: map[string]string{"USDT": "100000", "BTC": "1"}}}})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ex.Close()
		cancel()
		deadline := time.Now().Add(3 * time.Second)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > before {
			buf := make([]byte, 1<<16)
			t.Errorf("goroutines: %d before, %d after\n%s", before, n, buf[:runtime.Stack(buf, true)])
		}
	})
	return ex
}

func newGateway(t *testing.T, ex *exchange.Exchange, logs *lockedBuffer, mutate func(*Config)) *Gateway {
	t.Helper()
	creds, err := NewCredentials(docKey, docSecret)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{URL: ex.WSAPIURL(), Symbol: "BTCUSDT", BaseAsset: "BTC", QuoteAsset: "USDT",
		PriceScale: 2, QtyScale: 5, Credentials: creds, AckTimeout: 300 * time.Millisecond,
		RequestTimeout: 2 * time.Second, BackoffMin: 20 * time.Millisecond, BackoffMax: 100 * time.Millisecond,
		Logger: zerolog.New(logs).Level(zerolog.DebugLevel)}
	if mutate != nil {
		mutate(&cfg)
	}
	g, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// best returns the venue's best bid and ask at price scale 2.
func best(ex *exchange.Exchange) (bid, ask int64) {
	ex.With(func() {
		b := ex.Market("BTCUSDT").Book()
		bid, _, _ = b.Best(exchange.Buy)
		ask, _, _ = b.Best(exchange.Sell)
	})
	return bid / 1e6, ask / 1e6
}

// drainUntil plays the engine's goroutine: it drains the gateway until cond holds.
func drainUntil(t *testing.T, g *Gateway, s *recSink, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		g.Drain(s, time.Now().UnixNano())
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; callbacks %q; counters %+v", what, s.got, g.Counters())
		}
		time.Sleep(time.Millisecond)
	}
}

func has(s *recSink, prefix string) func() bool {
	return func() bool {
		for _, g := range s.got {
			if strings.HasPrefix(g, prefix) {
				return true
			}
		}
		return false
	}
}

func TestGatewayAgainstLocalExchange(t *testing.T) {
	ex := venue(t, exchange.Faults{})
	logs := &lockedBuffer{}
	g := newGateway(t, ex, logs, nil)
	acct, err := g.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if acct.Position.String() != "1" || len(acct.OpenOrders) != 0 || acct.Balances["USDT"].Free.String() != "100000" {
		t.Fatalf("account %+v", acct)
	}
	s := &recSink{}
	bid, ask := best(ex)
	// A post-only buy far below the market rests: ack, then cancel.
	if err := g.Place(&risk.Order{ID: 1, Side: orderbook.Bid, Price: bid - 10000, Qty: 100, PostOnly: true}, time.Now().UnixNano()); err != nil {
		t.Fatal(err)
	}
	drainUntil(t, g, s, 3*time.Second, "ack 1", has(s, "ack 1"))
	if st, _ := g.State(1); st != StateAcked {
		t.Fatalf("state %v", st)
	}
	if err := g.Cancel(1, time.Now().UnixNano()); err != nil {
		t.Fatal(err)
	}
	drainUntil(t, g, s, 3*time.Second, "cancelled 1", has(s, "cancelled 1"))
	// An IOC buy through the ask takes liquidity: fills, then filled or the rest expired.
	if err := g.Place(&risk.Order{ID: 2, Side: orderbook.Bid, Price: ask + 5000, Qty: 100, IOC: true}, time.Now().UnixNano()); err != nil {
		t.Fatal(err)
	}
	drainUntil(t, g, s, 3*time.Second, "fill 2", has(s, "fill 2"))
	drainUntil(t, g, s, 3*time.Second, "order 2 final", func() bool { _, live := g.State(2); return !live })
	// A post-only order that would take is rejected by the venue.
	if err := g.Place(&risk.Order{ID: 3, Side: orderbook.Bid, Price: ask + 5000, Qty: 100, PostOnly: true}, time.Now().UnixNano()); err != nil {
		t.Fatal(err)
	}
	drainUntil(t, g, s, 3*time.Second, "rejected 3", has(s, "rejected 3"))
	// A resting order left open is cancelled by Close.
	if err := g.Place(&risk.Order{ID: 4, Side: orderbook.Ask, Price: ask + 100000, Qty: 100, PostOnly: true}, time.Now().UnixNano()); err != nil {
		t.Fatal(err)
	}
	drainUntil(t, g, s, 3*time.Second, "ack 4", has(s, "ack 4"))
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	if v, _ := ex.Account(docKey); len(v.OpenOrders) != 0 {
		t.Fatalf("open orders after Close: %+v", v.OpenOrders)
	}
	if err := g.Place(&risk.Order{ID: 5, Side: orderbook.Bid, Price: bid, Qty: 100}, 0); err != ErrClosed {
		t.Fatalf("Place after Close: %v", err)
	}
	out := logs.String()
	if strings.Contains(out, docSecret) || strings.Contains(out, docKey) {
		t.Fatalf("credentials in the logs:\n%s", out)
	}
	if !strings.Contains(out, "gateway started") {
		t.Fatalf("logs not captured:\n%s", out)
	}
	t.Logf("callbacks %q", s.got)
}

func TestGatewayRefusesUnknownOpenOrders(t *testing.T) {
	ex := venue(t, exchange.Faults{})
	logs := &lockedBuffer{}
	g1 := newGateway(t, ex, logs, func(c *Config) { c.Prefix = "one-" })
	if _, err := g1.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer g1.Close()
	bid, _ := best(ex)
	s := &recSink{}
	g1.Place(&risk.Order{ID: 1, Side: orderbook.Bid, Price: bid - 10000, Qty: 100, PostOnly: true}, time.Now().UnixNano())
	drainUntil(t, g1, s, 3*time.Second, "ack 1", has(s, "ack 1"))

	g2 := newGateway(t, ex, logs, func(c *Config) { c.Prefix = "two-" })
	if _, err := g2.Start(context.Background()); err == nil || !strings.Contains(err.Error(), "open orders") {
		t.Fatalf("Start with an open order: %v", err)
	}
	g3 := newGateway(t, ex, logs, func(c *Config) { c.Prefix = "three-"; c.CancelOpenOnStart = true })
	acct, err := g3.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer g3.Close()
	if len(acct.OpenOrders) != 0 {
		t.Fatalf("open orders left: %+v", acct.OpenOrders)
	}
	// g1 learns its order was cancelled by someone else.
	drainUntil(t, g1, s, 3*time.Second, "cancelled 1", has(s, "cancelled 1"))
	if strings.Contains(logs.String(), docSecret) {
		t.Fatal("secret in the logs")
	}
}

func TestGatewayStartFailsClosed(t *testing.T) {
	ex := venue(t, exchange.Faults{})
	logs := &lockedBuffer{}
	bad, _ := NewCredentials(docKey, "wrongsecretwrongsecret")
	g := newGateway(t, ex, logs, func(c *Config) { c.Credentials = bad })
	if _, err := g.Start(context.Background()); err == nil {
		t.Fatal("Start with a wrong secret succeeded")
	}
	if err := g.Place(&risk.Order{ID: 1, Side: orderbook.Bid, Price: 1, Qty: 1}, 0); err == nil {
		t.Fatal("Place after a failed Start succeeded")
	}
	g2 := newGateway(t, ex, logs, func(c *Config) { c.URL = "ws://127.0.0.1:1/ws-api/v3" })
	if _, err := g2.Start(context.Background()); err == nil {
		t.Fatal("Start without a venue succeeded")
	}
}

func TestGatewayReconnectResolvesOrders(t *testing.T) {
	ex := venue(t, exchange.Faults{DisconnectEvery: 400 * time.Millisecond})
	logs := &lockedBuffer{}
	g := newGateway(t, ex, logs, nil)
	if _, err := g.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	bid, _ := best(ex)
	s := &recSink{}
	if err := g.Place(&risk.Order{ID: 1, Side: orderbook.Bid, Price: bid - 10000, Qty: 100, PostOnly: true}, time.Now().UnixNano()); err != nil {
		t.Fatal(err)
	}
	drainUntil(t, g, s, 3*time.Second, "ack 1", has(s, "ack 1"))
	drainUntil(t, g, s, 3*time.Second, "a reconnect", func() bool { return g.Counters().Reconnects >= 1 })
	// After the reconnect the order is queried and known to rest again.
	drainUntil(t, g, s, 3*time.Second, "order 1 resolved", func() bool {
		st, _ := g.State(1)
		return st == StateAcked && g.Counters().Queries >= 1
	})
	if n := strings.Count(strings.Join(s.got, ";"), "ack 1"); n != 1 {
		t.Fatalf("acked %d times: %q", n, s.got)
	}
	if strings.Contains(logs.String(), docSecret) {
		t.Fatal("secret in the logs")
	}
}
