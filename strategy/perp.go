package strategy

import (
	"math"

	"github.com/nanotick/nanotick/md"
)

// SetMark records a perpetual's reference prices from the venue, merging the fields the
// event carries into what the market knew (a venue may send only what changed).
func (m *Market) SetMark(p *md.PerpMark) {
	if p.Fields&md.HasMarkPrice != 0 {
		m.mark.Price = p.Price
	}
	if p.Fields&md.HasIndexPrice != 0 {
		m.mark.Index = p.Index
	}
	if p.Fields&md.HasFundingRate != 0 {
		m.mark.FundingRate = p.FundingRate
	}
	if p.Fields&md.HasNextFunding != 0 {
		m.mark.NextFunding = p.NextFunding
	}
	m.mark.Fields |= p.Fields
}

var (
	markUnit = float64(md.MarkPriceScale.Unit())
	rateUnit = float64(md.RateScale.Unit())
)

// MarkPrice returns the venue's mark price, on which a perpetual's unrealized PnL,
// margin and liquidation are computed, or NaN before the venue sent one (a spot
// instrument never has one).
func (m *Market) MarkPrice() float64 {
	if m.mark.Fields&md.HasMarkPrice == 0 {
		return math.NaN()
	}
	return float64(m.mark.Price) / markUnit
}

// IndexPrice returns the venue's index price (the spot price the mark follows), or NaN
// before the venue sent one.
func (m *Market) IndexPrice() float64 {
	if m.mark.Fields&md.HasIndexPrice == 0 {
		return math.NaN()
	}
	return float64(m.mark.Index) / markUnit
}

// FundingRate returns the rate of the coming funding (0.0001 is 0.01%; positive: longs
// pay shorts), or NaN before the venue sent one.
func (m *Market) FundingRate() float64 {
	if m.mark.Fields&md.HasFundingRate == 0 {
		return math.NaN()
	}
	return float64(m.mark.FundingRate) / rateUnit
}

// NextFundingTime returns the next funding time in Unix ms (the unit of Date.now() in a
// script), or NaN before the venue sent one.
func (m *Market) NextFundingTime() float64 {
	if m.mark.Fields&md.HasNextFunding == 0 {
		return math.NaN()
	}
	return float64(m.mark.NextFunding / 1e6)
}

// PerpMark returns the reference prices as the venue sent them, in fixed point.
func (m *Market) PerpMark() md.PerpMark { return m.mark }
