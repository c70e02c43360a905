package exchange

// Bybit v5 linear tickers (github.com/bybit-exchange/docs at 072c197:
// v5/websocket/public/ticker): "tickers.SYMBOL" on /v5/public/linear is a snapshot of
// the perpetual's ticker, then every 100 ms a delta holding the fields that changed:
// lastPrice, markPrice (the book's mid, the local exchange's mark), indexPrice (the mid
// of the spot market it follows), fundingRate and nextFundingTime (the local exchange's
// funding, BybitLinear), fundingIntervalHour, bid1Price/bid1Size/ask1Price/ask1Size.
// Every message carries cs (the matching engine's update id) and ts.

import (
	"strconv"
	"strings"
	"time"
)

// bybitTickerEvery is Bybit's push frequency for derivatives tickers.
const bybitTickerEvery = 100 * time.Millisecond

// bybitTicker is one subscribed tickers topic of one connection.
type bybitTicker struct {
	topic  string
	market *Market
	e      *Exchange
	last   map[string]string // the fields the client holds; nil before the snapshot
	due    time.Time
}

// ticker returns the subscription of a tickers topic, or why it is refused.
func (s *bybitSession) ticker(topic string) (*bybitTicker, string) {
	sym := strings.TrimPrefix(topic, "tickers.")
	s.e.mu.Lock()
	m := s.e.futures[sym]
	s.e.mu.Unlock()
	if m == nil {
		return nil, "invalid topic " + strconv.Quote(topic) + ": unknown symbol"
	}
	return &bybitTicker{topic: topic, market: m, e: s.e}, ""
}

// fields returns the ticker's current values. Called with the exchange locked.
func (t *bybitTicker) fields() (map[string]string, []string) {
	m := t.market
	in := m.inst
	pd, qd := stepDecimals(in.TickSize), stepDecimals(in.StepSize)
	f := map[string]string{}
	bp, bq, okb := m.book.Best(Buy)
	ap, aq, oka := m.book.Best(Sell)
	if okb {
		f["bid1Price"], f["bid1Size"] = wireAt(pd, bp), wireAt(qd, bq)
	}
	if oka {
		f["ask1Price"], f["ask1Size"] = wireAt(pd, ap), wireAt(qd, aq)
	}
	f["lastPrice"] = wireAt(pd, m.ref-m.ref%in.TickSize)
	f["markPrice"] = wireAt(pd, markOf(m))
	f["indexPrice"] = wireAt(pd, t.e.indexOf(m))
	if s := t.e.linear; s != nil {
		f["fundingRate"] = decText(s.rate)
		f["nextFundingTime"] = strconv.FormatInt(s.nextFund/1e6, 10)
		f["fundingIntervalHour"] = strconv.FormatInt(s.interval/int64(time.Hour), 10)
	}
	order := []string{"lastPrice", "markPrice", "indexPrice", "fundingIntervalHour", "nextFundingTime", "fundingRate", "bid1Price", "bid1Size", "ask1Price", "ask1Size"}
	return f, order
}

// next returns the ticker's next message at now, nil when none is due or nothing
// changed. Called with the exchange locked.
func (t *bybitTicker) next(now time.Time) []byte {
	if now.Before(t.due) {
		return nil
	}
	t.due = now.Add(bybitTickerEvery)
	cur, order := t.fields()
	typ := "delta"
	if t.last == nil {
		typ = "snapshot"
	}
	w := &jw{}
	w.open().str("topic", t.topic).str("type", typ)
	w.obj("data").str("symbol", t.market.inst.Symbol)
	n := 0
	for _, k := range order {
		v, ok := cur[k]
		if !ok || t.last != nil && t.last[k] == v {
			continue
		}
		w.str(k, v)
		n++
	}
	w.close()
	if n == 0 {
		return nil
	}
	w.uint("cs", t.market.book.UpdateID()).int("ts", t.market.nowMs())
	w.close()
	t.last = cur
	return w.b
}
