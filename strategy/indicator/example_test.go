package indicator_test

import (
	"fmt"

	"github.com/nanotick/nanotick/strategy/indicator"
)

// This example computes Bollinger bands, the mean of the last 20 prices plus and minus
// two standard deviations, with every allocation made before the first tick.
func ExampleStdDev() {
	sd, err := indicator.NewStdDev(20)
	if err != nil {
		panic(err)
	}
	// On the tick path: no allocation, no error to handle.
	for i := range 40 {
		sd.Update(100 + float64(i%4))
	}
	if sd.Ready() {
		mid, width := sd.Mean(), 2*sd.Value()
		fmt.Printf("%.4f %.4f %.4f\n", mid-width, mid, mid+width)
	}
	// Output: 99.2639 101.5000 103.7361
}

// This example shows what a time window reports when its ring is too small for the
// trade rate: the average covers only the newest trades, and EarlyEvictions says so.
func ExampleTimeVWAP() {
	v, err := indicator.NewTimeVWAP(1_000_000_000, 3) // a 1s window, room for 3 trades
	if err != nil {
		panic(err)
	}
	for i, price := range []float64{100, 101, 102, 103} {
		v.Update(price, 1, int64(i)*1_000_000) // one trade per millisecond
	}
	fmt.Println(v.Value(), v.Len(), v.EarlyEvictions())
	// Output: 102 3 1
}
