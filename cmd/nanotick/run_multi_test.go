package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/config"
	"github.com/nanotick/nanotick/engine"
	gwbinance "github.com/nanotick/nanotick/gateway/binance"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/risk"
	livesession "github.com/nanotick/nanotick/session"
)

// routeCheck wraps one instrument's gateway and records which instruments' orders it
// was given: each gateway must only ever see its own instrument's.
type routeCheck struct {
	engine.Gateway
	mu   sync.Mutex
	seen map[instrument.Index]int
}

func (g *routeCheck) Place(o *risk.Order, now int64) error {
	g.mu.Lock()
	g.seen[o.Instrument]++
	g.mu.Unlock()
	return g.Gateway.Place(o, now)
}

func (g *routeCheck) instruments() map[instrument.Index]int {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := map[instrument.Index]int{}
	for k, v := range g.seen {
		out[k] = v
	}
	return out
}

// runMulti starts a session of config file, runs it until until reports true (polled,
// at most 60s: a bound on a hang, not a timing assertion), and shuts it down, keeping
// the local exchange open for the test to read.
func runMulti(t *testing.T, file string, wrap func(engine.Gateway) engine.Gateway, until func(s *session) bool) *session {
	t.Helper()
	c, err := config.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	return runMultiConfig(t, c, wrap, until)
}

func runMultiConfig(t *testing.T, c *config.Config, wrap func(engine.Gateway) engine.Gateway, until func(s *session) bool) *session {
	t.Helper()
	logs := &lockedBuffer{}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, err := startSession(ctx, c, sessionOptions{seed: 7, wrap: wrap}, zerolog.New(logs).Level(zerolog.InfoLevel))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.run(ctx) }()
	for ctx.Err() == nil && !until(s) {
		time.Sleep(100 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v\n%s", err, logs.String())
	}
	ex := s.ex
	s.ex = nil
	s.shutdown()
	s.ex = ex
	t.Cleanup(func() { _ = ex.Close() })
	if t.Failed() {
		t.Log(logs.String())
	}
	return s
}

// TestRunPairSim is examples/pair_sim.toml: one strategy trades BTCUSDT and ETHUSDT spot
// on the local exchange, both books over one combined-stream connection read on the
// engine's goroutine, each instrument with its own gateway; both get fills, the JSON
// summary lists both, and the engine's position in each equals the exchange's.
func TestRunPairSim(t *testing.T) {
	s := runMulti(t, "../../examples/pair_sim.toml", nil, func(s *session) bool {
		return s.tally.fills[0].Load() > 0 && s.tally.fills[1].Load() > 0
	})
	file := filepath.Join(t.TempDir(), "s.json")
	if err := s.writeRunJSON(file, time.Now()); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Instruments []struct {
			Name     string
			Fills    uint64
			Volume   decimal.Decimal
			Position decimal.Decimal
			PnL      decimal.Decimal `json:"pnl"`
		} `json:"instruments"`
		Result struct {
			PnL decimal.Decimal `json:"pnl"`
		} `json:"result"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Instruments) != 2 || r.Instruments[0].Name != "binance-spot:BTCUSDT" || r.Instruments[1].Name != "binance-spot:ETHUSDT" {
		t.Fatalf("instruments %+v", r.Instruments)
	}
	for _, in := range r.Instruments {
		if in.Fills == 0 || !in.Volume.IsPositive() {
			t.Errorf("%s: %d fills, volume %s", in.Name, in.Fills, in.Volume)
		}
	}
	if !r.Result.PnL.Equal(r.Instruments[0].PnL.Add(r.Instruments[1].PnL)) {
		t.Errorf("total pnl %s is not the sum of %s and %s", r.Result.PnL, r.Instruments[0].PnL, r.Instruments[1].PnL)
	}
	view, ok := s.ex.Account(simAPIKey)
	if !ok {
		t.Fatal("no account at the exchange")
	}
	for k, sym := range []string{"BTCUSDT", "ETHUSDT"} {
		if got, want := r.Instruments[k].Position, view.Position[sym]; !got.Equal(want) {
			t.Errorf("%s: engine position %s, exchange position %s", sym, got, want)
		}
	}
	c := s.live.MarketData()
	if len(c) != 1 {
		t.Fatalf("%d market-data connections, want one combined stream for both symbols", len(c))
	}
	if fc := c[0].Counters(); fc.Snapshots < 2 || fc.Malformed != 0 {
		t.Errorf("feed counters %+v: want a snapshot per symbol and no malformed frame", fc)
	}
}

// TestRunPairSimCommand runs examples/pair_sim.toml as the command line does, briefly:
// it exits 0 and its JSON summary has both instruments.
func TestRunPairSimCommand(t *testing.T) {
	file := filepath.Join(t.TempDir(), "s.json")
	var out, errOut bytes.Buffer
	if code := runRun([]string{"--config", "../../examples/pair_sim.toml", "--duration", "3s", "--quiet", "--json", file}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, out.String(), errOut.String())
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Instruments []struct{ Name string } `json:"instruments"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Instruments) != 2 {
		t.Errorf("instruments %+v", r.Instruments)
	}
	if !bytes.Contains(out.Bytes(), []byte("position  binance-spot:ETHUSDT")) {
		t.Errorf("summary lacks the ETHUSDT position:\n%s", out.String())
	}
}

