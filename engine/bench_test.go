package engine_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/nanotick/nanotick/engine"
	"github.com/nanotick/nanotick/examples/strategies/marketmaker"
	"github.com/nanotick/nanotick/internal/enginetest"
	"github.com/nanotick/nanotick/strategy"
	"github.com/nanotick/nanotick/strategy/script"
	"github.com/nanotick/nanotick/telemetry"
)

// depthFrames returns the spot file's REST snapshot and its depth frames, in order.
func depthFrames(b *testing.B) (snapshot enginetest.Frame, depth []enginetest.Frame) {
	return depthFramesOf(b, enginetest.SpotFile)
}

// depthFramesOf returns a recording's REST snapshot and its depth frames, in order.
func depthFramesOf(b *testing.B, file string) (snapshot enginetest.Frame, depth []enginetest.Frame) {
	for _, f := range enginetest.LoadFrames(b, file) {
		switch {
		case bytes.HasPrefix(f.Data, []byte(`{"lastUpdateId"`)):
			snapshot = f
		case bytes.Contains(f.Data[:40], []byte("@depth")):
			depth = append(depth, f)
		}
	}
	if snapshot.Data == nil || len(depth) == 0 {
		b.Fatalf("%s lacks a snapshot or depth frames", file)
	}
	return snapshot, depth
}

// primedEngine returns an engine running strat on the spot file's depth frames, started
// and primed with its snapshot and the whole day once, with its venue, and the frames.
func primedEngine(b *testing.B, strat strategy.Strategy) (snapshot enginetest.Frame, depth []enginetest.Frame, e *engine.Engine, v *enginetest.Venue) {
	snapshot, depth = depthFrames(b)
	e, v = enginetest.NewEngine(b, strat)
	return primeEngine(b, snapshot, depth, e, v)
}

// primedUSDMEngine is primedEngine on the USD-M recording's depth@0ms frames, its orders
// encoded as USD-M's WebSocket API takes them.
func primedUSDMEngine(b *testing.B, strat strategy.Strategy) (snapshot enginetest.Frame, depth []enginetest.Frame, e *engine.Engine, v *enginetest.Venue) {
	snapshot, depth = depthFramesOf(b, enginetest.USDMFile)
	e, v = newUSDMEngine(b, enginetest.USDMConfig(), strat)
	return primeEngine(b, snapshot, depth, e, v)
}

// newUSDMEngine returns an engine on cfg, a USD-M configuration, running strat with
// orders of 0.002 BTC against a futures venue.
func newUSDMEngine(b *testing.B, cfg engine.Config, strat strategy.Strategy) (*engine.Engine, *enginetest.Venue) {
	v := enginetest.NewFuturesVenue()
	cfg.Params = strategy.Params{"size": 0.002} // 0.001 is under USD-M's 100 USDT minimum notional
	e, err := engine.New(cfg, strat, v)
	if err != nil {
		b.Fatal(err)
	}
	v.E = e
	return e, v
}

func primeEngine(b *testing.B, snapshot enginetest.Frame, depth []enginetest.Frame, e *engine.Engine, v *enginetest.Venue) (enginetest.Frame, []enginetest.Frame, *engine.Engine, *enginetest.Venue) {
	if err := e.Start(snapshot.Local); err != nil {
		b.Fatal(err)
	}
	_ = e.OnFrame(snapshot.Data, snapshot.Local)
	for _, f := range depth {
		_ = e.OnFrame(f.Data, f.Local)
		v.Answer(f.Local)
	}
	return snapshot, depth, e, v
}

