package exchange

// Kraken Spot WebSocket v2 public market data, served from the same synthetic markets.
//
// As Kraken documents it (docs.kraken.com/api/docs/websocket-v2/book, trade,
// instrument, ping, heartbeat; guides/spot-ws-book-v2 for the checksum), on
// /kraken/v2 (wss://ws.kraken.com/v2):
//   - {"method":"subscribe","params":{"channel":"book","symbol":["BTC/USD"],"depth":10},
//     "req_id":1} is answered {"method":"subscribe","result":{"channel":"book",
//     "depth":10,"snapshot":true,"symbol":"BTC/USD"},"success":true,"time_in":..,
//     "time_out":..,"req_id":1}, then a snapshot of the depth and, every 20 ms, an
//     update of the levels that changed within it (qty 0 deletes a level, also one that
//     left the depth), each with the CRC32 checksum of the top ten levels of each side
//     after it, computed from the text of the numbers as the guide says;
//   - "trade" sends each public trade of the market (no snapshot unless asked);
//   - "instrument" sends a snapshot of the pairs (symbol, base, quote, status,
//     price_precision, qty_precision, price_increment, qty_increment, qty_min,
//     cost_min, ...) and assets;
//   - {"method":"ping"} is answered {"method":"pong",...}; every subscribed connection
//     gets {"channel":"heartbeat"} once a second; a status update greets every
//     connection.
//
// A Kraken symbol BASE/QUOTE names the market whose instrument has those assets
// (KrakenBTCUSD: BTC/USD). Prices are written at the tick's decimals
// (price_precision), quantities at the step's (qty_precision), as JSON numbers.
// Errors are answered {"error":..,"method":..,"success":false,...} with the local
// exchange's own wording where Kraken's is not documented.

import (
	"encoding/json"
	"hash/crc32"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nanotick/nanotick/fixed"
)

// krakenPush is how often a subscribed book gets its update.
const krakenPush = 20 * time.Millisecond

// KrakenBTCUSD returns instrument rules shaped like Kraken's BTC/USD: tick 0.1
// (price_precision 1), quantity step 0.00000001 (qty_precision 8), minimum order
// 0.00005 BTC, minimum cost 0.5 USD, starting near 60000.
func KrakenBTCUSD() Instrument {
	return Instrument{
		Symbol: "BTCUSD", Base: "BTC", Quote: "USD",
		TickSize: 10_000_000, StepSize: 1,
		MinQty: 5_000, MaxQty: 9000 * wireUnit,
		MinPrice: 10_000_000, MaxPrice: 1_000_000 * wireUnit,
		MinNotional: wireUnit / 2,
		RefPrice:    60_000 * wireUnit,
	}
}

// KrakenURL returns the URL of the public Kraken v2 WebSocket, KrakenAuthURL the
// private one's, KrakenRESTURL the base of the REST API (GetWebSocketsToken).
func (e *Exchange) KrakenURL() string     { return "ws://" + e.Addr() + "/kraken/v2" }
func (e *Exchange) KrakenAuthURL() string { return "ws://" + e.Addr() + "/kraken/v2-auth" }
func (e *Exchange) KrakenRESTURL() string { return "http://" + e.Addr() }

func (e *Exchange) registerKraken(mux *http.ServeMux) {
	mux.HandleFunc("/kraken/v2", e.serveKraken)
	e.registerKrakenTrade(mux)
	e.registerKrakenREST(mux)
}

// krakenMarket returns the market of a Kraken symbol BASE/QUOTE. Called with the
// exchange locked or with the markets fixed (they are, after Start).
func (e *Exchange) krakenMarket(sym string) *Market {
	base, quote, ok := strings.Cut(sym, "/")
	if !ok {
		return nil
	}
	for _, m := range e.order {
		if m.inst.Base == base && m.inst.Quote == quote {
			return m
		}
	}
	if e.replay == nil {
		for _, m := range e.markets {
			if m.inst.Base == base && m.inst.Quote == quote {
				return m
			}
		}
	}
	return nil
}

// KrakenSymbol returns the Kraken name of a market's instrument: BASE/QUOTE.
func KrakenSymbol(in Instrument) string { return in.Base + "/" + in.Quote }

// krakenBook is one subscribed book of one connection.
type krakenBook struct {
	sym    string
	market *Market
	depth  int
	pdec   fixed.Scale
	qdec   fixed.Scale
	shown  [2]map[int64]int64 // the levels the client holds; nil before the snapshot
	sent   bool
}

