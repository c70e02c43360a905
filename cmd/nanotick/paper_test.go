package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/nanotick/nanotick/admin"
	"github.com/nanotick/nanotick/config"
	"github.com/nanotick/nanotick/exchange"
	"github.com/nanotick/nanotick/internal/testdata"
)

// TestRunAgainstPaperReplay is "nanotick sim --replay FILE --speed 10" with "nanotick
// run" against it: the local exchange replays the recorded Binance Spot file and
// matches the session's orders against the recorded book and trades (paper trading);
// the market maker, configured as a binance-spot venue pointing at it, gets fills.
func TestRunAgainstPaperReplay(t *testing.T) {
	path := testdata.SharedData(t, "binance-spot-btcusdt-20240808.gz")
	const key, secret = "paper-key-0001", "paper-secret-0001"
	ex, err := exchange.Start(context.Background(), exchange.Config{Replay: path, Speed: 10,
		Accounts: []exchange.AccountConfig{{APIKey: key, Secret: secret, Balances: map[string]string{"USDT": "100000", "BTC": "1"}}}})
	if err != nil {
		t.Fatal(err)
	}
	defer ex.Close()
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "secret")
	if err := os.WriteFile(secretFile, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("NT_PAPER_KEY", key)
	c := testConfig()
	c.Strategies[0].Venue = config.VenueBinanceSpot
	c.Instruments[0].Venue = config.VenueBinanceSpot
	c.Venues.Binance = &config.Binance{WSURL: ex.MarketDataURL(), RESTURL: ex.RESTURL(), WSAPIURL: ex.WSAPIURL(),
		APIKeyEnv: "NT_PAPER_KEY", APISecretFile: secretFile}
	logs := &lockedBuffer{}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := startSession(ctx, c, sessionOptions{}, zerolog.New(logs).Level(zerolog.InfoLevel))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.run(ctx) }()
	var fills uint64
	for deadline := time.Now().Add(28 * time.Second); time.Now().Before(deadline) && fills < 2; {
		time.Sleep(200 * time.Millisecond)
		s.stats.Read(func(st *admin.Stats) { fills = st.Counters.Fills })
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	s.shutdown()
	if fills < 2 {
		t.Fatalf("%d fills against the paper-trading replay; counters %+v\n%s", fills, s.eng.Counters(), logs.String())
	}
	v, _ := ex.Account(key)
	t.Logf("%d fills; exchange position %v, engine position %.5f", fills, v.Position["BTCUSDT"], s.eng.Context().Position())
}
