package engine

import (
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/config"

	"github.com/nanotick/nanotick/examples/strategies/marketmaker"
	"github.com/nanotick/nanotick/feeds/binance"
	"github.com/nanotick/nanotick/feeds/recording"
	gw "github.com/nanotick/nanotick/gateway/binance"
	"github.com/nanotick/nanotick/internal/testdata"
	"github.com/nanotick/nanotick/risk"
	"github.com/nanotick/nanotick/strategy"
	"github.com/nanotick/nanotick/telemetry"
)

const spotFile = "binance-spot-btcusdt-20240808.gz"

// spotConfig is BTCUSDT on Binance Spot with its real trading rules and limits loose
// enough for the market maker to trade all day.
func spotConfig() Config {
	return Config{
		Venue: binance.Spot,
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

// venue is the smallest honest exchange for engine tests: it encodes every request as the
// Binance WebSocket API would carry it, checks that no order leaves from an invalid book,
// and answers every order with an ack and every cancel with a confirmation, delivered by
// the test's loop after the frame, as a real venue's answers would arrive.
type venue struct {
	t         testing.TB
	e         *Engine
	enc       *gw.Encoder
	buf       []byte
	acks      []uint64
	cancels   []uint64
	ackBuf    []uint64 // the answers being delivered, while new ones queue in acks
	cancelBuf []uint64
	placed    int
	cancelled int
	badBook   int
}

func newVenue(t testing.TB) *venue {
	return &venue{t: t, enc: gw.NewEncoder("BTCUSDT", 8, 8, "nt-"), buf: make([]byte, 0, 512),
		acks: make([]uint64, 0, 64), cancels: make([]uint64, 0, 64),
		ackBuf: make([]uint64, 0, 64), cancelBuf: make([]uint64, 0, 64)}
}

func (v *venue) Place(o *risk.Order, now int64) error {
	if !v.e.Book().Valid() {
		v.badBook++
	}
	v.buf = v.enc.AppendPlace(v.buf[:0], o, now/int64(time.Millisecond))
	v.acks = append(v.acks, o.ID)
	v.placed++
	return nil
}

func (v *venue) Cancel(id uint64, now int64) error {
	v.buf = v.enc.AppendCancel(v.buf[:0], id, now/int64(time.Millisecond))
	v.cancels = append(v.cancels, id)
	return nil
}

// answer delivers the venue's pending acks and cancel confirmations, and those that the
// strategy's reactions to them cause.
func (v *venue) answer(now int64) {
	for len(v.acks) > 0 || len(v.cancels) > 0 {
		v.ackBuf, v.acks = v.acks, v.ackBuf[:0]
		v.cancelBuf, v.cancels = v.cancels, v.cancelBuf[:0]
		for _, id := range v.ackBuf {
			v.e.OnAck(id, now)
		}
		for _, id := range v.cancelBuf {
			v.cancelled++
			v.e.OnCancelled(id, now)
		}
	}
}

type frame struct {
	local int64
	data  []byte
}

// loadFrames reads a whole recording into memory, so that measurements of the engine do
// not include the file reader.
func loadFrames(t testing.TB, name string) []frame {
	r, err := recording.Open(testdata.SharedData(t, name))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var frames []frame
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return frames
		}
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, frame{rec.Local, append([]byte(nil), rec.Frame...)})
	}
}

func newEngine(t testing.TB, strat strategy.Strategy) (*Engine, *venue) {
	v := newVenue(t)
	e, err := New(spotConfig(), strat, v)
	if err != nil {
		t.Fatal(err)
	}
	v.e = e
	return e, v
}

func TestReplaySpotMarketMaker(t *testing.T) {
	frames := loadFrames(t, spotFile)
	e, v := newEngine(t, marketmaker.New())
	if err := e.Start(frames[0].local); err != nil {
		t.Fatal(err)
	}
	for _, f := range frames {
		if err := e.OnFrame(f.data, f.local); err != nil {
			t.Fatalf("frame at %d: %v", f.local, err)
		}
		v.answer(f.local)
	}
	c := e.Counters()
	sc := e.Sync().Counters()
	t.Logf("engine %+v", c)
	t.Logf("sync %+v", sc)
	t.Logf("venue: %d placed, %d cancelled; risk rejections by reason: %v", v.placed, v.cancelled, rejections(e.Risk()))
	if c.Frames != uint64(len(frames)) || c.Malformed != 0 {
		t.Errorf("frames %d of %d, malformed %d", c.Frames, len(frames), c.Malformed)
	}
	if sc.Gaps != 0 || c.BookUpdates == 0 {
		t.Errorf("gaps %d, book updates %d", sc.Gaps, c.BookUpdates)
	}
	if v.placed == 0 || c.OrdersSent != uint64(v.placed) {
		t.Errorf("market maker placed %d orders, engine counted %d", v.placed, c.OrdersSent)
	}
	if v.badBook != 0 {
		t.Errorf("%d orders left from an invalid book", v.badBook)
	}
	if e.Halted() != nil {
		t.Errorf("strategy halted: %v", e.Halted())
	}
	if e.Context().OpenOrders() > 2 {
		t.Errorf("market maker holds %d open orders, want at most a bid and an ask", e.Context().OpenOrders())
	}
	if n := e.Latency().Count(telemetry.TickToOrder); n == 0 {
		t.Error("no tick-to-order latency recorded")
	}
}

