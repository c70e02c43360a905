package backtest

import (
	"fmt"
	"sort"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/engine"
	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/instrument"
)

// lane is one instrument of a replay: its simulated exchange and account, and where
// that exchange stands in the read-ahead ring. Each instrument's frames go to its own
// exchange, at its own feed latency; the engine sees all of them in receive order.
type lane struct {
	ex                   *Exchange
	acct                 *Account
	latency              *Latency
	name, quote, base    string // venue:SYMBOL, the settlement (quote) and base assets
	inverse              bool   // an inverse perpetual: settled in the base coin
	priceScale, qtyScale fixed.Scale
	// exOff is the exchange's next frame, as an offset from the ring's head: a frame of
	// this lane, or r.n when none is read ahead.
	exOff      int
	readAny    bool
	lastExch   int64
	offset     int64 // min(local − E) seen: the clock offset estimate
	haveOffset bool
	whole      int64 // the offset over the whole data, when the run measured it
	hasWhole   bool
	lastLat    int64 // feed latency of the last frame that carried E
	lastMid    int64 // the exchange book's last valid mid
	everValid  bool  // the engine's book was valid after some frame
	idleExch   int64 // the exchange time of the lane's last idle frame (replay.idle)
	fund       *funder
}

// laneSpec is what a lane's exchange needs to know of its instrument.
type laneSpec struct {
	name, quote, base string
	venue             string
	symbol            string
	priceScale        fixed.Scale
	qtyScale          fixed.Scale
	lot               int64
	latency           *Latency // nil: the run's
	inverse           bool     // an inverse perpetual: quote is then its base, the coin it settles in
}

// laneSpecs lists the instruments of a run: the engine's table when it has one, else its
// one instrument.
func laneSpecs(cfg *Config) []laneSpec {
	ec := &cfg.Engine
	if t := ec.Instruments; t != nil {
		out := make([]laneSpec, t.Len())
		for i := range out {
			sp := t.At(instrument.Index(i))
			out[i] = laneSpec{
				name: sp.ID.String(), quote: sp.Settlement(), base: sp.Base, venue: sp.ID.Venue, symbol: sp.ID.Symbol,
				priceScale: sp.PriceScale, qtyScale: sp.QtyScale, lot: sp.Lot, inverse: sp.Inverse,
			}
			if i < len(cfg.Instruments) {
				out[i].latency = cfg.Instruments[i].Latency
			}
		}
		return out
	}
	venue := ec.Venue
	if venue == "" {
		venue = instrument.VenueBinanceSpot // as the engine assumes
	}
	base, quote, _ := instrument.SplitSymbol(ec.Instrument.Symbol)
	ls := laneSpec{
		name: instrumentName(*ec), quote: quote, base: base, venue: venue, symbol: ec.Instrument.Symbol,
		priceScale: ec.Instrument.PriceScale, qtyScale: ec.Instrument.QtyScale, lot: ec.Rules.Lot,
	}
	if len(cfg.Instruments) > 0 {
		ls.latency = cfg.Instruments[0].Latency
	}
	return []laneSpec{ls}
}

// newLanes builds each instrument's exchange and account. Instruments quoted in
// different currencies are refused unless Config.QuoteRates converts them.
func newLanes(cfg *Config, lat *Latency) ([]*lane, error) {
	specs := laneSpecs(cfg)
	if err := checkQuotes(specs, cfg.QuoteRates); err != nil {
		return nil, err
	}
	table, err := cfg.Engine.InstrumentTable()
	if err != nil {
		return nil, fmt.Errorf("backtest: %w", err)
	}
	lanes := make([]*lane, len(specs))
	for i, sp := range specs {
		l := lat
		if sp.latency != nil {
			l = sp.latency.fresh()
		}
		acct := NewAccount(cfg.InitialBalance, sp.priceScale, sp.qtyScale)
		if sp.inverse {
			acct = NewInverseAccount(cfg.InitialBalance, sp.priceScale, sp.qtyScale)
		}
		ex, err := NewExchange(ExchangeConfig{
			Instrument:  *table.At(instrument.Index(i)),
			Lot:         sp.lot,
			Latency:     l,
			MakerFeeBps: cfg.MakerFeeBps, TakerFeeBps: cfg.TakerFeeBps,
			Queue: cfg.Queue, QueuePower: cfg.QueuePower, PartialFills: cfg.PartialFills,
			BookCapacity: cfg.Engine.BookCapacity,
			Account:      acct,
			OrderLog:     cfg.OrderLog,
			book:         cfg.exBook,
		})
		if err != nil {
			return nil, fmt.Errorf("backtest: %s: %w", sp.name, err)
		}
		lanes[i] = &lane{
			ex: ex, acct: acct, name: sp.name, quote: sp.quote, base: sp.base, latency: l, inverse: sp.inverse,
			priceScale: sp.priceScale, qtyScale: sp.qtyScale,
		}
		if cfg.hasWholeOffset {
			lanes[i].whole, lanes[i].hasWhole = cfg.wholeOffset, true
			if i < len(cfg.wholeOffsets) {
				lanes[i].whole = cfg.wholeOffsets[i]
			}
		}
	}
	return lanes, nil
}