// krakenSession is one public connection's subscriptions, guarded by mu.
type krakenSession struct {
	e      *Exchange
	c      *conn
	mu     sync.Mutex
	books  map[string]*krakenBook
	trades map[string]bool // symbols whose trades are sent; guarded by the exchange's lock
}

func (e *Exchange) serveKraken(w http.ResponseWriter, r *http.Request) {
	c := e.accept(w, r)
	if c == nil {
		return
	}
	s := &krakenSession{e: e, c: c, books: map[string]*krakenBook{}, trades: map[string]bool{}}
	e.mu.Lock()
	if e.krakenPublic == nil {
		e.krakenPublic = map[*krakenSession]bool{}
	}
	e.krakenPublic[s] = true
	connID := e.connSeq
	e.mu.Unlock()
	s.c.send(outMsg{data: []byte(`{"channel":"status","type":"update","data":[{"api_version":"v2","connection_id":` +
		strconv.FormatUint(connID, 10) + `,"system":"online","version":"2.0.0"}]}`), at: time.Now()})
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
	e.mu.Lock()
	delete(e.krakenPublic, s)
	e.mu.Unlock()
}

// krakenRequest is a v2 request: method, params, req_id.
type krakenRequest struct {
	Method string `json:"method"`
	Params struct {
		Channel  string   `json:"channel"`
		Symbol   []string `json:"symbol"`
		Depth    *int     `json:"depth"`
		Snapshot *bool    `json:"snapshot"`
	} `json:"params"`
	ReqID *uint64 `json:"req_id"`
}

// krakenAnswer writes a method's answer: result is a JSON object or nil, errText
// non-empty for a refusal.
func krakenAnswer(method string, reqID *uint64, result []byte, errText string, in time.Time) []byte {
	w := &jw{}
	w.open()
	if errText != "" {
		w.str("error", errText)
	}
	w.str("method", method)
	if result != nil {
		w.raw("result", result)
	}
	if method != "pong" {
		w.bool("success", errText == "")
	}
	w.str("time_in", krakenTime(in)).str("time_out", krakenTime(time.Now()))
	if reqID != nil {
		w.uint("req_id", *reqID)
	}
	w.close()
	return w.b
}

func krakenTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }

// handle answers one request.
func (s *krakenSession) handle(msg []byte) {
	in := time.Now()
	var req krakenRequest
	if err := json.Unmarshal(msg, &req); err != nil {
		s.c.send(outMsg{data: krakenAnswer("", nil, nil, "EGeneral:Invalid arguments", in), at: time.Now()})
		return
	}
	switch req.Method {
	case "ping":
		s.c.send(outMsg{data: krakenAnswer("pong", req.ReqID, nil, "", in), at: time.Now()})
	case "subscribe", "unsubscribe":
		s.subscribe(&req, in)
	default:
		s.c.send(outMsg{data: krakenAnswer(req.Method, req.ReqID, nil, "EGeneral:Invalid arguments:method "+strconv.Quote(req.Method)+" is not served on the public endpoint", in), at: time.Now()})
	}
}

func (s *krakenSession) subscribe(req *krakenRequest, in time.Time) {
	p := &req.Params
	unsub := req.Method == "unsubscribe"
	refuse := func(why string) {
		s.c.send(outMsg{data: krakenAnswer(req.Method, req.ReqID, nil, why, in), at: time.Now()})
	}
	switch p.Channel {
	case "instrument":
		s.c.send(outMsg{data: krakenAnswer(req.Method, req.ReqID, []byte(`{"channel":"instrument","snapshot":true}`), "", in), at: time.Now()})
		if !unsub {
			s.c.send(outMsg{data: s.e.krakenInstruments(), at: time.Now()})
		}
		return
	case "book", "trade":
	default:
		refuse("EGeneral:Invalid arguments:channel " + strconv.Quote(p.Channel) + " is not served by the local exchange (book, trade, instrument)")
		return
	}
	if len(p.Symbol) == 0 {
		refuse("EGeneral:Invalid arguments:symbol is required")
		return
	}
	depth := 10
	if p.Depth != nil {
		depth = *p.Depth
	}
	if p.Channel == "book" && depth != 10 && depth != 25 && depth != 100 && depth != 500 && depth != 1000 {
		refuse("EGeneral:Invalid arguments:depth must be one of 10, 25, 100, 500, 1000")
		return
	}
	for _, sym := range p.Symbol {
		m := s.e.krakenMarket(sym)
		if m == nil {
			refuse("Currency pair not supported " + sym)
			return
		}
		s.mu.Lock()
		switch {
		case p.Channel == "book" && unsub:
			delete(s.books, sym)
		case p.Channel == "book":
			if s.books[sym] != nil {
				s.mu.Unlock()
				refuse("Already subscribed")
				return
			}
			s.books[sym] = &krakenBook{sym: sym, market: m, depth: depth,
				pdec: stepDecimals(m.inst.TickSize), qdec: stepDecimals(m.inst.StepSize)}
		case unsub:
			s.e.mu.Lock()
			delete(s.trades, sym)
			s.e.mu.Unlock()
		default:
			s.e.mu.Lock()
			s.trades[sym] = true
			s.e.mu.Unlock()
		}
		s.mu.Unlock()
		w := &jw{}
		w.open().str("channel", p.Channel)
		if p.Channel == "book" {
			w.int("depth", int64(depth))
		}
		w.bool("snapshot", p.Channel == "book" && !unsub).str("symbol", sym).close()
		s.c.send(outMsg{data: krakenAnswer(req.Method, req.ReqID, w.b, "", in), at: time.Now()})
	}
}

