package exchange

// Bybit v5 public market data, served from the same synthetic markets.
//
// The local exchange speaks Bybit's public websocket protocol beside Binance's, on the
// same listener: /v5/public/spot serves the spot symbols (Config.Instruments) and
// /v5/public/linear the perpetuals (Config.Futures), as wss://stream.bybit.com does
// (github.com/bybit-exchange/docs at 072c197: v5/ws/connect, v5/websocket/public/
// orderbook):
//   - {"req_id":..,"op":"subscribe","args":["orderbook.50.BTCUSDT"]} subscribes a book
//     of depth 1, 50, 200 or 1000 and is answered {"success":true,"ret_msg":"subscribe",
//     "conn_id":..,"req_id":..,"op":"subscribe"}; {"op":"ping"} is answered with
//     ret_msg "pong"; "unsubscribe" ends subscriptions;
//   - a subscribed book gets a snapshot of its depth, then every 20 ms a delta of what
//     changed in that top-of-book: new and changed levels, and a size-0 delete for each
//     level that left it, with u counting the topic's messages from the snapshot's on
//     and seq the matching engine's update id; level 1 is snapshots only, sent when the
//     top changes;
//   - prices and sizes are strings at the symbol's tick and step decimals.
//
// tickers.SYMBOL is served on linear (bybit_ticker.go). publicTrade, and tickers on
// spot, are not served: a subscription to them is refused with success false, so that
// a client knows rather than waits. The faults of Config.Faults
// apply as to Binance's depth streams: a dropped delta leaves a gap in u.

import (
	"cmp"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nanotick/nanotick/fixed"
)

// bybitPush is how often a subscribed book gets its delta: orderbook.50's 20 ms.
const bybitPush = 20 * time.Millisecond

// BybitURL returns the URL of Bybit's public market data for category "spot" or
// "linear".
func (e *Exchange) BybitURL(category string) string {
	return "ws://" + e.Addr() + "/v5/public/" + category
}

func (e *Exchange) registerBybit(mux *http.ServeMux) {
	mux.HandleFunc("/v5/public/spot", func(w http.ResponseWriter, r *http.Request) { e.serveBybit(w, r, false) })
	mux.HandleFunc("/v5/public/linear", func(w http.ResponseWriter, r *http.Request) { e.serveBybit(w, r, true) })
	e.registerBybitTrade(mux)
	e.registerBybitREST(mux)
}

// bybitBook is one subscribed orderbook topic of one connection.
type bybitBook struct {
	topic  string
	market *Market
	depth  int
	pdec   fixed.Scale // decimals printed
	qdec   fixed.Scale
	u      int64
	shown  [2]map[int64]int64 // the levels the client holds, by side; nil before the snapshot
}

// bybitSession is one connection's subscriptions. The handler goroutine changes them
// and the pusher reads them, under mu.
type bybitSession struct {
	e      *Exchange
	c      *conn
	linear bool
	id     string
	mu     sync.Mutex
	books  map[string]*bybitBook
	// tickers are the subscribed tickers topics (linear only).
	tickers map[string]*bybitTicker
}

func (e *Exchange) serveBybit(w http.ResponseWriter, r *http.Request, linear bool) {
	c := e.accept(w, r)
	if c == nil {
		return
	}
	s := &bybitSession{e: e, c: c, linear: linear, books: map[string]*bybitBook{}, tickers: map[string]*bybitTicker{}}
	e.mu.Lock()
	s.id = "local-" + strconv.FormatUint(e.connSeq, 10)
	e.mu.Unlock()
	stop := make(chan struct{})
	var pusher sync.WaitGroup
	pusher.Add(1)
	go func() {
		defer pusher.Done()
		s.push(stop)
	}()
	c.serve(s.handle)
	close(stop)
	pusher.Wait()
}

