package backtest

import (
	"math"
	"slices"
	"time"

	"github.com/shopspring/decimal"
)

// Tearsheet is what a quant reads after the headline: round trips, markouts, where the
// PnL came from, how the orders fared, how long the strategy quoted at the touch, the
// order path's latencies and the PnL by hour. It is computed from the Report alone
// (fills with their mids, the order log, the quoting clock, the equity curve), so a
// saved JSON report gives the same tearsheet (ComputeTearsheet), and it is as
// deterministic as the Report.
//
// Figures are per instrument, keyed by the instrument's name, and in total. A report of
// one instrument has one entry, equal to the total.
type Tearsheet struct {
	Instruments []InstrumentSheet `json:"instruments"`
	Total       InstrumentSheet   `json:"total"`
	// PnLByHour is the change of equity within each UTC hour of data time.
	PnLByHour []HourPnL `json:"pnl_by_hour"`
}

// InstrumentSheet is the tearsheet of one instrument, or of all of them (Name "total").
type InstrumentSheet struct {
	Name       string     `json:"name"`
	RoundTrips RoundTrips `json:"round_trips"`
	// Markouts are the mean markouts after the fills at each of the report's
	// markout horizons, by side and role.
	Markouts []MarkoutRow `json:"markouts"`
	PnL      PnLSplit     `json:"pnl_split"`
	Orders   OrderStats   `json:"orders"`
	// Quoting is the share of the time the exchange's book was valid that the
	// strategy had an order resting on each side, and at the touch.
	Quoting QuotingShare `json:"quoting"`
	// OrderToAck is the time from the engine sending an order to its ack reaching the
	// strategy (from the order log: empty without it); OrderToFill from sending it to
	// each of its fills reaching the strategy.
	OrderToAck  Distribution `json:"order_to_ack"`
	OrderToFill Distribution `json:"order_to_fill"`
}

// RoundTrips are the position's trips from flat back to flat (a fill that flips the
// position closes one trip and opens the next, its quantity and fee split pro rata).
// PnL is the cash a trip made, fees included: exact, since it ends flat.
type RoundTrips struct {
	Count    int             `json:"count"`
	Wins     int             `json:"wins"` // trips with PnL > 0
	WinRate  float64         `json:"win_rate"`
	TotalPnL decimal.Decimal `json:"total_pnl"`
	MeanPnL  decimal.Decimal `json:"mean_pnl"`
	// Holding times of the closed trips, in ns: from the fill that opened the trip to
	// the one that closed it.
	MeanHoldingNs   int64 `json:"mean_holding_ns"`
	MedianHoldingNs int64 `json:"median_holding_ns"`
	MaxHoldingNs    int64 `json:"max_holding_ns"`
	// OpenAtEnd is true when the position was not flat at the end: that trip is not
	// counted.
	OpenAtEnd bool `json:"open_at_end"`
}

// MarkoutRow is the markouts of the fills of one side and role ("all" for either).
// A fill's markout at a horizon is sign × (mid then − fill price) / fill price, in
// basis points, with sign +1 for a buy and −1 for a sell: positive when the market
// moved our way after the fill, negative when we were picked off (adverse selection).
// AtFill is the same against the mid at the fill: the spread captured.
type MarkoutRow struct {
	Side  string `json:"side"` // buy, sell or all
	Role  string `json:"role"` // maker, taker or all
	Fills int    `json:"fills"`
	// AtFillBps is the mean markout against the mid at the fill, and Bps the mean at
	// each horizon, over the N fills that had a mid then (null when none had).
	AtFillBps *float64   `json:"at_fill_bps"`
	Bps       []*float64 `json:"bps"`
	N         []int      `json:"n"`
}

// PnLSplit splits the PnL into the spread captured at the fills, the inventory's
// gains and losses from the mid's moves while it was held, and the fees:
//
//	spread    = Σ sign × qty × (mid at fill − price)
//	inventory = Σ sign × qty × (mark − mid at fill)
//	pnl       = spread + inventory − fees
//
// exactly, in decimal, with mark the report's end mark. A fill without a mid counts
// as at the mid.
type PnLSplit struct {
	SpreadCapture decimal.Decimal `json:"spread_capture"`
	Inventory     decimal.Decimal `json:"inventory"`
	Fees          decimal.Decimal `json:"fees"`
	PnL           decimal.Decimal `json:"pnl"`
}

