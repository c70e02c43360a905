package binance

import (
	"fmt"
	"testing"

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
