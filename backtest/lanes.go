package backtest

import (
	"errors"
	"sort"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/engine"
	"github.com/nanotick/nanotick/fixed"
)

// lane is one instrument of a replay: its simulated exchange and account, and where
// that exchange stands in the read-ahead ring. Each instrument's frames go to its own
// exchange, at its own feed latency; the engine sees all of them in receive order.
type lane struct {
	ex                   *Exchange
	acct                 *Account
	name, quote          string // venue:SYMBOL, the quote asset
	priceScale, qtyScale fixed.Scale
	// exOff is the exchange's next frame, as an offset from the ring's head: a frame of
	// this lane, or r.n when none is read ahead.
	exOff      int
	readAny    bool
	lastExch   int64
	offset     int64 // min(local − E) seen: the clock offset estimate
	haveOffset bool
	lastLat    int64 // feed latency of the last frame that carried E
	lastMid    int64 // the exchange book's last valid mid
	everValid  bool  // the engine's book was valid after some frame
}

// newLanes builds each instrument's exchange and account.
func newLanes(cfg *Config, lat *Latency) ([]*lane, error) {
	ec := cfg.Engine
	acct := NewAccount(cfg.InitialBalance, ec.Instrument.PriceScale, ec.Instrument.QtyScale)
	ex, err := NewExchange(ExchangeConfig{
		Venue:       ec.Venue,
		Instrument:  bInstrument(ec),
		Lot:         ec.Rules.Lot,
		Latency:     lat,
		MakerFeeBps: cfg.MakerFeeBps, TakerFeeBps: cfg.TakerFeeBps,
		Queue: cfg.Queue, QueuePower: cfg.QueuePower, PartialFills: cfg.PartialFills,
		BookCapacity: ec.BookCapacity,
		Account:      acct,
	})
	if err != nil {
		return nil, err
	}
	return []*lane{{
		ex: ex, acct: acct, name: instrumentName(ec), quote: quoteOf(ec.Instrument.Symbol),
		priceScale: ec.Instrument.PriceScale, qtyScale: ec.Instrument.QtyScale,
	}}, nil
}

// newEngine builds the engine over the lanes' exchanges.
func newEngine(cfg Config, lanes []*lane) (*engine.Engine, error) {
	if len(lanes) != 1 {
		return nil, errors.New("one instrument per backtest")
	}
	return engine.New(cfg.Engine, cfg.Strategy, lanes[0].ex)
}

// onFrame hands lane ln's frame to the engine.
func (r *replay) onFrame(ln int, frame []byte, local int64) error {
	return r.eng.OnFrame(frame, local)
}

// bookValid reports whether the engine's book of lane ln is valid.
func (r *replay) bookValid(ln int) bool { return r.eng.Book().Valid() }

// marks reads each lane's exchange book's mid, when valid.
func (r *replay) marks() {
	for _, l := range r.lanes {
		if mid, ok := l.ex.Book().Mid(); ok && l.ex.Book().Valid() {
			l.lastMid = mid
		}
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

// mark is lane l's last mid as a decimal.
func (l *lane) mark() decimal.Decimal { return l.priceScale.Decimal(l.lastMid) }

// pnl is the lane's profit and loss at its mark, in its quote currency.
func (l *lane) pnl() decimal.Decimal { return l.acct.Equity(l.mark()).Sub(l.acct.Initial()) }

// multiPoint is the equity sample at t of a run of several instruments: the initial
// balance plus every instrument's PnL; the position and mid are the first instrument's.
func (r *replay) multiPoint(t int64) EquityPoint {
	equity := r.cfg.InitialBalance
	for _, l := range r.lanes {
		equity = equity.Add(l.pnl())
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
			Realized: a.Realized(), Unrealized: a.Unrealized(mark), Fees: a.Fees(), PnL: l.pnl(),
		}
	}
	return out
}

// totals makes the report's top-level figures the total over the instruments.
func (r *replay) totals(rep *Report) {
	res, o, ev := &rep.Result, &rep.Orders, &rep.Events
	var pnl, realized, unrealized, fees, turnover, vol, makerVol, takerVol, pos decimal.Decimal
	sameBase := true
	for i, l := range r.lanes {
		a, mark := l.acct, l.mark()
		pnl = pnl.Add(l.pnl())
		realized, unrealized, fees = realized.Add(a.Realized()), unrealized.Add(a.Unrealized(mark)), fees.Add(a.Fees())
		v, mv, tv := a.Volume()
		turnover, vol, makerVol, takerVol = turnover.Add(a.Turnover()), vol.Add(v), makerVol.Add(mv), takerVol.Add(tv)
		pos = pos.Add(a.Position())
		if i > 0 && baseOf(l.name) != baseOf(r.lanes[0].name) {
			sameBase = false
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
		ev.ExchangeGaps += l.ex.Sync().Counters().Gaps
		for _, f := range l.ex.fillLog(l.priceScale, l.qtyScale) {
			f.Instrument = l.name
			rep.Fills = append(rep.Fills, f)
		}
		rep.OrderLog = append(rep.OrderLog, l.ex.orderLog(l.priceScale, l.qtyScale)...)
	}
	for i := range rep.Fills {
		if rep.Fills[i].Instrument == "" {
			rep.Fills[i].Instrument = r.lanes[0].name
		}
	}
	res.PnL = pnl
	res.FinalEquity = r.cfg.InitialBalance.Add(pnl)
	res.ReturnPct = pnl.Mul(decimal.NewFromInt(100)).DivRound(r.cfg.InitialBalance, 6)
	res.Realized, res.Unrealized, res.Fees = realized, unrealized, fees
	res.Turnover, res.Volume, res.MakerVolume, res.TakerVolume = turnover, vol, makerVol, takerVol
	if sameBase {
		res.Position = pos // net over spot and perpetual of one base asset
	}
	sort.SliceStable(rep.Fills, func(i, j int) bool { return rep.Fills[i].Time < rep.Fills[j].Time })
	sort.SliceStable(rep.OrderLog, func(i, j int) bool { return rep.OrderLog[i].ID < rep.OrderLog[j].ID })
}

// baseOf returns the base asset of venue:SYMBOL by its known quote suffixes.
func baseOf(name string) string {
	_, sym, _ := strings.Cut(name, ":")
	return strings.TrimSuffix(sym, quoteOf(sym))
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
