package engine

// OnBaseCommission takes a commission the venue charged in the base asset for a fill of
// order id (quantity units) out of that instrument's position, so that risk's position
// is what the account holds (risk.Checker.OnBaseCommission). The order gateway calls it
// right after the fill's OnFill, whose fee already carries the commission's value.
func (e *Engine) OnBaseCommission(id uint64, qty int64, now int64) {
	e.advance(now)
	sl := e.slotOf(id)
	if err := sl.risk.OnBaseCommission(qty); err != nil {
		e.log.Error().Err(err).Uint64("order", id).Msg("base commission risk could not apply")
	}
	e.afterEvent()
}
