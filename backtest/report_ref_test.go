package backtest

// The report's builders as they were before they were made cheaper (session 10): the
// reference the fast ones are checked against, byte for byte, and benchmarked beside.

import (
	"math"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/fixed"
)

// ComputeTearsheet computes the tearsheet of r. It never changes r.
//
// In a run of several instruments (Report.Instruments), each instrument's sheet is
// made of the fills and orders that name it, with its own PnL; the total's PnL split
// and orders are over all of them, and its round trips the sum of the instruments'
// (a position is per instrument). The quoting clock is the first instrument's.
func refComputeTearsheet(r *Report) *Tearsheet {
	ts := &Tearsheet{PnLByHour: refPnlByHour(r)}
	if len(r.Instruments) < 2 {
		name := r.Symbol
		if len(r.Instruments) == 1 {
			name = r.Instruments[0].Name
		}
		if name == "" {
			name = "instrument"
		}
		one, _ := refSheetOf(name, r, r.Fills, r.OrderLog, r.Result.PnL, r.Result.Position.IsZero())
		ts.Instruments = []InstrumentSheet{one}
		ts.Total = one
		ts.Total.Name = "total"
		return ts
	}
	var holds []int64
	for _, in := range r.Instruments {
		var fills []FillRecord
		var orders []OrderRecord
		for _, f := range r.Fills {
			if f.Instrument == in.Name {
				fills = append(fills, f)
			}
		}
		for _, o := range r.OrderLog {
			if o.Instrument == in.Name {
				orders = append(orders, o)
			}
		}
		if r.OrderLog == nil {
			orders = nil
		}
		s, h := refSheetOf(in.Name, r, fills, orders, in.PnL, in.Position.IsZero())
		ts.Instruments = append(ts.Instruments, s)
		holds = append(holds, h...)
	}
	total, _ := refSheetOf("total", r, r.Fills, r.OrderLog, r.Result.PnL, true)
	var rt RoundTrips
	for _, s := range ts.Instruments {
		rt.Count += s.RoundTrips.Count
		rt.Wins += s.RoundTrips.Wins
		rt.TotalPnL = rt.TotalPnL.Add(s.RoundTrips.TotalPnL)
		rt.OpenAtEnd = rt.OpenAtEnd || s.RoundTrips.OpenAtEnd
	}
	total.RoundTrips = refFinishTrips(rt, holds)
	ts.Total = total
	return ts
}

// sheetOf computes one sheet from fills and orders, with pnl the PnL they made (the
// split's inventory is what the spread capture and fees do not explain of it), and
// returns it with the closed trips' holding times.
func refSheetOf(name string, r *Report, fills []FillRecord, orders []OrderRecord, pnl decimal.Decimal, flatAtEnd bool) (InstrumentSheet, []int64) {
	s := InstrumentSheet{Name: name}
	var holds []int64
	s.RoundTrips, holds = refRoundTrips(fills, flatAtEnd)
	s.Markouts = refMarkouts(fills, len(r.MarkoutHorizons))
	s.PnL = refPnlSplit(fills, pnl)
	cancels := r.Orders.CancelsSent
	sent := r.Orders.Sent
	if name != "total" && len(r.Instruments) > 1 {
		// Per instrument, only the order log knows the orders; cancels are not in it.
		sent, cancels = uint64(len(orders)), 0
	}
	s.Orders = refOrderStats(orders, len(fills), sent, cancels)
	q := r.Quoting
	if len(r.Instruments) > 1 && name != "total" {
		// Each instrument's exchange keeps its own quoting clock. A report written before
		// it did has none there: zero, which the sheet shows as not measured.
		q = Quoting{}
		for _, in := range r.Instruments {
			if in.Name == name {
				q = in.Quoting
			}
		}
	}
	s.Quoting = QuotingShare{
		BookValidNs: q.BookValidNs,
		BidResting:  refShare(q.BidRestingNs, q.BookValidNs), BidAtTouch: refShare(q.BidAtTouchNs, q.BookValidNs),
		AskResting: refShare(q.AskRestingNs, q.BookValidNs), AskAtTouch: refShare(q.AskAtTouchNs, q.BookValidNs),
	}
	var acks, toFill []int64
	for _, o := range orders {
		if o.Acked > 0 {
			acks = append(acks, o.Acked-o.Sent)
		}
	}
	for _, f := range fills {
		if f.Received > 0 && f.Sent > 0 {
			toFill = append(toFill, f.Received-f.Sent)
		}
	}
	s.OrderToAck, s.OrderToFill = refDistribution(acks), refDistribution(toFill)
	return s, holds
}

