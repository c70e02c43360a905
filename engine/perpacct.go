package engine

import (
	"fmt"

	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/perp"
)

// OnPerpAccount gives instrument i's perpetual risk limits the venue's wallet balance
// (collateral, price units) and leverage brackets in place of the config's. A live
// gateway calls it on the engine's goroutine after each reconciliation, never per
// tick: it allocates. An instrument without perpetual limits ignores it: none of its
// limits is measured against the account.
func (e *Engine) OnPerpAccount(i instrument.Index, collateral int64, brackets perp.Brackets) error {
	if int(i) >= len(e.slots) {
		return fmt.Errorf("engine: perpetual account for instrument %d of %d", i, len(e.slots))
	}
	if e.slots[i].risk.PerpCollateral() == 0 {
		return nil
	}
	if err := e.slots[i].risk.SetPerpAccount(collateral, brackets); err != nil {
		return err
	}
	e.afterEvent()
	return nil
}
