package backtest

import (
	"bytes"
	"reflect"
	"testing"
	"time"
)

// TestLockstepReadsPerSettings runs, in one lockstep call, runs that read the frames
// differently (transaction time T, a tight feed latency cap, a tight time-jump bound)
// beside runs that read them alike, and wants each report byte-identical to the run's
// alone: the runs are grouped by how they read, each group with its own reader.
func TestLockstepReadsPerSettings(t *testing.T) {
	base := spotBacktest(t)
	f, err := LoadFrames(base, 0)
	if err != nil {
		t.Fatal(err)
	}
	points := func() []Config {
		var cfgs []Config
		for _, tweak := range []func(*Config){
			func(*Config) {},
			func(c *Config) { c.ExchangeTime = TimeTransaction },
			func(c *Config) { c.MaxFeedLatency = 20 * time.Millisecond },
			func(c *Config) { c.MakerFeeBps = 0 },
			func(c *Config) { c.MaxTimeJump = 50 * time.Millisecond },
			func(c *Config) { c.ExchangeTime = TimeTransaction; c.Latency, _ = ConstantLatency(0, 0) },
		} {
			cfg := spotBacktest(t)
			tweak(&cfg)
			cfg.OrderLog = true
			cfgs = append(cfgs, cfg)
		}
		return cfgs
	}
	cfgs, alone := points(), points()
	reps, errs := RunFramesLockstep(cfgs, f)
	for i := range cfgs {
		got := mustJSON(t, reps[i], errs[i])
		want := framesJSON(t, alone[i], f)
		if !bytes.Equal(got, want) {
			t.Fatalf("run %d: the lockstep report differs from the run's alone\n%s", i, firstDiff(got, want))
		}
		if reps[i].Orders.Sent == 0 {
			t.Fatalf("run %d sent no orders: the comparison proves little", i)
		}
	}
	// The settings do change what the runs read: otherwise the groups prove nothing.
	if a, b := mustJSON(t, reps[0], nil), mustJSON(t, reps[1], nil); bytes.Equal(a, b) {
		t.Fatal("reading transaction times changed nothing in the report")
	}
}

// TestNoTearsheet wants a report without its tearsheet to be the full report without
// it, in lockstep as alone.
func TestNoTearsheet(t *testing.T) {
	f, err := LoadFrames(spotBacktest(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	full, err := RunFrames(spotBacktest(t), f)
	if err != nil {
		t.Fatal(err)
	}
	if full.Tearsheet == nil || reflect.DeepEqual(*full.Tearsheet, Tearsheet{}) {
		t.Fatal("the full report has an empty tearsheet: the comparison proves little")
	}
	full.Tearsheet = nil
	want := mustJSON(t, full, nil)
	cfg := spotBacktest(t)
	cfg.NoTearsheet = true
	got := framesJSON(t, cfg, f)
	if !bytes.Equal(got, want) {
		t.Fatalf("without the tearsheet, the report differs otherwise\n%s", firstDiff(got, want))
	}
	cfgs := []Config{spotBacktest(t), spotBacktest(t)}
	for i := range cfgs {
		cfgs[i].NoTearsheet = true
	}
	reps, errs := RunFramesLockstep(cfgs, f)
	for i := range reps {
		if got := mustJSON(t, reps[i], errs[i]); !bytes.Equal(got, want) {
			t.Fatalf("in lockstep, run %d\n%s", i, firstDiff(got, want))
		}
	}
}
