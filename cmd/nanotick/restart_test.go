package main

import (
	"context"
	"testing"
	"time"

	"github.com/nanotick/nanotick/exchange"
)

// TestSimRestartUnderRunningEngine restarts the local exchange under a running session
// (engine, strategy, risk, gateway) while the market maker has orders resting. The new
// exchange does not know them: the gateway must resolve every one (written off as lost
// after LostAfter, the strategy told, risk's slots freed) without storming the venue:
// status queries stay a few per second, and cancels no more frequent than the strategy's
// normal requoting.
func TestSimRestartUnderRunningEngine(t *testing.T) {
	var lost, openAtRestart int
	var queryRate, cancelRate, baseCancelRate float64
	runSession(t, exchange.Faults{}, 45*time.Second, func(s *session, _ *checkedGateway) {
		// Let the strategy quote and requote for a while: the normal cancel rate.
		time.Sleep(3 * time.Second)
		c0 := s.gw.Counters()
		t0 := time.Now()
		time.Sleep(2 * time.Second)
		c1 := s.gw.Counters()
		baseCancelRate = float64(c1.Cancels-c0.Cancels) / time.Since(t0).Seconds()
		view, _ := s.ex.Account(simAPIKey)
		openAtRestart = len(view.OpenOrders)
		addr := s.ex.Addr()
		s.ex.Close()
		ex2, err := exchange.Start(context.Background(), exchange.Config{Listen: addr, Seed: 8,
			Accounts: []exchange.AccountConfig{{APIKey: simAPIKey, Secret: s.simSecret, Balances: map[string]string{"USDT": "100000", "BTC": "1"}}}})
		if err != nil {
			t.Error(err)
			return
		}
		s.ex = ex2
		before := s.gw.Counters()
		start := time.Now()
		for time.Since(start) < 30*time.Second {
			time.Sleep(200 * time.Millisecond)
			if int(s.gw.Counters().Lost-before.Lost) >= openAtRestart {
				break
			}
		}
		after := s.gw.Counters()
		d := time.Since(start).Seconds()
		lost = int(after.Lost - before.Lost)
		queryRate = float64(after.Queries-before.Queries) / d
		cancelRate = float64(after.Cancels-before.Cancels) / d
		t.Logf("restart with %d open orders: %d lost in %.1fs; %.1f queries/s, %.1f cancels/s (%.1f before); counters %+v",
			openAtRestart, lost, d, queryRate, cancelRate, baseCancelRate, after)
	})
	if openAtRestart == 0 {
		t.Fatal("no order was resting when the exchange restarted")
	}
	if lost < openAtRestart {
		t.Errorf("%d of %d forgotten orders resolved", lost, openAtRestart)
	}
	if queryRate > 20 {
		t.Errorf("%.1f status queries/s after the restart: a storm", queryRate)
	}
	if cancelRate > 2*baseCancelRate+20 {
		t.Errorf("%.1f cancels/s after the restart, %.1f before: a storm", cancelRate, baseCancelRate)
	}
}
