package vm_test

import (
	"fmt"
	"os"

	"github.com/nanotick/nanotick/vm"
)

// A host registers Go functions before compiling; scripts call them like JavaScript
// functions and methods, and Go calls script functions with Machine.Call.
func Example() {
	h := vm.NewHost()
	bids := []float64{100.5, 100.25, 100}
	h.Object("book").MethodSig("bidPrice", 1, 1, func(m *vm.Machine, args []vm.Value) (vm.Value, error) {
		i, err := vm.NumberArg(args, 0) // a window onto the VM stack: no allocation
		if err != nil {
			return vm.Undefined, err
		}
		if i < 0 || int(i) >= len(bids) {
			return vm.Undefined, fmt.Errorf("level %v out of range", i)
		}
		return vm.Number(bids[int(i)]), nil
	})
	h.Object("log").Method("info", func(m *vm.Machine, args []vm.Value) (vm.Value, error) {
		s, _ := m.StringOf(args[0])
		fmt.Println("log:", s)
		return vm.Undefined, nil
	})
	h.Const("TICK", vm.Number(0.25))

	src := []byte(`
let ema = 0;
function onTick(weight) {
  const mid = (book.bidPrice(0) + book.bidPrice(1)) / 2;
  ema += weight * (mid - ema);
  return Math.round(ema / TICK) * TICK;
}
log.info("loaded, tick " + TICK);
`)
	prog, err := vm.Compile("strategy.js", src, h)
	if err != nil {
		fmt.Println(err)
		return
	}
	m := prog.NewMachine()
	m.SetOutput(os.Stdout)
	if err := m.Run(); err != nil {
		fmt.Println(err)
		return
	}
	onTick, _ := m.Func("onTick")
	r, err := m.Call(onTick, vm.Number(0.5))
	if err != nil {
		fmt.Println(err)
		return
	}
	x, _ := r.Number()
	fmt.Println(x)
	// Output:
	// log: loaded, tick 0.25
	// 50.25
}
