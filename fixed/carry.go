package fixed

import "math/bits"

// Carry passes on, in whole units, an amount that arrives in pieces known in finer
// units: each piece is passed on as round(total after it) − round(total before it), so
// that the whole units passed so far are always the exact total rounded once, however
// many pieces it came in, and each piece is passed on within one whole unit of itself.
// Rounding is half away from zero, so that negative amounts (rebates) round as their
// opposites do.
//
// Fees are the reason: the engine counts a fill's fee in price units, and a venue
// charges each of many small fills a fraction of one. Rounding each fill's fee on its
// own is wrong by up to half a unit per fill, always in the same direction when the
// fills are alike; a Carry is wrong by at most half a unit in all.
//
// The exact total is held as whole units and a remainder in fine units, so it never
// overflows however long it runs, short of 2^62 whole units. Add and AddMul allocate
// nothing. A Carry is not safe for concurrent use. The zero Carry has fine units equal
// to its whole units: it passes each amount on unchanged.
type Carry struct {
	unit  int64 // fine units in a whole unit, 10^digits; 0 means 1
	whole int64 // floor of the exact total, in whole units
	rem   int64 // the rest of the exact total, in fine units: 0 ≤ rem < unit
}

// maxCarryWhole bounds the whole units a Carry holds, so that its sums and the
// differences of its totals fit an int64 without checks at every step.
const maxCarryWhole = 1 << 62

// NewCarry returns an empty Carry whose fine units are 10^-digits of a whole unit.
// A digits beyond MaxScale is taken as MaxScale.
func NewCarry(digits Scale) Carry {
	return Carry{unit: min(digits, MaxScale).Unit()}
}

// Add adds fine fine units to the total and returns the whole units to pass on with
// them. A total beyond 2^62 whole units is not added, and 0 is returned.
func (c *Carry) Add(fine int64) int64 {
	d, _ := c.AddMul(fine, 1)
	return d
}

// AddMul adds a×b fine units to the total, computing the product in 128 bits, and
// returns the whole units to pass on with them. It returns false, and adds nothing,
// if a×b is 2^62 whole units or more or the total would pass 2^62 whole units.
func (c *Carry) AddMul(a, b int64) (int64, bool) {
	u := c.units()
	hi, lo := bits.Mul64(abs(a), abs(b))
	if hi >= uint64(u) {
		return 0, false
	}
	q, r := bits.Div64(hi, lo, uint64(u))
	if q >= maxCarryWhole {
		return 0, false
	}
	dq, dr := int64(q), int64(r)
	if (a < 0) != (b < 0) {
		dq, dr = -dq, -dr
	}
	whole, rem := c.whole+dq, c.rem+dr // rem in (-u, 2u)
	if rem >= u {
		rem -= u
		whole++
	} else if rem < 0 {
		rem += u
		whole--
	}
	if whole >= maxCarryWhole || whole < -maxCarryWhole {
		return 0, false
	}
	before := c.Total()
	c.whole, c.rem = whole, rem
	return c.Total() - before, true
}

// Total returns the exact total rounded half away from zero to whole units: the sum of
// what Add and AddMul returned.
func (c *Carry) Total() int64 {
	u := c.units()
	// whole + rem/u with 0 ≤ rem < u: the total is negative exactly when whole is.
	if c.rem > u-c.rem || (c.rem == u-c.rem && c.whole >= 0) {
		return c.whole + 1
	}
	return c.whole
}

// Unit returns the number of fine units in a whole unit.
func (c *Carry) Unit() int64 { return c.units() }

func (c *Carry) units() int64 {
	if c.unit <= 0 {
		return 1
	}
	return c.unit
}