func rejections(rc *risk.Checker) map[string]uint64 {
	var counts [risk.NumReasons]uint64
	rc.RejectionCounts(&counts)
	m := map[string]uint64{}
	for r, n := range counts {
		if n > 0 {
			m[risk.Reason(r).String()] = n
		}
	}
	return m
}

// failing is a strategy that quotes and then fails on its nth book update.
type failing struct {
	strategy.Base
	n, books int
}

var errBoom = errors.New("boom")

func (f *failing) OnBook(ctx *strategy.Context) error {
	f.books++
	if !ctx.BookValid() {
		return nil
	}
	if f.books == f.n {
		return errBoom
	}
	if ctx.OpenOrders() == 0 {
		ctx.Buy(ctx.Price(strategy.Buy, 0), 0.001, strategy.PostOnly)
	}
	return nil
}

func TestStrategyErrorHaltsAndCancels(t *testing.T) {
	frames := loadFrames(t, spotFile)
	strat := &failing{n: 100}
	e, v := newEngine(t, strat)
	if err := e.Start(frames[0].local); err != nil {
		t.Fatal(err)
	}
	for _, f := range frames {
		if err := e.OnFrame(f.data, f.local); err != nil {
			t.Fatal(err)
		}
		v.answer(f.local)
	}
	if !errors.Is(e.Halted(), errBoom) {
		t.Fatalf("Halted() = %v, want boom", e.Halted())
	}
	if strat.books != strat.n {
		t.Errorf("strategy called %d times, want no calls after its error at %d", strat.books, strat.n)
	}
	if v.placed == 0 || v.cancelled == 0 {
		t.Errorf("placed %d, cancelled %d: the working order was not cancelled", v.placed, v.cancelled)
	}
	if w := e.Risk().Working(); w != 0 {
		t.Errorf("%d orders still working after the halt", w)
	}
	if e.Risk().State() != risk.Halted {
		t.Errorf("risk state %v, want halted", e.Risk().State())
	}
	if got := e.Counters().BookUpdates; got < 3000 {
		t.Errorf("engine stopped applying the book after the halt: %d updates", got)
	}
}

func TestNoGCAfterWarmup(t *testing.T) {
	frames := loadFrames(t, spotFile)
	e, v := newEngine(t, marketmaker.New())
	if err := e.Start(frames[0].local); err != nil {
		t.Fatal(err)
	}
	warm := len(frames) / 10
	for _, f := range frames[:warm] {
		_ = e.OnFrame(f.data, f.local)
		v.answer(f.local)
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for _, f := range frames[warm:] {
		_ = e.OnFrame(f.data, f.local)
		v.answer(f.local)
	}
	runtime.ReadMemStats(&after)
	if gcs := after.NumGC - before.NumGC; gcs != 0 {
		t.Errorf("the GC ran %d times replaying %d frames after warm-up (%d bytes allocated)",
			gcs, len(frames)-warm, after.TotalAlloc-before.TotalAlloc)
	}
	if bytes := after.TotalAlloc - before.TotalAlloc; bytes > 0 {
		t.Errorf("%d bytes allocated replaying %d frames after warm-up", bytes, len(frames)-warm)
	}
	if v.placed == 0 {
		t.Error("no orders placed: the replay exercised nothing")
	}
}

func TestFromConfigDefault(t *testing.T) {
	c := config.Default()
	cfg, err := FromConfig(c, &c.Strategies[0], zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Instrument.Symbol == "" || cfg.Rules.Tick <= 0 || cfg.Rules.Lot <= 0 {
		t.Fatalf("incomplete instrument: %+v", cfg)
	}
	if _, err := New(cfg, marketmaker.New(), newVenue(t)); err != nil {
		t.Fatalf("engine from the default config: %v", err)
	}
	bad := *c
	bad.Strategies = []config.Strategy{{Name: "x", Instrument: "NOPE"}}
	if _, err := FromConfig(&bad, &bad.Strategies[0], zerolog.Nop()); err == nil || !strings.Contains(err.Error(), "NOPE") {
		t.Errorf("undeclared instrument: err = %v", err)
	}
}
