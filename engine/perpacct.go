package engine

import (
	"fmt"

	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/perp"
	"github.com/nanotick/nanotick/risk"
)

// OnPerpAccount gives instrument i's perpetual risk limits the venue's wallet balance
// (price units) and leverage brackets in place of the config's, and returns the
// instrument's own accounting as it stood just before (risk.Book), for the gateway to
// set beside the venue's position, entry price and wallet. A live gateway calls it on
// the engine's goroutine after each reconciliation, never per tick: it allocates. An
// instrument without perpetual limits keeps its limits (none is measured against the
// account) and still returns its Book.
func (e *Engine) OnPerpAccount(i instrument.Index, wallet int64, brackets perp.Brackets) (risk.Book, error) {
	if int(i) >= len(e.slots) {
		return risk.Book{}, fmt.Errorf("engine: perpetual account for instrument %d of %d", i, len(e.slots))
	}
	r := e.slots[i].risk
	book, ok := r.Book()
	if !ok {
		return book, fmt.Errorf("engine: instrument %d: booked PnL overflows", i)
	}
	if r.PerpCollateral() == 0 {
		return book, nil
	}
	if err := r.SetPerpAccount(wallet, brackets); err != nil {
		return book, err
	}
	e.afterEvent()
	return book, nil
}
