package main

// nanotick run --json FILE: the end-of-run summary in the backtest report's JSON shape
// (package backtest's Report: the same keys, per instrument and total), so that
// scripts and CI read a live run's result as they read a backtest's. Figures a live run
// does not have (the simulated exchange's queue model, an initial balance, an equity
// curve) stay at their zero values.

import (
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/backtest"
	"github.com/nanotick/nanotick/engine"
	gwbinance "github.com/nanotick/nanotick/gateway/binance"
	gwbybit "github.com/nanotick/nanotick/gateway/bybit"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/risk"
)

// fillTally passes the venue's answers to the engine and counts the quantity filled
// per instrument, which the engine does not keep. It adds a few field reads and one
// update per fill to the engine's goroutine and allocates nothing.
type fillTally struct {
	*engine.Engine
	volume []int64         // quantity units, by instrument
	fills  []atomic.Uint64 // by instrument; read from any goroutine
}

// The live gateways hand funding payments to the engine through their FundingSink
// interfaces, found by a type assertion on the session's answers: the tally must stay
// one, or funding would silently never reach risk (regression: the engine's OnFunding
// lacked the now argument, so live USD-M and Bybit funding never reached it).
var (
	_ gwbinance.FundingSink = (*fillTally)(nil)
	_ gwbybit.FundingSink   = (*fillTally)(nil)
)

func (t *fillTally) init(e *engine.Engine) {
	n := e.Instruments().Len()
	t.Engine, t.volume, t.fills = e, make([]int64, n), make([]atomic.Uint64, n)
}

// OnFill counts the fill and hands it to the engine.
func (t *fillTally) OnFill(id uint64, price, qty, fee int64, maker bool, now int64) {
	i := 0
	if len(t.volume) > 1 {
		for k := range t.volume {
			if t.Engine.RiskAt(instrument.Index(k)).Knows(id) {
				i = k
				break
			}
		}
	}
	t.volume[i] += qty
	t.fills[i].Add(1)
	t.Engine.OnFill(id, price, qty, fee, maker, now)
}

// report builds the session's report at the end of the run.
func (s *session) report(ended time.Time) *backtest.Report {
	c := s.eng.Counters()
	rc := s.eng.Risk()
	in := s.eng.Context().Instrument()
	ps, qs := in.PriceScale, in.QtyScale
	rf, uf, fine := rc.PnLFine() // not truncated to the price unit (USD-M: 0.01 USDT)
	_, fees, _ := rc.PnL()
	realized, unrealized := fine.Decimal(rf), fine.Decimal(uf)
	pnl := realized.Add(unrealized).Sub(ps.Decimal(fees))
	var mark decimal.Decimal
	if mid, ok := s.eng.Book().Mid(); ok && s.eng.Book().Valid() {
		mark = ps.Decimal(mid)
	}
	var rejections [risk.NumReasons]uint64
	for i := 0; i < s.eng.Instruments().Len(); i++ {
		var n [risk.NumReasons]uint64
		s.eng.RiskAt(instrument.Index(i)).RejectionCounts(&n)
		for k := range n {
			rejections[k] += n[k]
		}
	}
	rep := &backtest.Report{
		Strategy: s.strategyName,
		Symbol:   s.symbol,
		Venue:    string(s.venue),
		Data:     []string{},
		Start:    s.started.UTC().Format(time.RFC3339Nano),
		End:      ended.UTC().Format(time.RFC3339Nano),
		Duration: ended.Sub(s.started).Round(time.Millisecond).String(),
		Result: backtest.Result{
			PnL:            pnl,
			Realized:       realized,
			Unrealized:     unrealized,
			Fees:           ps.Decimal(fees),
			Position:       qs.Decimal(rc.Position()),
			AvgEntry:       ps.Decimal(rc.AvgEntry()),
			Mark:           mark,
			Volume:         qs.Decimal(s.tally.volume[0]),
			EnginePosition: qs.Decimal(rc.Position()),
			EngineFees:     ps.Decimal(fees),
		},
		Orders: backtest.Orders{
			Sent:         c.OrdersSent,
			CancelsSent:  c.CancelsSent,
			SendFailures: c.SendFailures,
			RiskRejected: c.OrdersRejected,
			Fills:        c.Fills,
		},
		Events: backtest.Events{
			Frames:          c.Frames,
			EngineMalformed: c.Malformed,
			BookUpdates:     c.BookUpdates,
			Trades:          c.Trades,
			StrategyErrors:  c.StrategyErrors,
			EngineGaps:      s.eng.Sync().Counters().Gaps,
		},
		Equity: []backtest.EquityPoint{},
		Fills:  []backtest.FillRecord{},
	}
	for i, n := range rejections {
		if n > 0 {
			rep.Orders.RiskRejections = append(rep.Orders.RiskRejections, backtest.ReasonCount{Reason: risk.Reason(i).String(), Count: n})
		}
	}
	rep.Ended = s.end.how
	if h := s.eng.Halted(); h != nil {
		rep.Halted = h.Error()
	} else if err := s.venueHalts.err(); err != nil {
		rep.Halted = err.Error()
	} else if h := s.riskHalt(); h != "" {
		rep.Halted = "risk halted: " + h
	}
	if s.eng.Instruments().Len() > 1 {
		s.reportInstruments(rep)
		return rep
	}
	_, quote := splitSymbol(s.symbol)
	rep.Instruments = []backtest.InstrumentResult{{
		Name: string(s.venue) + ":" + s.symbol, Quote: quote,
		Fills: c.Fills, Volume: rep.Result.Volume, Position: rep.Result.Position,
		Realized: rep.Result.Realized, Unrealized: rep.Result.Unrealized, Fees: rep.Result.Fees, PnL: pnl,
	}}
	return rep
}

