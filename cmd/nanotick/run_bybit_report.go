package main

// The Bybit perpetuals' part of the run's JSON summary: their funding payments, listed
// beside USD-M's in the report's funding section, per instrument and in the total.

import (
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/backtest"
	gwbybit "github.com/nanotick/nanotick/gateway/bybit"
)

// bybitPerp is one Bybit linear instrument's gateway and its name in the report.
type bybitPerp struct {
	gw   *gwbybit.Gateway
	name string
}

// bybitFundingSource names where Bybit's payments come from in the funding section.
const bybitFundingSource = "venue (Bybit execution execType Funding)"

// reportBybit adds the Bybit perpetuals' funding payments to rep, in the shape
// reportUSDM gives USD-M's: each payment as an event with the amount the account
// received (Bybit's execFee is what it paid, so it is negated), the sums into the
// instrument's and the run's funding and PnL, and our check in the note.
func (s *session) reportBybit(rep *backtest.Report) {
	if len(s.bybitPerps) == 0 {
		return
	}
	fr := &rep.Funding
	if fr.Source == "" {
		fr.Source = bybitFundingSource
	} else {
		fr.Source += "; " + bybitFundingSource
	}
	var notes []string
	if fr.Note != "" {
		notes = append(notes, fr.Note)
	}
	for _, p := range s.bybitPerps {
		fs := p.gw.Fundings()
		var venue, ours decimal.Decimal
		for _, f := range fs {
			got := f.Fee.Neg()
			venue, ours = venue.Add(got), ours.Add(f.Expected.Neg())
			fr.Events = append(fr.Events, backtest.FundingEvent{Time: time.UnixMilli(f.Time).UTC().Format(time.RFC3339Nano),
				Instrument: p.name, Position: f.Size, Mark: f.Mark, Rate: f.Rate, Amount: got})
		}
		fr.Payments += uint64(len(fs))
		fr.Total = fr.Total.Add(venue)
		rep.Result.Funding = rep.Result.Funding.Add(venue)
		rep.Result.PnL = rep.Result.PnL.Add(venue)
		for k := range rep.Instruments {
			if rep.Instruments[k].Name == p.name {
				rep.Instruments[k].Funding = rep.Instruments[k].Funding.Add(venue)
				rep.Instruments[k].PnL = rep.Instruments[k].PnL.Add(venue)
			}
		}
		c := p.gw.Counters()
		notes = append(notes, fmt.Sprintf("%s: venue %s, ours (perp.FundingPayment on the venue's size, mark and rate) %s over %d payments, %d differ by more than 0.01",
			p.name, venue, ours, len(fs), c.FundingMismatches))
	}
	fr.Note = strings.Join(notes, "; ")
}
