package script

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/strategy"
	"github.com/nanotick/nanotick/strategy/indicator"
	"github.com/nanotick/nanotick/vm"
)

// The fields of the callback argument objects, in the order registered with the host.
const (
	tradePrice = iota
	tradeQty
	tradeSide
	tradeTime
	tradeInstrument
)

const (
	fillOrderID = iota
	fillSide
	fillPrice
	fillQty
	fillFee
	fillRemaining
	fillMaker
	fillTime
	fillInstrument
)

const (
	updateOrderID = iota
	updateStatus
	updateReason
	updateTime
	updateInstrument
)

type shapes struct{ trade, fill, update vm.Shape }

// The keys of the callback argument objects, in field order (the constants above).
var (
	tradeKeys  = []string{"price", "qty", "side", "time", "instrument"}
	fillKeys   = []string{"orderId", "side", "price", "qty", "fee", "remaining", "maker", "time", "instrument"}
	updateKeys = []string{"orderId", "status", "reason", "time", "instrument"}
)

// API describes the registered script API, for checking its documentation: every host
// name ("book.mid", "param", "POST_ONLY", ...) and the fields of each callback argument.
type API struct {
	Names                           []string
	TradeKeys, FillKeys, UpdateKeys []string
}

// NewHost returns a host with the whole script API registered, for tools that compile
// strategy scripts without running them (nanotick vet). Its functions must not be called:
// they belong to no engine.
func NewHost() *vm.Host {
	h := vm.NewHost()
	(&Strategy{}).register(h)
	return h
}

// DescribeAPI returns the script API as registered.
func DescribeAPI() API {
	h := vm.NewHost()
	(&Strategy{}).register(h)
	return API{Names: h.Names(), TradeKeys: tradeKeys, FillKeys: fillKeys, UpdateKeys: updateKeys}
}

// fn adapts a host function that takes numbers and returns a number.
type fn = vm.HostFunc

// register adds the whole script API to host. The names and their shapes are mirrored in
// nanotick.d.ts, and TestDeclarationsMatchHost keeps the two in step.
func (s *Strategy) register(h *vm.Host) {
	s.shapes.trade = h.Shape(tradeKeys...)
	s.shapes.fill = h.Shape(fillKeys...)
	s.shapes.update = h.Shape(updateKeys...)

	h.Const("POST_ONLY", vm.Number(float64(strategy.PostOnly)))
	h.Const("IOC", vm.Number(float64(strategy.IOC)))
	h.Const("FOK", vm.Number(float64(strategy.FOK)))
	h.Const("REDUCE_ONLY", vm.Number(float64(strategy.ReduceOnly)))
	h.Const("BUY", vm.Number(1))
	h.Const("SELL", vm.Number(-1))
	h.Func("param", s.param)
	h.Func("now", func(*vm.Machine, []vm.Value) (vm.Value, error) {
		return vm.Number(millis(s.ctx.Now())), nil
	})

	// The instrument API is registered twice from one table: on the global namespaces
	// (book, orders, position, instrument, lastTrade), which mean the default
	// instrument, and on the handle namespaces an instrument handle has (spot.book,
	// spot.orders, spot.position, spot.rules, spot.lastTrade).
	for _, ns := range s.marketAPI() {
		global := h.Object(ns.global)
		handle := h.Handle("Instrument", ns.handle)
		for _, mf := range ns.methods {
			global.Method(mf.name, mf.fn(false))
			handle.Method(mf.name, mf.fn(true))
		}
	}
	orderChecks(h.Object("orders"))
	orderChecks(h.Handle("Instrument", "orders"))
	h.Object("instrument").CallSig(1, 1, s.bindInstrument).CheckStringArg(func(name string) error {
		_, err := instrument.CheckName(name)
		return err
	})

	ta := h.Object("ta")
	ta.Method("ema", s.newIndicator("ema", func(n int) (taIndicator, error) { return indicator.NewEMA(n) }))
	ta.Method("sma", s.newIndicator("sma", func(n int) (taIndicator, error) { return indicator.NewSMA(n) }))
	ta.Method("stddev", s.newIndicator("stddev", func(n int) (taIndicator, error) { return indicator.NewStdDev(n) }))
	ta.Method("min", s.newIndicator("min", func(n int) (taIndicator, error) { return indicator.NewRollingMin(n) }))
	ta.Method("max", s.newIndicator("max", func(n int) (taIndicator, error) { return indicator.NewRollingMax(n) }))
	ta.Method("vwap", s.newIndicator("vwap", func(n int) (taIndicator, error) {
		v, err := indicator.NewVWAP(n)
		return vwapIndicator{v}, err
	}))
	ta.Method("update", s.taUpdate)
	ta.Method("value", s.taRead(func(i taIndicator) vm.Value { return vm.Number(i.Value()) }))
	ta.Method("ready", s.taRead(func(i taIndicator) vm.Value { return vm.Bool(i.Ready()) }))

	lg := h.Object("log")
	lg.Method("debug", s.logAt(levelDebug))
	lg.Method("info", s.logAt(levelInfo))
	lg.Method("warn", s.logAt(levelWarn))
	lg.Method("error", s.logAt(levelError))
}