// checkQuotes refuses instruments quoted in different currencies, whose PnL cannot be
// added, unless rates convert each other quote into the first instrument's.
func checkQuotes(specs []laneSpec, rates map[string]decimal.Decimal) error {
	q0 := specs[0].quote
	for _, sp := range specs[1:] {
		if sp.quote == q0 {
			continue
		}
		if r, ok := rates[sp.quote]; ok && r.Sign() > 0 {
			continue
		}
		return fmt.Errorf("backtest: %s is quoted in %s and %s in %s: their PnL cannot be added without a conversion (configure the %s rate in %s, e.g. --quote-rate %s=1)",
			specs[0].name, q0, sp.name, sp.quote, sp.quote, q0, sp.quote)
	}
	return nil
}

// newEngine builds the engine, each instrument sending to its lane's exchange.
func newEngine(cfg Config, lanes []*lane) (*engine.Engine, error) {
	ec := cfg.Engine
	ec.NoStageTiming = ec.NoStageTiming || !cfg.StageTiming
	if len(lanes) > 1 {
		ec.Gateways = make([]engine.Gateway, len(lanes))
		for i, l := range lanes {
			ec.Gateways[i] = l.ex
		}
	}
	return engine.New(ec, cfg.Strategy, lanes[0].ex)
}

// onFrame hands lane ln's frame to the engine.
func (r *replay) onFrame(ln int, frame []byte, local int64) error {
	return r.eng.OnFrameAt(instrument.Index(ln), frame, local)
}

// bookValid reports whether the engine's book of lane ln is valid.
func (r *replay) bookValid(ln int) bool { return r.eng.BookAt(instrument.Index(ln)).Valid() }

// marks reads each lane's exchange book's mid, when valid.
func (r *replay) marks() {
	for _, l := range r.lanes {
		r.markLane(l)
	}
}

// markLane takes lane l's mid as its mark, when its exchange's book is valid: marks
// for the lane whose book just changed.
func (r *replay) markLane(l *lane) {
	if mid, ok := l.ex.validMid(); ok {
		l.lastMid = mid
	}
	r.lastMid = r.lanes[0].lastMid
}

// neverValid names the lanes whose engine book was never valid ("" for a run of one).
func (r *replay) neverValid() []string {
	var out []string
	for _, l := range r.lanes {
		if !l.everValid {
			if len(r.lanes) == 1 {
				return []string{""}
			}
			out = append(out, l.name)
		}
	}
	return out
}

// currency is the report's Settings.Currency: the first instrument's settlement coin
// when it is an inverse perpetual, else "" (the quote asset, as always).
func (r *replay) currency() string {
	if len(r.lanes) > 0 && r.lanes[0].inverse {
		return r.lanes[0].quote
	}
	return ""
}

// mark is lane l's last mid as a decimal.
func (l *lane) mark() decimal.Decimal { return l.priceScale.Decimal(l.lastMid) }

// pnl is the lane's profit and loss at its mark, in its quote currency.
func (l *lane) pnl() decimal.Decimal { return l.acct.Equity(l.mark()).Sub(l.acct.Initial()) }

// rate converts lane l's quote currency into the report's (the first instrument's).
func (r *replay) rate(l *lane) decimal.Decimal {
	if l.quote == r.lanes[0].quote {
		return decimal.NewFromInt(1)
	}
	return r.cfg.QuoteRates[l.quote]
}

// multiPoint is the equity sample at t of a run of several instruments: the initial
// balance plus every instrument's PnL; the position and mid are the first instrument's.
func (r *replay) multiPoint(t int64) EquityPoint {
	equity := r.cfg.InitialBalance
	for _, l := range r.lanes {
		equity = equity.Add(l.pnl().Mul(r.rate(l)))
	}
	l0 := r.lanes[0]
	return EquityPoint{Time: t, Equity: equity, Position: l0.acct.Position(), Mid: l0.mark()}
}