func refShare(part, whole int64) float64 {
	if whole <= 0 {
		return 0
	}
	return float64(part) / float64(whole)
}

func refSign(side string) decimal.Decimal {
	if side == "sell" {
		return decimal.NewFromInt(-1)
	}
	return decimal.NewFromInt(1)
}

// roundTrips splits the fills into trips from flat to flat.
func refRoundTrips(fills []FillRecord, flatAtEnd bool) (RoundTrips, []int64) {
	var rt RoundTrips
	var pos, cash decimal.Decimal
	var opened int64
	var holds []int64
	closeTrip := func(t int64) {
		rt.Count++
		if cash.Sign() > 0 {
			rt.Wins++
		}
		rt.TotalPnL = rt.TotalPnL.Add(cash)
		holds = append(holds, t-opened)
		cash = decimal.Zero
	}
	for _, f := range fills {
		sg := refSign(f.Side)
		q := f.Qty.Mul(sg)
		if pos.IsZero() {
			opened = f.Time
		}
		next := pos.Add(q)
		if !pos.IsZero() && next.Sign() != 0 && next.Sign() != pos.Sign() {
			// A flip: the part that flattens closes this trip, the rest opens the next.
			closing := pos.Abs()
			part := closing.Div(f.Qty)
			cash = cash.Sub(sg.Mul(closing).Mul(f.Price)).Sub(f.Fee.Mul(part))
			closeTrip(f.Time)
			opened = f.Time
			rest := f.Qty.Sub(closing)
			cash = cash.Sub(sg.Mul(rest).Mul(f.Price)).Sub(f.Fee.Sub(f.Fee.Mul(part)))
			pos = next
			continue
		}
		cash = cash.Sub(q.Mul(f.Price)).Sub(f.Fee)
		pos = next
		if pos.IsZero() {
			closeTrip(f.Time)
		}
	}
	rt.OpenAtEnd = !pos.IsZero() || !flatAtEnd
	return refFinishTrips(rt, holds), holds
}

// finishTrips fills in the rates and holding times of trips counted with holds.
func refFinishTrips(rt RoundTrips, holds []int64) RoundTrips {
	if rt.Count == 0 || len(holds) == 0 {
		return rt
	}
	holds = slices.Clone(holds)
	rt.MaxHoldingNs = 0
	rt.WinRate = float64(rt.Wins) / float64(rt.Count)
	rt.MeanPnL = rt.TotalPnL.DivRound(decimal.NewFromInt(int64(rt.Count)), 8)
	var sum int64
	for _, h := range holds {
		sum += h
		rt.MaxHoldingNs = max(rt.MaxHoldingNs, h)
	}
	rt.MeanHoldingNs = sum / int64(len(holds))
	slices.Sort(holds)
	rt.MedianHoldingNs = holds[(len(holds)-1)/2]
	return rt
}

