// Package script runs strategies written in nanotick's JavaScript subset: it registers the
// script API (book, orders, position, ta, log, ...) with the VM, compiles the script, and
// adapts it to strategy.Strategy so the engine runs it exactly like a Go strategy.
//
// It owns the bridge between the engine's Context and the VM and nothing else. Every host
// function here is called on the tick path and must not allocate when it takes and returns
// numbers; only logging, which formats text, may.
package script

import (
	"errors"
	"fmt"
	"os"

	"github.com/nanotick/nanotick/risk"
	"github.com/nanotick/nanotick/strategy"
	"github.com/nanotick/nanotick/vm"
)

// Options tune a script strategy.
type Options struct {
	// Steps is the instruction budget of one callback; 0 keeps the VM's default. A runaway
	// loop in a callback fails with a budget error, which halts the strategy.
	Steps int64
}

// Strategy is a compiled script adapted to strategy.Strategy.
type Strategy struct {
	prog *vm.Program
	file string // the script's name in errors
	m    *vm.Machine
	ctx  *strategy.Context // the context of the callback in progress
	def  *strategy.Market  // ctx's default instrument, which the global namespaces mean
	opts Options

	onBook, onTrade, onFill, onOrder, onTimer vm.Func
	has                                       [numCallbacks]bool

	shapes    shapes
	trade     vm.Value // the reused argument objects
	fill      vm.Value
	update    vm.Value
	statuses  [strategy.NumStatuses]vm.Value // status strings, by strategy.OrderStatus
	reasons   [risk.NumReasons]vm.Value      // reason strings, by risk.Reason
	venueText vm.Value                       // the reason of a venue reject

	indicators []taIndicator
	inInit     bool
	// bound is set once the script binds an instrument: its market callbacks then get
	// the instrument first (onBook(inst), onTrade(inst, trade)) and run for every
	// instrument; a script that binds none keeps the one-instrument callbacks.
	bound    bool
	noEngine bool       // nanotick eval: no engine, no instruments
	names    []vm.Value // rules.name() strings, by instrument index
}

const (
	cbBook = iota
	cbTrade
	cbFill
	cbOrder
	cbTimer
	numCallbacks
)

var callbackNames = [numCallbacks]string{"onBook", "onTrade", "onFill", "onOrder", "onTimer"}

// Load reads and compiles a strategy script.
func Load(path string, opts Options) (*Strategy, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("script: %w", err)
	}
	return Compile(path, src, opts)
}

// Compile compiles src (named filename in errors) into a strategy. Compile errors carry
// file:line:col and a hint (see vm.Error).
func Compile(filename string, src []byte, opts Options) (*Strategy, error) {
	s := &Strategy{opts: opts, file: filename}
	host := vm.NewHost()
	s.register(host)
	prog, err := vm.Compile(filename, src, host)
	if err != nil {
		return nil, err
	}
	s.prog = prog
	s.m = prog.NewMachine()
	if opts.Steps > 0 {
		l := s.m.Limits()
		l.Steps = opts.Steps
		s.m.SetLimits(l)
	}
	for i, name := range callbackNames {
		f, ok := s.m.Func(name)
		s.has[i] = ok
		switch i {
		case cbBook:
			s.onBook = f
		case cbTrade:
			s.onTrade = f
		case cbFill:
			s.onFill = f
		case cbOrder:
			s.onOrder = f
		case cbTimer:
			s.onTimer = f
		}
	}
	if !s.has[cbBook] && !s.has[cbTrade] && !s.has[cbTimer] {
		return nil, fmt.Errorf("%s: the script defines none of onBook, onTrade and onTimer, so it would never act", filename)
	}
	s.makeValues()
	return s, nil
}

// Machine returns the script's VM, e.g. to set its console output.
func (s *Strategy) Machine() *vm.Machine { return s.m }

// makeValues creates the objects and strings passed to callbacks once, and keeps them
// from the VM's collector, so that a callback's arguments cost nothing per call.
func (s *Strategy) makeValues() {
	s.trade = s.m.NewObject(s.shapes.trade)
	s.fill = s.m.NewObject(s.shapes.fill)
	s.update = s.m.NewObject(s.shapes.update)
	for _, v := range []vm.Value{s.trade, s.fill, s.update} {
		s.m.Keep(v)
	}
	for st := strategy.Accepted; st < strategy.NumStatuses; st++ {
		s.statuses[st] = s.keepString(st.String())
	}
	for r := risk.Reason(0); r < risk.NumReasons; r++ {
		if r == risk.ReasonOK {
			s.reasons[r] = s.keepString("")
			continue
		}
		s.reasons[r] = s.keepString(r.String())
	}
	s.venueText = s.reasons[risk.ReasonOK]
}

func (s *Strategy) keepString(str string) vm.Value {
	v := s.m.NewString(str)
	s.m.Keep(v)
	return v
}