// param declares a parameter with its default and returns the configured value.
func (s *Strategy) param(m *vm.Machine, args []vm.Value) (vm.Value, error) {
	if !s.inInit {
		return vm.Undefined, fmt.Errorf("param %w", errTopLevelOnly)
	}
	name, ok := m.StringOf(argOr(args, 0))
	if !ok || name == "" {
		return vm.Undefined, fmt.Errorf("param: argument 1 must be the parameter's name, a string")
	}
	def, err := vm.NumberArg(args, 1)
	if err != nil {
		return vm.Undefined, fmt.Errorf("param %q: the default: %w", name, err)
	}
	return vm.Number(s.ctx.Param(name, def)), nil
}

func argOr(args []vm.Value, i int) vm.Value {
	if i < len(args) {
		return args[i]
	}
	return vm.Undefined
}

// bookLevel returns book.bidPrice-style accessors: an optional level index, 0 by default.
func (s *Strategy) bookLevel(side strategy.Side, price bool) marketFunc {
	return func(h bool) vm.HostFunc {
		return func(_ *vm.Machine, args []vm.Value) (vm.Value, error) {
			mk, err := s.def, error(nil)
			if h {
				mk, args, err = handleMarket(s, args)
			}
			if err != nil {
				return vm.Undefined, err
			}
			i := 0
			if len(args) > 0 {
				f, err := vm.NumberArg(args, 0)
				if err != nil {
					return vm.Undefined, err
				}
				if f != float64(int(f)) || f < 0 {
					return vm.Undefined, fmt.Errorf("level must be a whole number >= 0, got %v", f)
				}
				i = int(f)
			}
			if price {
				return vm.Number(mk.Price(side, i)), nil
			}
			return vm.Number(mk.Qty(side, i)), nil
		}
	}
}

func (s *Strategy) depth(side strategy.Side) marketFunc {
	return func(h bool) vm.HostFunc {
		return func(_ *vm.Machine, args []vm.Value) (vm.Value, error) {
			mk, err := s.def, error(nil)
			if h {
				mk, args, err = handleMarket(s, args)
			}
			if err != nil {
				return vm.Undefined, err
			}
			n, err := vm.NumberArg(args, 0)
			if err != nil {
				return vm.Undefined, err
			}
			if n < 0 || n != float64(int(n)) {
				return vm.Undefined, fmt.Errorf("depth must be a whole number of levels, got %v", n)
			}
			return vm.Number(mk.Depth(side, int(n))), nil
		}
	}
}