// krakenInstruments is the instrument channel's snapshot of every market.
func (e *Exchange) krakenInstruments() []byte {
	e.mu.Lock()
	defer e.mu.Unlock()
	var pairs []Instrument
	seen := map[string]bool{}
	for _, m := range e.order {
		if !seen[m.inst.Symbol] {
			seen[m.inst.Symbol] = true
			pairs = append(pairs, m.inst)
		}
	}
	if e.replay == nil {
		for _, m := range e.markets {
			if !seen[m.inst.Symbol] {
				seen[m.inst.Symbol] = true
				pairs = append(pairs, m.inst)
			}
		}
	}
	w := &jw{}
	w.open().str("channel", "instrument").str("type", "snapshot").obj("data")
	w.arr("assets")
	assets := map[string]bool{}
	for _, in := range pairs {
		for _, a := range []string{in.Base, in.Quote} {
			if !assets[a] {
				assets[a] = true
				w.elem().str("id", a).str("status", "enabled").int("precision", 8).int("precision_display", 8).
					bool("borrowable", false).raw("collateral_value", []byte("0")).close()
			}
		}
	}
	w.endArr().arr("pairs")
	for _, in := range pairs {
		pd, qd := stepDecimals(in.TickSize), stepDecimals(in.StepSize)
		num := func(k string, v int64) { w.raw(k, wireScale.Append(nil, v)) }
		w.elem().str("symbol", KrakenSymbol(in)).str("base", in.Base).str("quote", in.Quote).str("status", "online")
		w.int("qty_precision", int64(qd))
		num("qty_increment", in.StepSize)
		w.int("price_precision", int64(pd)).int("cost_precision", int64(pd+qd))
		w.bool("marginable", false).bool("has_index", false)
		num("cost_min", in.MinNotional)
		num("tick_size", in.TickSize)
		num("price_increment", in.TickSize)
		num("qty_min", in.MinQty)
		w.close()
	}
	w.endArr().close().close()
	return w.b
}

// push sends each subscribed book's snapshot or update every krakenPush, and a
// heartbeat every second, until stop.
func (s *krakenSession) push(stop <-chan struct{}) {
	t := time.NewTicker(krakenPush)
	defer t.Stop()
	var levels [][2]int64
	lastBeat := time.Now()
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
				s.c.send(outMsg{data: msg, depth: b.sent, market: true, at: time.Now()})
				b.sent = true
			}
		}
		subscribed := len(s.books) > 0 || len(s.trades) > 0
		s.e.mu.Unlock()
		s.mu.Unlock()
		if subscribed && time.Since(lastBeat) >= time.Second {
			lastBeat = time.Now()
			s.c.send(outMsg{data: []byte(`{"channel":"heartbeat"}`), at: lastBeat})
		}
	}
}

// next returns the book's next message, nil when nothing changed. Called with the
// exchange locked.
func (b *krakenBook) next(levels [][2]int64) ([]byte, [][2]int64) {
	book := b.market.book
	var top [2]map[int64]int64
	for i, side := range []Side{Buy, Sell} {
		levels = book.Levels(levels[:0], side, b.depth)
		top[i] = make(map[int64]int64, len(levels))
		for _, l := range levels {
			// The client holds the levels at the wire's precision.
			top[i][b.price(l[0])] = b.qty(l[1])
		}
	}
	snapshot := b.shown[0] == nil
	var bids, asks [][2]int64
	if snapshot {
		bids, asks = sorted(top[0], true), sorted(top[1], false)
	} else {
		bids, asks = diffLevels(b.shown[0], top[0], true), diffLevels(b.shown[1], top[1], false)
		if len(bids) == 0 && len(asks) == 0 {
			return nil, levels
		}
	}
	b.shown = top
	typ := "update"
	if snapshot {
		typ = "snapshot"
	}
	msg := []byte(`{"channel":"book","type":"`)
	msg = append(msg, typ...)
	msg = append(msg, `","data":[{"symbol":"`...)
	msg = append(msg, b.sym...)
	msg = append(msg, `","bids":`...)
	msg = b.appendLevels(msg, bids)
	msg = append(msg, `,"asks":`...)
	msg = b.appendLevels(msg, asks)
	msg = append(msg, `,"checksum":`...)
	msg = strconv.AppendUint(msg, uint64(b.checksum(top)), 10)
	if !snapshot {
		msg = append(msg, `,"timestamp":"`...)
		msg = append(msg, krakenTime(time.UnixMilli(b.market.nowMs()))...)
		msg = append(msg, '"')
	}
	return append(msg, "}]}"...), levels
}