// OrderStats are ratios of the order path. FillRatio is the share of the orders that
// reached the exchange that filled at all; QtyFillRatio the share of their quantity
// that filled (both need the order log: 0, with FromOrderLog false, without it).
// OrderToTrade is (orders sent + cancels sent) per fill, the ratio venues cap; 0 when
// there were no fills.
type OrderStats struct {
	FromOrderLog bool    `json:"from_order_log"`
	Sent         int     `json:"sent"`
	Arrived      int     `json:"arrived"`
	Filled       int     `json:"filled"` // orders with any fill
	FillRatio    float64 `json:"fill_ratio"`
	QtyFillRatio float64 `json:"qty_fill_ratio"`
	CancelsSent  uint64  `json:"cancels_sent"`
	Fills        int     `json:"fills"`
	OrderToTrade float64 `json:"order_to_trade"`
}

// QuotingShare is, per side, the share of the time the exchange's book was valid that
// the strategy had an order resting, and that one was at the touch. It is measured for
// the first instrument of a run (and the total) only: BookValidNs is 0 for the others.
type QuotingShare struct {
	BookValidNs int64   `json:"book_valid_ns"`
	BidResting  float64 `json:"bid_resting"`
	BidAtTouch  float64 `json:"bid_at_touch"`
	AskResting  float64 `json:"ask_resting"`
	AskAtTouch  float64 `json:"ask_at_touch"`
}

// Distribution is a latency distribution in ns, from every sample (nearest-rank
// percentiles). Samples holds them sorted, for a histogram; it is not in the JSON.
type Distribution struct {
	Count   int     `json:"count"`
	MinNs   int64   `json:"min_ns"`
	P50Ns   int64   `json:"p50_ns"`
	P90Ns   int64   `json:"p90_ns"`
	P99Ns   int64   `json:"p99_ns"`
	MaxNs   int64   `json:"max_ns"`
	MeanNs  int64   `json:"mean_ns"`
	Samples []int64 `json:"-"`
}

// HourPnL is the equity change within one UTC hour of data time: from the last
// sample before the hour (or the initial balance) to the last sample in it.
type HourPnL struct {
	Hour  string          `json:"hour"` // 2006-01-02T15Z
	PnL   decimal.Decimal `json:"pnl"`
	Fills int             `json:"fills"`
}

// ComputeTearsheet computes the tearsheet of r. It never changes r.
//
// In a run of several instruments (Report.Instruments), each instrument's sheet is
// made of the fills and orders that name it, with its own PnL; the total's PnL split
// and orders are over all of them, and its round trips the sum of the instruments'
// (a position is per instrument). The quoting clock is the first instrument's.
func ComputeTearsheet(r *Report) *Tearsheet {
	ts := &Tearsheet{PnLByHour: pnlByHour(r)}
	if len(r.Instruments) < 2 {
		name := r.Symbol
		if len(r.Instruments) == 1 {
			name = r.Instruments[0].Name
		}
		if name == "" {
			name = "instrument"
		}
		one, _ := sheetOf(name, r, r.Fills, r.OrderLog, r.Result.PnL, r.Result.Position.IsZero())
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
		s, h := sheetOf(in.Name, r, fills, orders, in.PnL, in.Position.IsZero())
		ts.Instruments = append(ts.Instruments, s)
		holds = append(holds, h...)
	}
	total, _ := sheetOf("total", r, r.Fills, r.OrderLog, r.Result.PnL, true)
	var rt RoundTrips
	for _, s := range ts.Instruments {
		rt.Count += s.RoundTrips.Count
		rt.Wins += s.RoundTrips.Wins
		rt.TotalPnL = rt.TotalPnL.Add(s.RoundTrips.TotalPnL)
		rt.OpenAtEnd = rt.OpenAtEnd || s.RoundTrips.OpenAtEnd
	}
	total.RoundTrips = finishTrips(rt, holds)
	ts.Total = total
	return ts
}

