package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// exampleFiles are the files the example configs name. Those not in the repository yet
// are stubbed, so that the examples are checked for everything but the files' presence.
var exampleFiles = []string{
	"strategies/market_maker.js",
	"strategies/pair_mm.js",
	"strategies/spot_perp_mm.js",
	"recordings/binance-spot-btcusdt-20240808.gz",
}

// exampleData is where examples/backtest.toml finds its recording, the shared data beside
// the repository; a staged copy of the example names a stub in recordings/ instead.
const exampleData = "../../shared/data/binance-spot-btcusdt-20240808.gz"

// stageExample copies examples/name into a temporary directory with the files it names,
// and returns the copied config's path.
func stageExample(t *testing.T, name string) string {
	t.Helper()
	dir := t.TempDir()
	data, err := os.ReadFile(filepath.Join("..", "examples", name))
	if err != nil {
		t.Fatal(err)
	}
	staged := strings.ReplaceAll(string(data), exampleData, "recordings/binance-spot-btcusdt-20240808.gz")
	writeFile(t, filepath.Join(dir, name), staged, 0o644)
	for _, f := range exampleFiles {
		text := ""
		if real, err := os.ReadFile(filepath.Join("..", "examples", f)); err == nil {
			text = string(real)
		} else {
			t.Logf("examples/%s does not exist yet; stubbed", f)
		}
		writeFile(t, filepath.Join(dir, f), text, 0o644)
	}
	return filepath.Join(dir, name)
}

func TestExamples(t *testing.T) {
	for _, name := range []string{"nanotick.toml", "backtest.toml", "pair_sim.toml", "spot_perp_sim.toml"} {
		t.Run(name, func(t *testing.T) {
			c, err := Load(stageExample(t, name))
			if err != nil {
				t.Fatalf("example does not load:\n%v", err)
			}
			if len(c.Warnings) != 0 {
				t.Errorf("example draws warnings: %v", c.Warnings)
			}
		})
	}
	t.Run("backtest table", func(t *testing.T) {
		c, err := Load(stageExample(t, "backtest.toml"))
		if err != nil {
			t.Fatal(err)
		}
		if c.Backtest == nil || len(c.Backtest.Data) != 1 || c.Backtest.TakerFeeBps != 4.5 {
			t.Errorf("backtest = %+v", c.Backtest)
		}
	})
}

// TestExamplesInRepo loads the examples where they are: "nanotick config check
// examples/backtest.toml" must pass where the shared data is.
func TestExamplesInRepo(t *testing.T) {
	if _, err := os.Stat(filepath.Join("..", "examples", exampleData)); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("examples/backtest.toml names %s: %v", exampleData, err)
		}
		t.Skipf("the shared data examples/backtest.toml names is absent: %v", err)
	}
	for _, name := range []string{"nanotick.toml", "backtest.toml", "pair_sim.toml", "spot_perp_sim.toml"} {
		if _, err := Load(filepath.Join("..", "examples", name)); err != nil {
			t.Errorf("examples/%s:\n%v", name, err)
		}
	}
}

// TestExampleDefaults checks that the values examples/nanotick.toml writes out for the
// optional tables are the defaults it documents, by comparing them with a config that
// omits them.
func TestExampleDefaults(t *testing.T) {
	ex, err := Load(stageExample(t, "nanotick.toml"))
	if err != nil {
		t.Fatal(err)
	}
	def := mustParse(t, base+"[venue.binance]\n")
	if ex.Engine != def.Engine {
		t.Errorf("example [engine] = %+v, defaults = %+v", ex.Engine, def.Engine)
	}
	if ex.Admin != def.Admin {
		t.Errorf("example [admin] = %+v, defaults = %+v", ex.Admin, def.Admin)
	}
	if *ex.Venues.Binance != *def.Venues.Binance {
		t.Errorf("example [venue.binance] = %+v, defaults = %+v", *ex.Venues.Binance, *def.Venues.Binance)
	}
	el, dl := ex.Latency, def.Latency
	if el.HistogramMax != dl.HistogramMax || el.SlowTickThreshold != dl.SlowTickThreshold ||
		len(el.ReportPercentiles) != len(dl.ReportPercentiles) {
		t.Errorf("example [latency] = %+v, defaults = %+v", el, dl)
	}
	for i := range el.ReportPercentiles {
		if el.ReportPercentiles[i] != dl.ReportPercentiles[i] {
			t.Errorf("example report_percentiles = %v, default %v", el.ReportPercentiles, dl.ReportPercentiles)
		}
	}
	if ex.Risk.StartState != def.Risk.StartState || ex.Strategies[0].Language != def.Strategies[0].Language {
		t.Error("example start_state or language differs from the default")
	}
	in := ex.Instruments[0]
	if in.PriceDecimals != venueDecimals[in.Venue][0] || in.QtyDecimals != venueDecimals[in.Venue][1] {
		t.Errorf("example decimals %d/%d differ from %s's defaults", in.PriceDecimals, in.QtyDecimals, in.Venue)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(base))
	f.Add(DefaultTOML())
	seeds, _ := filepath.Glob("testdata/*.toml")
	seeds = append(seeds, "../examples/nanotick.toml", "../examples/backtest.toml")
	for _, s := range seeds {
		if data, err := os.ReadFile(s); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("a = [[[[[[1]]]]]]\nb = {c = {d = {e = 1}}}\n[[x.y]]\n[x.y.z]\n"))
	f.Add([]byte("[[strategy]]\n[strategy.params]\n\"\" = 1\n[[strategy]]\nparams.\"a.b\" = nan\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.toml", data)
		if (c == nil) == (err == nil) {
			t.Fatalf("Parse returned config %v and error %v", c, err)
		}
		if err == nil {
			return
		}
		var list ErrorList
		if !errors.As(err, &list) || len(list) == 0 {
			t.Fatalf("error %T %q is not a non-empty ErrorList", err, err)
		}
		for _, e := range list {
			if e.File != "fuzz.toml" || e.Msg == "" || e.Line < 0 || e.Col < 0 {
				t.Fatalf("malformed error %+v", *e)
			}
		}
		_ = err.Error()
	})
}
