// Package enginetest holds what tests and benchmarks of the engine and of strategies share:
// the real BTCUSDT spot configuration, a minimal venue, and the recorded frames loaded
// into memory. It is imported by tests only and must never be imported by the engine.
package enginetest

import (
	"errors"
	"io"
	"runtime"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/engine"
	"github.com/nanotick/nanotick/feeds/recording"
	gw "github.com/nanotick/nanotick/gateway/binance"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/internal/testdata"
	"github.com/nanotick/nanotick/risk"
	"github.com/nanotick/nanotick/strategy"
	"github.com/nanotick/nanotick/venues"
)

// SpotFile is the recorded Binance Spot BTCUSDT day in ../shared/data.
const SpotFile = "binance-spot-btcusdt-20240808.gz"

// SpotConfig is BTCUSDT on Binance Spot with its real trading rules and limits loose
// enough for the example market maker to trade all day.
func SpotConfig() engine.Config {
	return engine.Config{
		Venue:   instrument.VenueBinanceSpot,
		NewFeed: venues.NewFeed,
		Instrument: strategy.Instrument{
			Symbol: "BTCUSDT", PriceScale: 8, QtyScale: 8,
			Tick: 1_000_000, Lot: 1_000, // 0.01 and 0.00001
		},
		Rules: risk.Instrument{
			PriceScale: 8, QtyScale: 8,
			Tick: 1_000_000, Lot: 1_000,
			MinQty: 1_000, MaxQty: 9000 * 100_000_000,
			MinNotional: 5 * 100_000_000,
		},
		Risk: risk.Config{
			MaxOrderQty:      decimal.RequireFromString("0.01"),
			MaxOrderNotional: decimal.RequireFromString("1000"),
			PriceBandBps:     decimal.RequireFromString("50"),
			StaleAfter:       5 * time.Second,
			MaxPosition:      decimal.RequireFromString("0.05"),
			MaxOpenOrders:    10,
			OrdersPerSecond:  decimal.RequireFromString("50"),
			OrderBurst:       100,
			DuplicateWindow:  50 * time.Millisecond,
			MaxDailyLoss:     decimal.RequireFromString("500"),
			MaxDrawdown:      decimal.RequireFromString("500"),
		},
		TimerInterval: time.Second,
	}
}

// USDMFile is the recorded Binance USD-M BTCUSDT perpetual, the same minutes as SpotFile.
const USDMFile = "binance-usdm-btcusdt-20240808.gz"

// USDMConfig is SpotConfig for BTCUSDT on Binance USD-M, with the perpetual's rules.
func USDMConfig() engine.Config {
	c := SpotConfig()
	spec := instrument.BinanceUSDMBTCUSDT()
	c.Venue = spec.ID.Venue
	c.Instrument = strategy.InstrumentOf(&spec)
	c.Rules = risk.Instrument{PriceScale: spec.PriceScale, QtyScale: spec.QtyScale, Tick: spec.Tick, Lot: spec.Lot,
		MinQty: spec.MinQty, MaxQty: spec.MaxQty, MinNotional: spec.MinNotional}
	return c
}

// PairConfig is SpotConfig's limits over two instruments: Binance Spot BTCUSDT (index
// 0, the default) and the USD-M BTCUSDT perpetual (index 1).
func PairConfig() engine.Config {
	c := SpotConfig()
	c.Instruments = instrument.MustTable(instrument.BinanceSpotBTCUSDT(), instrument.BinanceUSDMBTCUSDT())
	return c
}

// Tagged is a recorded frame with the index of the instrument it belongs to.
type Tagged struct {
	Frame
	Instrument instrument.Index
}

