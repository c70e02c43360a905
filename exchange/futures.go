package exchange

// Several instruments, and Binance USD-M futures market data.
//
// The local exchange lists several spot symbols at once (Config.Instruments) and
// perpetuals (Config.Futures) whose market data it publishes over USD-M's protocol:
// the same matching engine and synthetic participants, printed as fstream.binance.com
// and fapi.binance.com print them. Perpetual order entry is not served: trading the
// perp live comes with the USD-M order gateway.
//
// USD-M's market data, as Binance documents it (developers.binance.com, USDⓈ-M
// Futures, "Diff. Book Depth Streams", "How to manage a local order book correctly",
// "Order Book", checked 2026-12):
//   - streams <symbol>@depth (250 ms), @depth@500ms, @depth@100ms; the recordings also
//     hold @depth@0ms, which this exchange publishes every market step;
//   - a depthUpdate carries "E" event time, "T" transaction time, "U" and "u" the first
//     and final update ids, and "pu", the final update id of the stream's previous
//     event: a client checks each event's pu against the u it applied last;
//   - trade and bookTicker events carry "T" and "E"; a bookTicker carries "e";
//   - GET /fapi/v1/depth?symbol=&limit= (5, 10, 20, 50, 100, 500, 1000; default 500)
//     answers {"lastUpdateId","E","T","bids","asks"};
//   - prices and quantities are printed at the symbol's pricePrecision and
//     quantityPrecision (BTCUSDT: "61800.30", "0.006").
// The streams are served under /fstream (combined /fstream/stream?streams=, raw
// /fstream/ws/<stream>, and the same under Binance's routed /fstream/public, /market and
// /private), so that one listener serves both venues: a client's futures market data
// base URL is FuturesMarketDataURL(). As on Binance, the unrouted paths deliver the
// /public streams only, and user data streams only /private (usdm_route.go).
//
// Correlated markets: a market may follow another's reference price (Config.Futures'
// perpetuals follow their spot symbol; further spot symbols follow the first), moving
// by the leader's relative move with correlation Config.Correlation, plus noise of its
// own, so that the prices of a pair keep a relationship a strategy can trade on.

import (
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/nanotick/nanotick/fixed"
)

// FuturesInstrument is a USD-M perpetual the exchange publishes market data for. Its
// rules are in the exchange's units of 10^-8, like a spot Instrument's.
type FuturesInstrument struct {
	Instrument
	// PricePrecision and QuantityPrecision are the decimals its numbers are printed
	// with, exchangeInfo's pricePrecision and quantityPrecision.
	PricePrecision, QuantityPrecision int
	// Follows is the spot symbol whose reference price the perpetual follows; "" for
	// none.
	Follows string
}

// BTCUSDTPerp returns the rules of Binance USD-M's BTCUSDT perpetual: tick 0.10, step
// 0.001, minimum notional 100 USDT, printed with 2 and 3 decimals (the shared
// recording's), with wide price bounds; it follows spot BTCUSDT.
func BTCUSDTPerp() FuturesInstrument {
	return FuturesInstrument{
		Instrument: Instrument{
			Symbol: "BTCUSDT", Base: "BTC", Quote: "USDT",
			TickSize: 10_000_000, StepSize: 100_000,
			MinQty: 100_000, MaxQty: 1000 * wireUnit,
			MinPrice: 10_000_000, MaxPrice: 1_000_000 * wireUnit,
			MinNotional: 100 * wireUnit,
			RefPrice:    60_000 * wireUnit,
		},
		PricePrecision: 2, QuantityPrecision: 3,
		Follows: "BTCUSDT",
	}
}

// ETHUSDT returns the rules of Binance Spot's ETHUSDT: tick 0.01, lot 0.0001, minimum
// notional 5 USDT, starting near 2500.
func ETHUSDT() Instrument {
	return Instrument{
		Symbol: "ETHUSDT", Base: "ETH", Quote: "USDT",
		TickSize: 1_000_000, StepSize: 10_000,
		MinQty: 10_000, MaxQty: 9000 * wireUnit,
		MinPrice: 1_000_000, MaxPrice: 1_000_000 * wireUnit,
		MinNotional: 5 * wireUnit,
		RefPrice:    2500 * wireUnit,
	}
}

// DefaultCorrelation is the correlation of a follower's moves with its leader's when
// Config.Correlation is 0.
const DefaultCorrelation = 0.8

