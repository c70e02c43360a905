package exchange

// Mark price, index, premium and funding of the USD-M perpetuals.
//
// Binance's rules (developers.binance.com, "Mark Price" and "Introduction to Binance
// Futures Funding Rates"; the stream: USDⓈ-M Futures, WebSocket Market Streams, "Mark
// Price Stream"), as modelled here from the synthetic books:
//   - index price: the spot price index; here the followed spot market's mid (the
//     perpetual's own mid when it follows none);
//   - premium index P = [max(0, impact bid − index) − max(0, index − impact ask)] /
//     index, the impact prices being here the best bid and ask;
//   - funding rate F = average P over the funding interval + clamp(I − P, −0.05%,
//     +0.05%), I = 0.01% per interval;
//   - mark price = median(index × (1 + F × time to funding / interval),
//     index + moving average of the basis (mid − index) over 30 minutes, contract
//     price), the contract price being the perpetual's mid;
//   - markPriceUpdate {"e","E","s","p" mark,"i" index,"P" estimated settle price,"r"
//     funding rate,"T" next funding time} on <symbol>@markPrice every 3 s and
//     <symbol>@markPrice@1s every second.

import (
	"slices"
	"strconv"

	"github.com/nanotick/nanotick/perp"
	"github.com/shopspring/decimal"
)

const (
	// interestRate is I, 0.01% per funding interval, in 1e-8.
	interestRate = 10_000
	// premiumClamp bounds I − P: 0.05% in 1e-8.
	premiumClamp = 50_000
	// basisWindow is how many one-second basis samples the moving average keeps.
	basisWindow = 30 * 60
)

// markState is one perpetual's mark price state.
type markState struct {
	u     *usdm
	m     *Market
	index *Market // the spot market whose mid is the index; nil: the perp's own
	mark  int64   // 1e-8; 0 before the first tick
	idx   int64
	rate  int64 // the current funding rate estimate, 1e-8
	// premium average over the current funding interval.
	premiumSum, premiumN int64
	basis                []int64 // the last basisWindow basis samples, oldest first
}

func newMarkState(e *Exchange, u *usdm, m *Market) *markState {
	ms := &markState{u: u, m: m}
	for _, fi := range e.cfg.Futures {
		if fi.Symbol == m.inst.Symbol && fi.Follows != "" {
			ms.index = e.markets[fi.Follows]
		}
	}
	return ms
}

// update samples the books at now (ns) and recomputes index, premium, rate and mark.
func (ms *markState) update(now int64) {
	mid, ok := bookMid(ms.m)
	if !ok {
		return
	}
	idx := mid
	if ms.index != nil {
		if im, ok := bookMid(ms.index); ok {
			idx = im
		}
	}
	ms.idx = idx
	bid, _, _ := ms.m.book.Best(Buy)
	ask, _, _ := ms.m.book.Best(Sell)
	prem, _ := mulDiv(max(0, bid-idx)-max(0, idx-ask), wireUnit, idx)
	ms.premiumSum += prem
	ms.premiumN++
	avg := ms.premiumSum / ms.premiumN
	ms.rate = avg + min(max(interestRate-avg, -premiumClamp), premiumClamp)
	ms.basis = append(ms.basis, mid-idx)
	if len(ms.basis) > basisWindow {
		ms.basis = ms.basis[len(ms.basis)-basisWindow:]
	}
	var sum int64
	for _, b := range ms.basis {
		sum += b
	}
	price2 := idx + sum/int64(len(ms.basis))
	// Price 1 needs the time to the next funding: the caller's schedule.
	ms.mark = median3(ms.price1(now), price2, mid)
}

// price1 is index × (1 + rate × time to next funding / interval).
func (ms *markState) price1(now int64) int64 {
	u := ms.u
	iv := int64(u.cfg.FundingInterval)
	left := u.nextFunding - now
	frac, _ := mulDiv(ms.rate, left, iv)
	adj, _ := mulDiv(ms.idx, frac, wireUnit)
	return ms.idx + adj
}