// price and qty convert the exchange's 10^-8 units to the wire's decimals, truncating
// (the market's levels are on the tick and step already).
func (b *krakenBook) price(v int64) int64 { return v / wireDiv(b.pdec) }
func (b *krakenBook) qty(v int64) int64   { return v / wireDiv(b.qdec) }

func (b *krakenBook) appendLevels(dst []byte, ls [][2]int64) []byte {
	dst = append(dst, '[')
	for i, l := range ls {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"price":`...)
		dst = b.pdec.AppendFixed(dst, l[0])
		dst = append(dst, `,"qty":`...)
		dst = b.qdec.AppendFixed(dst, l[1])
		dst = append(dst, '}')
	}
	return append(dst, ']')
}

// checksum is Kraken's book checksum ("Spot Websockets (v2) Book Checksum"): for the
// top ten asks, lowest first, then the top ten bids, highest first, the price and
// then the quantity, each written at the pair's precision with the '.' removed and
// the leading zeros stripped, all concatenated; the CRC32 (IEEE) of that text. It is
// written from the guide's text rule, on purpose not from feeds/kraken's integer
// shortcut, so that the two check each other.
func (b *krakenBook) checksum(top [2]map[int64]int64) uint32 {
	var text []byte
	field := func(s fixed.Scale, v int64) {
		t := s.AppendFixed(nil, v)
		t = []byte(strings.Replace(string(t), ".", "", 1))
		text = append(text, strings.TrimLeft(string(t), "0")...)
	}
	for _, side := range []struct {
		m    map[int64]int64
		desc bool
	}{{top[1], false}, {top[0], true}} {
		ls := sorted(side.m, side.desc)
		for i := 0; i < len(ls) && i < 10; i++ {
			field(b.pdec, ls[i][0])
			field(b.qdec, ls[i][1])
		}
	}
	return crc32.ChecksumIEEE(text)
}

// krakenTrade sends a public trade of market m to the connections subscribed to its
// trades. Called with the exchange locked, from publish.
func (e *Exchange) krakenTrade(stream string, payload []byte) {
	if len(e.krakenPublic) == 0 || !strings.HasSuffix(stream, "@trade") {
		return
	}
	var t struct {
		Symbol string `json:"s"`
		ID     int64  `json:"t"`
		Price  string `json:"p"`
		Qty    string `json:"q"`
		Time   int64  `json:"T"`
		Maker  bool   `json:"m"` // the buyer was the maker: a sell took liquidity
	}
	if json.Unmarshal(payload, &t) != nil {
		return
	}
	m := e.market(t.Symbol)
	if m == nil {
		return
	}
	sym := KrakenSymbol(m.inst)
	var msg []byte
	for s := range e.krakenPublic {
		if !s.trades[sym] {
			continue
		}
		if msg == nil {
			price, err1 := wireScale.ParseString(t.Price)
			qty, err2 := wireScale.ParseString(t.Qty)
			if err1 != nil || err2 != nil {
				return
			}
			pd, qd := stepDecimals(m.inst.TickSize), stepDecimals(m.inst.StepSize)
			side := "buy"
			if t.Maker {
				side = "sell"
			}
			w := &jw{}
			w.open().str("channel", "trade").str("type", "update").arr("data")
			w.elem().str("symbol", sym).str("side", side)
			w.raw("price", pd.AppendFixed(nil, price/wireDiv(pd)))
			w.raw("qty", qd.AppendFixed(nil, qty/wireDiv(qd)))
			w.str("ord_type", "market").int("trade_id", t.ID).str("timestamp", krakenTime(time.UnixMilli(t.Time))).close()
			w.endArr().close()
			msg = w.b
		}
		s.c.send(outMsg{data: msg, market: true, at: time.Now()})
	}
}