// Merge merges the frames of several instruments (lists[i] is instrument i's, each in
// local time order) into one stream in local receive time order, as frames from several
// connections reach one engine. Ties go to the lower index.
func Merge(lists ...[]Frame) []Tagged {
	n := 0
	for _, l := range lists {
		n += len(l)
	}
	out := make([]Tagged, 0, n)
	pos := make([]int, len(lists))
	for len(out) < n {
		best := -1
		for i, l := range lists {
			if pos[i] < len(l) && (best < 0 || l[pos[i]].Local < lists[best][pos[best]].Local) {
				best = i
			}
		}
		out = append(out, Tagged{lists[best][pos[best]], instrument.Index(best)})
		pos[best]++
	}
	return out
}

// Venue is the smallest honest exchange for engine tests: it encodes every request as the
// Binance WebSocket API would carry it, counts orders that leave from an invalid book,
// and answers every order with an ack and every cancel with a confirmation, delivered by
// Answer after the frame, as a real venue's answers would arrive. It never fills, so an
// IOC order expires (is cancelled) right after its ack.
type Venue struct {
	E         *engine.Engine
	enc       *gw.Encoder
	buf       []byte
	acks      []uint64
	cancels   []uint64
	ackBuf    []uint64 // the answers being delivered, while new ones queue in acks
	cancelBuf []uint64
	// Log, if set, receives every encoded request.
	Log func(req []byte)
	// EncodePlace and EncodeCancel, if set, encode the requests instead of the Binance
	// WebSocket API: another venue's own order encoder (Kraken's add_order), so that a
	// venue's BenchmarkTickToOrder times its real order encoding.
	EncodePlace  func(dst []byte, o *risk.Order, now int64) []byte
	EncodeCancel func(dst []byte, id uint64, now int64) []byte

	Placed, Cancelled, BadBook int
	// ByInstrument counts the orders placed per instrument index.
	ByInstrument []int
}

// NewVenue returns a venue; set its E before use, or use NewEngine.
func NewVenue() *Venue {
	return &Venue{enc: gw.NewEncoder("BTCUSDT", 8, 8, "nt-"), buf: make([]byte, 0, 512),
		acks: make([]uint64, 0, 64), cancels: make([]uint64, 0, 64),
		ackBuf: make([]uint64, 0, 64), cancelBuf: make([]uint64, 0, 64)}
}

// NewFuturesVenue returns a venue that encodes USD-M futures' requests for the BTCUSDT
// perpetual (2 and 3 decimals; post-only as GTX).
func NewFuturesVenue() *Venue {
	v := NewVenue()
	v.enc = gw.NewFuturesEncoder("BTCUSDT", 2, 3, "nt-")
	return v
}

// Place implements engine.Gateway.
func (v *Venue) Place(o *risk.Order, now int64) error {
	if !v.E.BookAt(o.Instrument).Valid() {
		v.BadBook++
	}
	if int(o.Instrument) >= len(v.ByInstrument) {
		v.ByInstrument = append(v.ByInstrument, make([]int, int(o.Instrument)+1-len(v.ByInstrument))...)
	}
	v.ByInstrument[o.Instrument]++
	if v.EncodePlace != nil {
		v.buf = v.EncodePlace(v.buf[:0], o, now)
	} else {
		v.buf = v.enc.AppendPlace(v.buf[:0], o, now/int64(time.Millisecond))
	}
	if v.Log != nil {
		v.Log(v.buf)
	}
	v.acks = append(v.acks, o.ID)
	if o.IOC {
		v.cancels = append(v.cancels, o.ID) // never filled here, so an IOC order expires at once
	}
	v.Placed++
	return nil
}

// Cancel implements engine.Gateway.
func (v *Venue) Cancel(id uint64, now int64) error {
	if v.EncodeCancel != nil {
		v.buf = v.EncodeCancel(v.buf[:0], id, now)
	} else {
		v.buf = v.enc.AppendCancel(v.buf[:0], id, now/int64(time.Millisecond))
	}
	if v.Log != nil {
		v.Log(v.buf)
	}
	v.cancels = append(v.cancels, id)
	return nil
}