// benchTickToOrder feeds real depth frames through the whole tick path: decode, book,
// strategy, risk, encode; the venue's acks and cancel confirmations are delivered after
// each frame, as they would arrive. One op is one depth frame. Besides ns/op it reports
// the engine's own measurements: tick-p50, the median time to handle a depth frame from
// its arrival to the end of its orders (whether or not it sent any), and t2o-p50/p99,
// from a frame's arrival to its first order's encoded request, over the frames that sent
// one (the frames that move the price, which are the big ones). decode-p50 and book-p50
// are the medians of the tick's first two stages, the ones that grow with the levels of
// a frame.
//
// Each frame is handed to the engine in one reused buffer, copied there before its tick
// (see liveBuffer), as the live reader hands it.
func benchTickToOrder(b *testing.B, strat strategy.Strategy) {
	benchTickToOrderOn(b, primedEngine, strat)
}

// benchTickToOrderOn is benchTickToOrder on the engine prime makes.
func benchTickToOrderOn(b *testing.B, prime func(*testing.B, strategy.Strategy) (enginetest.Frame, []enginetest.Frame, *engine.Engine, *enginetest.Venue), strat strategy.Strategy) {
	snapshot, depth, e, v := prime(b, strat)
	e.Latency().Reset()
	b.ReportAllocs()
	b.ResetTimer()
	// Each pass over the day starts again from the snapshot, as a resync would, with the
	// clock moved on by the day's length so that time never runs backwards for risk's
	// rate and duplicate windows.
	span := depth[len(depth)-1].Local - snapshot.Local + int64(time.Second)
	shift := span
	_ = e.OnFrame(snapshot.Data, snapshot.Local+shift)
	buf := newLiveBuffer(depth)
	i := 0
	for b.Loop() {
		if i == len(depth) {
			shift += span
			e.Sync().Reset()
			_ = e.OnFrame(snapshot.Data, snapshot.Local+shift)
			i = 0
		}
		f := depth[i]
		i++
		if err := e.OnFrame(buf.read(f.Data), f.Local+shift); err != nil {
			b.Fatal(err)
		}
		v.Answer(f.Local + shift)
	}
	b.StopTimer()
	lat := e.Latency()
	if lat.Count(telemetry.TickToOrder) == 0 && b.N > 1000 {
		b.Fatal("no order was sent: the benchmark timed no tick-to-order path")
	}
	b.ReportMetric(float64(lat.Percentile(telemetry.Tick, 50)), "tick-p50-ns")
	b.ReportMetric(float64(lat.Percentile(telemetry.Decode, 50)), "decode-p50-ns")
	b.ReportMetric(float64(lat.Percentile(telemetry.Book, 50)), "book-p50-ns")
	b.ReportMetric(float64(lat.Percentile(telemetry.Strategy, 50)), "strategy-p50-ns")
	b.ReportMetric(float64(lat.Percentile(telemetry.TickToOrder, 50)), "t2o-p50-ns")
	b.ReportMetric(float64(lat.Percentile(telemetry.TickToOrder, 99)), "t2o-p99-ns")
	b.ReportMetric(float64(lat.Count(telemetry.TickToOrder))/float64(b.N), "orders-ticks/op")
	if e.Halted() != nil {
		b.Fatal(e.Halted())
	}
	if testing.Verbose() {
		var rep bytes.Buffer
		_ = lat.WriteReport(&rep, []float64{50, 90, 99})
		b.Logf("per-stage latency over the timed frames:\n%s", rep.String())
	}
}

// BenchmarkTickToOrder runs the example market maker in Go and in JavaScript on the same
// frames: the ratio of the two is what the script VM costs. usdm runs the Go market maker
// on the USD-M recording's depth@0ms frames, its orders encoded for USD-M (post-only as
// GTX): the perpetual's tick path beside spot's in the same run. USD-M's frames carry
// about twice the levels of spot's (a median of 34 against 16), so usdm-as-spot feeds
// spot's tick path the very same book changes in spot's shape: usdm against usdm-as-spot
// is what the USD-M code costs, usdm against go what the busier market costs.
func BenchmarkTickToOrder(b *testing.B) {
	b.Run("go", func(b *testing.B) { benchTickToOrder(b, marketmaker.New()) })
	b.Run("usdm", func(b *testing.B) {
		mm := marketmaker.New()
		benchTickToOrderOn(b, primedUSDMEngine, mm)
	})
	b.Run("usdm-as-spot", func(b *testing.B) {
		benchTickToOrderOn(b, primedUSDMAsSpotEngine, marketmaker.New())
	})
	b.Run("js", func(b *testing.B) {
		s, err := script.Load("../examples/strategies/market_maker.js", script.Options{})
		if err != nil {
			b.Fatal(err)
		}
		benchTickToOrder(b, s)
	})
}

