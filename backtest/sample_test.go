package backtest

import (
	"bytes"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/perp"
)

// TestSamplesShareOnlyWhatIsTheSame checks the shortcut of replay.point (a sample whose
// mark and fills are those of the last one shares its figures): the equity curve, and
// so the whole report, is the one computed in full at every sample, on runs whose
// equity also moves without a fill or a new mark (funding paid on a position).
func TestSamplesShareOnlyWhatIsTheSame(t *testing.T) {
	cases := map[string]func(t *testing.T) Config{
		"spot": func(t *testing.T) Config { return spotBacktest(t) },
		"usdm funding every 10s": func(t *testing.T) Config {
			cfg := usdmRun(t, true)
			cfg.Funding.Constant, cfg.Funding.HasConstant = decimal.RequireFromString("0.002"), true
			cfg.Funding.Schedule = perp.Schedule{Interval: 10 * time.Second, Offset: 3 * time.Millisecond}
			cfg.EquityInterval = 5 * time.Millisecond
			return cfg
		},
	}
	for name, mk := range cases {
		t.Run(name, func(t *testing.T) {
			cfg := mk(t)
			cfg.freshSamples = true
			want := runJSON(t, Run)(cfg)
			got := runJSON(t, Run)(mk(t))
			if !bytes.Equal(got, want) {
				t.Errorf("shared samples differ from samples computed in full:\n%s", firstDiff(got, want))
			}
		})
	}
}
