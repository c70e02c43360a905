package engine_test

import (
	"testing"

	"github.com/nanotick/nanotick/engine"
	"github.com/nanotick/nanotick/examples/strategies/marketmaker"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/internal/enginetest"
	"github.com/nanotick/nanotick/md"
	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/telemetry"
	"github.com/nanotick/nanotick/venues"
)

// applied is a frame's applied event, as a backtest's event cache keeps it.
type applied struct {
	ev        md.Event
	malformed bool
}

// appliedEvents runs frames through a spot feed of their own, as a backtest's decoding
// ahead does: each frame's event as Apply left it, a snapshot as the whole book after.
func appliedEvents(t *testing.T, frames []enginetest.Frame) []applied {
	spec := instrument.BinanceSpotBTCUSDT()
	book := orderbook.New(8192)
	f, err := venues.NewFeed(&spec, book, md.Config{IgnoreTickers: true})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]applied, len(frames))
	for i, fr := range frames {
		ev, err := f.Decode(fr.Data)
		a := applied{malformed: err != nil}
		if ev.Kind != md.None {
			if ev.Kind == md.Depth || ev.Kind == md.Snapshot {
				_ = f.Apply(fr.Local)
			}
			a.ev = *ev
			switch {
			case ev.Kind == md.Snapshot || ev.Kind == md.Depth && ev.Applied > 1:
				a.ev.Kind = md.Snapshot
				a.ev.Bids = book.AppendLevels(nil, orderbook.Bid, book.Len(orderbook.Bid))
				a.ev.Asks = book.AppendLevels(nil, orderbook.Ask, book.Len(orderbook.Ask))
			case ev.Kind == md.Depth && ev.Applied == 1:
				a.ev.Bids, a.ev.Asks = append([]orderbook.Level(nil), ev.Bids...), append([]orderbook.Level(nil), ev.Asks...)
			default:
				a.ev.Bids, a.ev.Asks = nil, nil
			}
		}
		out[i] = a
	}
	return out
}

// TestOnEventIsOnFrame replays the spot recording through one engine frame by frame
// and through another as applied events, and wants the same engine: the same orders
// and cancels at the same times, the same counters, and the same book. OnEventAt
// allocates nothing once warm.
func TestOnEventIsOnFrame(t *testing.T) {
	frames := enginetest.LoadFrames(t, enginetest.SpotFile)
	events := appliedEvents(t, frames)
	a, va := enginetest.NewEngine(t, marketmaker.New())
	b, vb := enginetest.NewEngine(t, marketmaker.New())
	// c is b with the stage clock off, as a backtest runs it: the same engine, untimed.
	untimed := enginetest.SpotConfig()
	untimed.NoStageTiming = true
	c, vc := enginetest.NewEngineWith(t, untimed, marketmaker.New())
	for _, e := range []*engine.Engine{a, b, c} {
		if err := e.Start(frames[0].Local); err != nil {
			t.Fatal(err)
		}
	}
	for i, f := range frames {
		_ = a.OnFrame(f.Data, f.Local)
		va.Answer(f.Local)
		_ = b.OnEventAt(0, &events[i].ev, events[i].malformed, f.Local)
		vb.Answer(f.Local)
		_ = c.OnEventAt(0, &events[i].ev, events[i].malformed, f.Local)
		vc.Answer(f.Local)
		if va.Placed != vb.Placed || va.Cancelled != vb.Cancelled || vc.Placed != vb.Placed || vc.Cancelled != vb.Cancelled {
			t.Fatalf("frame %d: frames placed %d cancelled %d, events placed %d cancelled %d, untimed %d %d", i, va.Placed, va.Cancelled, vb.Placed, vb.Cancelled, vc.Placed, vc.Cancelled)
		}
		if a.Book().Valid() != b.Book().Valid() || c.Book().Valid() != b.Book().Valid() {
			t.Fatalf("frame %d: book valid %v from frames, %v from events", i, a.Book().Valid(), b.Book().Valid())
		}
	}
	ca, cb := a.Counters(), b.Counters()
	if ca != cb || va.Placed == 0 || c.Counters() != cb {
		t.Errorf("counters from frames %+v\nfrom events %+v\nuntimed %+v", ca, cb, c.Counters())
	}
	if b.Latency().Count(telemetry.TickToOrder) == 0 || c.Latency() != nil {
		t.Errorf("the timed engine timed %d orders; the untimed one has histograms: %v", b.Latency().Count(telemetry.TickToOrder), c.Latency() != nil)
	}
	for s := orderbook.Bid; s <= orderbook.Ask; s++ {
		if la, lb := a.Book().AppendLevels(nil, s, 1<<20), b.Book().AppendLevels(nil, s, 1<<20); len(la) != len(lb) || len(la) == 0 {
			t.Fatalf("side %v: %d levels from frames, %d from events", s, len(la), len(lb))
		} else {
			for i := range la {
				if la[i] != lb[i] {
					t.Fatalf("side %v level %d: %v from frames, %v from events", s, i, la[i], lb[i])
				}
			}
		}
	}
	if a.Book().LocalTime() != b.Book().LocalTime() {
		t.Errorf("book time %d from frames, %d from events", a.Book().LocalTime(), b.Book().LocalTime())
	}
	// Steady state: the last depth event again and again allocates nothing.
	last := len(events) - 1
	for events[last].ev.Kind != md.Depth {
		last--
	}
	now := frames[len(frames)-1].Local
	if n := testing.AllocsPerRun(200, func() {
		now++
		_ = b.OnEventAt(0, &events[last].ev, false, now)
		vb.Answer(now)
	}); n != 0 {
		t.Errorf("OnEventAt allocates %v times a call", n)
	}
	if n := testing.AllocsPerRun(200, func() {
		now++
		_ = c.OnEventAt(0, &events[last].ev, false, now)
		vc.Answer(now)
	}); n != 0 {
		t.Errorf("untimed OnEventAt allocates %v times a call", n)
	}
}
