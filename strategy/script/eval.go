package script

import (
	"fmt"
	"io"
	"strings"

	"github.com/rs/zerolog"

	"github.com/nanotick/nanotick/strategy"
	"github.com/nanotick/nanotick/vm"
)

// RunTopLevel compiles src with the whole script API declared and runs its top level
// outside any engine, as nanotick eval does: param returns its default, ta creates its
// indicators, console.log writes to stdout and log.* to stderr. The functions that need
// an engine's market data, orders or position (book.*, orders.*, position.*, ...) fail
// with an error that says so, and no callback is called. Plain scripts that use none of
// the API run the same.
func RunTopLevel(filename string, src []byte, stdout, stderr io.Writer) error {
	s := &Strategy{noEngine: true}
	host := vm.NewHost()
	s.register(host)
	host.Wrap(func(name string, fn vm.HostFunc) vm.HostFunc {
		if worksWithoutEngine(name) {
			return fn
		}
		return func(*vm.Machine, []vm.Value) (vm.Value, error) {
			return vm.Undefined, fmt.Errorf("needs an engine (market data, orders, position); eval runs only the top level, with every param at its default: try nanotick backtest")
		}
	})
	prog, err := vm.Compile(filename, src, host)
	if err != nil {
		return err
	}
	s.prog = prog
	s.m = prog.NewMachine()
	s.m.SetOutput(stdout)
	log := zerolog.New(stderr).With().Str("script", filename).Logger()
	s.ctx = strategy.NewContext(strategy.Instrument{}, nil, nil, nil, new(uint64), log)
	s.def = s.ctx.Market
	s.inInit = true
	defer func() { s.inInit = false }()
	return s.m.Run()
}

// worksWithoutEngine reports whether the script API function name needs nothing the
// engine provides.
func worksWithoutEngine(name string) bool {
	return name == "param" || name == "now" || name == "instrument" || strings.HasPrefix(name, "ta.") || strings.HasPrefix(name, "log.")
}
