package backtest

import "fmt"

// problems lists what made a run fail to test its strategy: a book that was never
// valid (the strategy saw no market: wrong venue or symbol, or no snapshot in the
// data), or no order sent while the book had gaps (the strategy was kept out of the
// market by the gaps).
//
// neverValid names the instruments whose book was never valid; "" stands for the one
// instrument of a run that has one.
func problems(neverValid []string, sent, gaps uint64) []string {
	var out []string
	for _, name := range neverValid {
		of := ""
		if name != "" {
			of = " of " + name
		}
		out = append(out, "the order book"+of+" was never valid: the strategy never saw the market (does the data hold the instrument's depth stream and a snapshot?)")
	}
	if sent == 0 && gaps > 0 {
		out = append(out, fmt.Sprintf("no order was sent, and the book had %d gap(s) in the data: the strategy was kept out of the market", gaps))
	}
	return out
}