func (s *Strategy) place(side strategy.Side) marketFunc {
	return func(h bool) vm.HostFunc {
		return func(_ *vm.Machine, args []vm.Value) (vm.Value, error) {
			mk, err := s.def, error(nil)
			if h {
				mk, args, err = handleMarket(s, args)
			}
			if err != nil {
				return vm.Undefined, err
			}
			price, qty, flags, err := orderArgs(args, 0)
			if err != nil {
				return vm.Undefined, err
			}
			var id uint64
			if side == strategy.Buy {
				id = mk.Buy(price, qty, flags)
			} else {
				id = mk.Sell(price, qty, flags)
			}
			if id == 0 {
				// Refused before it was queued (a flag the venue lacks, too many orders in
				// one callback): the error is the script's, at this call.
				if err := s.ctx.Err(); err != nil {
					return vm.Undefined, err
				}
			}
			return vm.Number(float64(id)), nil
		}
	}
}

// orderArgs reads price, qty and the optional flags starting at args[i]. A price or
// quantity that is not a finite number is refused here, with the script's position,
// rather than becoming an order that risk would reject.
func orderArgs(args []vm.Value, i int) (price, qty float64, flags strategy.Flags, err error) {
	if price, err = vm.NumberArg(args, i); err != nil {
		return 0, 0, 0, fmt.Errorf("price: %w", err)
	}
	if qty, err = vm.NumberArg(args, i+1); err != nil {
		return 0, 0, 0, fmt.Errorf("quantity: %w", err)
	}
	if price != price || qty != qty || price-price != 0 || qty-qty != 0 {
		return 0, 0, 0, fmt.Errorf("price and quantity must be finite numbers, got %v and %v", price, qty)
	}
	if len(args) > i+2 && !args[i+2].IsUndefined() {
		f, err := vm.NumberArg(args, i+2)
		if err != nil {
			return 0, 0, 0, fmt.Errorf("flags: %w", err)
		}
		if f != float64(int(f)) || f < 0 || int(f)&^int(strategy.AllFlags) != 0 {
			return 0, 0, 0, fmt.Errorf("flags must be 0 or POST_ONLY, IOC, FOK and REDUCE_ONLY combined with |, got %v", f)
		}
		flags = strategy.Flags(f)
	}
	return price, qty, flags, nil
}

func idArg(args []vm.Value, i int) (uint64, error) {
	f, err := vm.NumberArg(args, i)
	if err != nil {
		return 0, fmt.Errorf("order id: %w", err)
	}
	if f < 0 || f != float64(uint64(f)) {
		return 0, fmt.Errorf("order id must be a whole number, got %v", f)
	}
	return uint64(f), nil
}

func (s *Strategy) orderField(get func(strategy.OrderInfo) float64) marketFunc {
	return func(h bool) vm.HostFunc {
		return func(_ *vm.Machine, args []vm.Value) (vm.Value, error) {
			mk, err := s.def, error(nil)
			if h {
				mk, args, err = handleMarket(s, args)
			}
			if err != nil {
				return vm.Undefined, err
			}
			id, err := idArg(args, 0)
			if err != nil {
				return vm.Undefined, err
			}
			o, ok := mk.Order(id)
			if !ok {
				return vm.Number(0), nil
			}
			return vm.Number(get(o)), nil
		}
	}
}

// taIndicator is what every ta.* indicator offers the script.
type taIndicator interface {
	Update(x float64) float64
	Value() float64
	Ready() bool
}

// vwapIndicator adapts the VWAP's two-argument update.
type vwapIndicator struct{ *indicator.VWAP }

func (v vwapIndicator) Update(x float64) float64 { return v.VWAP.Update(x, 1) }

