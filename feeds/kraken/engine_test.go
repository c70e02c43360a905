package kraken_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/nanotick/nanotick/engine"
	"github.com/nanotick/nanotick/examples/strategies/marketmaker"
	"github.com/nanotick/nanotick/feeds/kraken"
	gwkraken "github.com/nanotick/nanotick/gateway/kraken"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/internal/enginetest"
	"github.com/nanotick/nanotick/risk"
	"github.com/nanotick/nanotick/strategy"
	"github.com/nanotick/nanotick/telemetry"
)

// krakenConfig is enginetest's limits on kraken:BTC/USD at the test exchange's
// precisions: price 1 decimal, qty 8.
func krakenConfig() engine.Config {
	c := enginetest.SpotConfig()
	c.Venue = instrument.VenueKraken
	c.Instrument = strategy.Instrument{Symbol: "BTC/USD", PriceScale: 1, QtyScale: 8, Tick: 1, Lot: 1}
	c.Rules = risk.Instrument{PriceScale: 1, QtyScale: 8, Tick: 1, Lot: 1, MinQty: 1, MaxQty: 1_000_000_000_000, MinNotional: 0}
	return c
}

// replayer feeds the test exchange's updates, 10 ms apart, to an engine running the
// market maker; every pass over the updates starts from the snapshot again.
type replayer struct {
	e     *engine.Engine
	v     *enginetest.Venue
	snap  enginetest.Frame
	steps []enginetest.Frame
	shift int64
	span  int64
	i     int
	last  []byte // the last request encoded
}

func newReplayer(t testing.TB) *replayer {
	x := kraken.NewTestExchange(kraken.DefaultDepth, 3)
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	r := &replayer{snap: enginetest.Frame{Local: t0, Data: x.Snapshot()}}
	for i := range 2000 {
		r.steps = append(r.steps, enginetest.Frame{Local: t0 + int64(i+1)*10e6, Data: x.Step()})
	}
	r.span = r.steps[len(r.steps)-1].Local - t0 + int64(time.Second)
	r.e, r.v = enginetest.NewEngineWith(t, krakenConfig(), marketmaker.New())
	// Orders are encoded as Kraken's add_order and cancel_order, by the gateway's
	// encoder, with a token of a real token's length.
	enc, err := gwkraken.NewEncoder("BTC/USD", 1, 8, "nt5x")
	if err != nil {
		t.Fatal(err)
	}
	const token = "1Dwc4lzSwNWOAwkMdqhssNNFhs1ed606d1WcF3XfEMw"
	r.v.EncodePlace = func(dst []byte, o *risk.Order, now int64) []byte {
		b, err := enc.AppendAdd(dst, o, gwkraken.TIFOf(o), token, now)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	r.v.EncodeCancel = func(dst []byte, id uint64, now int64) []byte { return enc.AppendCancel(dst, id, token) }
	r.v.Log = func(req []byte) { r.last = req }
	if err := r.e.Start(t0); err != nil {
		t.Fatal(err)
	}
	if err := r.e.OnFrame(r.snap.Data, t0); err != nil {
		t.Fatal(err)
	}
	for range r.steps {
		r.next(t)
	}
	return r
}

func (r *replayer) next(t testing.TB) {
	if r.i == len(r.steps) {
		r.i = 0
		r.shift += r.span
		r.e.Feed().Reset()
		if err := r.e.OnFrame(r.snap.Data, r.snap.Local+r.shift); err != nil {
			t.Fatal(err)
		}
	}
	f := r.steps[r.i]
	r.i++
	if err := r.e.OnFrame(f.Data, f.Local+r.shift); err != nil {
		t.Fatal(err)
	}
	r.v.Answer(f.Local + r.shift)
}

// TestEngineKraken: the engine runs the market maker on a checksummed Kraken book,
// orders leave from a valid book only, and a frame allocates nothing once warm.
func TestEngineKraken(t *testing.T) {
	r := newReplayer(t)
	if r.v.Placed == 0 || r.v.BadBook != 0 || r.e.Halted() != nil || !r.e.Book().Valid() {
		t.Fatalf("placed %d, from an invalid book %d, halted %v, valid %v", r.v.Placed, r.v.BadBook, r.e.Halted(), r.e.Book().Valid())
	}
	if a := testing.AllocsPerRun(3000, func() { r.next(t) }); a != 0 {
		t.Fatalf("%v allocs per frame", a)
	}
	if !json.Valid(r.last) || !bytes.Contains(r.last, []byte(`"method":"add_order"`)) && !bytes.Contains(r.last, []byte(`"method":"cancel_order"`)) {
		t.Fatalf("last request %s", r.last)
	}
}

// BenchmarkTickToOrder is engine's BenchmarkTickToOrder on a Kraken book: decode,
// apply, CRC32 checksum (this package), the Go market maker, risk, and the order's
// encoding as Kraken's add_order (gateway/kraken's encoder). One op is one book update.
func BenchmarkTickToOrder(b *testing.B) {
	b.Run("kraken", func(b *testing.B) {
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