// sheetOf computes one sheet from fills and orders, with pnl the PnL they made (the
// split's inventory is what the spread capture and fees do not explain of it), and
// returns it with the closed trips' holding times.
func sheetOf(name string, r *Report, fills []FillRecord, orders []OrderRecord, pnl decimal.Decimal, flatAtEnd bool) (InstrumentSheet, []int64) {
	s := InstrumentSheet{Name: name}
	var holds []int64
	s.RoundTrips, holds = roundTrips(fills, flatAtEnd)
	s.Markouts = markouts(fills, len(r.MarkoutHorizons))
	s.PnL = pnlSplit(fills, pnl)
	cancels := r.Orders.CancelsSent
	sent := r.Orders.Sent
	if name != "total" && len(r.Instruments) > 1 {
		// Per instrument, only the order log knows the orders; cancels are not in it.
		sent, cancels = uint64(len(orders)), 0
	}
	s.Orders = orderStats(orders, len(fills), sent, cancels)
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
		BidResting:  share(q.BidRestingNs, q.BookValidNs), BidAtTouch: share(q.BidAtTouchNs, q.BookValidNs),
		AskResting: share(q.AskRestingNs, q.BookValidNs), AskAtTouch: share(q.AskAtTouchNs, q.BookValidNs),
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
	s.OrderToAck, s.OrderToFill = distribution(acks), distribution(toFill)
	return s, holds
}

func share(part, whole int64) float64 {
	if whole <= 0 {
		return 0
	}
	return float64(part) / float64(whole)
}

func sign(side string) decimal.Decimal {
	if side == "sell" {
		return decimal.NewFromInt(-1)
	}
	return decimal.NewFromInt(1)
}

// roundTrips splits the fills into trips from flat to flat. It computes in integers
// (roundTripsFixed) and in decimal where it cannot (roundTripsDecimal): the same
// figures either way.
func roundTrips(fills []FillRecord, flatAtEnd bool) (RoundTrips, []int64) {
	if rt, holds, ok := roundTripsFixed(fills, flatAtEnd); ok {
		return rt, holds
	}
	return roundTripsDecimal(fills, flatAtEnd)
}

// roundTripsFixed is roundTripsDecimal in integers, the same decimals (value and
// exponent) step by step; false when a value does not fit it, or a fill flips the
// position (its pro rata split rounds to DivisionPrecision, which only decimal does).
func roundTripsFixed(fills []FillRecord, flatAtEnd bool) (RoundTrips, []int64, bool) {
	var rt RoundTrips
	var pos, cash, total fx
	var opened int64
	var holds []int64
	var qs fxMemo
	for i := range fills {
		f := &fills[i]
		qty, ok1 := qs.of(f.Qty)
		price, ok2 := fxOf(f.Price)
		fee, ok3 := fxOf(f.Fee)
		if !ok1 || !ok2 || !ok3 {
			return RoundTrips{}, nil, false
		}
		q := qty
		if f.Side == "sell" {
			q = q.negate()
		}
		if pos.sign() == 0 {
			opened = f.Time
		}
		next, ok := pos.add(q)
		if !ok || (pos.sign() != 0 && next.sign() != 0 && next.sign() != pos.sign()) {
			return RoundTrips{}, nil, false
		}
		qp, ok1 := q.mul(price)
		cash, ok2 = cash.sub(qp)
		cash, ok3 = cash.sub(fee)
		if !ok1 || !ok2 || !ok3 {
			return RoundTrips{}, nil, false
		}
		pos = next
		if pos.sign() == 0 {
			rt.Count++
			if cash.sign() > 0 {
				rt.Wins++
			}
			if total, ok = total.add(cash); !ok {
				return RoundTrips{}, nil, false
			}
			holds = append(holds, f.Time-opened)
			cash = fx{}
		}
	}
	rt.TotalPnL = total.decimal()
	rt.OpenAtEnd = pos.sign() != 0 || !flatAtEnd
	return finishTrips(rt, holds), holds, true
}

// roundTripsDecimal splits the fills into trips from flat to flat, in decimal.
func roundTripsDecimal(fills []FillRecord, flatAtEnd bool) (RoundTrips, []int64) {
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
		sg := sign(f.Side)
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
	return finishTrips(rt, holds), holds
}

