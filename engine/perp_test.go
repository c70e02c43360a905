package engine_test

import (
	"math"
	"testing"

	"github.com/nanotick/nanotick/internal/enginetest"
	"github.com/nanotick/nanotick/strategy"
)

// markReader reads the perpetual's reference prices in every book callback.
type markReader struct {
	strategy.Base
	mark, rate, next []float64
}

func (s *markReader) OnBook(ctx *strategy.Context) error {
	m := ctx.MarketAt(0)
	s.mark = append(s.mark, m.MarkPrice())
	s.rate = append(s.rate, m.FundingRate())
	s.next = append(s.next, m.NextFundingTime())
	return nil
}

// TestMarkPriceReachesStrategy replays the USD-M recording with a mark price frame
// spliced in: before it the strategy reads NaN (no mark yet), after it the venue's mark,
// funding rate and next funding time.
func TestMarkPriceReachesStrategy(t *testing.T) {
	frames := enginetest.LoadFrames(t, enginetest.USDMFile)
	mid := len(frames) / 2
	mark := enginetest.Frame{Local: frames[mid].Local,
		Data: []byte(`{"stream":"btcusdt@markPrice@1s","data":{"e":"markPriceUpdate","E":1723161400000,"s":"BTCUSDT","p":"61001.12345678","i":"61000.5","P":"61000.5","r":"0.00010000","T":1723161600000}}`)}
	spliced := append(append(append([]enginetest.Frame{}, frames[:mid]...), mark), frames[mid:]...)
	s := &markReader{}
	e, v := enginetest.NewEngineWith(t, enginetest.USDMConfig(), s)
	enginetest.Replay(t, e, v, spliced)
	if len(s.mark) == 0 {
		t.Fatal("no book callbacks")
	}
	if !math.IsNaN(s.mark[0]) || !math.IsNaN(s.rate[0]) || !math.IsNaN(s.next[0]) {
		t.Fatalf("before any mark frame: mark %v rate %v next %v, want NaN", s.mark[0], s.rate[0], s.next[0])
	}
	last := len(s.mark) - 1
	if s.mark[last] != 61001.12345678 || s.rate[last] != 0.0001 || s.next[last] != 1723161600000 {
		t.Fatalf("after the mark frame: mark %v rate %v next %v", s.mark[last], s.rate[last], s.next[last])
	}
	if c := e.Counters(); c.Malformed != 0 {
		t.Fatalf("%d malformed frames", c.Malformed)
	}
}
