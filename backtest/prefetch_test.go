package backtest

import (
	"bytes"
	"errors"
	"reflect"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/nanotick/nanotick/backtest/recorded"
	"github.com/nanotick/nanotick/feeds/recording"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/internal/testdata"
	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/strategy"
	"github.com/nanotick/nanotick/venues"
)

func TestPrefetchGivesTheSameReport(t *testing.T) {
	var out [2][]byte
	for i, prefetch := range []bool{false, true} {
		cfg := spotBacktest(t)
		cfg.Prefetch = prefetch
		rep, err := Run(cfg)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := rep.WriteJSON(&b); err != nil {
			t.Fatal(err)
		}
		out[i] = b.Bytes()
	}
	if !bytes.Equal(out[0], out[1]) {
		t.Fatal("prefetched and sequential runs differ")
	}
}

// TestPrefetchSourceReadsEveryRecord wants the prefetching source to give, record for
// record, the receive time and the applied event that decoding the recording inline
// gives, and no frame bytes (the replay takes the events).
func TestPrefetchSourceReadsEveryRecord(t *testing.T) {
	path := testdata.SharedData(t, spotFile)
	seq, err := recording.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer seq.Close()
	pr, err := recorded.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	spec := instrument.BinanceSpotBTCUSDT()
	dec, err := newEventDecoder(venues.NewFeed, &spec, 0)
	if err != nil {
		t.Fatal(err)
	}
	seqDec, err := newEventDecoder(venues.NewFeed, &spec, 0)
	if err != nil {
		t.Fatal(err)
	}
	p := newPrefetchSource(pr, dec)
	defer p.Close()
	n := 0
	var want decoded
	var wantLv []orderbook.Level
	for {
		rec, werr := seq.Next()
		local, frame, d, lv, err := p.next()
		if werr != nil || err != nil {
			if !errors.Is(werr, err) && !(werr != nil && err != nil && werr.Error() == err.Error()) {
				t.Fatalf("record %d: errors %v and %v", n, werr, err)
			}
			break
		}
		wantLv = seqDec.decode(rec.Frame, rec.Local, &want, wantLv[:0])
		if local != rec.Local || frame != nil || !reflect.DeepEqual(*d, want) || !slices.Equal(lv, wantLv) {
			t.Fatalf("record %d differs", n)
		}
		n++
	}
	if n != 41249 {
		t.Errorf("%d records, want 41249", n)
	}
	if _, _, _, _, err := p.next(); err == nil {
		t.Error("Next after the end returned no error")
	}
}

// failInit is a strategy that refuses to start.
type failInit struct{ strategy.Base }

func (failInit) Init(*strategy.Context) error { return errors.New("no") }

func TestPrefetchStopsWhenTheRunFails(t *testing.T) {
	before := runtime.NumGoroutine()
	for i := 0; i < 5; i++ {
		cfg := spotBacktest(t)
		cfg.Prefetch = true
		cfg.Strategy = failInit{}
		if _, err := Run(cfg); err == nil {
			t.Fatal("a strategy failing its Init ran")
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after the failed runs, %d before: the reader goroutine leaked", n, before)
	}
}
