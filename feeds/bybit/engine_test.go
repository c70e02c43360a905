package bybit_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/nanotick/nanotick/engine"
	"github.com/nanotick/nanotick/examples/strategies/marketmaker"
	"github.com/nanotick/nanotick/feeds/bybit"
	gwbybit "github.com/nanotick/nanotick/gateway/bybit"
	"github.com/nanotick/nanotick/internal/enginetest"
	"github.com/nanotick/nanotick/risk"
	"github.com/nanotick/nanotick/strategy"
	"github.com/nanotick/nanotick/telemetry"
)

// linearConfig is enginetest's BTCUSDT configuration moved to Bybit's linear
// perpetual: scales 2 and 3, tick 0.10, step 0.001.
func linearConfig() engine.Config {
	c := enginetest.SpotConfig()
	c.Venue = bybit.VenueLinear
	c.Instrument = strategy.Instrument{Symbol: "BTCUSDT", PriceScale: 2, QtyScale: 3, Tick: 10, Lot: 1}
	c.Rules = risk.Instrument{PriceScale: 2, QtyScale: 3, Tick: 10, Lot: 1, MinQty: 1, MaxQty: 1_000_000, MinNotional: 500}
	return c
}

// frames returns a snapshot and n deltas of the test exchange, 20 ms apart, as
// orderbook.50 pushes them.
func frames(n int) (snap enginetest.Frame, deltas []enginetest.Frame) {
	m := bybit.NewTestMarket(bybit.DefaultDepth, 11)
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	snap = enginetest.Frame{Local: t0, Data: m.Snapshot()}
	for i := range n {
		deltas = append(deltas, enginetest.Frame{Local: t0 + int64(i+1)*20e6, Data: m.Delta()})
	}
	return snap, deltas
}

// primed returns an engine on the Bybit linear instrument that has run the market
// maker over the snapshot and every delta once.
func primed(t testing.TB) (*engine.Engine, *enginetest.Venue, enginetest.Frame, []enginetest.Frame) {
	snap, deltas := frames(2000)
	e, v := enginetest.NewEngineWith(t, linearConfig(), marketmaker.New())
	// Orders are encoded as Bybit's order.create and order.cancel, by the gateway's
	// encoder (request times in ms).
	enc, err := gwbybit.NewEncoder(gwbybit.Linear, "BTCUSDT", 2, 3, "nt5x2k9q-", 5000)
	if err != nil {
		t.Fatal(err)
	}
	v.EncodePlace = func(dst []byte, o *risk.Order, now int64) []byte {
		b, err := enc.AppendCreate(dst, o, gwbybit.TIFOf(o), false, now/1e6)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	v.EncodeCancel = func(dst []byte, id uint64, now int64) []byte { return enc.AppendCancel(dst, id, now/1e6) }
	if err := e.Start(snap.Local); err != nil {
		t.Fatal(err)
	}
	if err := e.OnFrame(snap.Data, snap.Local); err != nil {
		t.Fatal(err)
	}
	for _, f := range deltas {
		if err := e.OnFrame(f.Data, f.Local); err != nil {
			t.Fatal(err)
		}
		v.Answer(f.Local)
	}
	return e, v, snap, deltas
}

// replayer feeds the deltas again and again, each pass from the snapshot with the
// clock moved on, as benchTickToOrder does with the recordings.
type replayer struct {
	e           *engine.Engine
	v           *enginetest.Venue
	snap        enginetest.Frame
	deltas      []enginetest.Frame
	shift, span int64
	i           int
	last        []byte // the last request encoded
}

func (r *replayer) next(t testing.TB) {
	if r.i == len(r.deltas) {
		r.shift += r.span
		r.e.Feed().Reset()
		if err := r.e.OnFrame(r.snap.Data, r.snap.Local+r.shift); err != nil {
			t.Fatal(err)
		}
		r.i = 0
	}
	f := r.deltas[r.i]
	r.i++
	if err := r.e.OnFrame(f.Data, f.Local+r.shift); err != nil {
		t.Fatal(err)
	}
	r.v.Answer(f.Local + r.shift)
}

func newReplayer(t testing.TB) *replayer {
	e, v, snap, deltas := primed(t)
	span := deltas[len(deltas)-1].Local - snap.Local + int64(time.Second)
	r := &replayer{e: e, v: v, snap: snap, deltas: deltas, span: span, i: len(deltas)}
	v.Log = func(req []byte) { r.last = req }
	return r
}

// TestEngineBybit: the engine runs the market maker on a Bybit book, places orders
// from a valid book only, sends them as Bybit order.create and order.cancel requests,
// and allocates nothing per frame once warm.
func TestEngineBybit(t *testing.T) {
	r := newReplayer(t)
	if r.v.Placed == 0 || r.v.BadBook != 0 || r.e.Halted() != nil || !r.e.Book().Valid() {
		t.Fatalf("placed %d, from an invalid book %d, halted %v", r.v.Placed, r.v.BadBook, r.e.Halted())
	}
	if a := testing.AllocsPerRun(3000, func() { r.next(t) }); a != 0 {
		t.Fatalf("%v allocs per frame", a)
	}
	if !json.Valid(r.last) || !bytes.Contains(r.last, []byte(`"op":"order.create"`)) && !bytes.Contains(r.last, []byte(`"op":"order.cancel"`)) {
		t.Fatalf("last request %s", r.last)
	}
}

// BenchmarkTickToOrder is engine's BenchmarkTickToOrder on a Bybit linear book: decode
// (this package), book, the Go market maker, risk and the order's encoding as Bybit's
// order.create (gateway/bybit's encoder). One op is one orderbook.50 delta.
func BenchmarkTickToOrder(b *testing.B) {
	b.Run("bybit", func(b *testing.B) {
		r := newReplayer(b)
		r.e.Latency().Reset()
		b.ReportAllocs()
		for b.Loop() {
			r.next(b)
		}
		lat := r.e.Latency()
		b.ReportMetric(float64(lat.Percentile(telemetry.Tick, 50)), "tick-p50-ns")
		b.ReportMetric(float64(lat.Percentile(telemetry.TickToOrder, 50)), "t2o-p50-ns")
		if lat.Count(telemetry.TickToOrder) == 0 && b.N > 1000 {
			b.Fatal("no order was sent: the benchmark timed no tick-to-order path")
		}
	})
}