// resetPremium starts a new funding interval's premium average.
func (ms *markState) resetPremium() { ms.premiumSum, ms.premiumN = 0, 0 }

func median3(a, b, c int64) int64 {
	s := []int64{a, b, c}
	slices.Sort(s)
	return s[1]
}

// publishMark sends the symbol's markPriceUpdate on @markPrice@1s, and on @markPrice
// when every3 is set. Called with e.mu held.
func (e *Exchange) publishMark(sym string, now int64, every3 bool) {
	ms := e.usdm.marks[sym]
	if ms == nil || ms.mark == 0 {
		return
	}
	b := e.appendMarkUpdate(nil, sym, now/1e6)
	lower := ms.m.lower
	e.publishFutures(lower+"@markPrice@1s", b, false)
	if every3 {
		e.publishFutures(lower+"@markPrice", b, false)
	}
}

// appendMarkUpdate appends a markPriceUpdate event of sym at eventMs.
func (e *Exchange) appendMarkUpdate(b []byte, sym string, eventMs int64) []byte {
	ms := e.usdm.marks[sym]
	b = append(b, `{"e":"markPriceUpdate","E":`...)
	b = strconv.AppendInt(b, eventMs, 10)
	b = append(b, `,"s":"`...)
	b = append(b, sym...)
	b = append(b, `","p":"`...)
	b = wireScale.AppendFixed(b, ms.mark)
	b = append(b, `","i":"`...)
	b = wireScale.AppendFixed(b, ms.idx)
	// The estimated settle price matters for delivery contracts only; a perpetual's
	// follows its index.
	b = append(b, `","P":"`...)
	b = wireScale.AppendFixed(b, ms.idx)
	b = append(b, `","r":"`...)
	b = wireScale.AppendFixed(b, ms.rate)
	b = append(b, `","T":`...)
	b = strconv.AppendInt(b, e.usdm.nextFunding/1e6, 10)
	return append(b, '}')
}

// fund charges the funding of the interval ending at t (ns) on every open position
// and starts the next interval. Called with e.mu held.
func (e *Exchange) fund(t int64) {
	u := e.usdm
	for _, sym := range u.symbols() {
		ms := u.marks[sym]
		if ms.mark == 0 {
			ms.update(t) // funding before the first mark tick: sample now
		}
		if ms.mark == 0 {
			continue
		}
		rate, mark := ms.rate, ms.mark
		u.history = append(u.history, fundingEvent{symbol: sym, time: t / 1e6, rate: rate, mark: mark})
		if len(u.history) > 10_000 {
			u.history = u.history[len(u.history)-1000:]
		}
		for _, fa := range u.sortedAccounts() {
			p := fa.pos[sym]
			if p == nil || p.amt == 0 {
				continue
			}
			pay := perp.FundingPayment(qtyDec(p.amt), wireScale.Decimal(mark), wireScale.Decimal(rate)).Round(8)
			fa.wallet = fa.wallet.Add(pay)
			if p.isolated {
				p.iw = p.iw.Add(pay)
			}
			fa.updated = t / 1e6
			e.accountUpdate(fa, "FUNDING_FEE", sym, pay, t/1e6)
		}
		ms.resetPremium()
	}
}

// sortedAccounts returns the accounts in api key order, so that events come out in
// one order run after run.
func (u *usdm) sortedAccounts() []*fAccount {
	out := make([]*fAccount, 0, len(u.accounts))
	for _, fa := range u.accounts {
		out = append(out, fa)
	}
	slices.SortFunc(out, func(x, y *fAccount) int {
		switch {
		case x.a.cfg.APIKey < y.a.cfg.APIKey:
			return -1
		case x.a.cfg.APIKey > y.a.cfg.APIKey:
			return 1
		}
		return 0
	})
	return out
}

var _ = decimal.Zero
