package backtest

import (
	"fmt"
	"sort"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/md"
	"github.com/nanotick/nanotick/perp"
)

// Funding is how a backtest of a perpetual charges funding (see package perp): at each
// funding time the position held then pays, or receives, its notional at the mark price
// times the rate (an inverse perpetual's notional in the coin, position / mark, so it
// pays in the coin). Where the rates come from is, in order of precedence:
//
//   - Rates, a funding-rate file (perp.ReadRatesCSV): each row is a funding event at its
//     time, valued at the row's mark price, or the book's mid when the row has none;
//   - Constant, one rate for every funding time of Schedule, valued at the book's mid;
//   - otherwise the recording's own mark price stream: at the next funding time a mark
//     price frame announced (its T), with the rate and mark price it carried.
//
// A spot instrument pays no funding, and Disabled turns funding off for a perpetual.
type Funding struct {
	Disabled bool
	Rates    perp.Rates
	// RatesName names the rates' source for the report ("funding.csv").
	RatesName   string
	Constant    decimal.Decimal
	HasConstant bool
	// Schedule is the funding grid of a Constant rate; zero means USD-M's 8 hours
	// from 00:00 UTC.
	Schedule perp.Schedule
	// Recorded names the recorded mark events for the report when they are not a
	// Binance recording's mark price stream ("derivative_ticker", for Tardis files),
	// and RecordedHint says how to give them when the data has none.
	Recorded, RecordedHint string
}

// FundingReport says how funding was charged and what it came to.
type FundingReport struct {
	// Source is "none", "mark price stream", "file NAME" or "constant RATE every
	// INTERVAL".
	Source string `json:"source"`
	// Note says why there was no funding, when there was none for a perpetual.
	Note     string `json:"note,omitempty"`
	Payments uint64 `json:"payments"`
	// Total is what funding added to the account (negative: paid), in the quote
	// currency (the coin of an inverse perpetual); it is part of the PnL.
	Total decimal.Decimal `json:"total"`
	// Events are the payments, in time order.
	Events []FundingEvent `json:"events,omitempty"`
}

// FundingEvent is one funding payment.
type FundingEvent struct {
	Time       string          `json:"time"`
	Instrument string          `json:"instrument"`
	Position   decimal.Decimal `json:"position"`
	Mark       decimal.Decimal `json:"mark"`
	Rate       decimal.Decimal `json:"rate"`
	Amount     decimal.Decimal `json:"amount"`

	at int64 // Time, Unix ns, for ordering
}

// maxFundingEvents bounds the payments listed in the report: three a day for a year.
const maxFundingEvents = 1100

// fundingSource is where a run's rates come from.
type fundingSource uint8

const (
	fundNone fundingSource = iota
	fundRecorded
	fundFile
	fundConstant
)

// funder charges funding on one account during a replay.
type funder struct {
	src      fundingSource
	cfg      Funding
	acct     *Account
	next     int64 // the next funding time to charge (constant and file sources)
	k        int   // the next row of cfg.Rates
	lastPaid int64 // the last funding time charged
	rep      FundingReport
	marks    bool                   // a mark price frame was seen
	nextSeen bool                   // a mark event gave a funding time
	mid      func() decimal.Decimal // the book's mid, read only when a payment needs it
	name     string                 // the instrument, venue:SYMBOL
	// paid, if set, is told each payment in the quote currency (the engine's risk
	// counts funding paid).
	paid func(amount decimal.Decimal)
}

// newFunder returns the funding model of a run; perpetual says whether the instrument
// pays funding at all, and mid reads the book's mid price (zero when unknown).
func newFunder(cfg Funding, perpetual bool, acct *Account, mid func() decimal.Decimal) *funder {
	f := &funder{cfg: cfg, acct: acct, mid: mid}
	switch {
	case !perpetual:
		f.rep.Source = "none"
	case cfg.Disabled:
		f.rep.Source, f.rep.Note = "none", "funding turned off"
	case cfg.Rates != nil:
		f.src, f.rep.Source = fundFile, "file "+cfg.RatesName
	case cfg.HasConstant:
		f.src = fundConstant
		if f.cfg.Schedule.Interval <= 0 {
			f.cfg.Schedule = perp.DefaultSchedule
		}
		f.rep.Source = fmt.Sprintf("constant %s every %s", cfg.Constant, f.cfg.Schedule.Interval)
	default:
		f.src, f.rep.Source = fundRecorded, "mark price stream"
		if cfg.Recorded != "" {
			f.rep.Source = "recorded " + cfg.Recorded
		}
	}
	return f
}