// follower moves a market's reference price with a leader's.
type follower struct {
	leader   *Market
	rho      float64
	lastLead int64 // the leader's reference price at the last step
	// sigma is the leader's volatility relative to its price, per square root of a
	// second: the follower's own noise has the same size.
	sigma float64
	// ratio is the follower's price over the leader's when it started following: the
	// spread is pulled back toward it (see reversion), so the pair stays cointegrated.
	ratio float64
}

// reversion is how fast a follower's price is pulled back to its starting ratio to the
// leader's, per second: the arbitrage that keeps a perpetual at its spot price, and a
// pair's spread mean-reverting.
const reversion = 0.2

// follow makes m's reference price move with leader's, with correlation rho. The
// leader must step before m.
func (m *Market) follow(leader *Market, rho float64) {
	sigma := leader.synth.Volatility * float64(leader.inst.TickSize) / float64(leader.ref)
	m.lead = &follower{leader: leader, rho: rho, lastLead: leader.ref, sigma: sigma, ratio: float64(m.ref) / float64(leader.ref)}
}

// next returns m's new reference price after dt seconds: the leader's relative move
// times rho, plus m's own noise times sqrt(1 − rho²), plus the pull back toward the
// starting ratio, rounded to m's tick.
func (f *follower) next(m *Market, dt float64) int64 {
	lr := float64(f.leader.ref)/float64(f.lastLead) - 1
	f.lastLead = f.leader.ref
	own := m.rng.NormFloat64() * f.sigma * math.Sqrt(dt)
	gap := f.ratio*float64(f.leader.ref)/float64(m.ref) - 1
	rel := f.rho*lr + math.Sqrt(1-f.rho*f.rho)*own + gap*min(1, reversion*dt)
	ticks := math.Round(rel * float64(m.ref) / float64(m.inst.TickSize))
	return max(m.ref+int64(ticks)*m.inst.TickSize, m.inst.MinPrice+1000*m.inst.TickSize)
}

// futuresWire prints a market's numbers as USD-M does.
type futuresWire struct {
	pDiv, qDiv int64 // from the exchange's 10^-8 units to the printed scales
	pScale     fixed.Scale
	qScale     fixed.Scale
}

func newFuturesWire(fi FuturesInstrument) (*futuresWire, error) {
	if fi.PricePrecision < 0 || fi.PricePrecision > 8 || fi.QuantityPrecision < 0 || fi.QuantityPrecision > 8 {
		return nil, fmt.Errorf("futures instrument %s: precisions %d and %d: want 0 to 8", fi.Symbol, fi.PricePrecision, fi.QuantityPrecision)
	}
	w := &futuresWire{pDiv: 1, qDiv: 1, pScale: fixed.Scale(fi.PricePrecision), qScale: fixed.Scale(fi.QuantityPrecision)}
	for range 8 - fi.PricePrecision {
		w.pDiv *= 10
	}
	for range 8 - fi.QuantityPrecision {
		w.qDiv *= 10
	}
	// Every price and quantity the market makes is a multiple of the tick and the step,
	// so they must print exactly.
	for _, v := range []struct {
		name      string
		unit, div int64
	}{{"tick", fi.TickSize, w.pDiv}, {"min price", fi.MinPrice, w.pDiv}, {"step", fi.StepSize, w.qDiv}, {"min qty", fi.MinQty, w.qDiv}} {
		if v.unit%v.div != 0 {
			return nil, fmt.Errorf("futures instrument %s: %s is finer than its printed precision", fi.Symbol, v.name)
		}
	}
	return w, nil
}

func (w *futuresWire) price(dst []byte, p int64) []byte { return w.pScale.AppendFixed(dst, p/w.pDiv) }
func (w *futuresWire) qty(dst []byte, q int64) []byte   { return w.qScale.AppendFixed(dst, q/w.qDiv) }

// futuresStreams are the depth streams of a perpetual and their intervals in ns; @0ms
// publishes at every step of the market.
var futuresStreams = []struct {
	suffix   string
	interval int64
}{{"@depth@0ms", 1}, {"@depth@100ms", 100e6}, {"@depth", 250e6}, {"@depth@500ms", 500e6}}

// newFuturesMarket returns a market for a perpetual, publishing through emit in USD-M's
// formats.
func newFuturesMarket(fi FuturesInstrument, seed uint64, synth SynthConfig, start int64, emit func(stream string, payload []byte, depth bool)) (*Market, error) {
	w, err := newFuturesWire(fi)
	if err != nil {
		return nil, err
	}
	m, err := NewMarket(fi.Instrument, seed, synth, start, emit)
	if err != nil {
		return nil, err
	}
	m.fut = w
	m.batches = m.batches[:0]
	for _, s := range futuresStreams {
		m.batches = append(m.batches, &depthBatch{
			stream: m.lower + s.suffix, interval: s.interval,
			due:  start - start%s.interval + s.interval,
			bids: make(map[int64]int64), asks: make(map[int64]int64),
		})
	}
	return m, nil
}

