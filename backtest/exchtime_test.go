package backtest

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nanotick/nanotick/backtest/recorded"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/internal/enginetest"
	"github.com/shopspring/decimal"
)

// TestExchangeTimeOptions checks which timestamp each option reads: T where the frame
// has one and the option asks for it, E otherwise.
func TestExchangeTimeOptions(t *testing.T) {
	for _, tt := range []struct {
		frame string
		et    ExchangeTime
		want  int64
		ok    bool
	}{
		{`{"e":"trade","E":100,"t":7,"p":"1","q":"1","T":98,"m":true}`, TimeEvent, 100, true},
		{`{"e":"trade","E":100,"t":7,"p":"1","q":"1","T":98,"m":true}`, TimeTransaction, 98, true},
		{`{"e":"depthUpdate","E":100,"T":97,"U":1}`, TimeTransaction, 97, true},
		{`{"e":"depthUpdate","E":100,"U":1,"b":[["1","1"]]}`, TimeTransaction, 100, true}, // spot depth: no T
		{`{"e":"trade","E":100,"X":"T","m":true}`, TimeTransaction, 100, true},            // "T" as a value is not the key
		{`{"lastUpdateId":1,"bids":[],"asks":[]}`, TimeTransaction, 0, false},
	} {
		got, ok := exchangeTime([]byte(tt.frame), tt.et)
		if got != tt.want*ms || ok != tt.ok {
			t.Errorf("exchangeTime(%s, %v) = %d, %v; want %d ms, %v", tt.frame, tt.et, got, ok, tt.want, tt.ok)
		}
	}
	for _, s := range []string{"E", "T"} {
		if et, err := ParseExchangeTime(s); err != nil || et.String() != s {
			t.Errorf("ParseExchangeTime(%q) = %v, %v", s, et, err)
		}
	}
	for _, s := range []string{"running_min", "whole_file"} {
		if co, err := ParseClockOffset(s); err != nil || co.String() != s {
			t.Errorf("ParseClockOffset(%q) = %v, %v", s, co, err)
		}
	}
	if _, err := ParseExchangeTime("X"); err == nil {
		t.Error("ParseExchangeTime(X): no error")
	}
	if _, err := ParseClockOffset("median"); err == nil {
		t.Error("ParseClockOffset(median): no error")
	}
}

// TestClockOffsetModes reads the same frames with the offset taken as the running
// minimum and over the whole data: the first frames, slower than a later one, get a
// larger latency (an earlier exchange time) with the whole-data offset.
func TestClockOffsetModes(t *testing.T) {
	// Local times 1000, 1010, 1020 ms; true latencies 5, 9, 1 ms: the last frame is the
	// fastest, so only the whole-data offset knows the first two were slow.
	local := []int64{1000, 1010, 1020}
	lat := []int64{5, 9, 1}
	var lines []string
	var frames []string
	for i := range local {
		f := fmt.Sprintf(`{"e":"trade","E":%d,"T":%d}`, local[i]-lat[i], local[i]-lat[i]-2)
		frames = append(frames, f)
		lines = append(lines, fmt.Sprintf("%d %s", local[i]*ms, f))
	}
	path := filepath.Join(t.TempDir(), "rec.gz")
	writeGzip(t, path, []byte(strings.Join(lines, "\n")+"\n"))

	for _, tt := range []struct {
		et   ExchangeTime
		co   ClockOffset
		want []int64 // exchange times, ms
	}{
		{TimeEvent, OffsetRunningMin, []int64{1000, 1006, 1020}},
		{TimeEvent, OffsetWholeFile, []int64{996, 1002, 1020}},
		{TimeTransaction, OffsetWholeFile, []int64{996, 1002, 1020}},
	} {
		cfg := Config{ExchangeTime: tt.et, ClockOffset: tt.co, Open: recorded.Open, Engine: enginetest.SpotConfig()}
		if tt.co == OffsetWholeFile {
			spec := instrument.BinanceSpotBTCUSDT()
			off, err := scanClockOffset(&cfg, &spec, []string{path})
			if err != nil {
				t.Fatal(err)
			}
			cfg.wholeOffset, cfg.hasWholeOffset = off, true
		}
		src := &sliceSource{local: []int64{local[0] * ms, local[1] * ms, local[2] * ms}, frames: frames}
		r := testReplay(src, 4)
		r.cfg = cfg
		r.lanes[0].whole, r.lanes[0].hasWhole = cfg.wholeOffset, cfg.hasWholeOffset
		for !r.eof {
			if _, err := r.read(); err != nil {
				t.Fatal(err)
			}
		}
		var got []int64
		for i := range r.n {
			got = append(got, r.slotAt(i).exch/ms)
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("%v %v: exchange times %v ms, want %v", tt.et, tt.co, got, tt.want)
		}
	}
	if _, err := RunSource(Config{ClockOffset: OffsetWholeFile, Strategy: &strategyBase{}, InitialBalance: decimal.NewFromInt(1)}, &sliceSource{}); err == nil || !strings.Contains(err.Error(), "whole_file") {
		t.Errorf("RunSource with whole_file: %v, want an error naming it", err)
	}
}
