package script

import (
	"fmt"

	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/strategy"
	"github.com/nanotick/nanotick/vm"
)

// The order options a venue lacks are refused before the script trades, at the
// earliest point that can tell:
//   - at compile time (and so by nanotick vet), a call on a handle bound with a literal
//     name, const perp = instrument("binance-usdm:BTCUSDT"), whose flags are constants
//     (REDUCE_ONLY, POST_ONLY | IOC, a const of them) is checked against that venue;
//     flags no venue accepts (two times in force, unknown bits) are refused for any call;
//   - when the script is bound to an engine (Init, before its top level runs), every
//     call on the global namespace (orders.buy(...), the default instrument) and every
//     call on a literal handle is checked again against the engine's own instrument,
//     which also knows whether its gateway can modify;
//   - at run time, flags that are not constants are checked on every order (one AND),
//     and a flag the venue lacks is a script error at the call: the order never leaves.

// orderChecks registers the call checks of the order functions on ns, the global or a
// handle orders namespace.
func orderChecks(ns *vm.HostObject) {
	ns.CheckCall("buy", flagsCheck(2))
	ns.CheckCall("sell", flagsCheck(2))
	ns.CheckCall("replace", flagsCheck(3))
	ns.CheckCall("modify", func(site *vm.CallSite) (int, error) {
		if venue, ok := siteVenue(site); ok {
			return -1, instrument.CheckOptions(venue, instrument.OptModify)
		}
		return -1, nil
	})
}

// flagsCheck checks a constant flags argument at index arg.
func flagsCheck(arg int) vm.CallCheck {
	return func(site *vm.CallSite) (int, error) {
		flags, ok := siteFlags(site, arg)
		if !ok {
			return -1, nil
		}
		if f := site.Args[arg].Num; f != float64(int(f)) || f < 0 || int(f)&^int(strategy.AllFlags) != 0 {
			return arg, fmt.Errorf("flags must be 0 or POST_ONLY, IOC, FOK and REDUCE_ONLY combined with |, got %v", f)
		}
		venue, ok := siteVenue(site)
		if !ok {
			// Venue-independent: at most one time in force.
			if n := flags & (instrument.OptPostOnly | instrument.OptIOC | instrument.OptFOK); n&(n-1) != 0 {
				return arg, fmt.Errorf("%s: at most one of POST_ONLY, IOC and FOK (each is a time in force)", flags)
			}
			return -1, nil
		}
		return arg, instrument.CheckOptions(venue, flags)
	}
}

// siteFlags returns the constant flags of a call site, when its flags argument is one.
func siteFlags(site *vm.CallSite, arg int) (instrument.Option, bool) {
	if arg >= len(site.Args) || !site.Args[arg].Known {
		return 0, false
	}
	f := site.Args[arg].Num
	if f != float64(int(f)) || f < 0 || f > 255 {
		return instrument.Option(0xff), true // refused by the caller's range check
	}
	return instrument.Option(int(f)), true
}

// siteVenue returns the venue of a call on a handle bound with a literal name.
func siteVenue(site *vm.CallSite) (string, bool) {
	if !site.Handle || site.Receiver == "" {
		return "", false
	}
	id, err := instrument.ParseID(site.Receiver)
	if err != nil {
		return "", false
	}
	return id.Venue, true
}

// checkBoundOrders checks the script's order calls against the engine's instruments,
// once the Context is known (Init): the calls on the global namespace against the
// default instrument, the calls on literal handles against the instruments they name.
// An error carries the call's file:line:col.
func (s *Strategy) checkBoundOrders() error {
	for _, site := range s.prog.CallSites() {
		mk := s.ctx.Market
		if site.Handle {
			if site.Receiver == "" {
				continue // a handle the compiler cannot follow: checked per call
			}
			var err error
			if mk, err = s.ctx.Bind(site.Receiver); err != nil {
				continue // instrument() reports it when the top level runs
			}
		}
		arg, err := checkOnMarket(mk, &site)
		if err == nil {
			continue
		}
		pos := site.Pos
		if arg >= 0 && arg < len(site.Args) {
			pos = site.Args[arg].Pos
		}
		return &vm.Error{File: s.file, Line: pos.Line, Col: pos.Col, Msg: fmt.Sprintf("%s: %v", site.Name, err),
			Hint: "use only the order options the instrument's venue offers (docs/strategy-api.md, Order options)"}
	}
	return nil
}

// checkOnMarket checks one call site against mk's venue and gateway.
func checkOnMarket(mk *strategy.Market, site *vm.CallSite) (int, error) {
	name := site.Name
	if i := lastDot(name); i >= 0 {
		name = name[i+1:]
	}
	switch name {
	case "modify":
		return -1, mk.CanModify()
	case "buy", "sell", "replace":
		arg := 2
		if name == "replace" {
			arg = 3
		}
		if flags, ok := siteFlags(site, arg); ok {
			return arg, mk.CheckFlags(strategy.Flags(flags))
		}
	}
	return -1, nil
}

func lastDot(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '.' {
			return i
		}
	}
	return -1
}