// finishTrips fills in the rates and holding times of trips counted with holds.
func finishTrips(rt RoundTrips, holds []int64) RoundTrips {
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

// markoutKeys are the markout rows, by side and role, in the order of the report.
var markoutKeys = [...]struct{ side, role string }{
	{"buy", "maker"}, {"sell", "maker"}, {"buy", "taker"}, {"sell", "taker"}, {"all", "maker"}, {"all", "taker"}, {"all", "all"},
}

// markouts averages the fills' markouts by side and role, then in total. Each fill's
// markouts are computed once and added to each row it belongs to (its side and role,
// its role, all), in the order of the fills: the float64 sums of the rows, and so their
// means, are the same as summing each row over the fills on its own.
func markouts(fills []FillRecord, horizons int) []MarkoutRow {
	const nk = len(markoutKeys)
	var count, atN [nk]int
	var at [nk]float64
	sums := make([]float64, nk*horizons+horizons)
	ns := make([]int, nk*horizons)
	vals := sums[nk*horizons:] // one fill's markouts
	var maker, taker bool
	for i := range fills {
		f := &fills[i]
		maker, taker = maker || f.Maker, taker || !f.Maker
		// The rows of the fill: its side's of its role (none for a side that is
		// neither), its role's, and all.
		rows := [3]int{-1, 5, 6}
		if f.Maker {
			rows[1] = 4
		}
		switch {
		case f.Side == "buy" && f.Maker:
			rows[0] = 0
		case f.Side == "sell" && f.Maker:
			rows[0] = 1
		case f.Side == "buy":
			rows[0] = 2
		case f.Side == "sell":
			rows[0] = 3
		}
		// The price is converted once for the fill's mids.
		p, fixed := fxOf(f.Price)
		bps := func(mid decimal.Decimal) float64 {
			if fixed {
				if v, ok := markoutBpsAt(f.Side == "sell", p, mid); ok {
					return v
				}
			}
			return markoutBpsDecimal(f, mid)
		}
		var atV float64
		if f.Mid.Valid {
			atV = bps(f.Mid.Decimal)
		}
		hs := min(horizons, len(f.MidAfter))
		for h := 0; h < hs; h++ {
			if f.MidAfter[h].Valid {
				vals[h] = bps(f.MidAfter[h].Decimal)
			}
		}
		for _, k := range rows {
			if k < 0 {
				continue
			}
			count[k]++
			if f.Mid.Valid {
				at[k] += atV
				atN[k]++
			}
			for h := 0; h < hs; h++ {
				if f.MidAfter[h].Valid {
					sums[k*horizons+h] += vals[h]
					ns[k*horizons+h]++
				}
			}
		}
	}
	var rows []MarkoutRow
	for k, key := range markoutKeys {
		if count[k] == 0 || (key.side == "all" && key.role != "all" && !(maker && taker)) {
			continue // an "all sides" row of the only role repeats "all"
		}
		row := MarkoutRow{Side: key.side, Role: key.role, Fills: count[k], Bps: make([]*float64, horizons), N: ns[k*horizons : (k+1)*horizons : (k+1)*horizons]}
		means := make([]float64, horizons+1)
		if atN[k] > 0 {
			means[horizons] = at[k] / float64(atN[k])
			row.AtFillBps = &means[horizons]
		}
		for h := range horizons {
			if n := ns[k*horizons+h]; n > 0 {
				means[h] = sums[k*horizons+h] / float64(n)
				row.Bps[h] = &means[h]
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// markoutBpsDecimal is markoutBps in decimal: the definition.
func markoutBpsDecimal(f *FillRecord, mid decimal.Decimal) float64 {
	if f.Price.Sign() <= 0 {
		return 0
	}
	return sign(f.Side).Mul(mid.Sub(f.Price)).Div(f.Price).Shift(4).InexactFloat64()
}

// pnlSplit splits pnl, the PnL the fills made, into the spread they captured, their
// fees, and inventory: the rest, which is Σ sign × qty × (mark − mid at fill), the
// position's gains and losses from the mid's moves (pnl = Σ sign × qty × (mark −
// price) − fees). The sums are in integers where they fit, in decimal where not.
func pnlSplit(fills []FillRecord, pnl decimal.Decimal) PnLSplit {
	p, ok := pnlSums(fills)
	if !ok {
		p = pnlSumsDecimal(fills)
	}
	p.PnL = pnl
	p.Inventory = pnl.Add(p.Fees).Sub(p.SpreadCapture)
	return p
}

// pnlSums is pnlSumsDecimal in integers (the same values and exponents); false when a
// value does not fit.
func pnlSums(fills []FillRecord) (PnLSplit, bool) {
	var spread, fees fx
	var qs fxMemo
	for i := range fills {
		f := &fills[i]
		price, ok1 := fxOf(f.Price)
		qty, ok2 := qs.of(f.Qty)
		fee, ok3 := fxOf(f.Fee)
		mid := price
		ok4 := true
		if f.Mid.Valid {
			mid, ok4 = fxOf(f.Mid.Decimal)
		}
		if !ok1 || !ok2 || !ok3 || !ok4 {
			return PnLSplit{}, false
		}
		if f.Side == "sell" {
			qty = qty.negate()
		}
		d, ok1 := mid.sub(price)
		v, ok2 := qty.mul(d)
		spread, ok3 = spread.add(v)
		fees, ok4 = fees.add(fee)
		if !ok1 || !ok2 || !ok3 || !ok4 {
			return PnLSplit{}, false
		}
	}
	return PnLSplit{SpreadCapture: spread.decimal(), Fees: fees.decimal()}, true
}

// pnlSumsDecimal is the spread captured and the fees of the fills, in decimal.
func pnlSumsDecimal(fills []FillRecord) PnLSplit {
	var p PnLSplit
	for _, f := range fills {
		mid := f.Price
		if f.Mid.Valid {
			mid = f.Mid.Decimal
		}
		p.SpreadCapture = p.SpreadCapture.Add(sign(f.Side).Mul(f.Qty).Mul(mid.Sub(f.Price)))
		p.Fees = p.Fees.Add(f.Fee)
	}
	return p
}

func orderStats(orders []OrderRecord, fills int, sent, cancels uint64) OrderStats {
	s := OrderStats{Sent: int(sent), CancelsSent: cancels, Fills: fills, FromOrderLog: orders != nil}
	var ok bool
	if s.Arrived, s.Filled, s.QtyFillRatio, ok = orderSums(orders); !ok {
		s.Arrived, s.Filled, s.QtyFillRatio = orderSumsDecimal(orders)
	}
	if s.Arrived > 0 {
		s.FillRatio = float64(s.Filled) / float64(s.Arrived)
	}
	if fills > 0 {
		s.OrderToTrade = float64(uint64(s.Sent)+cancels) / float64(fills)
	}
	return s
}

// orderSums is orderSumsDecimal in integers; false when a value does not fit.
func orderSums(orders []OrderRecord) (arrived, filled int, qtyRatio float64, ok bool) {
	var qty, done fx
	var qs, fs fxMemo
	for i := range orders {
		o := &orders[i]
		if o.Arrived == 0 {
			continue
		}
		q, ok1 := qs.of(o.Qty)
		f, ok2 := fs.of(o.Filled)
		if !ok1 || !ok2 {
			return 0, 0, 0, false
		}
		arrived++
		qty, ok1 = qty.add(q)
		done, ok2 = done.add(f)
		if !ok1 || !ok2 {
			return 0, 0, 0, false
		}
		if f.sign() > 0 {
			filled++
		}
	}
	if qty.sign() > 0 {
		e := min(qty.e, done.e)
		n, ok1 := done.at(e)
		d, ok2 := qty.at(e)
		if !ok1 || !ok2 {
			return 0, 0, 0, false
		}
		if qtyRatio, ok = divFloat(n, d, 0); !ok {
			return 0, 0, 0, false
		}
	}
	return arrived, filled, qtyRatio, true
}

// orderSumsDecimal counts the orders that reached the exchange and those of them with
// any fill, and returns the share of their quantity that filled, in decimal.
func orderSumsDecimal(orders []OrderRecord) (arrived, filled int, qtyRatio float64) {
	var qty, done decimal.Decimal
	for _, o := range orders {
		if o.Arrived == 0 {
			continue
		}
		arrived++
		qty = qty.Add(o.Qty)
		done = done.Add(o.Filled)
		if o.Filled.Sign() > 0 {
			filled++
		}
	}
	if qty.Sign() > 0 {
		qtyRatio = done.Div(qty).InexactFloat64()
	}
	return arrived, filled, qtyRatio
}

// distribution summarizes the samples with nearest-rank percentiles.
func distribution(ns []int64) Distribution {
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
func pnlByHour(r *Report) []HourPnL {
	var out []HourPnL
	prev := r.Settings.InitialBalance
	hourOf := func(t int64) int64 { return t - ((t%int64(time.Hour))+int64(time.Hour))%int64(time.Hour) }
	// The fills of each hour, counted in one pass (not one per hour: a month of data has
	// 720 hours).
	var fills map[int64]int
	if len(r.Equity) > 0 {
		fills = make(map[int64]int)
		for i := range r.Fills {
			fills[hourOf(r.Fills[i].Time)]++
		}
	}
	for i := 0; i < len(r.Equity); {
		h := hourOf(r.Equity[i].Time)
		j := i
		for j+1 < len(r.Equity) && hourOf(r.Equity[j+1].Time) == h {
			j++
		}
		last := r.Equity[j].Equity
		out = append(out, HourPnL{Hour: time.Unix(0, h).UTC().Format("2006-01-02T15Z"), PnL: last.Sub(prev), Fills: fills[h]})
		prev, i = last, j+1
	}
	return out
}