// Answer delivers the venue's pending acks and cancel confirmations, and those that the
// strategy's reactions to them cause.
func (v *Venue) Answer(now int64) {
	for len(v.acks) > 0 || len(v.cancels) > 0 {
		v.ackBuf, v.acks = v.acks, v.ackBuf[:0]
		v.cancelBuf, v.cancels = v.cancels, v.cancelBuf[:0]
		for _, id := range v.ackBuf {
			v.E.OnAck(id, now)
		}
		for _, id := range v.cancelBuf {
			v.Cancelled++
			v.E.OnCancelled(id, now)
		}
	}
}

// NewEngine returns an engine on SpotConfig running strat against a new Venue.
func NewEngine(t testing.TB, strat strategy.Strategy) (*engine.Engine, *Venue) {
	return NewEngineWith(t, SpotConfig(), strat)
}

// NewEngineWith returns an engine on cfg running strat against a new Venue.
func NewEngineWith(t testing.TB, cfg engine.Config, strat strategy.Strategy) (*engine.Engine, *Venue) {
	v := NewVenue()
	e, err := engine.New(cfg, strat, v)
	if err != nil {
		t.Fatal(err)
	}
	v.E = e
	return e, v
}

// Frame is one recorded frame in memory.
type Frame struct {
	Local int64
	Data  []byte
}

// LoadFrames reads a whole recording from ../shared/data into memory, so that
// measurements of the engine do not include the file reader.
func LoadFrames(t testing.TB, name string) []Frame {
	r, err := recording.Open(testdata.SharedData(t, name))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var frames []Frame
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return frames
		}
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, Frame{rec.Local, append([]byte(nil), rec.Frame...)})
	}
}

// Replay starts e at the first frame's time and feeds it every frame, delivering the
// venue's answers after each.
func Replay(t testing.TB, e *engine.Engine, v *Venue, frames []Frame) {
	if err := e.Start(frames[0].Local); err != nil {
		t.Fatal(err)
	}
	for _, f := range frames {
		if err := e.OnFrame(f.Data, f.Local); err != nil {
			t.Fatalf("frame at %d: %v", f.Local, err)
		}
		v.Answer(f.Local)
	}
}

// ReplayAgain feeds the frames once more to an engine that has already replayed them,
// as the pass'th repetition of the day: the book is resynced from the recording's
// snapshot, and every time is moved on by pass days' length so that the clock never
// runs backwards for risk's rate and duplicate windows.
func ReplayAgain(t testing.TB, e *engine.Engine, v *Venue, frames []Frame, pass int) {
	shift := int64(pass) * Span(frames)
	e.Sync().Reset()
	for _, f := range frames {
		if err := e.OnFrame(f.Data, f.Local+shift); err != nil {
			t.Fatalf("frame at %d: %v", f.Local, err)
		}
		v.Answer(f.Local + shift)
	}
}

// Span is the time the frames cover, plus a second, so that a repetition starts after
// the previous one ended.
func Span(frames []Frame) int64 {
	return frames[len(frames)-1].Local - frames[0].Local + int64(time.Second)
}

// CheckSteadyState fails t if the replay between before and after ran the GC or
// allocated per frame. MemStats counts the whole process, where the runtime and the test
// framework allocate a little of their own: a few kilobytes, seen when other processes
// kept both cores busy. So the allocations are judged per frame: one per frame would be
// tens of thousands of objects and hundreds of kilobytes over the day, and the bounds, a
// hundredth of an object and a byte and a half per frame, are far below that.
func CheckSteadyState(t testing.TB, before, after *runtime.MemStats, frames int) {
	t.Helper()
	if gcs := after.NumGC - before.NumGC; gcs != 0 {
		t.Errorf("the GC ran %d times replaying %d frames after warm-up", gcs, frames)
	}
	objects, bytes := after.Mallocs-before.Mallocs, after.TotalAlloc-before.TotalAlloc
	if objects > uint64(frames/100) || bytes > uint64(frames*3/2) {
		t.Errorf("%d objects, %d bytes allocated replaying %d frames after warm-up", objects, bytes, frames)
	}
}
