package risk

import (
	"bytes"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/nanotick/nanotick/orderbook"
)

// TestLogsPrintDecimals checks that the rejection and halt log lines print prices,
// quantities and money as the decimals a person reads, not the fixed-point integers
// risk computes in ("price":6000000500000 was unreadable).
func TestLogsPrintDecimals(t *testing.T) {
	var buf bytes.Buffer
	c := newChecker(t, func(c *Config) { c.Logger = zerolog.New(&buf) })
	c.Check(buy(1, "60000.005", "0.1"), nil, t0)
	c.acct.fill(orderbook.Bid, v("60000"), v("0.25"), 0) // a position of 0.25 bought at 60000
	c.Mark(t0, v("59990"))                               // marked 2.5 down
	c.Halt(ReasonHalted)
	c.Mark(t0+ms, 0) // the kill switch takes effect on the tick goroutine
	out := buf.String()
	for _, want := range []string{`"price":60000.005,"qty":0.1`, `"position":0.25,"equity":-2.5`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s:\n%s", want, out)
		}
	}
}