func (s *Strategy) newIndicator(name string, make func(int) (taIndicator, error)) vm.HostFunc {
	return func(_ *vm.Machine, args []vm.Value) (vm.Value, error) {
		if !s.inInit {
			return vm.Undefined, fmt.Errorf("ta.%s %w", name, errTopLevelOnly)
		}
		n, err := vm.NumberArg(args, 0)
		if err != nil {
			return vm.Undefined, fmt.Errorf("ta.%s: %w", name, err)
		}
		if n != float64(int(n)) {
			return vm.Undefined, fmt.Errorf("ta.%s: the period must be a whole number, got %v", name, n)
		}
		ind, err := make(int(n))
		if err != nil {
			return vm.Undefined, fmt.Errorf("ta.%s: %w", name, err)
		}
		s.indicators = append(s.indicators, ind)
		return vm.Number(float64(len(s.indicators) - 1)), nil
	}
}

func (s *Strategy) indicatorArg(args []vm.Value) (taIndicator, error) {
	h, err := vm.NumberArg(args, 0)
	if err != nil {
		return nil, fmt.Errorf("indicator handle: %w", err)
	}
	if h < 0 || h >= float64(len(s.indicators)) || h != float64(int(h)) {
		return nil, fmt.Errorf("%v is not an indicator handle (create one with ta.ema(...) and the like)", h)
	}
	return s.indicators[int(h)], nil
}

func (s *Strategy) taUpdate(_ *vm.Machine, args []vm.Value) (vm.Value, error) {
	ind, err := s.indicatorArg(args)
	if err != nil {
		return vm.Undefined, fmt.Errorf("ta.update: %w", err)
	}
	x, err := vm.NumberArg(args, 1)
	if err != nil {
		return vm.Undefined, fmt.Errorf("ta.update: value: %w", err)
	}
	if v, ok := ind.(vwapIndicator); ok {
		q, err := vm.NumberArg(args, 2)
		if err != nil {
			return vm.Undefined, fmt.Errorf("ta.update: a vwap needs a quantity: %w", err)
		}
		return vm.Number(v.VWAP.Update(x, q)), nil
	}
	return vm.Number(ind.Update(x)), nil
}

func (s *Strategy) taRead(read func(taIndicator) vm.Value) vm.HostFunc {
	return func(_ *vm.Machine, args []vm.Value) (vm.Value, error) {
		ind, err := s.indicatorArg(args)
		if err != nil {
			return vm.Undefined, err
		}
		return read(ind), nil
	}
}

type level uint8

const (
	levelDebug level = iota
	levelInfo
	levelWarn
	levelError
)

// logAt returns a log function: its arguments are formatted as console.log formats them,
// separated by spaces. Formatting allocates, so logging on every tick costs latency.
func (s *Strategy) logAt(l level) vm.HostFunc {
	return func(m *vm.Machine, args []vm.Value) (vm.Value, error) {
		lg := s.ctx.Log()
		ev := lg.Debug()
		switch l {
		case levelInfo:
			ev = lg.Info()
		case levelWarn:
			ev = lg.Warn()
		case levelError:
			ev = lg.Error()
		}
		if ev == nil {
			return vm.Undefined, nil // level disabled: skip the formatting
		}
		var b strings.Builder
		for i, a := range args {
			if i > 0 {
				b.WriteByte(' ')
			}
			if str, ok := m.StringOf(a); ok {
				b.WriteString(str)
			} else {
				b.WriteString(m.Inspect(a))
			}
		}
		ev.Str("source", "strategy").Msg(b.String())
		return vm.Undefined, nil
	}
}

// marketFunc makes a method of the instrument API: the host function for the global
// namespace (h false: the default instrument) or for the handle namespace (h true: the
// instrument handle is the first argument). Each is written out with its market lookup
// (Strategy.market) inline rather than wrapping one shared function, so that a host
// call costs one direct call into strategy.Market, as it did before instruments.
type marketFunc func(h bool) vm.HostFunc

type marketMethod struct {
	name string
	fn   marketFunc
}

// marketNamespace is one namespace of the instrument API: its global name, its name on
// an instrument handle, and its methods.
type marketNamespace struct {
	global, handle string
	methods        []marketMethod
}

