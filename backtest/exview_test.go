package backtest

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/nanotick/nanotick/md"
	"github.com/nanotick/nanotick/orderbook"
)

// viewConfig is rec's market maker with an order-path latency, so that orders reach the
// exchange while events it has taken still wait for the strategy (the view's pending
// levels matter), and the power-law queue, which reads the depth at every change.
func viewConfig(t *testing.T, rec string) Config {
	t.Helper()
	cfg := recordingBacktest(t, rec)
	lat, err := ConstantLatency(2*time.Millisecond, time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Latency, cfg.Queue = lat, PowerLaw
	return cfg
}

// TestExchangeViewIsTheBook replays both recordings with exchanges that keep no book
// (exView) and, beside the run, the book the exchange would keep (every event it takes,
// replayed): after every step the view's top is that book's, and every few steps its
// whole depth, level for level.
func TestExchangeViewIsTheBook(t *testing.T) {
	for _, c := range []struct{ rec, from string }{{"spot", "cache"}, {"spot", "gz"}, {"usdm", "cache"}, {"usdm", "gz"}} {
		t.Run(c.rec+"/"+c.from, func(t *testing.T) {
			cfg := viewConfig(t, c.rec)
			var src eventSource
			if c.from == "cache" { // the cache's events, decoded ahead (framesPrefetch)
				frames, err := LoadFrames(cfg, 0)
				if err != nil {
					t.Fatal(err)
				}
				p := newFramesPrefetch(&framesSource{f: frames})
				defer p.Close()
				src = p
			} else { // the gz read and decoded ahead, the tops off the feed's book
				table, err := cfg.Engine.InstrumentTable()
				if err != nil {
					t.Fatal(err)
				}
				dec, err := newEventDecoder(cfg.Engine.NewFeed, table.At(0), 0)
				if err != nil {
					t.Fatal(err)
				}
				dec.tops = true
				recs, err := cfg.Open(cfg.Data...)
				if err != nil {
					t.Fatal(err)
				}
				p := newPrefetchSource(recs, dec.onlyFor(cfg.ExchangeTime))
				defer p.Close()
				src = p
			}
			r, err := newReplay(cfg, nil, src)
			if err != nil {
				t.Fatal(err)
			}
			x := r.lanes[0].ex
			if x.view == nil {
				t.Fatal("a source with tops: the exchange keeps a book")
			}
			shadow := orderbook.New(0)
			var ev md.Event
			var steps, deep, paths int
			for {
				kind, ln, at, err := r.peek()
				if err != nil {
					t.Fatal(err)
				}
				if kind == evNone {
					break
				}
				var s *slot
				if kind == evMarket {
					s = r.slotAt(r.lanes[ln].exOff)
				}
				if err := r.step(kind, ln, at); err != nil {
					t.Fatal(err)
				}
				if s != nil && !s.d.malformed() && changesBook(s.d.kind) {
					md.Replay(shadow, s.d.event(&ev, r.levels(s)), s.exch)
				}
				steps++
				if err := viewTopIs(x, shadow); err != nil {
					t.Fatalf("step %d (%d at %d): %v", steps, kind, at, err)
				}
				if steps == 20000 { // warm: the depth reads allocate nothing
					top := x.top()
					if allocs := testing.AllocsPerRun(50, func() {
						x.levelQty(orderbook.Bid, top.bid-100)
						x.levelQty(orderbook.Ask, top.ask+100)
					}); allocs != 0 {
						t.Errorf("%v allocations per depth read", allocs)
					}
				}
				if paths += b2i(kind == evOrderPath); steps%499 == 0 || kind == evOrderPath && paths%8 == 0 {
					deep++
					if err := viewDepthIs(x, shadow); err != nil {
						t.Fatalf("step %d (%d at %d): %v", steps, kind, at, err)
					}
				}
			}
			if x.view == nil {
				t.Fatal("the view ended on clean data")
			}
			if c := x.Counters(); c.Fills == 0 || c.Orders == 0 {
				t.Fatalf("no order reached the exchange (%+v): the depth was never read", c)
			}
			t.Logf("%d steps, depth compared at %d", steps, deep)
		})
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// viewTopIs compares the exchange's top with book's.
func viewTopIs(x *Exchange, book *orderbook.Book) error {
	top := x.top()
	valid, bid, ask := top.valid, top.bid, top.ask
	if valid != book.Valid() {
		return fmt.Errorf("view valid %v, book %v", valid, book.Valid())
	}
	if !valid {
		return nil
	}
	b, _ := book.Best(orderbook.Bid)
	a, _ := book.Best(orderbook.Ask)
	if bid != b.Price || ask != a.Price {
		return fmt.Errorf("view top %d/%d, book %d/%d", bid, ask, b.Price, a.Price)
	}
	mid, _ := book.Mid()
	if m, ok := x.validMid(); !ok || m != mid {
		return fmt.Errorf("view mid %d, book %d", m, mid)
	}
	return nil
}

// viewDepthIs compares every level of the exchange's book, as its levels walk gives
// them, with book's.
func viewDepthIs(x *Exchange, book *orderbook.Book) error {
	for side := orderbook.Bid; side <= orderbook.Ask; side++ {
		want := book.AppendLevels(nil, side, book.Len(side))
		var got []orderbook.Level
		it := x.levels(side)
		for lv, ok := it.next(); ok; lv, ok = it.next() {
			got = append(got, lv)
		}
		if len(got) != len(want) {
			return fmt.Errorf("side %d: view has %d levels, book %d", side, len(got), len(want))
		}
		for i := range got {
			if got[i] != want[i] {
				return fmt.Errorf("side %d level %d: view %+v, book %+v", side, i, got[i], want[i])
			}
		}
	}
	return nil
}

// tamperedEvents passes a source's events on, with the n-th event that changes the book
// made malformed (the engine still replays it, the exchange skips it), and with or
// without the tops.
type tamperedEvents struct {
	src  eventSource
	n    int
	tops bool
	d    decoded
}

func (s *tamperedEvents) providesTops() bool { return s.tops }

func (s *tamperedEvents) next() (int64, []byte, *decoded, []orderbook.Level, error) {
	local, frame, d, lv, err := s.src.next()
	if err != nil {
		return local, frame, d, lv, err
	}
	s.d = *d
	if changesBook(d.kind) {
		if s.n--; s.n == 0 {
			s.d.flags |= decMalformed
		}
	}
	if !s.tops {
		s.d.flags &^= decTop | decValid
	}
	return local, frame, &s.d, lv, nil
}

// TestExchangeViewEndsOnAMalformedEvent checks that a malformed event that changes the
// book, which the engine replays and the exchange skips, ends the exchange's view: the
// exchange keeps a book of its own from there, built from the view, and the report is
// the one of a run whose exchange kept its book throughout.
func TestExchangeViewEndsOnAMalformedEvent(t *testing.T) {
	cfg := viewConfig(t, "spot")
	frames, err := LoadFrames(cfg, 0)
	if err != nil {
		t.Fatal(err)
	}
	run := func(tops bool) ([]byte, *replay) {
		src := newFramesPrefetch(&framesSource{f: frames})
		defer src.Close()
		r, err := newReplay(viewConfig(t, "spot"), nil, &tamperedEvents{src: src, n: 1500, tops: tops})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.run(); err != nil {
			t.Fatal(err)
		}
		rep := r.finish(time.Now())
		rep.Timing = Timing{}
		if rep.Events.ExchangeMalformed != 1 {
			t.Fatalf("the exchange skipped %d malformed events, want 1", rep.Events.ExchangeMalformed)
		}
		return mustJSON(t, rep, nil), r
	}
	want, r := run(false)
	if r.ex.view != nil {
		t.Fatal("a source without tops: the exchange kept no book")
	}
	got, r := run(true)
	if r.ex.view != nil {
		t.Fatal("the view outlived a malformed event")
	}
	if !bytes.Equal(got, want) {
		t.Error("the report differs from the one of an exchange that kept its book")
	}
}
