package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGoldenLive parses every testdata/live/*.toml as nanotick run does (Options.Live)
// and compares the errors with the .golden file beside it; -update rewrites them.
func TestGoldenLive(t *testing.T) {
	files, err := filepath.Glob("testdata/live/*.toml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata/live/*.toml: %v", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		got := "ok\n"
		if _, err := ParseWith(f, data, Options{Live: true}); err != nil {
			got = err.Error() + "\n"
		}
		golden := strings.TrimSuffix(f, ".toml") + ".golden"
		if *update {
			if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run with -update to create it)", err)
		}
		if got != string(want) {
			t.Errorf("output differs from %s:\ngot:\n%s\nwant:\n%s", golden, got, want)
		}
	}
}

// TestTardisVenueInstrument: an instrument on a venue known only from its data gets
// every rule from its table, and the same file passes for a backtest but not for run.
func TestTardisVenueInstrument(t *testing.T) {
	data, err := os.ReadFile("testdata/live/tardis_venue.toml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse("x.toml", data)
	if err != nil {
		t.Fatal(err)
	}
	in := c.Instruments[0]
	if in.Venue != "okx-swap" || in.Venue.HasConnector() || in.Kind != KindPerpetual || in.Base != "BTC" || in.Quote != "USDT" ||
		in.ContractSize.String() != "0.01" || in.PriceDecimals != 1 || in.QtyDecimals != 2 || c.Strategies[0].Venue != "okx-swap" {
		t.Fatalf("%+v", in)
	}
	// A venue with a connector defaults kind and assets.
	c, err = Parse("x.toml", []byte(strings.NewReplacer(`venue = "okx-swap"`, `venue = "binance-usdm"`,
		`"BTC-USDT-SWAP"`, `"ETHUSDT"`, "kind = \"perpetual\"\nbase = \"BTC\"\nquote = \"USDT\"\n", "").Replace(string(data))))
	if err != nil {
		t.Fatal(err)
	}
	if in := c.Instruments[0]; in.Kind != KindPerpetual || in.Base != "ETH" || in.Quote != "USDT" {
		t.Fatalf("%+v", in)
	}
}
