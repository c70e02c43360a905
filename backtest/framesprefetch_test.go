package backtest

import (
	"errors"
	"io"
	"reflect"
	"slices"
	"testing"
	"time"
)

// TestFramesPrefetchIsFramesSource replays the spot day's events through a
// framesPrefetch and a framesSource side by side and wants the same records, levels
// and end, the error after a cut included; and a prefetch closed half-way stops its
// goroutine.
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
