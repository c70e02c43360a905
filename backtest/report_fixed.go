package backtest

// Exact fixed-point arithmetic for building the report. The report's money stays
// decimal.Decimal; these helpers compute the same decimals (the same value and the
// same exponent, by decimal's own rules: a sum takes the smaller exponent, a product
// the sum of the exponents) and the same float64 ratios (decimal's quotient to
// DivisionPrecision digits, half away from zero, then the nearest float64) in int64
// and 128-bit integer arithmetic, without big.Int. Each says when it cannot (a
// coefficient past int64, an overflow): the caller then takes the decimal path, so
// every input gives what the decimal path gives, only most of them faster.
// TestFixedMatchesDecimal and FuzzFixedMatchesDecimal hold that.

import (
	"math"
	"math/big"
	"math/bits"

	"github.com/shopspring/decimal"
)

// fx is the decimal ±(hi·2^64 + lo) × 10^e: a 128-bit coefficient, enough for the
// products of a price and a quantity at their scales and for sums of them. The
// magnitude stays below 2^126, so that a sum or a difference of two never overflows,
// and the exponent within ±fxMaxExp, so that no exponent arithmetic overflows
// (decimal's path handles, or panics on, the rest as it always did).
type fx struct {
	hi, lo uint64
	neg    bool
	e      int32
}

const fxMaxExp = 64

var pow10u = [...]uint64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19}

var pow10f = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// fxOf returns d as an fx, or false when its coefficient or exponent is out of range.
// It allocates only for a coefficient of 20 digits or more.
func fxOf(d decimal.Decimal) (fx, bool) {
	e := d.Exponent()
	if e < -fxMaxExp || e > fxMaxExp {
		return fx{}, false
	}
	// NumDigits reads an int64 coefficient without copying it.
	switch n := d.NumDigits(); {
	case n <= 19:
		// Under 10^19 < 2^64, the coefficient's magnitude is its low 64 bits, which
		// CoefficientInt64 returns negated for a negative one (wrapping past int64).
		c, neg := uint64(d.CoefficientInt64()), d.Sign() < 0
		if neg {
			c = -c
		}
		return fx{lo: c, neg: neg, e: e}, true
	case n <= 37 && bits.UintSize == 64: // < 10^37 < 2^126
		w := d.Coefficient().Bits()
		var f fx
		if len(w) > 0 {
			f.lo = uint64(w[0])
		}
		if len(w) > 1 {
			f.hi = uint64(w[1])
		}
		f.neg, f.e = d.Sign() < 0, e
		return f, len(w) <= 2 && f.hi < 1<<62
	}
	return fx{}, false
}

// fxInt is c × 10^e.
func fxInt(c int64, e int32) fx { return fx{lo: uabs(c), neg: c < 0, e: e} }

func (a fx) sign() int {
	switch {
	case a.hi|a.lo == 0:
		return 0
	case a.neg:
		return -1
	}
	return 1
}

func (a fx) negate() fx {
	a.neg = !a.neg
	return a
}

// int64 returns a's coefficient, if it fits an int64.
func (a fx) int64() (int64, bool) {
	if a.hi != 0 || a.lo > math.MaxInt64 {
		return 0, false
	}
	if a.neg {
		return -int64(a.lo), true
	}
	return int64(a.lo), true
}

// decimal returns a as a decimal, with its exponent.
func (a fx) decimal() decimal.Decimal {
	if c, ok := a.int64(); ok {
		return decimal.New(c, a.e)
	}
	var b big.Int
	if bits.UintSize == 64 {
		// NewFromBigInt copies b: its words can stay on the stack.
		w := [2]big.Word{big.Word(a.lo), big.Word(a.hi)}
		b.SetBits(w[:])
	} else {
		b.SetUint64(a.hi)
		b.Lsh(&b, 64).Or(&b, new(big.Int).SetUint64(a.lo))
	}
	if a.neg {
		b.Neg(&b)
	}
	return decimal.NewFromBigInt(&b, a.e)
}

func uabs(c int64) uint64 {
	if c < 0 {
		return -uint64(c)
	}
	return uint64(c)
}

// mulWord returns the magnitude hi·2^64 + lo times m, or false at 2^126 or more.
func mulWord(hi, lo, m uint64) (uint64, uint64, bool) {
	h1, l := bits.Mul64(lo, m)
	h2, l2 := bits.Mul64(hi, m)
	h, carry := bits.Add64(h1, l2, 0)
	if h2 != 0 || carry != 0 || h >= 1<<62 {
		return 0, 0, false
	}
	return h, l, true
}

// at returns a at exponent e ≤ a.e, or false on overflow.
func (a fx) at(e int32) (fx, bool) {
	k := a.e - e
	if k < 0 {
		return fx{}, false
	}
	for k > 0 && a.hi|a.lo != 0 {
		step := min(k, 19)
		var ok bool
		if a.hi, a.lo, ok = mulWord(a.hi, a.lo, pow10u[step]); !ok {
			return fx{}, false
		}
		k -= step
	}
	a.e = e
	return a, true
}