// handle answers one request.
func (s *bybitSession) handle(msg []byte) {
	var req struct {
		ReqID string   `json:"req_id"`
		Op    string   `json:"op"`
		Args  []string `json:"args"`
	}
	if err := json.Unmarshal(msg, &req); err != nil {
		s.answer(false, "invalid request: "+err.Error(), "", "")
		return
	}
	switch req.Op {
	case "ping":
		s.answer(true, "pong", req.ReqID, "ping")
	case "subscribe", "unsubscribe":
		for _, topic := range req.Args {
			if req.Op == "unsubscribe" {
				s.mu.Lock()
				delete(s.books, topic)
				delete(s.tickers, topic)
				s.mu.Unlock()
				continue
			}
			if strings.HasPrefix(topic, "tickers.") && s.linear {
				t, why := s.ticker(topic)
				if t == nil {
					s.answer(false, why, req.ReqID, req.Op)
					return
				}
				s.mu.Lock()
				s.tickers[topic] = t
				s.mu.Unlock()
				continue
			}
			b, why := s.book(topic)
			if b == nil {
				s.answer(false, why, req.ReqID, req.Op)
				return
			}
			s.mu.Lock()
			s.books[topic] = b
			s.mu.Unlock()
		}
		s.answer(true, req.Op, req.ReqID, req.Op)
	default:
		s.answer(false, "unsupported op "+strconv.Quote(req.Op), req.ReqID, req.Op)
	}
}

// book returns the subscription of an orderbook topic, or why it is refused.
func (s *bybitSession) book(topic string) (*bybitBook, string) {
	parts := strings.Split(topic, ".")
	if len(parts) != 3 || parts[0] != "orderbook" {
		return nil, "topic " + strconv.Quote(topic) + " is not served by the local exchange (orderbook.{1,50,200,1000}.SYMBOL only)"
	}
	depth, err := strconv.Atoi(parts[1])
	if err != nil || depth != 1 && depth != 50 && depth != 200 && depth != 1000 {
		return nil, "invalid topic " + strconv.Quote(topic) + ": depth must be 1, 50, 200 or 1000"
	}
	var m *Market
	if s.linear {
		m = s.e.futures[parts[2]]
	} else {
		m = s.e.markets[parts[2]]
	}
	if m == nil {
		return nil, "invalid topic " + strconv.Quote(topic) + ": unknown symbol"
	}
	return &bybitBook{topic: topic, market: m, depth: depth,
		pdec: stepDecimals(m.inst.TickSize), qdec: stepDecimals(m.inst.StepSize)}, ""
}

// stepDecimals returns the decimals of a step in the exchange's 10^-8 units: 1_000_000
// (0.01) has 2.
func stepDecimals(step int64) fixed.Scale {
	d := fixed.Scale(8)
	for d > 0 && step%10 == 0 {
		step /= 10
		d--
	}
	return d
}

// answer sends an operation's answer in the shape of Bybit's spot endpoint.
func (s *bybitSession) answer(ok bool, msg, reqID, op string) {
	b := []byte(`{"success":`)
	b = strconv.AppendBool(b, ok)
	b = append(b, `,"ret_msg":`...)
	b = strconv.AppendQuote(b, msg)
	b = append(b, `,"conn_id":"`...)
	b = append(b, s.id...)
	b = append(b, `","req_id":`...)
	b = strconv.AppendQuote(b, reqID)
	b = append(b, `,"op":`...)
	b = strconv.AppendQuote(b, op)
	b = append(b, '}')
	s.c.send(outMsg{data: b, at: time.Now()})
}

// push sends each subscribed book's snapshot or delta every bybitPush until stop.
func (s *bybitSession) push(stop <-chan struct{}) {
	t := time.NewTicker(bybitPush)
	defer t.Stop()
	var levels [][2]int64
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		s.mu.Lock()
		s.e.mu.Lock()
		for _, b := range s.books {
			var msg []byte
			msg, levels = b.next(levels)
			if msg != nil {
				// Everything after the first snapshot is depth data to the
				// fault injection: a dropped delta leaves the gap in u a
				// client must see.
				s.c.send(outMsg{data: msg, depth: b.u > 1, market: true, at: time.Now()})
			}
		}
		for _, t := range s.tickers {
			if msg := t.next(time.Now()); msg != nil {
				s.c.send(outMsg{data: msg, market: true, at: time.Now()})
			}
		}
		s.e.mu.Unlock()
		s.mu.Unlock()
	}
}

