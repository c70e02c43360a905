package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/nanotick/nanotick/admin"
	"github.com/nanotick/nanotick/config"
	"github.com/nanotick/nanotick/exchange"
)

// TestParityNamesFees records a session on a local exchange that charges 10 bps on
// every fill, with quotes tight enough to fill within seconds, until a few fills, and backtests it without
// fees: parity must find matched fills charged differently and name the fee model.
func TestParityNamesFees(t *testing.T) {
	if testing.Short() {
		t.Skip("trades the local exchange for a few seconds")
	}
	// The session runs a config file, so that the backtest reads the same tight quotes.
	dir, cfgFile := t.TempDir(), filepath.Join(t.TempDir(), "tight.toml")
	toml := bytes.Replace(config.DefaultTOML(), []byte("halfSpreadBps = 0.3"), []byte("halfSpreadBps = 0.05"), 1)
	if err := os.WriteFile(cfgFile, toml, 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load(cfgFile)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := openSessionRecorder(dir, c, cfgFile)
	if err != nil {
		t.Fatal(err)
	}
	// The synthetic market runs on the wall clock: trade until a few fills (at most 30s).
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := startSession(ctx, c, sessionOptions{seed: 7, recorder: rec,
		commission: exchange.Commission{Maker: "0.001", Taker: "0.001"}}, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.run(ctx) }()
	for ctx.Err() == nil {
		var fills uint64
		s.stats.Read(func(st *admin.Stats) { fills = st.Counters.Fills })
		if fills >= 4 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(time.Second) // the last fills' answers and the market data after them
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	s.shutdown()
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	r, out := runParityJSON(t, dir, "--queue-model", "power_law")
	t.Logf("10 bps charged live, none in the backtest:\n%s", out)
	if r.FillsMatched == 0 {
		t.Fatalf("no matched fills to compare fees on: %+v", r)
	}
	if r.FeeDiffs == 0 || !strings.Contains(strings.Join(r.Explanations, "\n"), "fees: ") {
		t.Errorf("fee diffs %d, explanations %q: want the fee model named", r.FeeDiffs, r.Explanations)
	}
}