func (m *Market) appendFuturesDepth(dst []byte, b *depthBatch, eventMs int64) []byte {
	pu := b.prev
	if pu == 0 {
		pu = b.first - 1 // the book's update id before the batch: the stream's first event
	}
	dst = append(dst, `{"e":"depthUpdate","E":`...)
	dst = strconv.AppendInt(dst, eventMs, 10)
	dst = append(dst, `,"T":`...)
	dst = strconv.AppendInt(dst, eventMs, 10)
	dst = append(dst, `,"s":"`...)
	dst = append(dst, m.inst.Symbol...)
	dst = append(dst, `","U":`...)
	dst = strconv.AppendUint(dst, b.first, 10)
	dst = append(dst, `,"u":`...)
	dst = strconv.AppendUint(dst, b.last, 10)
	dst = append(dst, `,"pu":`...)
	dst = strconv.AppendUint(dst, pu, 10)
	dst = append(dst, `,"b":`...)
	dst = m.appendFuturesLevels(dst, b.bids, true)
	dst = append(dst, `,"a":`...)
	dst = m.appendFuturesLevels(dst, b.asks, false)
	return append(dst, '}')
}

func (m *Market) appendFuturesLevels(dst []byte, levels map[int64]int64, desc bool) []byte {
	prices := make([]int64, 0, len(levels))
	for p := range levels {
		prices = append(prices, p)
	}
	slices.Sort(prices)
	if desc {
		slices.Reverse(prices)
	}
	dst = append(dst, '[')
	for i, p := range prices {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = m.appendFuturesLevel(dst, p, levels[p])
	}
	return append(dst, ']')
}

func (m *Market) appendFuturesLevel(dst []byte, price, qty int64) []byte {
	dst = append(dst, `["`...)
	dst = m.fut.price(dst, price)
	dst = append(dst, `","`...)
	dst = m.fut.qty(dst, qty)
	return append(dst, `"]`...)
}

func (m *Market) emitFuturesTrade(f *Fill) {
	b := append(m.buf[:0], `{"e":"trade","E":`...)
	b = strconv.AppendInt(b, m.nowMs(), 10)
	b = append(b, `,"T":`...)
	b = strconv.AppendInt(b, m.nowMs(), 10)
	b = append(b, `,"s":"`...)
	b = append(b, m.inst.Symbol...)
	b = append(b, `","t":`...)
	b = strconv.AppendUint(b, f.TradeID, 10)
	b = append(b, `,"p":"`...)
	b = m.fut.price(b, f.Price)
	b = append(b, `","q":"`...)
	b = m.fut.qty(b, f.Qty)
	b = append(b, `","X":"MARKET","m":`...)
	b = strconv.AppendBool(b, f.BuyerMaker())
	m.buf = append(b, '}')
	m.emit(m.lower+"@trade", m.buf, false)
}

func (m *Market) appendFuturesBookTicker(dst []byte) []byte {
	dst = append(dst, `{"e":"bookTicker","u":`...)
	dst = strconv.AppendUint(dst, m.book.UpdateID(), 10)
	dst = append(dst, `,"s":"`...)
	dst = append(dst, m.inst.Symbol...)
	for i, k := range []string{`","b":"`, `","B":"`, `","a":"`, `","A":"`} {
		dst = append(dst, k...)
		if i%2 == 0 {
			dst = m.fut.price(dst, m.top[i])
		} else {
			dst = m.fut.qty(dst, m.top[i])
		}
	}
	dst = append(dst, `","T":`...)
	dst = strconv.AppendInt(dst, m.nowMs(), 10)
	dst = append(dst, `,"E":`...)
	dst = strconv.AppendInt(dst, m.nowMs(), 10)
	return append(dst, '}')
}

func (m *Market) appendFuturesSnapshot(dst []byte, limit int) []byte {
	dst = append(dst, `{"lastUpdateId":`...)
	dst = strconv.AppendUint(dst, m.book.UpdateID(), 10)
	dst = append(dst, `,"E":`...)
	dst = strconv.AppendInt(dst, m.nowMs(), 10)
	dst = append(dst, `,"T":`...)
	dst = strconv.AppendInt(dst, m.nowMs(), 10)
	for _, s := range []Side{Buy, Sell} {
		if s == Buy {
			dst = append(dst, `,"bids":[`...)
		} else {
			dst = append(dst, `],"asks":[`...)
		}
		for i, l := range m.book.Levels(nil, s, limit) {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = m.appendFuturesLevel(dst, l[0], l[1])
		}
	}
	return append(dst, "]}"...)
}

