package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nanotick/nanotick/internal/testdata"
)

// TestBacktestClockOptions runs the USD-M recording (whose depth events carry T) with
// each exchange-clock option: the report names the option used, and a bad value is a
// usage error.
func TestBacktestClockOptions(t *testing.T) {
	data := testdata.SharedData(t, "binance-usdm-btcusdt-20240808.gz")
	offsets := map[string]int64{}
	for _, tc := range []struct{ et, co string }{{"E", "running_min"}, {"T", "running_min"}, {"T", "whole_file"}} {
		out := filepath.Join(t.TempDir(), "r.json")
		code, stdout, stderr := runBT(t, "--data", data, "--json", out, "--exchange-time", tc.et, "--clock-offset", tc.co)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", tc, code, stderr)
		}
		if want := "exchange time from " + tc.et + ", offset " + tc.co; !strings.Contains(stdout, want) {
			t.Errorf("%v: summary lacks %q", tc, want)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		var r struct {
			Feed struct {
				ExchangeTime    string `json:"exchange_time"`
				ClockOffsetMode string `json:"clock_offset_mode"`
				ClockOffsetNs   int64  `json:"clock_offset_ns"`
				LatencyMean     string `json:"latency_mean"`
			} `json:"feed"`
		}
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		if r.Feed.ExchangeTime != tc.et || r.Feed.ClockOffsetMode != tc.co {
			t.Errorf("%v: report says %+v", tc, r.Feed)
		}
		offsets[tc.et] = r.Feed.ClockOffsetNs
		t.Logf("%v: offset %d ns, mean feed latency %s", tc, r.Feed.ClockOffsetNs, r.Feed.LatencyMean)
	}
	// T is before E, so local − T, and its minimum, is larger.
	if offsets["T"] <= offsets["E"] {
		t.Errorf("offset from T %d ns, from E %d ns: want T's larger", offsets["T"], offsets["E"])
	}
	for _, bad := range [][]string{{"--exchange-time", "X"}, {"--clock-offset", "median"}} {
		if code, _, stderr := runBT(t, append([]string{"--data", data}, bad...)...); code != 2 || !strings.Contains(stderr, bad[0]) {
			t.Errorf("%v: exit %d, stderr %q; want 2 naming the flag", bad, code, stderr)
		}
	}
}
