package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/admin"
	"github.com/nanotick/nanotick/config"
	"github.com/nanotick/nanotick/engine"
	"github.com/nanotick/nanotick/exchange"
	"github.com/nanotick/nanotick/risk"
)

func TestRunDefault(t *testing.T) {
	var out, errOut bytes.Buffer
	code := runRun([]string{"--duration", "4s", "--quiet"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, out.String(), errOut.String())
	}
	s := out.String()
	for _, want := range []string{"summary after", "orders", "tick-to-order", "strategy", "gc "} {
		if !strings.Contains(s, want) {
			t.Errorf("summary lacks %q:\n%s", want, s)
		}
	}
	if regexp.MustCompile(`orders\s+0 sent,`).MatchString(s) {
		t.Errorf("the market maker sent no order in 4s:\n%s", s)
	}
}

func TestRunUsage(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := runRun([]string{"stray"}, &out, &errOut); code != 2 {
		t.Errorf("stray argument: exit %d", code)
	}
	if code := runRun([]string{"--config", "/nonexistent.toml"}, &out, &errOut); code != 2 {
		t.Errorf("missing config: exit %d", code)
	}
}

// lockedBuffer is a log sink written by several goroutines.
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

// checkedGateway fails a test if an order leaves while the engine's book is invalid.
type checkedGateway struct {
	engine.Gateway
	eng     atomic.Pointer[engine.Engine]
	placed  atomic.Int64
	invalid atomic.Int64
}

func (g *checkedGateway) Place(o *risk.Order, now int64) error {
	g.placed.Add(1)
	if e := g.eng.Load(); e != nil && !e.Book().Valid() {
		g.invalid.Add(1)
	}
	return g.Gateway.Place(o, now)
}

// testConfig is the default config with the market maker quoting at the touch, so that
// it is filled within seconds on the synthetic market.
func testConfig() *config.Config {
	c := config.Default()
	params := c.Strategies[0].Params
	for i := range params {
		if params[i].Name == "halfSpreadBps" {
			params[i].Number = 0.05
		}
	}
	return c
}

// runSession runs the default session against the local exchange with faults for d,
// then shuts it down, and returns it with what it logged.
func runSession(t *testing.T, faults exchange.Faults, d time.Duration, during func(s *session, check *checkedGateway)) (*session, *checkedGateway, string) {
	t.Helper()
	logs := &lockedBuffer{}
	log := zerolog.New(logs).Level(zerolog.DebugLevel)
	check := &checkedGateway{}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	s, err := startSession(ctx, testConfig(), sessionOptions{seed: 7, faults: faults,
		wrap: func(g engine.Gateway) engine.Gateway { check.Gateway = g; return check }}, log)
	if err != nil {
		t.Fatal(err)
	}
	check.eng.Store(s.eng)
	done := make(chan error, 1)
	go func() { done <- s.run(ctx) }()
	if during != nil {
		during(s, check)
		cancel()
	}
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	// Shut down without closing the exchange yet, so the test can read its view.
	ex := s.ex
	s.ex = nil
	s.shutdown()
	s.ex = ex
	t.Cleanup(func() { _ = ex.Close() })
	return s, check, logs.String()
}

// TestLiveAgainstLocalExchange is the end-to-end test: the market maker quotes the local
// exchange over loopback websockets and gets filled; afterwards the engine's position
// equals the exchange's, no order is left on the book, and the API secret appears in no
// log line.
func TestLiveAgainstLocalExchange(t *testing.T) {
	// The synthetic market runs on the wall clock, so how soon quotes fill varies: run
	// until a few fills have happened (at most 40s).
	s, check, logs := runSession(t, exchange.Faults{}, 40*time.Second, func(s *session, _ *checkedGateway) {
		deadline := time.Now().Add(39 * time.Second)
		for time.Now().Before(deadline) {
			var fills uint64
			s.stats.Read(func(st *admin.Stats) { fills = st.Counters.Fills })
			if fills >= 3 {
				return
			}
			time.Sleep(200 * time.Millisecond)
		}
	})
	c := s.eng.Counters()
	t.Logf("engine %+v", c)
	if c.OrdersSent == 0 || c.Fills == 0 {
		t.Fatalf("no trading: %+v", c)
	}
	view, ok := s.ex.Account(simAPIKey)
	if !ok {
		t.Fatal("no account at the exchange")
	}
	enginePos := decimal.NewFromFloat(s.eng.Context().Position())
	if !view.Position["BTCUSDT"].Equal(enginePos) {
		t.Errorf("engine position %s, exchange position %s", enginePos, view.Position["BTCUSDT"])
	}
	// PnL: the exchange values the position at its own mid of this moment, the engine at
	// the last mid it saw, so compare what does not depend on the mark: the quote
	// currency that changed hands. At the exchange it is the USDT balance's change; in
	// the engine, realized PnL minus fees minus the open position's entry value.
	ctx := s.eng.Context()
	usdt := view.Balances["USDT"]
	exCash := usdt.Free.Add(usdt.Locked).Sub(decimal.NewFromInt(100000))
	engineCash := decimal.NewFromFloat(ctx.RealizedPnL() - ctx.Fees() - ctx.Position()*ctx.AvgEntry())
	if d := engineCash.Sub(exCash).Abs(); d.GreaterThan(decimal.RequireFromString("0.0001")) {
		t.Errorf("quote flow: engine %s, exchange %s", engineCash, exCash)
	}
	t.Logf("position %s, quote flow %s, exchange PnL %s", enginePos, exCash, view.PnL["BTCUSDT"])
	if len(view.OpenOrders) != 0 {
		t.Errorf("%d orders left on the exchange after shutdown", len(view.OpenOrders))
	}
	if check.invalid.Load() != 0 {
		t.Errorf("%d orders sent from an invalid book", check.invalid.Load())
	}
	if strings.Contains(logs, s.simSecret) {
		t.Error("the API secret appears in the logs")
	}
}

