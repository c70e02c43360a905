package parity

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/backtest"
)

// Session is a recorded session read back.
type Session struct {
	Dir    string
	Meta   Meta
	Events []Event
}

// ReadSession reads a session directory that NewRecorder wrote.
func ReadSession(dir string) (*Session, error) {
	b, err := os.ReadFile(filepath.Join(dir, MetaFile))
	if err != nil {
		return nil, fmt.Errorf("parity: %w", err)
	}
	s := &Session{Dir: dir}
	if err := json.Unmarshal(b, &s.Meta); err != nil {
		return nil, fmt.Errorf("parity: %s: %w", MetaFile, err)
	}
	f, err := os.Open(filepath.Join(dir, EventsFile))
	if err != nil {
		return nil, fmt.Errorf("parity: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for line := 1; sc.Scan(); line++ {
		var e Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("parity: %s:%d: %w", EventsFile, line, err)
		}
		s.Events = append(s.Events, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("parity: %s: %w", EventsFile, err)
	}
	return s, nil
}

// MarketData is the session's recording, for the backtest.
func (s *Session) MarketData() string { return filepath.Join(s.Dir, MarketFile) }

// order is one order on either side, with what became of it.
type order struct {
	id            uint64
	sent          int64
	side          string
	price, qty    int64
	postOnly, ioc bool
	ack           int64  // when the ack reached the strategy; 0: none
	fills         []fill // as the strategy received them
	rejected      string
}

type fill struct {
	t, price, qty int64
	maker         bool
	fee           decimal.Decimal // in the quote asset; a rebate is negative
}

func (o *order) String() string {
	flags := ""
	if o.postOnly {
		flags += " post-only"
	}
	if o.ioc {
		flags += " IOC"
	}
	return fmt.Sprintf("#%d %s %d@%d%s at %s", o.id, o.side, o.qty, o.price, flags, stamp(o.sent))
}

func stamp(ns int64) string { return time.Unix(0, ns).UTC().Format("15:04:05.000000") }

// Stats summarizes differences (live − backtest), in ns.
type Stats struct {
	Count int   `json:"count"`
	Min   int64 `json:"min_ns"`
	P50   int64 `json:"p50_ns"`
	Max   int64 `json:"max_ns"`
	Mean  int64 `json:"mean_ns"`
}

func stats(xs []int64) Stats {
	if len(xs) == 0 {
		return Stats{}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	var sum int64
	for _, x := range s {
		sum += x
	}
	return Stats{Count: len(s), Min: s[0], P50: s[(len(s)-1)/2], Max: s[len(s)-1], Mean: sum / int64(len(s))}
}

// Divergence is the first place the backtest's orders leave the live ones.
type Divergence struct {
	Index    int    `json:"index"` // the n-th order sent (from 0)
	Live     string `json:"live"`
	Backtest string `json:"backtest"`
	Why      string `json:"why"`
}

// Result is what Compare found.
type Result struct {
	LiveOrders        int         `json:"live_orders"`
	BacktestOrders    int         `json:"backtest_orders"`
	Matched           int         `json:"matched"`
	UnmatchedLive     int         `json:"unmatched_live"`
	UnmatchedBacktest int         `json:"unmatched_backtest"`
	FirstDivergence   *Divergence `json:"first_divergence"`
	LiveFills         int         `json:"live_fills"`
	BacktestFills     int         `json:"backtest_fills"`
	// FillsMatched counts the fills of matched orders that both sides made, in order;
	// PriceDiffs those of them at different prices. OnlyLive and OnlyBacktest count
	// fills of matched orders that one side made and the other did not.
	FillsMatched int `json:"fills_matched"`
	PriceDiffs   int `json:"price_diffs"`
	OnlyLive     int `json:"only_live"`
	OnlyBacktest int `json:"only_backtest"`
	// AckTime and FillTime are live − backtest times at which the strategy got the
	// ack, and each matched fill, of matched orders.
	AckTime  Stats `json:"ack_time"`
	FillTime Stats `json:"fill_time"`
	// FeeDiffs counts the matched fills whose fees differ by more than FeeRounding;
	// LiveFees and BacktestFees are the fees of all matched fills, in the quote asset.
	// LiveMakerBps and LiveTakerBps are the rates the live fills of those differing
	// were charged, in basis points of their notional (0 when there were none).
	FeeDiffs     int             `json:"fee_diffs"`
	LiveFees     decimal.Decimal `json:"live_fees"`
	BacktestFees decimal.Decimal `json:"backtest_fees"`
	LiveMakerBps float64         `json:"live_maker_bps,omitempty"`
	LiveTakerBps float64         `json:"live_taker_bps,omitempty"`
	// Explanations name the models that would explain the differences.
	Explanations []string `json:"explanations"`
}

// Tolerance is how far apart two orders' send times may be and still match.
const Tolerance = int64(time.Millisecond)

// FeeRounding is, in price units (the smallest step of the session's price scale), how
// far a matched fill's live and backtest fees may differ and still count as equal: the
// live fee reaches the strategy through the gateway's fee carry, within one price unit
// of the fill's exact fee (fixed.Carry), the backtest's is exact.
const FeeRounding = 1

// Compare matches the backtest's orders and fills with the session's, in sending
// order: two orders match when they have the same side, price, quantity and flags and
// were sent within Tolerance of each other. The first pair that does not is the first
// divergence. The comparison then realigns, as a diff does: an order with no
// counterpart at its place is skipped when the other side's order matches one sent a
// little later (within Tolerance), so one extra or missing order, or a requote at
// another time, does not leave every later order unmatched. A strategy that saw a
// different answer need not send the same orders after it; those stay unmatched.
func Compare(s *Session, rep *backtest.Report) *Result {
	live := liveOrders(s.Events, s.Meta.PriceScale)
	bt := backtestOrders(rep, s.Meta.PriceScale, s.Meta.QtyScale)
	r := &Result{LiveOrders: len(live), BacktestOrders: len(bt)}
	var ackD, fillD []int64
	feeTol := decimal.New(FeeRounding, -int32(s.Meta.PriceScale))
	var feeRate [2]struct{ fee, notional decimal.Decimal } // taker, maker: of live fills whose fee differs
	i, j := 0, 0
	for i < len(live) && j < len(bt) {
		l, b := live[i], bt[j]
		if why := differ(l, b); why != "" {
			if r.FirstDivergence == nil {
				r.FirstDivergence = &Divergence{Index: i, Live: l.String(), Backtest: b.String(), Why: why}
			}
			switch {
			case matchAhead(l, bt, j+1) >= 0:
				j = matchAhead(l, bt, j+1) // bt[j:k] have no live counterpart
			case matchAhead(b, live, i+1) >= 0:
				i = matchAhead(b, live, i+1)
			case l.sent <= b.sent:
				i++
			default:
				j++
			}
			continue
		}
		i, j = i+1, j+1
		r.Matched++
		if l.ack > 0 && b.ack > 0 {
			ackD = append(ackD, l.ack-b.ack)
		}
		n := min(len(l.fills), len(b.fills))
		for k := 0; k < n; k++ {
			r.FillsMatched++
			fillD = append(fillD, l.fills[k].t-b.fills[k].t)
			if l.fills[k].price != b.fills[k].price {
				r.PriceDiffs++
			}
			lf, bf := l.fills[k].fee, b.fills[k].fee
			r.LiveFees, r.BacktestFees = r.LiveFees.Add(lf), r.BacktestFees.Add(bf)
			if lf.Sub(bf).Abs().GreaterThan(feeTol) {
				r.FeeDiffs++
				fr := &feeRate[b2i(l.fills[k].maker)]
				fr.fee = fr.fee.Add(lf)
				fr.notional = fr.notional.Add(decimal.New(l.fills[k].price, -int32(s.Meta.PriceScale)).Mul(decimal.New(l.fills[k].qty, -int32(s.Meta.QtyScale))))
			}
		}
		r.OnlyLive += len(l.fills) - n
		r.OnlyBacktest += len(b.fills) - n
	}
	if r.FirstDivergence == nil && (i < len(live) || j < len(bt)) {
		d := &Divergence{Index: i, Live: "none", Backtest: "none"}
		if i < len(live) {
			d.Live, d.Why = live[i].String(), "the backtest sent no more orders"
		} else {
			d.Backtest, d.Why = bt[j].String(), "the live session sent no more orders"
		}
		r.FirstDivergence = d
	}
	r.UnmatchedLive, r.UnmatchedBacktest = len(live)-r.Matched, len(bt)-r.Matched
	for _, o := range live {
		r.LiveFills += len(o.fills)
	}
	for _, o := range bt {
		r.BacktestFills += len(o.fills)
	}
	r.AckTime, r.FillTime = stats(ackD), stats(fillD)
	r.LiveTakerBps, r.LiveMakerBps = bps(feeRate[0].fee, feeRate[0].notional), bps(feeRate[1].fee, feeRate[1].notional)
	r.Explanations = explain(r)
	return r
}

// matchAhead returns the index of the first order of xs from `from` on that matches o,
// looking no further than the orders sent within Tolerance after o; -1 when none does.
func matchAhead(o *order, xs []*order, from int) int {
	for k := from; k < len(xs) && xs[k].sent <= o.sent+Tolerance; k++ {
		if differ(o, xs[k]) == "" {
			return k
		}
	}
	return -1
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// bps is fee over notional in basis points, to 4 decimals; 0 without notional.
func bps(fee, notional decimal.Decimal) float64 {
	if notional.IsZero() {
		return 0
	}
	return fee.Shift(4).DivRound(notional, 4).InexactFloat64()
}

func differ(l, b *order) string {
	var d []string
	if l.side != b.side {
		d = append(d, "side")
	}
	if l.price != b.price {
		d = append(d, "price")
	}
	if l.qty != b.qty {
		d = append(d, "quantity")
	}
	if l.postOnly != b.postOnly || l.ioc != b.ioc {
		d = append(d, "flags")
	}
	if dt := l.sent - b.sent; dt > Tolerance || dt < -Tolerance {
		d = append(d, fmt.Sprintf("send time (live − backtest %v)", time.Duration(dt)))
	}
	if len(d) == 0 {
		return ""
	}
	return "different " + strings.Join(d, ", ")
}

func liveOrders(events []Event, ps int) []*order {
	var out []*order
	byID := map[uint64]*order{}
	for _, e := range events {
		switch e.Kind {
		case "order":
			o := &order{id: e.ID, sent: e.T, side: e.Side, price: e.Price, qty: e.Qty, postOnly: e.PostOnly, ioc: e.IOC}
			out = append(out, o)
			byID[e.ID] = o
		case "ack":
			if o := byID[e.ID]; o != nil && o.ack == 0 {
				o.ack = e.T
			}
		case "fill":
			if o := byID[e.ID]; o != nil {
				o.fills = append(o.fills, fill{t: e.T, price: e.Price, qty: e.Qty, maker: e.Maker, fee: decimal.New(e.Fee, -int32(ps))})
			}
		case "rejected":
			if o := byID[e.ID]; o != nil {
				o.rejected = e.Reason
			}
		}
	}
	return out
}

func fixedOf(d decimal.Decimal, scale int) int64 { return d.Shift(int32(scale)).IntPart() }

func backtestOrders(rep *backtest.Report, ps, qs int) []*order {
	out := make([]*order, 0, len(rep.OrderLog))
	byID := map[uint64]*order{}
	for _, o := range rep.OrderLog {
		b := &order{id: o.ID, sent: o.Sent, side: o.Side, price: fixedOf(o.Price, ps), qty: fixedOf(o.Qty, qs),
			postOnly: o.PostOnly, ioc: o.IOC, ack: o.Acked, rejected: o.Reason}
		out = append(out, b)
		byID[o.ID] = b
	}
	slices.SortStableFunc(out, func(a, b *order) int {
		if a.sent != b.sent {
			return compareInt(a.sent, b.sent)
		}
		return compareInt(int64(a.id), int64(b.id))
	})
	for _, f := range rep.Fills {
		if o := byID[f.OrderID]; o != nil {
			o.fills = append(o.fills, fill{t: f.Received, price: fixedOf(f.Price, ps), qty: fixedOf(f.Qty, qs), maker: f.Maker, fee: f.Fee})
		}
	}
	return out
}

func compareInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// explain names the models that would explain what differs.
func explain(r *Result) []string {
	var out []string
	if a := r.AckTime; a.Count > 0 && (a.P50 > Tolerance || a.P50 < -Tolerance) {
		out = append(out, fmt.Sprintf("latency: live acks reached the strategy %v later than the backtest's on the median (%d acks; min %v, max %v): the backtest's order and response latency are %s than the session's; set --order-latency and --response-latency to about half of the live order-to-ack time",
			time.Duration(a.P50), a.Count, time.Duration(a.Min), time.Duration(a.Max), map[bool]string{true: "shorter", false: "longer"}[a.P50 > 0]))
	}
	if f := r.FillTime; f.Count > 0 && (f.P50 > Tolerance || f.P50 < -Tolerance) {
		out = append(out, fmt.Sprintf("latency or queue: matched fills reached the live strategy %v later on the median (%d fills)", time.Duration(f.P50), f.Count))
	}
	if r.OnlyLive > 0 {
		out = append(out, fmt.Sprintf("queue: %d fills of matched orders happened live and not in the backtest: its queue model is more pessimistic than the venue (risk_averse assumes every cancel is behind us; try --queue-model power_law)", r.OnlyLive))
	}
	if r.OnlyBacktest > 0 {
		out = append(out, fmt.Sprintf("queue or matching: %d fills of matched orders happened in the backtest and not live: its queue model or the L2 matching (no market impact) is optimistic", r.OnlyBacktest))
	}
	if r.FeeDiffs > 0 {
		rates := ""
		if r.LiveMakerBps != 0 {
			rates += fmt.Sprintf(", maker %g bps", r.LiveMakerBps)
		}
		if r.LiveTakerBps != 0 {
			rates += fmt.Sprintf(", taker %g bps", r.LiveTakerBps)
		}
		out = append(out, fmt.Sprintf("fees: %d of %d matched fills were charged another fee live (matched fills' fees live %s, backtest %s): the backtest's fee model is not the venue's; the live fills that differ were charged%s of their notional: set --maker-fee-bps and --taker-fee-bps (or [backtest] maker_fee_bps, taker_fee_bps) to the venue's rates",
			r.FeeDiffs, r.FillsMatched, r.LiveFees.String(), r.BacktestFees.String(), rates))
	}
	if r.PriceDiffs > 0 {
		out = append(out, fmt.Sprintf("book state: %d matched fills at different prices: the exchange's book differed when the order arrived (exchange clock, feed latency)", r.PriceDiffs))
	}
	if d := r.FirstDivergence; d != nil {
		out = append(out, fmt.Sprintf("decisions: the orders diverge from order %d (%s); after the strategy sees a different answer (or a timer fires at another time), its later orders need not match", d.Index, d.Why))
	}
	if len(out) == 0 {
		out = append(out, "none: every order and fill matches, and acks and fills arrive within "+time.Duration(Tolerance).String())
	}
	return out
}

// Write prints the result for a person.
func (r *Result) Write(w io.Writer) error {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	p("orders   live %d, backtest %d: %d matched, %d live and %d backtest unmatched\n", r.LiveOrders, r.BacktestOrders, r.Matched, r.UnmatchedLive, r.UnmatchedBacktest)
	if d := r.FirstDivergence; d != nil {
		p("first divergence at order %d: %s\n  live     %s\n  backtest %s\n", d.Index, d.Why, d.Live, d.Backtest)
	} else {
		p("first divergence: none\n")
	}
	p("fills    live %d, backtest %d; of matched orders: %d matched (%d at another price), %d only live, %d only in the backtest\n",
		r.LiveFills, r.BacktestFills, r.FillsMatched, r.PriceDiffs, r.OnlyLive, r.OnlyBacktest)
	if r.AckTime.Count > 0 {
		p("ack time live − backtest: median %v, min %v, max %v (%d acks)\n", time.Duration(r.AckTime.P50), time.Duration(r.AckTime.Min), time.Duration(r.AckTime.Max), r.AckTime.Count)
	}
	if r.FillsMatched > 0 {
		p("fees of matched fills: live %s, backtest %s; %d fills differ by more than rounding\n", r.LiveFees.String(), r.BacktestFees.String(), r.FeeDiffs)
	}
	if r.FillTime.Count > 0 {
		p("fill time live − backtest: median %v, min %v, max %v (%d fills)\n", time.Duration(r.FillTime.P50), time.Duration(r.FillTime.Min), time.Duration(r.FillTime.Max), r.FillTime.Count)
	}
	p("explained by:\n")
	for _, e := range r.Explanations {
		p("  - %s\n", e)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
