package risk

// PerpCollateral returns the collateral the perpetual limits are measured against, in
// price units: the config's, or the venue's since the last SetPerpAccount; 0 when the
// instrument has no perpetual limits.
func (c *Checker) PerpCollateral() int64 { return c.perp.collateral }
