package main

import (
	"context"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/nanotick/nanotick/config"
	"github.com/nanotick/nanotick/engine"
)

// TestRecordingSinkForwardsAll checks that recordingSink has every answer method of the
// engine, with the same signature: the gateways find the optional ones by type
// assertion, so one missing would never reach the engine while a session is recorded.
// The engine's market-data and clock methods are not answers: the recorder sees those
// frames on their own path.
func TestRecordingSinkForwardsAll(t *testing.T) {
	notAnswers := map[string]bool{"OnFrame": true, "OnFrameAt": true, "OnEventAt": true, "OnBookUpdated": true,
		"OnBookUpdatedAt": true, "OnTrade": true, "OnTradeAt": true, "OnClock": true}
	et, rt := reflect.TypeOf((*engine.Engine)(nil)), reflect.TypeOf(recordingSink{})
	n := 0
	for k := 0; k < et.NumMethod(); k++ {
		m := et.Method(k)
		if !strings.HasPrefix(m.Name, "On") || notAnswers[m.Name] {
			continue
		}
		n++
		r, ok := rt.MethodByName(m.Name)
		switch {
		case !ok:
			t.Errorf("recordingSink lacks %s%s: with --record-session it would never reach the engine", m.Name, strings.TrimPrefix(m.Type.String(), "func(*engine.Engine"))
		case r.Type.NumIn() != m.Type.NumIn() || r.Type.NumOut() != m.Type.NumOut():
			t.Errorf("recordingSink.%s is %s, the engine's %s", m.Name, r.Type, m.Type)
		default:
			for a := 1; a < m.Type.NumIn(); a++ { // argument 0 is the receiver
				if r.Type.In(a) != m.Type.In(a) {
					t.Errorf("recordingSink.%s argument %d is %s, the engine's %s", m.Name, a, r.Type.In(a), m.Type.In(a))
				}
			}
		}
	}
	if n < 10 {
		t.Errorf("only %d answer methods found on the engine: the test lost its subject", n)
	}
}

// TestRecordedUSDMSessionReachesRisk runs a USD-M session with --record-session's
// recorder in front of the engine: the venue's wallet balance still replaces risk's
// configured collateral, and the venue's funding payments still reach risk (regression:
// recordingSink passed on only acks, fills, cancels and rejections).
func TestRecordedUSDMSessionReachesRisk(t *testing.T) {
	b, err := os.ReadFile("testdata/perp_long.toml")
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.Replace(string(b), "leverage = 125", "leverage = 10\nfunding_interval = \"1s\"", 1)
	doc = strings.Replace(doc, "[venue.binance-usdm]", "collateral = 1000\nmax_leverage = 5\nmax_funding_paid = 1000\n\n[venue.binance-usdm]", 1)
	c, err := config.Parse("testdata/perp_long.toml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	rec, err := openSessionRecorder(t.TempDir(), c, "")
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	logs := &lockedBuffer{}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, err := startSession(ctx, c, sessionOptions{seed: 7, recorder: rec}, zerolog.New(logs).Level(zerolog.InfoLevel))
	if err != nil {
		t.Fatal(err)
	}
	defer s.closeExchange()
	done := make(chan error, 1)
	go func() { done <- s.run(ctx) }()
	paid := func() bool {
		if len(s.futures) != 1 {
			return false
		}
		for _, f := range s.futures[0].gw.Fundings() {
			if !f.Position.IsZero() && !f.Venue.IsZero() {
				return true
			}
		}
		return false
	}
	for ctx.Err() == nil && !paid() {
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // the engine drains the payment on its next pass
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v\n%s", err, logs.String())
	}
	s.shutdown()
	if !paid() {
		t.Fatalf("no funding paid on a held position before the deadline\n%s", logs.String())
	}
	r := s.eng.RiskAt(0)
	// The venue's wallet at the reconciliation (100000 USDT), in price units (2 decimals).
	if got := r.PerpCollateral(); got != 100000_00 {
		t.Errorf("risk's collateral %d hundredths, want the venue's 100000.00 USDT (the config says 1000)", got)
	}
	if r.FundingPaid() == 0 {
		t.Errorf("risk saw no funding; the venue paid %+v", s.futures[0].gw.Fundings())
	}
}