// next returns the book's next message, nil when nothing changed. Called with the
// exchange locked.
func (b *bybitBook) next(levels [][2]int64) ([]byte, [][2]int64) {
	book := b.market.book
	var top [2]map[int64]int64
	for i, side := range []Side{Buy, Sell} {
		levels = book.Levels(levels[:0], side, b.depth)
		top[i] = make(map[int64]int64, len(levels))
		for _, l := range levels {
			top[i][l[0]] = l[1]
		}
	}
	snapshot := b.shown[0] == nil || b.depth == 1
	var bids, asks [][2]int64
	if snapshot {
		if b.shown[0] != nil && sameLevels(b.shown, top) {
			return nil, levels
		}
		bids, asks = sorted(top[0], true), sorted(top[1], false)
	} else {
		bids, asks = diffLevels(b.shown[0], top[0], true), diffLevels(b.shown[1], top[1], false)
		if len(bids) == 0 && len(asks) == 0 {
			return nil, levels
		}
	}
	b.shown = top
	b.u++
	ts := b.market.nowMs()
	typ := "delta"
	if snapshot {
		typ = "snapshot"
	}
	msg := []byte(`{"topic":"`)
	msg = append(msg, b.topic...)
	msg = append(msg, `","type":"`...)
	msg = append(msg, typ...)
	msg = append(msg, `","ts":`...)
	msg = strconv.AppendInt(msg, ts, 10)
	msg = append(msg, `,"data":{"s":"`...)
	msg = append(msg, b.market.inst.Symbol...)
	msg = append(msg, `","b":`...)
	msg = b.appendLevels(msg, bids)
	msg = append(msg, `,"a":`...)
	msg = b.appendLevels(msg, asks)
	msg = append(msg, `,"u":`...)
	msg = strconv.AppendInt(msg, b.u, 10)
	msg = append(msg, `,"seq":`...)
	msg = strconv.AppendUint(msg, book.UpdateID(), 10)
	msg = append(msg, `},"cts":`...)
	msg = strconv.AppendInt(msg, ts, 10)
	return append(msg, '}'), levels
}

func (b *bybitBook) appendLevels(dst []byte, ls [][2]int64) []byte {
	dst = append(dst, '[')
	for i, l := range ls {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `["`...)
		dst = b.pdec.AppendFixed(dst, l[0]/wireDiv(b.pdec))
		dst = append(dst, `","`...)
		dst = b.qdec.AppendFixed(dst, l[1]/wireDiv(b.qdec))
		dst = append(dst, `"]`...)
	}
	return append(dst, ']')
}

// wireDiv is the divisor from the exchange's 10^-8 units to d decimals.
func wireDiv(d fixed.Scale) int64 { return fixed.Scale(8 - d).Unit() }

func sameLevels(a, b [2]map[int64]int64) bool {
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for p, q := range a[i] {
			if b[i][p] != q {
				return false
			}
		}
	}
	return true
}

// sorted returns a side's levels best first.
func sorted(m map[int64]int64, desc bool) [][2]int64 {
	out := make([][2]int64, 0, len(m))
	for p, q := range m {
		out = append(out, [2]int64{p, q})
	}
	sortLevels(out, desc)
	return out
}

// diffLevels returns what takes old to cur: cur's new and changed levels and a zero
// for each level of old that cur lacks, best first.
func diffLevels(old, cur map[int64]int64, desc bool) [][2]int64 {
	var out [][2]int64
	for p, q := range cur {
		if old[p] != q {
			out = append(out, [2]int64{p, q})
		}
	}
	for p := range old {
		if _, ok := cur[p]; !ok {
			out = append(out, [2]int64{p, 0})
		}
	}
	sortLevels(out, desc)
	return out
}

func sortLevels(ls [][2]int64, desc bool) {
	slices.SortFunc(ls, func(a, b [2]int64) int {
		if desc {
			return cmp.Compare(b[0], a[0])
		}
		return cmp.Compare(a[0], b[0])
	})
}