// instrumentResults is each lane's part of the result.
func (r *replay) instrumentResults() []InstrumentResult {
	out := make([]InstrumentResult, len(r.lanes))
	for i, l := range r.lanes {
		a, mark := l.acct, l.mark()
		vol, _, _ := a.Volume()
		out[i] = InstrumentResult{
			Name: l.name, Quote: l.quote, Fills: l.ex.Counters().Fills, Volume: vol, Position: a.Position(),
			Realized: a.Realized(), Unrealized: a.Unrealized(mark), Fees: a.Fees(), Funding: a.FundingTotal(), PnL: l.pnl(),
			Quoting: l.ex.quoting(),
		}
	}
	return out
}

// totals makes the report's top-level figures the total over the instruments.
func (r *replay) totals(rep *Report) {
	res, o, ev := &rep.Result, &rep.Orders, &rep.Events
	var pnl, realized, unrealized, fees, funding, turnover, vol, makerVol, takerVol, pos decimal.Decimal
	sameBase := true
	for i, l := range r.lanes {
		a, mark, rate := l.acct, l.mark(), r.rate(l)
		pnl = pnl.Add(l.pnl().Mul(rate))
		realized, unrealized, fees = realized.Add(a.Realized().Mul(rate)), unrealized.Add(a.Unrealized(mark).Mul(rate)), fees.Add(a.Fees().Mul(rate))
		funding = funding.Add(a.FundingTotal().Mul(rate))
		v, mv, tv := a.Volume()
		turnover, vol, makerVol, takerVol = turnover.Add(a.Turnover().Mul(rate)), vol.Add(v), makerVol.Add(mv), takerVol.Add(tv)
		pos = pos.Add(a.Position())
		if l.base != r.lanes[0].base || l.inverse != r.lanes[0].inverse {
			sameBase = false // an inverse position is in USD, not the base
		}
		if i == 0 {
			continue
		}
		c := l.ex.Counters()
		o.Acks += c.Acks
		o.Fills += c.Fills
		o.MakerFills += c.MakerFills
		o.TakerFills += c.TakerFills
		o.Cancelled += c.Cancelled
		o.Expired += c.Expired
		o.CancelsTooLate += c.CancelsTooLate
		o.RestingAtEnd += l.ex.Resting()
		o.VenueRejections = mergeReasons(o.VenueRejections, c.RejectCounts())
		ev.ExchangeMalformed += c.Malformed
		ev.ExchangeGaps += l.ex.Gaps()
		for _, f := range l.ex.fillLog(l.priceScale, l.qtyScale) {
			f.Instrument = l.name
			rep.Fills = append(rep.Fills, f)
		}
		for _, o := range l.ex.orderLog(l.priceScale, l.qtyScale) {
			o.Instrument = l.name
			rep.OrderLog = append(rep.OrderLog, o)
		}
	}
	for i := range rep.Fills {
		if rep.Fills[i].Instrument == "" {
			rep.Fills[i].Instrument = r.lanes[0].name
		}
	}
	for i := range rep.OrderLog {
		if rep.OrderLog[i].Instrument == "" {
			rep.OrderLog[i].Instrument = r.lanes[0].name
		}
	}
	res.PnL = pnl
	res.FinalEquity = r.cfg.InitialBalance.Add(pnl)
	res.ReturnPct = pnl.Mul(decimal.NewFromInt(100)).DivRound(r.cfg.InitialBalance, 6)
	res.Realized, res.Unrealized, res.Fees, res.Funding = realized, unrealized, fees, funding
	res.Turnover, res.Volume, res.MakerVolume, res.TakerVolume = turnover, vol, makerVol, takerVol
	if sameBase {
		res.Position = pos // net over spot and perpetual of one base asset
	}
	sort.SliceStable(rep.Fills, func(i, j int) bool { return rep.Fills[i].Time < rep.Fills[j].Time })
	sort.SliceStable(rep.OrderLog, func(i, j int) bool { return rep.OrderLog[i].ID < rep.OrderLog[j].ID })
}

func mergeReasons(a, b []ReasonCount) []ReasonCount {
	for _, rb := range b {
		found := false
		for i := range a {
			if a[i].Reason == rb.Reason {
				a[i].Count += rb.Count
				found = true
			}
		}
		if !found {
			a = append(a, rb)
		}
	}
	return a
}