// TestLiveSurvivesFaults runs against an exchange that drops depth messages, sends
// malformed frames and disconnects every few seconds: the book resyncs, malformed
// frames are counted and skipped, no order leaves from an invalid book, and nothing is
// left on the exchange's book at the end.
func TestLiveSurvivesFaults(t *testing.T) {
	faults := exchange.Faults{DropRate: 0.05, MalformedRate: 0.05, DisconnectEvery: 4 * time.Second}
	s, check, _ := runSession(t, faults, 12*time.Second, nil)
	fc := s.feed.Counters()
	sc := s.eng.Sync().Counters()
	t.Logf("feed %+v; sync %+v; engine %+v", fc, sc, s.eng.Counters())
	if fc.Reconnects == 0 {
		t.Error("no reconnect despite disconnects every 4s")
	}
	if sc.Gaps == 0 || fc.Snapshots < 2 {
		t.Errorf("gaps %d, snapshots %d: dropped messages did not force a resync", sc.Gaps, fc.Snapshots)
	}
	if fc.Malformed == 0 {
		t.Error("no malformed frame counted")
	}
	if check.invalid.Load() != 0 {
		t.Errorf("%d orders sent from an invalid book", check.invalid.Load())
	}
	if check.placed.Load() == 0 {
		t.Error("no order placed: the run exercised nothing")
	}
	view, _ := s.ex.Account(simAPIKey)
	if len(view.OpenOrders) != 0 {
		t.Errorf("%d orphaned orders on the exchange", len(view.OpenOrders))
	}
}

// TestKillSwitch pulls the kill switch from another goroutine mid-run: every order is
// cancelled at the exchange while the session keeps running, and no order is sent after.
func TestKillSwitch(t *testing.T) {
	var afterHalt int64
	var openAfter int
	s, check, _ := runSession(t, exchange.Faults{}, 10*time.Second, func(s *session, check *checkedGateway) {
		time.Sleep(4 * time.Second)
		s.eng.Halt()
		time.Sleep(time.Second)
		afterHalt = check.placed.Load()
		view, _ := s.ex.Account(simAPIKey)
		openAfter = len(view.OpenOrders)
		time.Sleep(3 * time.Second)
	})
	if afterHalt == 0 {
		t.Fatal("no order before the halt: the test exercised nothing")
	}
	if openAfter != 0 {
		t.Errorf("%d orders still open a second after the kill switch", openAfter)
	}
	if n := check.placed.Load(); n != afterHalt {
		t.Errorf("%d orders sent after the kill switch", n-afterHalt)
	}
	if s.eng.Risk().State() != risk.Halted {
		t.Errorf("risk state %v after the kill switch", s.eng.Risk().State())
	}
}

// TestAdminEndpoints runs a session with its admin server: /metrics shows the engine's
// orders, and POST /halt pulls the kill switch.
func TestAdminEndpoints(t *testing.T) {
	var haltedBy string
	_, _, _ = runSession(t, exchange.Faults{}, 8*time.Second, func(s *session, check *checkedGateway) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		srv, err := s.startAdmin(ctx, "127.0.0.1:0", nil)
		if err != nil {
			t.Error(err)
			return
		}
		defer srv.Shutdown(context.Background())
		time.Sleep(4 * time.Second)
		if resp, err := http.Post("http://"+srv.Addr()+"/halt", "application/json", nil); err != nil {
			t.Error(err)
		} else if resp.Body.Close(); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("POST /halt without the token: %s", resp.Status)
		}
		body := httpGetAuth(t, "http://"+srv.Addr()+"/metrics", srv.Token())
		for _, want := range []string{"nanotick_orders_sent_total", `nanotick_latency_seconds{stage="tick-to-order"`, `nanotick_feed_frames_total{source="binance"}`} {
			if !strings.Contains(body, want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
		req, _ := http.NewRequest(http.MethodPost, "http://"+srv.Addr()+"/halt", nil)
		req.Header.Set("Authorization", "Bearer "+srv.Token())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			return
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("POST /halt: %s", resp.Status)
		}
		time.Sleep(500 * time.Millisecond)
		haltedBy = s.eng.Risk().State().String()
	})
	if haltedBy != risk.Halted.String() {
		t.Errorf("risk state after POST /halt: %s", haltedBy)
	}
}

func httpGetAuth(t *testing.T, url, token string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func httpGet(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestBinanceCredentials(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	if err := os.WriteFile(secret, []byte("s3cr3t\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("NT_TEST_KEY", "k3y")
	t.Setenv("NT_TEST_SECRET", "envsecret")
	creds, err := binanceCredentials(&config.Binance{APIKeyEnv: "NT_TEST_KEY", APISecretFile: secret})
	if err != nil {
		t.Fatal(err)
	}
	if s := fmt.Sprintf("%v %+v %s", creds, creds, creds.Masked()); strings.Contains(s, "s3cr3t") || strings.Contains(s, "k3y") {
		t.Errorf("credentials print unmasked: %s", s)
	}
	if _, err := binanceCredentials(&config.Binance{APIKeyEnv: "NT_TEST_KEY"}); err != nil {
		t.Errorf("key and secret from the environment: %v", err)
	}
	if err := os.Chmod(secret, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := binanceCredentials(&config.Binance{APIKeyEnv: "NT_TEST_KEY", APISecretFile: secret}); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("world-readable secret file: err = %v", err)
	}
	if _, err := binanceCredentials(&config.Binance{APIKeyEnv: "NT_TEST_NOPE_KEY"}); err == nil {
		t.Error("missing environment variables accepted")
	}
}