// liveBuffer is the one buffer that feeds/binance/live's frame reader reads every frame
// into from the socket and hands to the engine: a frame arrives in the same memory each
// time, just written. The benchmarks copy each recorded frame into one before its tick
// (outside it, as the socket read is), so that the tick reads its frame where the live
// path has it. Handed the frames where LoadFrames left them, the tick read each from
// wherever the caches had let it go since the last pass: the USD-M recording's depth
// frames, 10.6 MB among 28 MB of frames, mostly from memory, the spot recording's, 4.5 MB
// among 11 MB, mostly from the 32 MB L3; USD-M's decode-p50 was about 1.4x its value
// with the buffer, spot's about the same.
type liveBuffer struct{ b []byte }

// newLiveBuffer returns a buffer with room for the largest of frames, so that read
// never allocates.
func newLiveBuffer(frames []enginetest.Frame) *liveBuffer {
	n := 0
	for _, f := range frames {
		n = max(n, len(f.Data))
	}
	return &liveBuffer{b: make([]byte, 0, n)}
}

// read copies frame into the buffer and returns the copy.
func (l *liveBuffer) read(frame []byte) []byte {
	l.b = append(l.b[:0], frame...)
	return l.b
}

// BenchmarkUSDMSpotTickRatio runs the go and usdm cases of BenchmarkTickToOrder in one
// process, each engine handling ratioChunk frames in turn, and reports each one's tick-p50
// (the same median of the engine's own tick times that BenchmarkTickToOrder reports) and
// usdm/go, their ratio: issue 12's figure. Two separate runs of BenchmarkTickToOrder meet a
// shared host at different moments, and on a 2-core cloud VM the ratio of their medians
// moved from 0.8 to 2.2 between single runs a second apart; here both medians are taken
// over the same stretch of time, so what the neighbours do weighs on both alike. One op is
// one frame, of either engine; run it with -benchtime 100000x or more (fifty chunks). Its
// name leaves out "TickToOrder", so that patterns picking BenchmarkTickToOrder's cases do
// not run it with their -benchtime.
func BenchmarkUSDMSpotTickRatio(b *testing.B) {
	spot := newTickRunner(b, primedEngine, marketmaker.New())
	usdm := newTickRunner(b, primedUSDMEngine, marketmaker.New())
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		r := spot
		if n/ratioChunk%2 == 1 {
			r = usdm
		}
		r.step(b)
		n++
	}
	b.StopTimer()
	for _, r := range []*tickRunner{spot, usdm} {
		if r.e.Halted() != nil {
			b.Fatal(r.e.Halted())
		}
	}
	if n < 2*ratioChunk {
		return // the first round of b.Loop: usdm has not run yet
	}
	gp := float64(spot.e.Latency().Percentile(telemetry.Tick, 50))
	up := float64(usdm.e.Latency().Percentile(telemetry.Tick, 50))
	b.ReportMetric(gp, "go-tick-p50-ns")
	b.ReportMetric(up, "usdm-tick-p50-ns")
	b.ReportMetric(up/gp, "usdm/go")
}

