package risk

// PerpCollateral returns the collateral the perpetual limits are measured against, in
// price units: the config's, or the venue's wallet at the last SetPerpAccount less what
// was booked before it; 0 when the instrument has no perpetual limits.
func (c *Checker) PerpCollateral() int64 { return c.perp.collateral }

// Booked returns what the checker has booked into the wallet since it started, in price
// units: realized PnL − fees + funding received. A venue's wallet balance moves by as
// much between two readings when the account trades this instrument only; ok is false
// on overflow.
func (c *Checker) Booked() (int64, bool) {
	e, ok := sub(c.acct.realizedPrice(), c.acct.fees)
	if !ok {
		return 0, false
	}
	return add(e, c.acct.funding)
}

// Book is an instrument's own accounting as the checker holds it, to set beside the
// venue's at a reconciliation: the net position (quantity units), its average entry
// price and what was booked into the wallet since start (Booked), in price units.
type Book struct {
	Position, AvgEntry, Booked int64
}

// Book returns the checker's Book; ok is false on overflow of Booked.
func (c *Checker) Book() (Book, bool) {
	b, ok := c.Booked()
	return Book{Position: c.acct.pos, AvgEntry: c.AvgEntry(), Booked: b}, ok
}