// handleMarket returns the instrument a handle call is about, from the handle in
// args[0], and the script's own arguments after it. Each host function of the
// instrument API starts with the default instrument (s.def) and calls it only when
// registered on the handle namespace (h): a global call costs a test of h more than
// before instruments, and no call.
//
//go:noinline
func handleMarket(s *Strategy, args []vm.Value) (*strategy.Market, []vm.Value, error) {
	mk, err := s.handleArg(args)
	if err != nil {
		return nil, nil, err
	}
	return mk, args[1:], nil
}

// marketAPI is the instrument API: what a strategy reads and does on one instrument.
func (s *Strategy) marketAPI() []marketNamespace {
	type fn = vm.HostFunc
	type args = []vm.Value
	fail := func(err error) (vm.Value, error) { return vm.Undefined, err }
	return []marketNamespace{
		{"book", "book", []marketMethod{
			{"valid", func(h bool) fn {
				return func(_ *vm.Machine, a args) (vm.Value, error) {
					mk, err := s.def, error(nil)
					if h {
						mk, a, err = handleMarket(s, a)
					}
					if err != nil {
						return fail(err)
					}
					return vm.Bool(mk.BookValid()), nil
				}
			}},
			{"bidPrice", s.bookLevel(strategy.Buy, true)},
			{"askPrice", s.bookLevel(strategy.Sell, true)},
			{"bidQty", s.bookLevel(strategy.Buy, false)},
			{"askQty", s.bookLevel(strategy.Sell, false)},
			{"bidLevels", func(h bool) fn {
				return func(_ *vm.Machine, a args) (vm.Value, error) {
					mk, err := s.def, error(nil)
					if h {
						mk, a, err = handleMarket(s, a)
					}
					if err != nil {
						return fail(err)
					}
					return vm.Number(float64(mk.Levels(strategy.Buy))), nil
				}
			}},
			{"askLevels", func(h bool) fn {
				return func(_ *vm.Machine, a args) (vm.Value, error) {
					mk, err := s.def, error(nil)
					if h {
						mk, a, err = handleMarket(s, a)
					}
					if err != nil {
						return fail(err)
					}
					return vm.Number(float64(mk.Levels(strategy.Sell))), nil
				}
			}},
			{"mid", func(h bool) fn {
				return func(_ *vm.Machine, a args) (vm.Value, error) {
					mk, err := s.def, error(nil)
					if h {
						mk, a, err = handleMarket(s, a)
					}
					if err != nil {
						return fail(err)
					}
					return vm.Number(mk.Mid()), nil
				}
			}},
			{"spread", func(h bool) fn {
				return func(_ *vm.Machine, a args) (vm.Value, error) {
					mk, err := s.def, error(nil)
					if h {
						mk, a, err = handleMarket(s, a)
					}
					if err != nil {
						return fail(err)
					}
					return vm.Number(mk.Spread()), nil
				}
			}},
			{"bidDepth", s.depth(strategy.Buy)},
			{"askDepth", s.depth(strategy.Sell)},
			{"time", func(h bool) fn {
				return func(_ *vm.Machine, a args) (vm.Value, error) {
					mk, err := s.def, error(nil)
					if h {
						mk, a, err = handleMarket(s, a)
					}
					if err != nil {
						return fail(err)
					}
					return vm.Number(millis(mk.Book().LocalTime())), nil
				}
			}},
			{"mark", s.reference((*strategy.Market).MarkPrice)},
			{"indexPrice", s.reference((*strategy.Market).IndexPrice)},
			{"fundingRate", s.reference((*strategy.Market).FundingRate)},
			{"nextFundingTime", s.reference((*strategy.Market).NextFundingTime)},
		}},
		{"instrument", "rules", []marketMethod{
			{"tickSize", func(h bool) fn {
				return func(_ *vm.Machine, a args) (vm.Value, error) {
					mk, err := s.def, error(nil)
					if h {
						mk, a, err = handleMarket(s, a)
					}
					if err != nil {
						return fail(err)
					}
					return vm.Number(mk.TickSize()), nil
				}
			}},
			{"lotSize", func(h bool) fn {
				return func(_ *vm.Machine, a args) (vm.Value, error) {
					mk, err := s.def, error(nil)
					if h {
						mk, a, err = handleMarket(s, a)
					}
					if err != nil {
						return fail(err)
					}
					return vm.Number(mk.LotSize()), nil
				}
			}},
			{"name", func(h bool) fn {
				return func(_ *vm.Machine, a args) (vm.Value, error) {
					mk, err := s.def, error(nil)
					if h {
						mk, a, err = handleMarket(s, a)
					}
					if err != nil {
						return fail(err)
					}
					return s.marketName(mk), nil
				}
			}},
		}},
		{"position", "position", []marketMethod{
			{"qty", func(h bool) fn {
				return func(_ *vm.Machine, a args) (vm.Value, error) {
					mk, err := s.def, error(nil)
					if h {
						mk, a, err = handleMarket(s, a)
					}
					if err != nil {
						return fail(err)
					}
					return vm.Number(mk.Position()), nil
				}
			}},
			{"avgEntry", func(h bool) fn {
				return func(_ *vm.Machine, a args) (vm.Value, error) {
					mk, err := s.def, error(nil)
					if h {
						mk, a, err = handleMarket(s, a)
					}
					if err != nil {
						return fail(err)
					}
					return vm.Number(mk.AvgEntry()), nil
				}
			}},
			{"realizedPnl", func(h bool) fn {
				return func(_ *vm.Machine, a args) (vm.Value, error) {
					mk, err := s.def, error(nil)
					if h {
						mk, a, err = handleMarket(s, a)
					}
					if err != nil {
						return fail(err)
					}
					return vm.Number(mk.RealizedPnL()), nil
				}
			}},
			{"unrealizedPnl", func(h bool) fn {
				return func(_ *vm.Machine, a args) (vm.Value, error) {
					mk, err := s.def, error(nil)
					if h {
						mk, a, err = handleMarket(s, a)
					}
					if err != nil {
						return fail(err)
					}
					return vm.Number(mk.UnrealizedPnL()), nil
				}
			}},
			{"fees", func(h bool) fn {
				return func(_ *vm.Machine, a args) (vm.Value, error) {
					mk, err := s.def, error(nil)
					if h {
						mk, a, err = handleMarket(s, a)
					}
					if err != nil {
						return fail(err)
					}
					return vm.Number(mk.Fees()), nil
				}
			}},
		}},
		{"lastTrade", "lastTrade", []marketMethod{
			{"price", func(h bool) fn {
				return func(_ *vm.Machine, a args) (vm.Value, error) {
					mk, err := s.def, error(nil)
					if h {
						mk, a, err = handleMarket(s, a)
					}
					if err != nil {
						return fail(err)
					}
					t, _ := mk.LastTrade()
					return vm.Number(t.Price), nil
				}
			}},
			{"qty", func(h bool) fn {
				return func(_ *vm.Machine, a args) (vm.Value, error) {
					mk, err := s.def, error(nil)
					if h {
						mk, a, err = handleMarket(s, a)
					}
					if err != nil {
						return fail(err)
					}
					t, _ := mk.LastTrade()
					return vm.Number(t.Qty), nil
				}
			}},
			{"side", func(h bool) fn {
				return func(_ *vm.Machine, a args) (vm.Value, error) {
					mk, err := s.def, error(nil)
					if h {
						mk, a, err = handleMarket(s, a)
					}
					if err != nil {
						return fail(err)
					}
					t, ok := mk.LastTrade()
					if !ok {
						return vm.Number(0), nil
					}
					return sideValue(t.Aggressor), nil
				}
			}},
			{"time", func(h bool) fn {
				return func(_ *vm.Machine, a args) (vm.Value, error) {
					mk, err := s.def, error(nil)
					if h {
						mk, a, err = handleMarket(s, a)
					}
					if err != nil {
						return fail(err)
					}
					t, _ := mk.LastTrade()
					return vm.Number(millis(t.Time)), nil
				}
			}},
		}},
		{"orders", "orders", []marketMethod{
			{"buy", s.place(strategy.Buy)},
			{"sell", s.place(strategy.Sell)},
			{"cancel", func(h bool) fn {
				return func(_ *vm.Machine, a args) (vm.Value, error) {
					mk, err := s.def, error(nil)
					if h {
						mk, a, err = handleMarket(s, a)
					}
					if err != nil {
						return fail(err)
					}
					id, err := idArg(a, 0)
					if err != nil {
						return fail(err)
					}
					return vm.Bool(mk.Cancel(id)), nil
				}
			}},
			{"cancelAll", func(h bool) fn {
				return func(_ *vm.Machine, a args) (vm.Value, error) {
					mk, err := s.def, error(nil)
					if h {
						mk, a, err = handleMarket(s, a)
					}
					if err != nil {
						return fail(err)
					}
					return vm.Number(float64(mk.CancelAll())), nil
				}
			}},
			{"replace", func(h bool) fn {
				return func(_ *vm.Machine, a args) (vm.Value, error) {
					mk, err := s.def, error(nil)
					if h {
						mk, a, err = handleMarket(s, a)
					}
					if err != nil {
						return fail(err)
					}
					id, err := idArg(a, 0)
					if err != nil {
						return fail(err)
					}
					price, qty, flags, err := orderArgs(a, 1)
					if err != nil {
						return fail(err)
					}
					nid := mk.Replace(id, price, qty, flags)
					if nid == 0 {
						if err := s.ctx.Err(); err != nil {
							return fail(err)
						}
					}
					return vm.Number(float64(nid)), nil
				}
			}},
			{"modify", func(h bool) fn {
				return func(_ *vm.Machine, a args) (vm.Value, error) {
					mk, err := s.def, error(nil)
					if h {
						mk, a, err = handleMarket(s, a)
					}
					if err != nil {
						return fail(err)
					}
					id, err := idArg(a, 0)
					if err != nil {
						return fail(err)
					}
					price, qty, _, err := orderArgs(a, 1)
					if err != nil {
						return fail(err)
					}
					ok := mk.Modify(id, price, qty)
					if !ok {
						if err := s.ctx.Err(); err != nil {
							return fail(err)
						}
					}
					return vm.Bool(ok), nil
				}
			}},
			{"count", func(h bool) fn {
				return func(_ *vm.Machine, a args) (vm.Value, error) {
					mk, err := s.def, error(nil)
					if h {
						mk, a, err = handleMarket(s, a)
					}
					if err != nil {
						return fail(err)
					}
					return vm.Number(float64(mk.OpenOrders())), nil
				}
			}},
			{"id", func(h bool) fn {
				return func(_ *vm.Machine, a args) (vm.Value, error) {
					mk, err := s.def, error(nil)
					if h {
						mk, a, err = handleMarket(s, a)
					}
					if err != nil {
						return fail(err)
					}
					i, err := vm.NumberArg(a, 0)
					if err != nil {
						return fail(err)
					}
					o, ok := mk.OpenOrder(int(i))
					if !ok || i != float64(int(i)) {
						return vm.Number(0), nil
					}
					return vm.Number(float64(o.ID)), nil
				}
			}},
			{"side", s.orderField(func(o strategy.OrderInfo) float64 {
				if o.Side == strategy.Buy {
					return 1
				}
				return -1
			})},
			{"price", s.orderField(func(o strategy.OrderInfo) float64 { return o.Price })},
			{"qty", s.orderField(func(o strategy.OrderInfo) float64 { return o.Qty })},
			{"filled", s.orderField(func(o strategy.OrderInfo) float64 { return o.Filled })},
			{"isOpen", func(h bool) fn {
				return func(_ *vm.Machine, a args) (vm.Value, error) {
					mk, err := s.def, error(nil)
					if h {
						mk, a, err = handleMarket(s, a)
					}
					if err != nil {
						return fail(err)
					}
					id, err := idArg(a, 0)
					if err != nil {
						return fail(err)
					}
					_, ok := mk.Order(id)
					return vm.Bool(ok), nil
				}
			}},
		}},
	}
}