// ratioChunk is the number of frames one engine of BenchmarkUSDMSpotTickRatio handles
// before the other takes over: about 10 ms of work, far shorter than the seconds over
// which a shared host's speed drifts, and long enough that each engine has its code and
// book back in the caches for all but the first frames of a chunk, whose times the median
// ignores. The version before it interleaved a hundredth of each recording (34 spot
// frames, then a few hundred USD-M ones), and read about 1.0 where separate runs read
// 1.1 to 1.3: spot's short chunks ran on caches that USD-M's long ones had just filled.
// With chunks of 500 frames the ratio read 1.10-1.13, with 2000 and 5000 1.15-1.18 (three
// runs each, load 1).
const ratioChunk = 2000

// tickRunner feeds one primed engine its recording's depth frames, one a step, as
// benchTickToOrderOn's loop does: again from the snapshot after the last frame, with the
// clock moved on by the day's length, each frame copied into the one live buffer first.
type tickRunner struct {
	snapshot    enginetest.Frame
	depth       []enginetest.Frame
	e           *engine.Engine
	v           *enginetest.Venue
	buf         *liveBuffer
	i           int
	span, shift int64
}

// newTickRunner primes an engine with prime and strat, resynchronizes it from the
// snapshot, and clears its latencies.
func newTickRunner(b *testing.B, prime func(*testing.B, strategy.Strategy) (enginetest.Frame, []enginetest.Frame, *engine.Engine, *enginetest.Venue), strat strategy.Strategy) *tickRunner {
	snapshot, depth, e, v := prime(b, strat)
	span := depth[len(depth)-1].Local - snapshot.Local + int64(time.Second)
	r := &tickRunner{snapshot: snapshot, depth: depth, e: e, v: v, buf: newLiveBuffer(depth), span: span, shift: span}
	e.Sync().Reset()
	_ = e.OnFrame(snapshot.Data, snapshot.Local+r.shift)
	e.Latency().Reset()
	return r
}

// step hands the engine its next frame, and the venue's answers after it.
func (r *tickRunner) step(b *testing.B) {
	if r.i == len(r.depth) {
		r.shift += r.span
		r.e.Sync().Reset()
		_ = r.e.OnFrame(r.snapshot.Data, r.snapshot.Local+r.shift)
		r.i = 0
	}
	f := r.depth[r.i]
	r.i++
	if err := r.e.OnFrame(r.buf.read(f.Data), f.Local+r.shift); err != nil {
		b.Fatal(err)
	}
	r.v.Answer(f.Local + r.shift)
}

// BenchmarkStrategyOnBook times the market maker's onBook alone, in Go and in
// JavaScript, on the book as the day's depth frames left it, with its quotes resting: the
// decision of a tick that sends no order, which is most ticks. The engine is primed with
// the whole day first; each op is one callback as the engine makes it (Begin, OnBook).
// The ratio of the two is the cost of the script VM per callback, host calls included.
func BenchmarkStrategyOnBook(b *testing.B) {
	run := func(b *testing.B, strat strategy.Strategy) {
		_, depth, e, _ := primedEngine(b, strat)
		ctx, now := e.Context(), depth[len(depth)-1].Local
		ctx.Begin(now)
		if err := strat.OnBook(ctx); err != nil {
			b.Fatal(err)
		}
		if n := len(ctx.Intents()); n != 0 || ctx.OpenOrders() == 0 {
			b.Fatalf("primed strategy sent %d intents with %d open orders: the benchmark would not time a quiet tick", n, ctx.OpenOrders())
		}
		b.ReportAllocs()
		for b.Loop() {
			ctx.Begin(now)
			if err := strat.OnBook(ctx); err != nil {
				b.Fatal(err)
			}
		}
		if len(ctx.Intents()) != 0 {
			b.Fatal("the strategy sent orders on an unchanged book")
		}
	}
	b.Run("go", func(b *testing.B) { run(b, marketmaker.New()) })
	b.Run("js", func(b *testing.B) {
		s, err := script.Load("../examples/strategies/market_maker.js", script.Options{})
		if err != nil {
			b.Fatal(err)
		}
		run(b, s)
	})
}