// setupMarkets creates the futures markets and links followers to their leaders, after
// the spot markets exist. It lists every market in e.order, leaders first, the order
// the clock moves them in.
func (e *Exchange) setupMarkets(now int64) error {
	rho := e.cfg.Correlation
	if rho == 0 {
		rho = DefaultCorrelation
	}
	if rho < -1 || rho > 1 || math.IsNaN(rho) {
		return fmt.Errorf("exchange: correlation %v: want -1 to 1", e.cfg.Correlation)
	}
	e.order = e.order[:0]
	for i, in := range e.cfg.Instruments {
		if e.replay != nil {
			break
		}
		m := e.markets[in.Symbol]
		if i > 0 {
			m.follow(e.order[0], rho)
		}
		e.order = append(e.order, m)
	}
	if len(e.cfg.Futures) > 0 && e.replay != nil {
		return fmt.Errorf("exchange: a replay serves its recording only: no futures markets")
	}
	e.futures = make(map[string]*Market)
	for i, fi := range e.cfg.Futures {
		if _, dup := e.futures[fi.Symbol]; dup {
			return fmt.Errorf("exchange: duplicate futures instrument %s", fi.Symbol)
		}
		m, err := newFuturesMarket(fi, e.cfg.Seed+uint64(1000+i)*7919, e.cfg.Synth, now, e.publishFutures)
		if err != nil {
			return fmt.Errorf("exchange: %w", err)
		}
		if fi.Follows != "" {
			lead := e.markets[fi.Follows]
			if lead == nil {
				return fmt.Errorf("exchange: futures %s follows %s, which is not a listed spot symbol", fi.Symbol, fi.Follows)
			}
			// The perpetual tracks its spot market closely: basis arbitrage keeps it there.
			m.ref = lead.ref - lead.ref%m.inst.TickSize
			m.follow(lead, max(rho, 0.95))
		}
		e.futures[fi.Symbol] = m
		e.order = append(e.order, m)
	}
	return nil
}

// stepMarkets moves every market's clock to now, leaders first.
func (e *Exchange) stepMarkets(now int64) {
	for _, m := range e.order {
		m.Step(now)
	}
}

// FuturesMarket returns the perpetual symbol's market, or nil.
func (e *Exchange) FuturesMarket(symbol string) *Market {
	return e.futures[strings.ToUpper(symbol)]
}

// FuturesMarketDataURL is the base of the USD-M market data streams, for StreamURL:
// ws://addr/fstream.
func (e *Exchange) FuturesMarketDataURL() string { return "ws://" + e.Addr() + "/fstream" }

// publishFutures sends a payload to every futures subscriber of stream. Called with
// e.mu held.
func (e *Exchange) publishFutures(stream string, payload []byte, depth bool) {
	var f *frame
	route := usdmRoute(stream)
	for c := range e.subs {
		if !c.futures || !c.streams[stream] || !routeCarries(c.route, route) {
			continue
		}
		if f == nil {
			f = newFrame(stream, payload, depth)
		}
		c.send(outMsg{data: f.data(c.combined), depth: depth, at: f.at, market: true})
	}
}

// futuresStreamName validates a USD-M stream name.
func (e *Exchange) futuresStreamName(s string) (string, bool) {
	sym, kind, ok := strings.Cut(s, "@")
	if !ok || sym == "" || strings.ToLower(sym) != sym || e.futures[strings.ToUpper(sym)] == nil {
		return "", false
	}
	switch kind {
	case "depth@0ms", "depth@100ms", "depth", "depth@500ms", "trade", "bookTicker", "markPrice", "markPrice@1s":
		return s, true
	}
	return "", false
}

// validStream validates a stream name for connection c's venue.
func (e *Exchange) validStream(c *conn, s string) bool {
	if c.futures {
		_, ok := e.futuresStreamName(s)
		return ok || e.listenKeyValid(s) // a listen key is a user data stream (usdm_stream.go)
	}
	_, ok := e.streamName(s)
	return ok
}