// Init runs the script's top level, where it declares its parameters and indicators.
func (s *Strategy) Init(ctx *strategy.Context) error {
	s.ctx, s.def = ctx, ctx.Market
	// Order options the instruments' venues lack stop the script here, before its top
	// level runs, with the call's position.
	if err := s.checkBoundOrders(); err != nil {
		return err
	}
	s.inInit = true
	defer func() { s.inInit = false }()
	return s.m.Run()
}

// OnBook calls the script's onBook: onBook(inst) with the instrument's handle once the
// script has bound instruments, onBook() for the default instrument's book otherwise.
func (s *Strategy) OnBook(ctx *strategy.Context) error {
	if !s.has[cbBook] {
		return nil
	}
	s.ctx, s.def = ctx, ctx.Market
	var err error
	switch ev := ctx.Event(); {
	case s.bound:
		_, err = s.m.Call(s.onBook, handleValue(ev.Index()))
	case ev == ctx.Market:
		_, err = s.m.Call(s.onBook)
	}
	return err
}

// OnTrade calls the script's onTrade with the reused trade object: onTrade(inst, trade)
// once the script has bound instruments, onTrade(trade) for the default instrument's
// trades otherwise.
func (s *Strategy) OnTrade(ctx *strategy.Context, t *strategy.Trade) error {
	if !s.has[cbTrade] || !s.bound && t.Instrument != 0 {
		return nil
	}
	s.ctx, s.def = ctx, ctx.Market
	m := s.m
	inst := handleValue(t.Instrument)
	m.SetField(s.trade, tradePrice, vm.Number(t.Price))
	m.SetField(s.trade, tradeQty, vm.Number(t.Qty))
	m.SetField(s.trade, tradeSide, sideValue(t.Aggressor))
	m.SetField(s.trade, tradeTime, vm.Number(millis(t.Time)))
	m.SetField(s.trade, tradeInstrument, inst)
	var err error
	if s.bound {
		_, err = m.Call(s.onTrade, inst, s.trade)
	} else {
		_, err = m.Call(s.onTrade, s.trade)
	}
	return err
}

// OnFill calls the script's onFill with the reused fill object.
func (s *Strategy) OnFill(ctx *strategy.Context, f *strategy.Fill) error {
	if !s.has[cbFill] {
		return nil
	}
	s.ctx, s.def = ctx, ctx.Market
	m := s.m
	m.SetField(s.fill, fillOrderID, vm.Number(float64(f.OrderID)))
	m.SetField(s.fill, fillSide, sideValue(f.Side))
	m.SetField(s.fill, fillPrice, vm.Number(f.Price))
	m.SetField(s.fill, fillQty, vm.Number(f.Qty))
	m.SetField(s.fill, fillFee, vm.Number(f.Fee))
	m.SetField(s.fill, fillRemaining, vm.Number(f.Remaining))
	m.SetField(s.fill, fillMaker, vm.Bool(f.Maker))
	m.SetField(s.fill, fillTime, vm.Number(millis(f.Time)))
	m.SetField(s.fill, fillInstrument, handleValue(f.Instrument))
	_, err := m.Call(s.onFill, s.fill)
	return err
}

// OnOrder calls the script's onOrder with the reused update object.
func (s *Strategy) OnOrder(ctx *strategy.Context, u *strategy.OrderUpdate) error {
	if !s.has[cbOrder] {
		return nil
	}
	s.ctx, s.def = ctx, ctx.Market
	m := s.m
	m.SetField(s.update, updateOrderID, vm.Number(float64(u.OrderID)))
	m.SetField(s.update, updateStatus, s.statuses[u.Status])
	reason := s.reasons[risk.ReasonOK]
	switch {
	case u.Reason != risk.ReasonOK && u.Reason < risk.NumReasons:
		reason = s.reasons[u.Reason]
	case u.VenueReason != "":
		// A venue's text is rare and free-form: one string in the script heap per reject.
		reason = m.NewString(u.VenueReason)
	}
	m.SetField(s.update, updateReason, reason)
	m.SetField(s.update, updateTime, vm.Number(millis(u.Time)))
	m.SetField(s.update, updateInstrument, handleValue(u.Instrument))
	_, err := m.Call(s.onOrder, s.update)
	return err
}

// OnTimer calls the script's onTimer.
func (s *Strategy) OnTimer(ctx *strategy.Context) error {
	if !s.has[cbTimer] {
		return nil
	}
	s.ctx, s.def = ctx, ctx.Market
	_, err := s.m.Call(s.onTimer)
	return err
}

func millis(ns int64) float64 { return float64(ns) / 1e6 }

func sideValue(side strategy.Side) vm.Value {
	if side == strategy.Buy {
		return vm.Number(1)
	}
	return vm.Number(-1)
}

// errTopLevelOnly reports a declaration made inside a callback.
var errTopLevelOnly = errors.New("must be called at the top level of the script, once, not in a callback")