// markouts averages the fills' markouts by side and role, then in total.
func refMarkouts(fills []FillRecord, horizons int) []MarkoutRow {
	var rows []MarkoutRow
	roles := map[bool]bool{}
	for _, f := range fills {
		roles[f.Maker] = true
	}
	for _, k := range []struct{ side, role string }{
		{"buy", "maker"}, {"sell", "maker"}, {"buy", "taker"}, {"sell", "taker"}, {"all", "maker"}, {"all", "taker"}, {"all", "all"},
	} {
		row := MarkoutRow{Side: k.side, Role: k.role, Bps: make([]*float64, horizons), N: make([]int, horizons)}
		var at float64
		var atN int
		sums := make([]float64, horizons)
		for _, f := range fills {
			role := "taker"
			if f.Maker {
				role = "maker"
			}
			if (k.side != "all" && f.Side != k.side) || (k.role != "all" && role != k.role) {
				continue
			}
			row.Fills++
			if f.Mid.Valid {
				at += refMarkoutBps(f, f.Mid.Decimal)
				atN++
			}
			for h := 0; h < horizons && h < len(f.MidAfter); h++ {
				if f.MidAfter[h].Valid {
					sums[h] += refMarkoutBps(f, f.MidAfter[h].Decimal)
					row.N[h]++
				}
			}
		}
		if row.Fills == 0 || (k.side == "all" && k.role != "all" && len(roles) < 2) {
			continue // an "all sides" row of the only role repeats "all"
		}
		if atN > 0 {
			v := at / float64(atN)
			row.AtFillBps = &v
		}
		for h := range sums {
			if row.N[h] > 0 {
				v := sums[h] / float64(row.N[h])
				row.Bps[h] = &v
			}
		}
		rows = append(rows, row)
	}
	return rows
}

func refMarkoutBps(f FillRecord, mid decimal.Decimal) float64 {
	if f.Price.Sign() <= 0 {
		return 0
	}
	return refSign(f.Side).Mul(mid.Sub(f.Price)).Div(f.Price).Shift(4).InexactFloat64()
}

// pnlSplit splits pnl, the PnL the fills made, into the spread they captured, their
// fees, and inventory: the rest, which is Σ sign × qty × (mark − mid at fill), the
// position's gains and losses from the mid's moves (pnl = Σ sign × qty × (mark −
// price) − fees).
func refPnlSplit(fills []FillRecord, pnl decimal.Decimal) PnLSplit {
	var p PnLSplit
	for _, f := range fills {
		mid := f.Price
		if f.Mid.Valid {
			mid = f.Mid.Decimal
		}
		p.SpreadCapture = p.SpreadCapture.Add(refSign(f.Side).Mul(f.Qty).Mul(mid.Sub(f.Price)))
		p.Fees = p.Fees.Add(f.Fee)
	}
	p.PnL = pnl
	p.Inventory = pnl.Add(p.Fees).Sub(p.SpreadCapture)
	return p
}

func refOrderStats(orders []OrderRecord, fills int, sent, cancels uint64) OrderStats {
	s := OrderStats{Sent: int(sent), CancelsSent: cancels, Fills: fills, FromOrderLog: orders != nil}
	var qty, filled decimal.Decimal
	for _, o := range orders {
		if o.Arrived == 0 {
			continue
		}
		s.Arrived++
		qty = qty.Add(o.Qty)
		filled = filled.Add(o.Filled)
		if o.Filled.Sign() > 0 {
			s.Filled++
		}
	}
	if s.Arrived > 0 {
		s.FillRatio = float64(s.Filled) / float64(s.Arrived)
	}
	if qty.Sign() > 0 {
		s.QtyFillRatio = filled.Div(qty).InexactFloat64()
	}
	if fills > 0 {
		s.OrderToTrade = float64(uint64(s.Sent)+cancels) / float64(fills)
	}
	return s
}

// distribution summarizes the samples with nearest-rank percentiles.
func refDistribution(ns []int64) Distribution {
	d := Distribution{Count: len(ns)}
	if len(ns) == 0 {
		return d
	}
	s := slices.Clone(ns)
	slices.Sort(s)
	rank := func(p float64) int64 {
		i := int(math.Ceil(p/100*float64(len(s)))) - 1
		return s[max(0, min(i, len(s)-1))]
	}
	var sum int64
	for _, v := range s {
		sum += v
	}
	d.MinNs, d.MaxNs, d.MeanNs = s[0], s[len(s)-1], sum/int64(len(s))
	d.P50Ns, d.P90Ns, d.P99Ns = rank(50), rank(90), rank(99)
	d.Samples = s
	return d
}