// TestRunTwoVenues: Binance Spot and Binance USD-M market data, both served by the local
// exchange, feed one engine goroutine over two connections (the perpetual's through the
// ring); both books sync, and each order goes to its own instrument's gateway: the spot
// ones to the Binance gateway, the perpetual's to the USD-M one, which places them.
func TestRunTwoVenues(t *testing.T) {
	var mu sync.Mutex
	var checks []*routeCheck
	wrap := func(g engine.Gateway) engine.Gateway {
		rc := &routeCheck{Gateway: g, seen: map[instrument.Index]int{}}
		mu.Lock()
		checks = append(checks, rc)
		mu.Unlock()
		return rc
	}
	routed := func() (spot, perp int) {
		mu.Lock()
		defer mu.Unlock()
		for _, rc := range checks {
			seen := rc.instruments()
			if _, ok := rc.Gateway.(*gwbinance.Gateway); ok {
				spot += seen[0]
			} else {
				perp += seen[1]
			}
		}
		return spot, perp
	}
	s := runMulti(t, "testdata/two_venues.toml", wrap, func(s *session) bool {
		spot, perp := routed()
		return spot > 0 && perp > 0
	})
	// USD-M is on two connections, as Binance routes it: depth on /public (with its
	// snapshots), trades and the mark price on /market (none).
	mds := s.live.MarketData()
	if len(mds) != 3 || mds[0].Name() != "binance-spot" || mds[1].Name() != "binance-usdm" || mds[2].Name() != "binance-usdm/market" {
		t.Fatalf("connections %v", mds)
	}
	for _, md := range mds {
		c := md.Counters()
		if c.Frames == 0 || c.Malformed != 0 || (c.Snapshots == 0) != (md.Name() == "binance-usdm/market") {
			t.Errorf("%s: %+v", md.Name(), c)
		}
	}
	spot, perp := routed()
	if spot == 0 || perp == 0 {
		t.Errorf("orders: %d spot, %d perp", spot, perp)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(checks) != 2 {
		t.Fatalf("%d gateways, want 2", len(checks))
	}
	for _, rc := range checks {
		seen := rc.instruments()
		_, isSpot := rc.Gateway.(*gwbinance.Gateway)
		want, name := instrument.Index(1), "perpetual's"
		if isSpot {
			want, name = 0, "spot"
		}
		for i, n := range seen {
			if i != want {
				t.Errorf("the %s gateway got %d orders of instrument %d", name, n, i)
			}
		}
	}
	c := s.eng.Counters()
	if c.SendFailures != 0 || len(s.futures) != 1 || s.futures[0].gw.Counters().Placed == 0 {
		t.Errorf("the perpetual's orders did not reach the USD-M venue: %+v", c)
	}
	for i := range 2 {
		if !s.eng.BookAt(instrument.Index(i)).Valid() {
			t.Errorf("book %d not valid at the end", i)
		}
	}
}

// TestRunTwoVenuesBusyPoll is TestRunTwoVenues' market data with busy polling: the
// engine's connection polls and drains the other connection's ring between polls; both
// books sync and both instruments' frames reach the engine.
func TestRunTwoVenuesBusyPoll(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOMAXPROCS(0) < 2 {
		t.Skip("busy polling needs unix sockets and two processors")
	}
	c, err := config.Load("testdata/two_venues.toml")
	if err != nil {
		t.Fatal(err)
	}
	c.Latency.BusyPoll = true
	s := runMultiConfig(t, c, nil, func(s *session) bool {
		for _, md := range s.live.MarketData() {
			if c := md.Counters(); (c.Snapshots == 0 && !bookless(md)) || c.Frames < 20 {
				return false
			}
		}
		return true
	})
	for _, md := range s.live.MarketData() {
		if c := md.Counters(); c.Frames < 20 || (c.Snapshots == 0) != bookless(md) {
			t.Errorf("%s: %+v", md.Name(), c)
		}
	}
	if c := s.eng.Counters(); c.Frames < 40 || c.Malformed != 0 {
		t.Errorf("engine %+v", c)
	}
}

// bookless reports whether md carries no book (USD-M's /market connection): it fetches
// no snapshot.
func bookless(md livesession.MarketData) bool {
	sup, ok := md.(livesession.Supplementary)
	return ok && sup.Supplementary()
}
