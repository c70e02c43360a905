package script_test

import (
	"testing"

	"github.com/nanotick/nanotick/internal/enginetest"
	"github.com/nanotick/nanotick/strategy/script"
)

// TestPerpReferencePrices: a script reads a perpetual's mark price, index, funding rate
// and next funding time through book (the default instrument) and through a handle; 0
// before the venue sent them, the mark price frame's values after, and the spot
// instrument's stay 0.
func TestPerpReferencePrices(t *testing.T) {
	src := `const spot = instrument("binance-spot:BTCUSDT");
const perp = instrument("binance-usdm:BTCUSDT");
let first = -1, mark = 0, index = 0, rate = 0, next = 0, spotMark = 0;
function onBook(inst) {
  if (inst !== perp) return;
  if (first < 0) first = perp.book.mark() + perp.book.fundingRate() + perp.book.nextFundingTime();
  mark = perp.book.mark();
  index = perp.book.indexPrice();
  rate = perp.book.fundingRate();
  next = perp.book.nextFundingTime();
  spotMark = spot.book.mark() + book.mark();
}`
	s, err := script.Compile("perp.js", []byte(src), script.Options{})
	if err != nil {
		t.Fatal(err)
	}
	frames := enginetest.Merge(enginetest.LoadFrames(t, enginetest.SpotFile), enginetest.LoadFrames(t, enginetest.USDMFile))
	at := len(frames) / 2
	for frames[at].Instrument != 1 {
		at++
	}
	markFrame := enginetest.Tagged{Instrument: 1, Frame: enginetest.Frame{Local: frames[at].Local,
		Data: []byte(`{"stream":"btcusdt@markPrice@1s","data":{"e":"markPriceUpdate","E":1723161400000,"s":"BTCUSDT","p":"61001.5","i":"61000.25","P":"61000.5","r":"-0.00012500","T":1723161600000}}`)}}
	frames = append(frames[:at:at], append([]enginetest.Tagged{markFrame}, frames[at:]...)...)
	e, v := enginetest.NewEngineWith(t, enginetest.PairConfig(), s)
	if err := e.Start(frames[0].Local); err != nil {
		t.Fatal(err)
	}
	for _, f := range frames {
		if err := e.OnFrameAt(f.Instrument, f.Data, f.Local); err != nil {
			t.Fatal(err)
		}
		v.Answer(f.Local)
	}
	if e.Halted() != nil {
		t.Fatal(e.Halted())
	}
	if global(t, s, "first") != 0 {
		t.Errorf("before the mark frame the script read %v, want 0", global(t, s, "first"))
	}
	for _, c := range []struct {
		name string
		want float64
	}{{"mark", 61001.5}, {"index", 61000.25}, {"rate", -0.000125}, {"next", 1723161600000}, {"spotMark", 0}} {
		if got := global(t, s, c.name); got != c.want {
			t.Errorf("%s = %v, want %v", c.name, got, c.want)
		}
	}
}