// registerFutures adds the USD-M endpoints to mux.
func (e *Exchange) registerFutures(mux *http.ServeMux) {
	mux.HandleFunc("/fstream/stream", func(w http.ResponseWriter, r *http.Request) {
		e.serveMarketData(w, r, strings.Split(r.URL.Query().Get("streams"), "/"), true, true, routeNone)
	})
	mux.HandleFunc("/fstream/ws/", func(w http.ResponseWriter, r *http.Request) {
		var names []string
		if n := strings.TrimPrefix(r.URL.Path, "/fstream/ws/"); n != "" {
			names = []string{n}
		}
		e.serveMarketData(w, r, names, false, true, routeNone)
	})
	mux.HandleFunc("/fapi/v1/depth", e.handleFuturesDepth)
	mux.HandleFunc("/fapi/v1/ping", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, []byte("{}")) })
	mux.HandleFunc("/fapi/v1/time", e.handleTime)
	mux.HandleFunc("/fapi/v1/exchangeInfo", e.handleFuturesExchangeInfo)
}

// handleFuturesDepth serves GET /fapi/v1/depth?symbol=..&limit=.. .
func (e *Exchange) handleFuturesDepth(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	sym := q.Get("symbol")
	if sym == "" {
		writeJSON(w, 400, errMandatory("symbol").appendJSON(nil))
		return
	}
	limit := 500
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || !slices.Contains([]int{5, 10, 20, 50, 100, 500, 1000}, n) {
			writeJSON(w, 400, errIllegal("limit").appendJSON(nil))
			return
		}
		limit = n
	}
	e.mu.Lock()
	var body []byte
	if m := e.futures[sym]; m != nil {
		body = m.AppendSnapshot(make([]byte, 0, 64*2*limit), limit)
	}
	e.mu.Unlock()
	if body == nil {
		writeJSON(w, 400, errInvalidSymbol.appendJSON(nil))
		return
	}
	writeJSON(w, 200, body)
}

// handleFuturesExchangeInfo serves the perpetuals and their filters in the shape of GET
// /fapi/v1/exchangeInfo (the fields a trading client reads).
func (e *Exchange) handleFuturesExchangeInfo(w http.ResponseWriter, r *http.Request) {
	b := []byte(`{"timezone":"UTC","serverTime":`)
	b = strconv.AppendInt(b, e.cfg.Now().UnixMilli(), 10)
	b = append(b, `,"futuresType":"U_MARGINED","rateLimits":[],"exchangeFilters":[],"assets":[],"symbols":[`...)
	for i, fi := range e.cfg.Futures {
		fw, err := newFuturesWire(fi)
		if err != nil {
			break // refused at start: not reached
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"symbol":"`+fi.Symbol+`","pair":"`+fi.Symbol+`","contractType":"PERPETUAL","status":"TRADING","baseAsset":"`+fi.Base+`","quoteAsset":"`+fi.Quote+`","marginAsset":"`+fi.Quote+`","pricePrecision":`...)
		b = strconv.AppendInt(b, int64(fi.PricePrecision), 10)
		b = append(b, `,"quantityPrecision":`...)
		b = strconv.AppendInt(b, int64(fi.QuantityPrecision), 10)
		b = append(b, `,"baseAssetPrecision":8,"quotePrecision":8,"underlyingType":"COIN","orderTypes":["LIMIT","MARKET"],"timeInForce":["GTC","IOC","FOK","GTX"],"filters":[{"filterType":"PRICE_FILTER","minPrice":"`...)
		b = fw.price(b, fi.MinPrice)
		b = append(b, `","maxPrice":"`...)
		b = fw.price(b, fi.MaxPrice)
		b = append(b, `","tickSize":"`...)
		b = fw.pScale.Append(b, fi.TickSize/fw.pDiv)
		b = append(b, `"},{"filterType":"LOT_SIZE","minQty":"`...)
		b = fw.qScale.Append(b, fi.MinQty/fw.qDiv)
		b = append(b, `","maxQty":"`...)
		b = fw.qScale.Append(b, fi.MaxQty/fw.qDiv)
		b = append(b, `","stepSize":"`...)
		b = fw.qScale.Append(b, fi.StepSize/fw.qDiv)
		b = append(b, `"},{"filterType":"MIN_NOTIONAL","notional":"`...)
		b = wireScale.Append(b, fi.MinNotional)
		b = append(b, `"}]}`...)
	}
	b = append(b, "]}"...)
	writeJSON(w, 200, b)
}

// listed returns the spot instruments exchangeInfo lists: the synthetic markets', or
// in a replay the recording's symbol, which paper trading serves with BTCUSDT's rules.
func (e *Exchange) listed() []Instrument {
	if e.replay == nil {
		return e.cfg.Instruments
	}
	if e.replay.mkt != nil {
		return []Instrument{e.replay.mkt.inst}
	}
	return nil
}
