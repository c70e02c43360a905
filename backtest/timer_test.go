package backtest

import (
	"testing"
	"time"

	"github.com/nanotick/nanotick/strategy/script"
)

// iocAtTheBid sends, from its timer only, an IOC buy at the best bid: unless the ask
// came down to it on the way, it takes nothing, and either way the exchange is done
// with it the moment it arrives.
const iocAtTheBid = `
function onBook() {}
function onTimer() {
  if (book.valid()) orders.buy(book.bidPrice(), 0.002, IOC);
}
`

// TestTimersFireOnTime checks that a timer fires at its own time, as live, and not at
// the next frame: its orders leave at the timer's time and the exchange takes them
// when they arrive, on its book as it is then. A timer fired at the next frame sent
// its orders stamped with the timer's time from a later moment, and the exchange,
// already past their arrival, took them on a book from their future: an IOC then
// ended after it arrived.
func TestTimersFireOnTime(t *testing.T) {
	for _, rec := range []string{"spot", "usdm"} {
		t.Run(rec, func(t *testing.T) {
			cfg := recordingBacktest(t, rec)
			var err error
			if cfg.Strategy, err = script.Compile("ioc.js", []byte(iocAtTheBid), script.Options{}); err != nil {
				t.Fatal(err)
			}
			cfg.Engine.Params = nil
			cfg.Engine.TimerInterval = 37 * time.Millisecond
			cfg.Latency, _ = ConstantLatency(time.Millisecond, 2*time.Millisecond)
			cfg.OrderLog = true
			rep, err := Run(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.OrderLog) < 1000 {
				t.Fatalf("%d orders: the test needs the timer's", len(rep.OrderLog))
			}
			first := rep.OrderLog[0].Sent
			for _, o := range rep.OrderLog {
				if o.Status != "expired" && o.Status != "filled" {
					t.Fatalf("order %d %s (%s): want every IOC expired or filled", o.ID, o.Status, o.Reason)
				}
				if (o.Sent-first)%int64(37*time.Millisecond) != 0 {
					t.Fatalf("order %d sent at %d, off the timer's grid from %d", o.ID, o.Sent, first)
				}
				if o.Arrived != o.Sent+int64(time.Millisecond) || o.Ended != o.Arrived {
					t.Fatalf("order %d sent %d, arrived %d, ended %d: want it taken when it arrived, 1 ms after it left", o.ID, o.Sent, o.Arrived, o.Ended)
				}
			}
		})
	}
}
