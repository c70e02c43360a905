package engine_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/internal/enginetest"
	"github.com/nanotick/nanotick/strategy"
	"github.com/nanotick/nanotick/strategy/script"
	"github.com/nanotick/nanotick/telemetry"
)

// leadLag quotes Binance Spot BTCUSDT around the USD-M perpetual's mid: every perp book
// update reads both books and moves the spot bid and ask when the fair price moved a
// tick or more. Spot book updates only read the spot book. leadLagJS is the same in
// JavaScript.
type leadLag struct {
	strategy.Base
	spot, perp *strategy.Market
	bid, ask   uint64
}

func (s *leadLag) Init(ctx *strategy.Context) error {
	var err error
	if s.spot, err = ctx.Bind("binance-spot:BTCUSDT"); err != nil {
		return err
	}
	s.perp, err = ctx.Bind("binance-usdm:BTCUSDT")
	return err
}

func (s *leadLag) OnBook(ctx *strategy.Context) error {
	if ctx.Event() != s.perp || !s.perp.BookValid() || !s.spot.BookValid() {
		return nil
	}
	tick := s.spot.TickSize()
	fair := s.perp.Mid()
	bid := min(fair*(1-2e-4), s.spot.Price(strategy.Sell, 0)-tick)
	ask := max(fair*(1+2e-4), s.spot.Price(strategy.Buy, 0)+tick)
	s.bid = s.quote(s.bid, strategy.Buy, bid, tick)
	s.ask = s.quote(s.ask, strategy.Sell, ask, tick)
	return nil
}

func (s *leadLag) quote(id uint64, side strategy.Side, price, tick float64) uint64 {
	o, ok := s.spot.Order(id)
	switch {
	case !ok && side == strategy.Buy:
		return s.spot.Buy(price, 0.001, strategy.PostOnly)
	case !ok:
		return s.spot.Sell(price, 0.001, strategy.PostOnly)
	case o.Price-price >= tick || price-o.Price >= tick:
		return s.spot.Replace(id, price, 0.001, strategy.PostOnly)
	}
	return id
}

const leadLagJS = `
const spot = instrument("binance-spot:BTCUSDT");
const perp = instrument("binance-usdm:BTCUSDT");
let bid = 0, ask = 0;
function quote(id, side, price, tick) {
  if (!spot.orders.isOpen(id)) {
    return side > 0 ? spot.orders.buy(price, 0.001, POST_ONLY) : spot.orders.sell(price, 0.001, POST_ONLY);
  }
  const p = spot.orders.price(id);
  if (p - price >= tick || price - p >= tick) return spot.orders.replace(id, price, 0.001, POST_ONLY);
  return id;
}
function onBook(inst) {
  if (inst !== perp || !perp.book.valid() || !spot.book.valid()) return;
  const tick = spot.rules.tickSize();
  const fair = perp.book.mid();
  bid = quote(bid, BUY, Math.min(fair * (1 - 2e-4), spot.book.askPrice() - tick), tick);
  ask = quote(ask, SELL, Math.max(fair * (1 + 2e-4), spot.book.bidPrice() + tick), tick);
}
`

// benchTwoInstruments feeds the depth frames of the spot and USD-M recordings, merged by
// receive time as two connections would deliver them, through one engine running strat:
// decode, book, strategy (reading both books), risk, encode. One op is one frame of
// either instrument; the orders come from the perp's frames (the second instrument),
// and t2o is timed from such a frame's arrival to its first encoded order. The metrics
// are benchTickToOrder's.
func benchTwoInstruments(b *testing.B, strat strategy.Strategy) {
	spotSnap, spotDepth := depthFramesOf(b, enginetest.SpotFile)
	perpSnap, perpDepth := depthFramesOf(b, enginetest.USDMFile)
	frames := enginetest.Merge(spotDepth, perpDepth)
	e, v := enginetest.NewEngineWith(b, enginetest.PairConfig(), strat)
	start := min(spotSnap.Local, perpSnap.Local)
	if err := e.Start(start); err != nil {
		b.Fatal(err)
	}
	resync := func(shift int64) {
		for i := range 2 {
			e.FeedAt(instrument.Index(i)).Reset()
		}
		_ = e.OnFrameAt(0, spotSnap.Data, start+shift)
		_ = e.OnFrameAt(1, perpSnap.Data, start+shift)
	}
	pass := func(shift int64) {
		for _, f := range frames {
			_ = e.OnFrameAt(f.Instrument, f.Data, f.Local+shift)
			v.Answer(f.Local + shift)
		}
	}
	resync(0)
	pass(0) // primes every buffer with the whole day once
	e.Latency().Reset()
	b.ReportAllocs()
	b.ResetTimer()
	span := frames[len(frames)-1].Local - start + int64(time.Second)
	shift := span
	resync(shift)
	i := 0
	for b.Loop() {
		if i == len(frames) {
			shift += span
			resync(shift)
			i = 0
		}
		f := frames[i]
		i++
		if err := e.OnFrameAt(f.Instrument, f.Data, f.Local+shift); err != nil {
			b.Fatal(err)
		}
		v.Answer(f.Local + shift)
	}
	b.StopTimer()
	lat := e.Latency()
	if lat.Count(telemetry.TickToOrder) == 0 && b.N > 1000 {
		b.Fatal("no order was sent: the benchmark timed no tick-to-order path")
	}
	if e.Halted() != nil {
		b.Fatal(e.Halted())
	}
	b.ReportMetric(float64(lat.Percentile(telemetry.Tick, 50)), "tick-p50-ns")
	b.ReportMetric(float64(lat.Percentile(telemetry.Strategy, 50)), "strategy-p50-ns")
	b.ReportMetric(float64(lat.Percentile(telemetry.TickToOrder, 50)), "t2o-p50-ns")
	b.ReportMetric(float64(lat.Percentile(telemetry.TickToOrder, 99)), "t2o-p99-ns")
	b.ReportMetric(float64(lat.Count(telemetry.TickToOrder))/float64(b.N), "orders-ticks/op")
	if testing.Verbose() {
		var rep bytes.Buffer
		_ = lat.WriteReport(&rep, []float64{50, 90, 99})
		b.Logf("per-stage latency over the timed frames:\n%s", rep.String())
	}
}

// BenchmarkTickToOrderTwoInstruments is BenchmarkTickToOrder for a strategy over two
// instruments: a frame of the second (the perp) reaches a strategy that reads both
// books and sends orders on the first (spot), in Go and in JavaScript.
func BenchmarkTickToOrderTwoInstruments(b *testing.B) {
	b.Run("go", func(b *testing.B) { benchTwoInstruments(b, &leadLag{}) })
	b.Run("js", func(b *testing.B) {
		s, err := script.Compile("leadlag.js", []byte(leadLagJS), script.Options{})
		if err != nil {
			b.Fatal(err)
		}
		benchTwoInstruments(b, s)
	})
}