// start sets the first funding time after the run's start t.
func (f *funder) start(t int64) {
	f.lastPaid = t
	if f.src == fundConstant {
		f.next = f.cfg.Schedule.Next(t)
	}
}

// due charges every funding time up to t (Unix ns, the replay's clock), before the
// event at t is handled: the position is the one held when the funding time passed.
// mark is the venue's reference prices. It runs for every event and allocates only when
// it pays.
func (f *funder) due(t int64, mark md.PerpMark) {
	switch f.src {
	case fundConstant:
		for f.next <= t {
			f.pay(f.next, f.mid(), f.cfg.Constant)
			f.next = f.cfg.Schedule.Next(f.next)
		}
	case fundFile:
		for f.k < len(f.cfg.Rates) && f.cfg.Rates[f.k].Time <= t {
			r := f.cfg.Rates[f.k]
			f.k++
			if r.Time <= f.lastPaid {
				continue // before the run started
			}
			m := r.Mark
			if m.IsZero() {
				m = f.mid()
			}
			f.pay(r.Time, m, r.Rate)
		}
	case fundRecorded:
		if mark.Fields&md.HasMarkPrice != 0 {
			f.marks = true
		}
		if mark.Fields&md.HasNextFunding != 0 {
			f.nextSeen = true
		}
		const all = md.HasMarkPrice | md.HasFundingRate | md.HasNextFunding
		if mark.Fields&all == all && mark.NextFunding > f.lastPaid && mark.NextFunding <= t {
			f.pay(mark.NextFunding, md.MarkPriceScale.Decimal(mark.Price), md.RateScale.Decimal(mark.FundingRate))
		}
	}
}

// pay books one funding payment at time at.
func (f *funder) pay(at int64, mark, rate decimal.Decimal) {
	f.lastPaid = at
	pos := f.acct.Position()
	if mark.Sign() <= 0 {
		return // no price to value the position at yet: nothing can be charged
	}
	amount := perp.FundingPayment(pos, mark, rate)
	if f.acct.Inverse() {
		// An inverse position's value is in the coin: pos / mark, and it pays that
		// times the rate, in the coin.
		amount = pos.Neg().Mul(rate).DivRound(mark, coinDigits)
	}
	f.acct.Funding(amount)
	if f.paid != nil {
		if f.acct.Inverse() {
			f.paid(amount.Mul(mark)) // risk counts money in the quote, valued at the mark
		} else {
			f.paid(amount)
		}
	}
	f.rep.Payments++
	f.rep.Total = f.rep.Total.Add(amount)
	if len(f.rep.Events) < maxFundingEvents {
		f.rep.Events = append(f.rep.Events, FundingEvent{at: at, Time: stamp(at), Instrument: f.name, Position: pos, Mark: mark, Rate: rate, Amount: amount})
	}
}

// report returns what funding came to, saying why there was none where that matters.
func (f *funder) report() FundingReport {
	r := f.rep
	if f.src == fundRecorded && r.Payments == 0 && r.Note == "" {
		switch {
		case !f.marks && f.cfg.Recorded != "":
			r.Note = "the data has no " + f.cfg.Recorded + " with a mark price" + f.cfg.RecordedHint + ": give --funding-file or --funding-rate to charge funding"
		case !f.marks:
			r.Note = "the recording has no mark price stream (<symbol>@markPrice): give --funding-file or --funding-rate to charge funding"
		case !f.nextSeen:
			name := f.cfg.Recorded
			if name == "" {
				name = "mark price stream"
			}
			r.Note = "the " + name + " gives no funding time (a venue that funds continuously, such as Deribit, has none): give --funding-file or --funding-rate to charge funding"
		default:
			r.Note = "no funding time passed during the run"
		}
	}
	return r
}

// funding is the run's funding over its instruments: the perpetuals' sources (the
// first's note where none paid), payments and total in the first instrument's quote
// currency, and the payments in time order.
func (r *replay) funding() FundingReport {
	var out FundingReport
	var sources []string
	for _, l := range r.lanes {
		f := l.fund.report()
		if f.Source == "none" && f.Note == "" {
			continue // a spot instrument
		}
		src := f.Source
		if len(r.lanes) > 1 {
			src = l.name + ": " + src
		}
		sources = append(sources, src)
		if out.Note == "" {
			out.Note = f.Note
		}
		out.Payments += f.Payments
		out.Total = out.Total.Add(f.Total.Mul(r.rate(l)))
		out.Events = append(out.Events, f.Events...)
	}
	out.Source = "none"
	if len(sources) > 0 {
		out.Source = strings.Join(sources, "; ")
	}
	sort.SliceStable(out.Events, func(i, j int) bool { return out.Events[i].at < out.Events[j].at })
	return out
}