// handleValue is the script value of instrument i's handle: its index plus one, so that
// every handle is truthy.
func handleValue(i instrument.Index) vm.Value { return vm.Number(float64(i) + 1) }

// errNotHandle reports a handle-namespace call on something that is not an instrument.
var errNotHandle = errors.New(`is not an instrument handle: bind one at the top level with const x = instrument("venue:SYMBOL")`)

// handleArg returns the Market of the instrument handle in args[0].
func (s *Strategy) handleArg(args []vm.Value) (*strategy.Market, error) {
	if len(args) > 0 {
		if f, ok := args[0].Number(); ok && f >= 1 && f == float64(int(f)) {
			if mk := s.ctx.MarketAt(instrument.Index(f - 1)); mk != nil {
				return mk, nil
			}
		}
		return nil, fmt.Errorf("%s %w", args[0].Kind(), errNotHandle)
	}
	return nil, fmt.Errorf("nothing %w", errNotHandle)
}

// bindInstrument is instrument("venue:SYMBOL"): at the top level, it binds one of the
// engine's instruments and returns its handle.
func (s *Strategy) bindInstrument(m *vm.Machine, args []vm.Value) (vm.Value, error) {
	if !s.inInit {
		return vm.Undefined, fmt.Errorf("instrument %w", errTopLevelOnly)
	}
	name, ok := m.StringOf(argOr(args, 0))
	if !ok {
		return vm.Undefined, fmt.Errorf(`instrument: the argument must be the instrument's name, a string like "binance-spot:BTCUSDT"`)
	}
	if s.noEngine {
		// nanotick eval: there are no instruments; check the name and hand out a handle.
		if _, err := instrument.CheckName(name); err != nil {
			return vm.Undefined, fmt.Errorf("instrument: %w", err)
		}
		s.bound = true
		return vm.Number(1), nil
	}
	mk, err := s.ctx.Bind(name)
	if err != nil {
		return vm.Undefined, fmt.Errorf("instrument: %w", err)
	}
	s.bound = true
	return handleValue(mk.Index()), nil
}

// marketName is rules.name(): the instrument's venue:SYMBOL, a string made once.
func (s *Strategy) marketName(mk *strategy.Market) vm.Value {
	i := int(mk.Index())
	for len(s.names) <= i {
		s.names = append(s.names, vm.Undefined)
	}
	if s.names[i].IsUndefined() {
		s.names[i] = s.keepString(mk.Name())
	}
	return s.names[i]
}

// reference is a book method reading one of a perpetual's reference prices (mark, index,
// funding rate, next funding time). A script reads 0 until the venue has sent it, as
// book.mid() reads 0 while a side is empty: a NaN would travel silently into prices.
func (s *Strategy) reference(read func(*strategy.Market) float64) marketFunc {
	return func(h bool) vm.HostFunc {
		return func(_ *vm.Machine, a []vm.Value) (vm.Value, error) {
			mk, err := s.def, error(nil)
			if h {
				mk, _, err = handleMarket(s, a)
			}
			if err != nil {
				return vm.Undefined, err
			}
			v := read(mk)
			if math.IsNaN(v) {
				v = 0
			}
			return vm.Number(v), nil
		}
	}
}
