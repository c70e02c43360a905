package script

import (
	"fmt"
	"strings"

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
)

const (
	updateOrderID = iota
	updateStatus
	updateReason
	updateTime
)

type shapes struct{ trade, fill, update vm.Shape }

// The keys of the callback argument objects, in field order (the constants above).
var (
	tradeKeys  = []string{"price", "qty", "side", "time"}
	fillKeys   = []string{"orderId", "side", "price", "qty", "fee", "remaining", "maker", "time"}
	updateKeys = []string{"orderId", "status", "reason", "time"}
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
	h.Const("BUY", vm.Number(1))
	h.Const("SELL", vm.Number(-1))
	h.Func("param", s.param)
	h.Func("now", func(*vm.Machine, []vm.Value) (vm.Value, error) {
		return vm.Number(millis(s.ctx.Now())), nil
	})

	book := h.Object("book")
	book.Method("valid", func(*vm.Machine, []vm.Value) (vm.Value, error) { return vm.Bool(s.ctx.BookValid()), nil })
	book.Method("bidPrice", s.level(strategy.Buy, true))
	book.Method("askPrice", s.level(strategy.Sell, true))
	book.Method("bidQty", s.level(strategy.Buy, false))
	book.Method("askQty", s.level(strategy.Sell, false))
	book.Method("bidLevels", func(*vm.Machine, []vm.Value) (vm.Value, error) {
		return vm.Number(float64(s.ctx.Levels(strategy.Buy))), nil
	})
	book.Method("askLevels", func(*vm.Machine, []vm.Value) (vm.Value, error) {
		return vm.Number(float64(s.ctx.Levels(strategy.Sell))), nil
	})
	book.Method("mid", func(*vm.Machine, []vm.Value) (vm.Value, error) { return vm.Number(s.ctx.Mid()), nil })
	book.Method("spread", func(*vm.Machine, []vm.Value) (vm.Value, error) { return vm.Number(s.ctx.Spread()), nil })
	book.Method("bidDepth", s.depth(strategy.Buy))
	book.Method("askDepth", s.depth(strategy.Sell))
	book.Method("time", func(*vm.Machine, []vm.Value) (vm.Value, error) {
		return vm.Number(millis(s.ctx.Book().LocalTime())), nil
	})

	inst := h.Object("instrument")
	inst.Method("tickSize", func(*vm.Machine, []vm.Value) (vm.Value, error) { return vm.Number(s.ctx.TickSize()), nil })
	inst.Method("lotSize", func(*vm.Machine, []vm.Value) (vm.Value, error) { return vm.Number(s.ctx.LotSize()), nil })

	pos := h.Object("position")
	pos.Method("qty", func(*vm.Machine, []vm.Value) (vm.Value, error) { return vm.Number(s.ctx.Position()), nil })
	pos.Method("avgEntry", func(*vm.Machine, []vm.Value) (vm.Value, error) { return vm.Number(s.ctx.AvgEntry()), nil })
	pos.Method("realizedPnl", func(*vm.Machine, []vm.Value) (vm.Value, error) { return vm.Number(s.ctx.RealizedPnL()), nil })
	pos.Method("unrealizedPnl", func(*vm.Machine, []vm.Value) (vm.Value, error) { return vm.Number(s.ctx.UnrealizedPnL()), nil })
	pos.Method("fees", func(*vm.Machine, []vm.Value) (vm.Value, error) { return vm.Number(s.ctx.Fees()), nil })

	lt := h.Object("lastTrade")
	lt.Method("price", func(*vm.Machine, []vm.Value) (vm.Value, error) {
		t, _ := s.ctx.LastTrade()
		return vm.Number(t.Price), nil
	})
	lt.Method("qty", func(*vm.Machine, []vm.Value) (vm.Value, error) {
		t, _ := s.ctx.LastTrade()
		return vm.Number(t.Qty), nil
	})
	lt.Method("side", func(*vm.Machine, []vm.Value) (vm.Value, error) {
		t, ok := s.ctx.LastTrade()
		if !ok {
			return vm.Number(0), nil
		}
		return sideValue(t.Aggressor), nil
	})
	lt.Method("time", func(*vm.Machine, []vm.Value) (vm.Value, error) {
		t, _ := s.ctx.LastTrade()
		return vm.Number(millis(t.Time)), nil
	})

	ord := h.Object("orders")
	ord.Method("buy", s.place(strategy.Buy))
	ord.Method("sell", s.place(strategy.Sell))
	ord.Method("cancel", func(_ *vm.Machine, args []vm.Value) (vm.Value, error) {
		id, err := idArg(args, 0)
		if err != nil {
			return vm.Undefined, err
		}
		return vm.Bool(s.ctx.Cancel(id)), nil
	})
	ord.Method("cancelAll", func(*vm.Machine, []vm.Value) (vm.Value, error) {
		return vm.Number(float64(s.ctx.CancelAll())), nil
	})
	ord.Method("replace", func(_ *vm.Machine, args []vm.Value) (vm.Value, error) {
		id, err := idArg(args, 0)
		if err != nil {
			return vm.Undefined, err
		}
		price, qty, flags, err := orderArgs(args, 1)
		if err != nil {
			return vm.Undefined, err
		}
		return vm.Number(float64(s.ctx.Replace(id, price, qty, flags))), nil
	})
	ord.Method("count", func(*vm.Machine, []vm.Value) (vm.Value, error) {
		return vm.Number(float64(s.ctx.OpenOrders())), nil
	})
	ord.Method("id", func(_ *vm.Machine, args []vm.Value) (vm.Value, error) {
		i, err := vm.NumberArg(args, 0)
		if err != nil {
			return vm.Undefined, err
		}
		o, ok := s.ctx.OpenOrder(int(i))
		if !ok || i != float64(int(i)) {
			return vm.Number(0), nil
		}
		return vm.Number(float64(o.ID)), nil
	})
	ord.Method("side", s.orderField(func(o strategy.OrderInfo) float64 {
		if o.Side == strategy.Buy {
			return 1
		}
		return -1
	}))
	ord.Method("price", s.orderField(func(o strategy.OrderInfo) float64 { return o.Price }))
	ord.Method("qty", s.orderField(func(o strategy.OrderInfo) float64 { return o.Qty }))
	ord.Method("filled", s.orderField(func(o strategy.OrderInfo) float64 { return o.Filled }))
	ord.Method("isOpen", func(_ *vm.Machine, args []vm.Value) (vm.Value, error) {
		id, err := idArg(args, 0)
		if err != nil {
			return vm.Undefined, err
		}
		_, ok := s.ctx.Order(id)
		return vm.Bool(ok), nil
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

// level returns book.bidPrice-style accessors: an optional level index, 0 by default.
func (s *Strategy) level(side strategy.Side, price bool) vm.HostFunc {
	return func(_ *vm.Machine, args []vm.Value) (vm.Value, error) {
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
			return vm.Number(s.ctx.Price(side, i)), nil
		}
		return vm.Number(s.ctx.Qty(side, i)), nil
	}
}

func (s *Strategy) depth(side strategy.Side) vm.HostFunc {
	return func(_ *vm.Machine, args []vm.Value) (vm.Value, error) {
		n, err := vm.NumberArg(args, 0)
		if err != nil {
			return vm.Undefined, err
		}
		if n < 0 || n != float64(int(n)) {
			return vm.Undefined, fmt.Errorf("depth must be a whole number of levels, got %v", n)
		}
		return vm.Number(s.ctx.Depth(side, int(n))), nil
	}
}

func (s *Strategy) place(side strategy.Side) vm.HostFunc {
	return func(_ *vm.Machine, args []vm.Value) (vm.Value, error) {
		price, qty, flags, err := orderArgs(args, 0)
		if err != nil {
			return vm.Undefined, err
		}
		if side == strategy.Buy {
			return vm.Number(float64(s.ctx.Buy(price, qty, flags))), nil
		}
		return vm.Number(float64(s.ctx.Sell(price, qty, flags))), nil
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
		if f != float64(int(f)) || int(f)&^int(strategy.PostOnly|strategy.IOC) != 0 {
			return 0, 0, 0, fmt.Errorf("flags must be POST_ONLY, IOC or 0, got %v", f)
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

func (s *Strategy) orderField(get func(strategy.OrderInfo) float64) vm.HostFunc {
	return func(_ *vm.Machine, args []vm.Value) (vm.Value, error) {
		id, err := idArg(args, 0)
		if err != nil {
			return vm.Undefined, err
		}
		o, ok := s.ctx.Order(id)
		if !ok {
			return vm.Number(0), nil
		}
		return vm.Number(get(o)), nil
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