// add returns a + b at the smaller exponent, as decimal.Add.
func (a fx) add(b fx) (fx, bool) {
	if a.e == b.e && a.hi|b.hi == 0 && a.lo|b.lo < 1<<62 {
		// The common case, one exponent and 64-bit magnitudes: no rescaling, no carry.
		switch {
		case a.neg == b.neg:
			return fx{lo: a.lo + b.lo, neg: a.neg, e: a.e}, true
		case a.lo >= b.lo:
			return fx{lo: a.lo - b.lo, neg: a.neg && a.lo != b.lo, e: a.e}, true
		}
		return fx{lo: b.lo - a.lo, neg: b.neg, e: a.e}, true
	}
	e := min(a.e, b.e)
	x, ok1 := a.at(e)
	y, ok2 := b.at(e)
	if !ok1 || !ok2 {
		return fx{}, false
	}
	if x.neg == y.neg {
		lo, carry := bits.Add64(x.lo, y.lo, 0)
		hi, _ := bits.Add64(x.hi, y.hi, carry) // both < 2^126: no overflow
		if hi >= 1<<62 {
			return fx{}, false
		}
		return fx{hi: hi, lo: lo, neg: x.neg, e: e}, true
	}
	if x.hi < y.hi || (x.hi == y.hi && x.lo < y.lo) {
		x, y = y, x
	}
	lo, borrow := bits.Sub64(x.lo, y.lo, 0)
	hi, _ := bits.Sub64(x.hi, y.hi, borrow)
	return fx{hi: hi, lo: lo, neg: x.neg && hi|lo != 0, e: e}, true
}

// sub returns a − b, as decimal.Sub.
func (a fx) sub(b fx) (fx, bool) { return a.add(b.negate()) }

// mul returns a × b with the sum of the exponents, as decimal.Mul.
func (a fx) mul(b fx) (fx, bool) {
	e := a.e + b.e
	if e < -fxMaxExp || e > fxMaxExp || (a.hi != 0 && b.hi != 0) {
		return fx{}, false
	}
	if a.hi != 0 {
		a, b = b, a
	}
	hi, lo, ok := mulWord(b.hi, b.lo, a.lo)
	return fx{hi: hi, lo: lo, neg: (a.neg != b.neg) && hi|lo != 0, e: e}, ok
}

// divFloat returns n / d, two fx at one exponent, as decimal computes and converts it:
// n.decimal().Div(d.decimal()).Shift(shift).InexactFloat64().
// The quotient is rounded to DivisionPrecision (16) decimals, half away from zero, and
// the result is the float64 nearest that decimal. It is false when the quotient does not
// fit the integer path.
func divFloat(n, d fx, shift int32) (float64, bool) {
	if n.e != d.e || n.hi != 0 || d.hi != 0 || d.lo == 0 || decimal.DivisionPrecision != 16 || shift < -8 || shift > 8 {
		return 0, false
	}
	un, ud := n.lo, d.lo
	hi, lo := bits.Mul64(un, pow10u[16])
	if hi >= ud {
		return 0, false // the quotient needs more than 64 bits
	}
	q, r := bits.Div64(hi, lo, ud)
	// QuoRem truncates toward zero; DivRound rounds away from zero when 2|r| ≥ |d|.
	if r >= ud-r {
		q++
	}
	if q > math.MaxInt64 {
		return 0, false
	}
	Q := int64(q)
	if n.neg != d.neg {
		Q = -Q
	}
	// Decimal.Float64 divides an exact float64 coefficient by an exact power of ten
	// (one correctly rounded division) when it can, and rounds the exact rational
	// otherwise: both are the nearest float64, and so is this.
	exp := -16 + shift
	if exp <= 0 && exp >= -22 && q <= 1<<53 {
		return float64(Q) / pow10f[-exp], true
	}
	return decimal.New(Q, exp).InexactFloat64(), true
}

// markoutBpsFixed is markoutBpsDecimal in integers: sign × (mid − price) / price in
// basis points, 0 for a price ≤ 0; false when it cannot be computed so.
func markoutBpsFixed(sell bool, price, mid decimal.Decimal) (float64, bool) {
	p, ok := fxOf(price)
	if !ok {
		return 0, false
	}
	return markoutBpsAt(sell, p, mid)
}

// markoutBpsAt is markoutBpsFixed of the price p, converted once for a fill's mids.
func markoutBpsAt(sell bool, p fx, mid decimal.Decimal) (float64, bool) {
	if p.sign() <= 0 {
		return 0, true
	}
	m, ok := fxOf(mid)
	if !ok {
		return 0, false
	}
	n, ok1 := m.sub(p)
	d, ok2 := p.at(n.e)
	if !ok1 || !ok2 {
		return 0, false
	}
	if sell {
		n = n.negate()
	}
	return divFloat(n, d, 4)
}

