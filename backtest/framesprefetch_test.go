package backtest

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/nanotick/nanotick/md"
	"github.com/nanotick/nanotick/orderbook"
)

// TestFramesPrefetchIsFramesSource replays the spot day's events through a
// framesPrefetch and a framesSource side by side and wants the same records, levels
// and end, the error after a cut included, the events carrying the tops of the book
// they build (kept in the records); and a prefetch closed half-way stops its goroutine.
func TestFramesPrefetchIsFramesSource(t *testing.T) {
	f, err := LoadFrames(spotBacktest(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	cut := f.Prefix(f.Len()/2 + 7) // ends cleanly mid-batch
	broken := *cut
	broken.err = errors.New("gzip: unexpected EOF") // a reading that ended in an error
	for _, c := range []struct {
		name string
		f    *Frames
		want error
	}{{"whole", f, io.EOF}, {"prefix", cut, io.EOF}, {"read error", &broken, broken.err}} {
		t.Run(c.name, func(t *testing.T) {
			a, b := &framesSource{f: c.f}, newFramesPrefetch(&framesSource{f: c.f})
			defer b.Close()
			n := 0
			// The book the events build, as the exchange's would: the events that
			// change it carry its top.
			book := orderbook.New(0)
			var ev md.Event
			for {
				la, _, da, lva, ea := a.next()
				lb, fb, db, lvb, eb := b.next()
				if ea != nil || eb != nil {
					if ea != c.want || eb != c.want {
						t.Fatalf("record %d: errors %v and %v, want %v", n, ea, eb, c.want)
					}
					break
				}
				if la != lb || !reflect.DeepEqual(*da, *db) || !slices.Equal(lva, lvb) || fb != nil {
					t.Fatalf("record %d differs: %d %+v %v\nprefetched %d %+v %v", n, la, *da, lva, lb, *db, lvb)
				}
				if err := topIs(db, da, lva, book, &ev, la); err != nil {
					t.Fatalf("record %d: %v", n, err)
				}
				n++
			}
			if n != c.f.Len() {
				t.Fatalf("%d records, want %d", n, c.f.Len())
			}
			if _, _, _, _, err := b.next(); err != c.want {
				t.Fatalf("after the end: %v, want %v again", err, c.want)
			}
			if done, total := b.Progress(); done != total || total != int64(len(c.f.body)) {
				t.Fatalf("progress %d of %d at the end, want %d of %d", done, total, len(c.f.body), len(c.f.body))
			}
		})
	}
	// Closed half-way, with the goroutine blocked on a full channel: Close returns.
	p := newFramesPrefetch(&framesSource{f: f})
	for range 3 * framesBatchLen / 2 {
		if _, _, _, _, err := p.next(); err != nil {
			t.Fatal(err)
		}
	}
	closed := make(chan struct{})
	go func() { p.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(30 * time.Second): // bounds a hang only
		t.Fatal("Close did not return")
	}
}

// topIs checks got's top (decoded.setTop) against book, which it first brings along
// with the event d, whose levels are lv, as the exchange's book would take it.
func topIs(got, d *decoded, lv []orderbook.Level, book *orderbook.Book, ev *md.Event, local int64) error {
	if !changesBook(d.kind) || d.malformed() {
		if got.flags&(decTop|decValid) != 0 {
			return fmt.Errorf("an event of kind %v carries a top", d.kind)
		}
		return nil
	}
	md.Replay(book, d.event(ev, lv), local)
	if got.flags&decTop == 0 {
		return errors.New("no top")
	}
	if valid := got.flags&decValid != 0; valid != book.Valid() {
		return fmt.Errorf("top valid %v, the book's %v", valid, book.Valid())
	}
	if book.Valid() {
		bid, _ := book.Best(orderbook.Bid)
		ask, _ := book.Best(orderbook.Ask)
		if got.bid != bid.Price || got.ask != ask.Price {
			return fmt.Errorf("top %d/%d, the book's %d/%d", got.bid, got.ask, bid.Price, ask.Price)
		}
	}
	return nil
}

// BenchmarkFramesSource decodes each recording's events from their cache encoding
// (framesSource, as a replay from the cache reads them), in CPU time per record.
func BenchmarkFramesSource(b *testing.B) {
	for _, rec := range []string{"spot", "usdm"} {
		b.Run(rec, func(b *testing.B) {
			cfg := recordingBacktest(b, rec)
			f, err := LoadFrames(cfg, 0)
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			start := cpuClock() // the process's CPU time: a loaded machine does not count
			for b.Loop() {
				src := &framesSource{f: f}
				for {
					if _, _, _, _, err := src.next(); err != nil {
						break
					}
					n++
				}
			}
			cpu := float64(cpuClock() - start)
			b.ReportMetric(cpu/float64(n), "cpu-ns/record")
			b.ReportMetric(cpu/float64(b.N)/1e6, "cpu-ms/op")
		})
	}
}