// pnlByHour is the equity change within each UTC hour of the curve.
func refPnlByHour(r *Report) []HourPnL {
	var out []HourPnL
	prev := r.Settings.InitialBalance
	hourOf := func(t int64) int64 { return t - ((t%int64(time.Hour))+int64(time.Hour))%int64(time.Hour) }
	for i := 0; i < len(r.Equity); {
		h := hourOf(r.Equity[i].Time)
		j := i
		for j+1 < len(r.Equity) && hourOf(r.Equity[j+1].Time) == h {
			j++
		}
		last := r.Equity[j].Equity
		fills := 0
		for _, f := range r.Fills {
			if hourOf(f.Time) == h {
				fills++
			}
		}
		out = append(out, HourPnL{Hour: time.Unix(0, h).UTC().Format("2006-01-02T15Z"), PnL: last.Sub(prev), Fills: fills})
		prev, i = last, j+1
	}
	return out
}

// fillLog returns the fills made so far as report records.
func (x *Exchange) refFillLog(priceScale, qtyScale fixed.Scale) []FillRecord {
	out := make([]FillRecord, len(x.fills))
	half := decimal.New(5, -1)
	mid := func(m2 int64) decimal.NullDecimal {
		if m2 <= 0 {
			return decimal.NullDecimal{}
		}
		return decimal.NewNullDecimal(priceScale.Decimal(m2).Mul(half))
	}
	for i, f := range x.fills {
		p, q := priceScale.Decimal(f.price), qtyScale.Decimal(f.qty)
		bps := x.takerBps
		if f.maker {
			bps = x.makerBps
		}
		after := make([]decimal.NullDecimal, numMarkouts)
		for h, m2 := range f.after {
			after[h] = mid(m2)
		}
		out[i] = FillRecord{
			Time: f.t, OrderID: f.id, Side: sideName(f.side), Price: p, Qty: q, Fee: x.exactFee(p, q, bps), Maker: f.maker,
			Cause:             f.cause.String(),
			QueueAheadAtPlace: qtyScale.Decimal(f.aheadPlace),
			QueueAheadAtFill:  qtyScale.Decimal(f.aheadFill),
			Sent:              f.sent,
			Received:          f.recv,
			Mid:               mid(f.mid2),
			MidAfter:          after,
		}
	}
	return out
}

// orderLog returns the orders sent so far as report records. Decimals of equal
// values are shared (they are immutable): a strategy sends the same quantity, and
// often the same prices, again and again, and the log is most of a long run's report.
func (x *Exchange) refOrderLog(priceScale, qtyScale fixed.Scale) []OrderRecord {
	if !x.cfg.OrderLog {
		return nil
	}
	out := make([]OrderRecord, len(x.olog))
	prices, qtys := decimalCache{scale: priceScale}, decimalCache{scale: qtyScale}
	for i, o := range x.olog {
		out[i] = OrderRecord{
			ID: o.id, Side: sideName(o.side), Price: prices.get(o.price), Qty: qtys.get(o.qty),
			Filled: qtys.get(o.filled), PostOnly: o.postOnly, IOC: o.ioc, FOK: o.fok, ReduceOnly: o.reduceOnly,
			Modified: o.modified, Sent: o.sent, Arrived: o.arrived, Acked: o.acked, Ended: o.ended,
			Status: o.status.String(), QueueAheadAtPlace: qtys.get(o.aheadPlace),
		}
		if o.status == StatusRejected {
			out[i].Reason = rejectText[o.reason]
		}
	}
	return out
}

// decimalCache converts fixed-point values to decimals, sharing the decimal of each
// value among its uses (the reference orderLog's; fillLog and orderLog share
// decimals through decimalSlots now).
type decimalCache struct {
	scale fixed.Scale
	m     map[int64]decimal.Decimal
}

func (c *decimalCache) get(v int64) decimal.Decimal {
	if d, ok := c.m[v]; ok {
		return d
	}
	if c.m == nil {
		c.m = make(map[int64]decimal.Decimal)
	}
	d := c.scale.Decimal(v)
	c.m[v] = d
	return d
}