// feeFixed is a linear instrument's exact fee, price × qty × bps / 10^4, as
// Exchange.exactFee computes it in decimal (the same value and exponent); false when it
// cannot be computed so.
func feeFixed(price, qty, bps decimal.Decimal) (decimal.Decimal, bool) {
	p, ok1 := fxOf(price)
	q, ok2 := fxOf(qty)
	b, ok3 := fxOf(bps)
	if !ok1 || !ok2 || !ok3 {
		return decimal.Decimal{}, false
	}
	return feeOf(p, q, b)
}

// feeOf is feeFixed of the price, quantity and rate as fx.
func feeOf(p, q, bps fx) (decimal.Decimal, bool) {
	pq, ok := p.mul(q)
	if !ok {
		return decimal.Decimal{}, false
	}
	f, ok := pq.mul(bps)
	if !ok || f.e-4 < -fxMaxExp {
		return decimal.Decimal{}, false
	}
	f.e -= 4
	return f.decimal(), true
}

// decimalSlots converts fixed-point values at one exponent to decimals, sharing the
// decimal of a value among its uses (decimals are immutable): a strategy sends the same
// quantities, and often the same prices, again and again, and the logs are most of a
// long run's report. It is direct-mapped: a value whose slot another took is converted
// again, which costs an allocation, never a wrong value.
type decimalSlots struct {
	exp   int32
	slots [256]cachedDecimal
}

type cachedDecimal struct {
	v  int64
	d  decimal.Decimal
	ok bool
}

func newDecimalSlots(exp int32) *decimalSlots { return &decimalSlots{exp: exp} }

func (c *decimalSlots) get(v int64) decimal.Decimal {
	s := &c.slots[(uint64(v)*0x9E3779B97F4A7C15)>>56]
	if s.ok && s.v == v {
		return s.d
	}
	*s = cachedDecimal{v: v, d: decimal.New(v, c.exp), ok: true}
	return s.d
}

// halfMid returns twice-a-mid m2 at price exponent exp as the decimal mid, as
// decimal.New(m2, exp).Mul(decimal.New(5, -1)) makes it (value and exponent).
func (c *decimalSlots) halfMid(m2 int64) decimal.Decimal {
	if m2 > math.MaxInt64/5 || m2 < math.MinInt64/5 {
		return decimal.New(m2, c.exp+1).Mul(decimal.New(5, -1))
	}
	return c.get(m2 * 5)
}

// maxDrawdown is drawdown (the largest fall of the curve's equity from a peak, in
// quote units and as a percentage of that peak), the same decimal and float64, found
// with comparisons alone: a point makes a new largest fall when its equity is below
// the peak less the largest fall so far, a threshold that changes only with the peak
// or the fall. decimal's Cmp of two equities at one exponent allocates nothing; only
// the falls are subtracted, and the percentage is computed once, at the end.
func maxDrawdown(curve []EquityPoint) (decimal.Decimal, float64) {
	// The percentage is drawdown's of the last largest fall from a positive peak.
	peak, pctPeak, pctAt := 0, -1, -1
	var worst, below decimal.Decimal // the largest fall, and the peak less it
	for i := range curve {
		e := curve[i].Equity
		switch {
		case i == 0:
			below = e
			continue // no fall from the first point
		case e == curve[i-1].Equity:
			// A sample whose equity did not change shares the last one's decimal
			// (replay.point): the same pointer, which was neither a peak nor below.
			continue
		case e.Cmp(curve[peak].Equity) > 0:
			peak, below = i, e.Sub(worst)
			continue // a new peak is no fall
		}
		if e.Cmp(below) < 0 { // peak − e > worst
			worst, below = curve[peak].Equity.Sub(e), e
			if curve[peak].Equity.Sign() > 0 {
				pctPeak, pctAt = peak, i
			}
		}
	}
	var pct float64
	if pctAt >= 0 {
		p := curve[pctPeak].Equity
		pct = p.Sub(curve[pctAt].Equity).Mul(decimal.NewFromInt(100)).DivRound(p, 8).InexactFloat64()
	}
	return worst, pct
}

// fxMemo converts the decimals of a sequence in which the same decimal (the same
// pointer: the logs share a value's decimal among its uses) often comes again, reading
// each run of them once. Its zero value holds the zero decimal.
type fxMemo struct {
	d decimal.Decimal
	f fx
}

func (m *fxMemo) of(d decimal.Decimal) (fx, bool) {
	if d == m.d {
		return m.f, true
	}
	f, ok := fxOf(d)
	if ok {
		m.d, m.f = d, f
	}
	return f, ok
}
