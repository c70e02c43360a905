package binance

import (
	"fmt"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/orderbook"
)

// forcedSink records the forced fills a Drain hands over.
type forcedSink struct {
	recSink
	forced []string
}

func (s *forcedSink) OnForcedFill(i instrument.Index, side orderbook.Side, price, qty, fee int64, now int64) {
	s.forced = append(s.forced, fmt.Sprintf("%v %d@%d fee %d", side, qty, price, fee))
}

// TestFuturesForcedFills: what a forced order fills reaches the engine once per
// quantity, by its cumulative quantity, whichever executions carry it (the docs show
// NEW, then TRADE or CALCULATED); a repeated event adds nothing; another forced order
// counts from zero.
func TestFuturesForcedFills(t *testing.T) {
	var halts []string
	g := newTestFutures(t, &halts, nil)
	const liq = "autoclose-1596107620040000020"
	for _, m := range []string{
		orderUpdate(liq, "NEW", "NEW", "0", "0", "0", "0", false),
		orderUpdate(liq, "TRADE", "PARTIALLY_FILLED", "0.001", "0.001", "59000.00", "0.02", false),
		orderUpdate(liq, "CALCULATED", "FILLED", "0.002", "0.003", "58990.10", "0", false),
		orderUpdate(liq, "CALCULATED", "FILLED", "0.002", "0.003", "58990.10", "0", false), // repeated
		orderUpdate("adl_autoclose", "CALCULATED", "FILLED", "0.004", "0.004", "58000.00", "0", false),
	} {
		if err := g.handleEvent([]byte(m)); err != nil {
			t.Fatal(err)
		}
	}
	// A forced fill without a price (neither L nor ap) is an error and books nothing:
	// the next reconciliation reads the position back.
	if err := g.handleEvent([]byte(orderUpdate("autoclose-2", "CALCULATED", "FILLED", "0.001", "0.001", "0", "0", false))); err == nil {
		t.Error("a forced fill without a price was accepted")
	}
	s := &forcedSink{}
	g.Drain(s, 1)
	want := []string{
		fmt.Sprintf("%v 1@5900000 fee 2", orderbook.Bid),
		fmt.Sprintf("%v 2@5899010 fee 0", orderbook.Bid),
		fmt.Sprintf("%v 4@5800000 fee 0", orderbook.Bid),
	}
	if fmt.Sprint(s.forced) != fmt.Sprint(want) {
		t.Errorf("forced fills %q, want %q", s.forced, want)
	}
	if c := g.Counters(); c.ForcedFills != 3 || c.Liquidations != 2 || c.ADLs != 1 {
		t.Errorf("counters %+v", c)
	}
	if len(s.got) != 0 {
		t.Errorf("the forced orders reached the strategy's order table: %q", s.got)
	}
}

// TestFuturesFundingOnTheEventsPosition: an isolated position's FUNDING_FEE carries the
// position it was charged on, which the funding check takes even when the events never
// gave it (a fill whose events were lost: the gateway believed the position flat).
func TestFuturesFundingOnTheEventsPosition(t *testing.T) {
	g := newTestFutures(t, nil, nil)
	fee := `{"e":"ACCOUNT_UPDATE","E":5,"T":4,"a":{"m":"FUNDING_FEE","B":[{"a":"USDT","wb":"99.9","cw":"0","bc":"-0.01800000"}],"P":[{"s":"BTCUSDT","pa":"0.003","ep":"60000","up":"0","mt":"isolated","iw":"35.9","ps":"BOTH"}]}}`
	if err := g.handleEvent([]byte(fee)); err != nil {
		t.Fatal(err)
	}
	g.Drain(&forcedSink{}, 1)
	if f := g.Fundings(); len(f) != 1 || !f[0].Position.Equal(decimal.RequireFromString("0.003")) {
		t.Fatalf("fundings %+v: want the payment on the event's position 0.003", f)
	}
}