// writeRunJSON writes the session's report to file.
func (s *session) writeRunJSON(file string, ended time.Time) error {
	rep := s.report(ended)
	s.reportUSDM(rep)
	s.reportBybit(rep)
	f, err := os.Create(file)
	if err != nil {
		return fmt.Errorf("--json: %w", err)
	}
	if err := rep.WriteJSON(f); err != nil {
		f.Close()
		return fmt.Errorf("--json: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("--json: %w", err)
	}
	return nil
}

// reportInstruments fills in a report of several instruments: each instrument's figures,
// and their sums as the top-level ones (positions and volumes are per instrument only:
// they are in different assets). The quote assets must agree, as in a backtest.
func (s *session) reportInstruments(rep *backtest.Report) {
	t := s.eng.Instruments()
	var res backtest.Result
	for i := 0; i < t.Len(); i++ {
		sp := t.At(instrument.Index(i))
		rc := s.eng.RiskAt(instrument.Index(i))
		ps, qs := sp.PriceScale, sp.QtyScale
		rf, uf, fine := rc.PnLFine()
		_, fees, _ := rc.PnL()
		realized, unrealized := fine.Decimal(rf), fine.Decimal(uf)
		ir := backtest.InstrumentResult{
			Name: sp.ID.String(), Quote: sp.Quote, Fills: s.tally.fills[i].Load(), Volume: qs.Decimal(s.tally.volume[i]),
			Position: qs.Decimal(rc.Position()), Realized: realized, Unrealized: unrealized,
			Fees: ps.Decimal(fees), PnL: realized.Add(unrealized).Sub(ps.Decimal(fees)),
		}
		rep.Instruments = append(rep.Instruments, ir)
		res.Realized = res.Realized.Add(ir.Realized)
		res.Unrealized = res.Unrealized.Add(ir.Unrealized)
		res.Fees = res.Fees.Add(ir.Fees)
		res.PnL = res.PnL.Add(ir.PnL)
		res.EngineFees = res.EngineFees.Add(ir.Fees)
	}
	rep.Result = res
	rep.Symbol = ""
	var names []string
	for _, ir := range rep.Instruments {
		names = append(names, ir.Name)
	}
	rep.Symbol = strings.Join(names, ",")
}
