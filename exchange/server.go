package exchange

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// Faults are the faults the exchange injects into its market data, to
// exercise a client's recovery. Each connection draws its own random numbers
// from the exchange's seed, so a run is reproducible for a given order of
// connections.
type Faults struct {
	// DropRate is the fraction of depth messages not sent: each drop is a
	// gap in the update id sequence.
	DropRate float64
	// DisconnectEvery closes every market data and WebSocket API connection
	// this long after it opened.
	DisconnectEvery time.Duration
	// Latency delays every message, market data and WebSocket API answers
	// alike, by this much.
	Latency time.Duration
	// MalformedRate is the fraction of market data messages replaced by a
	// malformed frame (the message cut in half).
	MalformedRate float64
	// StallAfter and StallFor stop the market data StallAfter after the
	// exchange starts, for StallFor: messages are held back, then delivered
	// in a burst (a connection whose backlog overflows is closed).
	StallAfter, StallFor time.Duration
	// RateLimitRate is the fraction of WebSocket API requests answered
	// with 429 (-1003, with retryAfter) as if the weight limit were
	// exceeded; each one counts toward a ban like a real one.
	RateLimitRate float64
}

// Config configures an Exchange. The zero value serves a synthetic BTCUSDT
// market on a free port of 127.0.0.1 with no accounts.
type Config struct {
	// Listen is the address to listen on; default "127.0.0.1:0".
	Listen string
	// Seed seeds the synthetic market and the fault injection.
	Seed uint64
	// Instruments are the symbols listed; default BTCUSDT().
	Instruments []Instrument
	// Futures are the USD-M perpetuals whose market data is served (see
	// futures.go); none by default.
	Futures []FuturesInstrument
	// Correlation is how closely the synthetic markets after the first move
	// with it; 0 means DefaultCorrelation.
	Correlation float64
	// Synth sets the synthetic market's participants.
	Synth SynthConfig
	// TickInterval is how often the synthetic market's clock is moved to
	// the wall clock; default 10ms.
	TickInterval time.Duration
	// Replay, if set, is a recording (see package recording) of Binance
	// Spot frames to serve instead of the synthetic market.
	Replay string
	// Speed is the replay's pace relative to the recording; default 1.
	Speed float64
	// Faults are injected into the market data.
	Faults Faults
	// Accounts are the trading accounts of the WebSocket API.
	Accounts []AccountConfig
	// PingInterval and PongTimeout are Binance's keepalive rules: the server
	// pings every 20 s and disconnects a client that has not answered with a
	// pong within a minute.
	PingInterval, PongTimeout time.Duration
	// Now is the wall clock that request timestamps are checked against;
	// default time.Now.
	Now func() time.Time
	// Limits are the WebSocket API's rate limits; the zero value is
	// Binance's.
	Limits RateLimits
	// Commission is what each fill costs; the zero value charges nothing.
	Commission Commission
	// StatusLag is how long after an order is placed order.status still
	// answers -2013 "Order does not exist.", as Binance may for an order
	// just placed; 0 answers at once.
	StatusLag time.Duration
	// ReportsFirstRate is the fraction of requests whose execution reports
	// are sent before their response (drawn from the seed): Binance gives
	// no order between the two. 0 always sends the response first.
	ReportsFirstRate float64
	// BybitLinear configures the Bybit perpetuals' funding and leverage
	// (bybit_linear.go).
	BybitLinear BybitLinear
	// USDM configures trading the Futures perpetuals (usdm.go).
	USDM USDMConfig
}

// Exchange is a running local exchange. Everything it starts stops with
// Close.
type Exchange struct {
	cfg     Config
	start   time.Time
	ln      net.Listener
	srv     *http.Server
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	closing sync.Once

	// mu serializes the venue: markets, accounts and the subscriber lists,
	// so that every client sees events in one order.
	mu       sync.Mutex
	markets  map[string]*Market // by symbol
	accounts map[string]*Account
	subs     map[*conn]struct{}
	replay   *replayer
	connSeq  uint64
	futures  map[string]*Market // USD-M perpetuals, by symbol
	order    []*Market          // every synthetic market, leaders first
	limits   limiter
	comm     commission
	execID   int64 // the last execution id ("I") given
	holding  bool  // user data events are held in held, see hold
	held     []heldEvent

	connMu sync.Mutex
	conns  map[*conn]struct{}

	// bybitSubs are the authenticated Bybit /v5/private connections, bybitHeld
	// the trades held until their order's New (bybit_trade.go).
	bybitSubs map[*bybitPrivate]bool
	bybitHeld []bybitHeld
	// linear is the Bybit perpetuals' positions and orders (bybit_linear.go).
	linear *linearState

	// bybitExecs are each account's last executions for /v5/execution/list
	// (bybit_executions.go), numbered by bybitExecSeq.
	bybitExecs   map[*Account][]bybitExec
	bybitExecSeq uint64

	// krakenPublic are the Kraken public connections, krakenState the tokens, nonces
	// and executions subscribers of the private endpoint (kraken.go, kraken_trade.go).
	krakenPublic map[*krakenSession]bool
	krakenState  *krakenState

	// usdm is the USD-M trading venue (usdm.go).
	usdm *usdm

	// binanceLose loses the spot user data events while set, binanceDelay holds
	// them back in binanceDelayed (BinanceLoseStreams, BinanceDelayStreams).
	binanceLose, binanceDelay bool
	binanceDelayed            []heldEvent
}

// Start starts an exchange: it listens, and serves until ctx is canceled or
// Close is called.
func Start(ctx context.Context, cfg Config) (*Exchange, error) {
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	if len(cfg.Instruments) == 0 {
		cfg.Instruments = []Instrument{BTCUSDT()}
	}
	if cfg.TickInterval <= 0 {
		cfg.TickInterval = 10 * time.Millisecond
	}
	if cfg.Speed <= 0 {
		cfg.Speed = 1
	}
	if cfg.PingInterval <= 0 {
		cfg.PingInterval = 20 * time.Second
	}
	if cfg.PongTimeout <= 0 {
		cfg.PongTimeout = time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	f := cfg.Faults
	if f.DropRate < 0 || f.DropRate > 1 || f.MalformedRate < 0 || f.MalformedRate > 1 ||
		f.RateLimitRate < 0 || f.RateLimitRate > 1 || cfg.ReportsFirstRate < 0 || cfg.ReportsFirstRate > 1 {
		return nil, fmt.Errorf("exchange: fault rates must be within [0, 1]")
	}
	if f.DisconnectEvery < 0 || f.Latency < 0 || f.StallAfter < 0 || f.StallFor < 0 {
		return nil, fmt.Errorf("exchange: fault durations must not be negative")
	}
	comm, err := cfg.Commission.parse()
	if err != nil {
		return nil, fmt.Errorf("exchange: commission: %w", err)
	}
	e := &Exchange{
		cfg:      cfg,
		comm:     comm,
		limits:   limiter{cfg: cfg.Limits.withDefaults()},
		start:    time.Now(),
		markets:  make(map[string]*Market),
		accounts: make(map[string]*Account),
		subs:     make(map[*conn]struct{}),
		conns:    make(map[*conn]struct{}),
	}
	for _, ac := range cfg.Accounts {
		a, err := newAccount(ac)
		if err != nil {
			return nil, fmt.Errorf("exchange: %w", err)
		}
		if _, dup := e.accounts[ac.APIKey]; dup {
			return nil, fmt.Errorf("exchange: duplicate api key %q", ac.APIKey)
		}
		e.accounts[ac.APIKey] = a
	}
	now := e.start.UnixNano()
	if cfg.Replay != "" {
		r, err := newReplayer(cfg.Replay, cfg.Speed)
		if err != nil {
			return nil, fmt.Errorf("exchange: replay: %w", err)
		}
		e.replay = r
		if err := e.startPaper(now); err != nil {
			return nil, fmt.Errorf("exchange: replay: paper trading: %w", err)
		}
	} else {
		for i, inst := range cfg.Instruments {
			sym := inst.Symbol
			if _, dup := e.markets[sym]; dup {
				return nil, fmt.Errorf("exchange: duplicate instrument %s", sym)
			}
			m, err := NewMarket(inst, cfg.Seed+uint64(i)*7919, cfg.Synth, now, e.publish)
			if err != nil {
				return nil, fmt.Errorf("exchange: %w", err)
			}
			m.onFill = e.settle
			e.markets[sym] = m
		}
	}
	if err := e.setupMarkets(now); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("exchange: listen: %w", err)
	}
	e.ln = ln
	e.ctx, e.cancel = context.WithCancel(ctx)
	mux := http.NewServeMux()
	mux.HandleFunc("/stream", e.handleCombined)
	mux.HandleFunc("/ws/", e.handleRaw)
	mux.HandleFunc("/ws-api/v3", e.handleWSAPI)
	mux.HandleFunc("/api/v3/depth", e.handleDepth)
	mux.HandleFunc("/api/v3/ping", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, []byte("{}")) })
	mux.HandleFunc("/api/v3/time", e.handleTime)
	mux.HandleFunc("/api/v3/exchangeInfo", e.handleExchangeInfo)
	e.registerFutures(mux)
	e.registerBybit(mux)
	e.registerKraken(mux)
	if err := e.startUSDM(mux); err != nil {
		e.cancel()
		ln.Close()
		return nil, err
	}
	if err := e.setupBybitLinear(); err != nil {
		e.cancel()
		ln.Close()
		return nil, err
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 404, (&apiError{Code: -1020, Msg: "Unknown endpoint."}).appendJSON(nil))
	})
	e.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, BaseContext: func(net.Listener) context.Context { return e.ctx }}
	e.wg.Add(2)
	go func() {
		defer e.wg.Done()
		if err := e.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			e.cancel()
		}
	}()
	go func() {
		defer e.wg.Done()
		<-e.ctx.Done()
		e.shutdown()
	}()
	if e.replay != nil {
		e.wg.Add(1)
		go func() {
			defer e.wg.Done()
			e.replay.run(e.ctx, e)
		}()
	} else {
		e.wg.Add(1)
		go func() {
			defer e.wg.Done()
			e.tick()
		}()
	}
	return e, nil
}

// tick moves the synthetic markets' clocks to the wall clock until the
// exchange stops.
func (e *Exchange) tick() {
	t := time.NewTicker(e.cfg.TickInterval)
	defer t.Stop()
	for {
		select {
		case <-e.ctx.Done():
			return
		case now := <-t.C:
			e.mu.Lock()
			e.stepMarkets(now.UnixNano())
			e.fundLinear(now.UnixNano())
			e.expireKraken(now.UnixMilli())
			e.mu.Unlock()
		}
	}
}

// shutdown stops the server and closes every connection.
func (e *Exchange) shutdown() {
	e.srv.Close()
	e.connMu.Lock()
	for c := range e.conns {
		c.kill()
	}
	e.connMu.Unlock()
}

// Close stops the exchange and waits for everything it started to end.
func (e *Exchange) Close() error {
	e.closing.Do(func() {
		e.cancel()
		e.wg.Wait()
	})
	return nil
}

// Addr returns the address the exchange listens on.
func (e *Exchange) Addr() string { return e.ln.Addr().String() }

// MarketDataURL returns the base websocket URL of the market data streams:
// append "/stream?streams=..." or "/ws/<stream>".
func (e *Exchange) MarketDataURL() string { return "ws://" + e.Addr() }

// RESTURL returns the base URL of the REST API: append "/api/v3/depth?...".
func (e *Exchange) RESTURL() string { return "http://" + e.Addr() }

// WSAPIURL returns the URL of the WebSocket API.
func (e *Exchange) WSAPIURL() string { return "ws://" + e.Addr() + "/ws-api/v3" }

// Market returns the market of symbol, nil in replay mode or for an unknown
// symbol. Use With to look at it safely while the exchange runs.
func (e *Exchange) Market(symbol string) *Market { return e.markets[strings.ToUpper(symbol)] }

// With runs fn with the exchange's state locked: no event is published and no
// order matched meanwhile.
func (e *Exchange) With(fn func()) {
	e.mu.Lock()
	defer e.mu.Unlock()
	fn()
}

// frame is one market data message: payload on stream, ready to send in
// both the combined and the raw form.
type frame struct {
	combined []byte // {"stream":"..","data":..}
	raw      []byte // the payload alone, inside combined
	stream   string
	depth    bool
	at       time.Time
}

// publish sends a payload to every subscriber of stream. Called with e.mu
// held, so that all subscribers see one order.
func (e *Exchange) publish(stream string, payload []byte, depth bool) {
	e.krakenTrade(stream, payload)
	var f *frame
	for c := range e.subs {
		if c.futures || !c.streams[stream] {
			continue
		}
		if f == nil {
			f = newFrame(stream, payload, depth)
		}
		c.send(outMsg{data: f.data(c.combined), depth: depth, at: f.at, market: true})
	}
}

// publishFrame sends a ready frame to every subscriber of its stream.
// Called with e.mu held.
func (e *Exchange) publishFrame(f *frame) {
	for c := range e.subs {
		if !c.futures && c.streams[f.stream] {
			c.send(outMsg{data: f.data(c.combined), depth: f.depth, at: f.at, market: true})
		}
	}
}

func newFrame(stream string, payload []byte, depth bool) *frame {
	b := make([]byte, 0, len(stream)+len(payload)+22)
	b = append(b, `{"stream":"`...)
	b = append(b, stream...)
	b = append(b, `","data":`...)
	n := len(b)
	b = append(b, payload...)
	b = append(b, '}')
	return &frame{combined: b, raw: b[n : len(b)-1], stream: stream, depth: depth, at: time.Now()}
}

func (f *frame) data(combined bool) []byte {
	if combined {
		return f.combined
	}
	return f.raw
}

// outMsg is one message queued for a connection's writer.
type outMsg struct {
	data   []byte
	close  bool // close the connection once data is written
	depth  bool // a depth message, which DropRate may drop
	market bool // a market data message, subject to stalls and malformed frames
	at     time.Time
}

// conn is one websocket connection, market data or WebSocket API. Its
// handler goroutine reads; one writer goroutine writes what is queued, pings,
// and injects the faults.
type conn struct {
	e    *Exchange
	ws   *websocket.Conn
	out  chan outMsg
	once sync.Once
	dead atomic.Bool
	rng  *rand.Rand

	// Market data: the streams subscribed and the frame form.
	streams  map[string]bool
	combined bool
	futures  bool // USD-M market data, under /fstream
	// route is a USD-M connection's routed path (usdm_route.go): routeNone on the
	// unrouted /fstream/stream and /fstream/ws.
	route string

	// WebSocket API: the logged-on account and the user data subscription.
	session *Account
	subID   int // -1 when not subscribed
	nextSub int
	// returnRateLimits is the connection's default for showing rateLimits;
	// connectedSince and authorizedSince (ms) are session.status's.
	returnRateLimits                bool
	connectedSince, authorizedSince int64
	// bybitTrade marks a Bybit /v5/trade or /v5/private connection
	// (BybitDropConnections), wsapi a spot WebSocket API one
	// (BinanceDropConnections).
	bybitTrade, wsapi bool
}

// closeAfterWrite closes the connection once what is queued is written.
func (c *conn) closeAfterWrite() {
	c.send(outMsg{close: true, at: time.Now()})
}

var upgrader = websocket.Upgrader{
	ReadBufferSize:  4096,
	WriteBufferSize: 64 << 10,
	CheckOrigin:     func(*http.Request) bool { return true },
}

// accept upgrades an HTTP request and registers the connection; it returns
// nil if the exchange is closing.
func (e *Exchange) accept(w http.ResponseWriter, r *http.Request) *conn {
	return e.acceptRegistered(w, r, nil)
}

// acceptRegistered is accept that, when register is set, holds e.mu from before the
// handshake is answered until register(c) has subscribed the connection: a client that
// has its handshake is subscribed, so that nothing published in between is lost (a
// fill on a user data stream right after it connected).
func (e *Exchange) acceptRegistered(w http.ResponseWriter, r *http.Request, register func(c *conn)) *conn {
	if register != nil {
		e.mu.Lock()
		defer e.mu.Unlock()
	}
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return nil // the upgrader has answered
	}
	ws.SetReadLimit(1 << 20)
	if register == nil {
		e.mu.Lock()
	}
	e.connSeq++
	seq := e.connSeq
	if register == nil {
		e.mu.Unlock()
	}
	c := &conn{
		e: e, ws: ws, out: make(chan outMsg, 8192), subID: -1,
		rng:     rand.New(rand.NewPCG(e.cfg.Seed, seq)),
		streams: make(map[string]bool),
	}
	e.connMu.Lock()
	if e.ctx.Err() != nil {
		e.connMu.Unlock()
		ws.Close()
		return nil
	}
	e.conns[c] = struct{}{}
	e.wg.Add(1)
	e.connMu.Unlock()
	if register != nil {
		register(c)
	}
	return c
}

// serve runs the connection: a writer goroutine and the read loop in the
// calling (handler) goroutine, handle being called for each text message.
// It returns when the connection is closed, by either side or the exchange.
func (c *conn) serve(handle func(msg []byte)) {
	e := c.e
	defer e.wg.Done()
	done := make(chan struct{})
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		c.writeLoop(done)
	}()
	c.ws.SetReadDeadline(time.Now().Add(e.cfg.PongTimeout))
	c.ws.SetPongHandler(func(string) error {
		return c.ws.SetReadDeadline(time.Now().Add(e.cfg.PongTimeout))
	})
	for {
		typ, msg, err := c.ws.ReadMessage()
		if err != nil {
			break
		}
		if typ == websocket.TextMessage || typ == websocket.BinaryMessage {
			handle(msg)
		}
	}
	e.mu.Lock()
	delete(e.subs, c)
	if c.session != nil {
		c.session.unsubscribe(c)
	}
	e.mu.Unlock()
	close(done)
	c.kill()
	<-writerDone
	e.connMu.Lock()
	delete(e.conns, c)
	e.connMu.Unlock()
}

// kill closes the socket, which ends both the reader and the writer.
func (c *conn) kill() {
	c.once.Do(func() {
		c.dead.Store(true)
		c.ws.Close()
	})
}

// send queues a message without blocking: a client too slow to keep up
// with its queue is disconnected, as Binance does.
func (c *conn) send(m outMsg) {
	if c.dead.Load() {
		return
	}
	select {
	case c.out <- m:
	default:
		c.kill()
	}
}

// writeLoop writes queued messages, pings, and injects the faults, until
// done is closed or a write fails.
func (c *conn) writeLoop(done <-chan struct{}) {
	e := c.e
	f := e.cfg.Faults
	ping := time.NewTicker(e.cfg.PingInterval)
	defer ping.Stop()
	var disconnect <-chan time.Time
	if f.DisconnectEvery > 0 {
		t := time.NewTimer(f.DisconnectEvery)
		defer t.Stop()
		disconnect = t.C
	}
	wait := func(until time.Time) bool {
		d := time.Until(until)
		if d <= 0 {
			return true
		}
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			return true
		case <-done:
			return false
		}
	}
	stallStart := e.start.Add(f.StallAfter)
	stallEnd := stallStart.Add(f.StallFor)
	for {
		select {
		case <-done:
			return
		case <-disconnect:
			c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "scheduled disconnect"), time.Now().Add(time.Second))
			c.kill()
			return
		case <-ping.C:
			if err := c.ws.WriteControl(websocket.PingMessage, []byte(strconv.FormatInt(time.Now().UnixMilli(), 10)), time.Now().Add(5*time.Second)); err != nil {
				c.kill()
				return
			}
		case m := <-c.out:
			if f.Latency > 0 && !wait(m.at.Add(f.Latency)) {
				return
			}
			if m.market && f.StallFor > 0 {
				if now := time.Now(); !now.Before(stallStart) && now.Before(stallEnd) && !wait(stallEnd) {
					return
				}
			}
			if m.close {
				c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.ClosePolicyViolation, "banned"), time.Now().Add(time.Second))
				c.kill()
				return
			}
			data := m.data
			if m.depth && f.DropRate > 0 && c.rng.Float64() < f.DropRate {
				continue
			}
			if m.market && f.MalformedRate > 0 && c.rng.Float64() < f.MalformedRate {
				data = data[:len(data)/2]
			}
			c.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if err := c.ws.WriteMessage(websocket.TextMessage, data); err != nil {
				c.kill()
				return
			}
		}
	}
}

// streamName validates a stream name and returns it as subscribed; ok is
// false for a stream the exchange does not serve.
func (e *Exchange) streamName(s string) (string, bool) {
	sym, kind, ok := strings.Cut(s, "@")
	if !ok || sym == "" || strings.ToLower(sym) != sym {
		return "", false
	}
	if e.replay != nil {
		// A replay serves whatever streams the recording holds.
		return s, kind != ""
	}
	if e.markets[strings.ToUpper(sym)] == nil {
		return "", false
	}
	switch kind {
	case "depth@100ms", "depth", "trade", "bookTicker":
		return s, true
	}
	return "", false
}

func (e *Exchange) handleCombined(w http.ResponseWriter, r *http.Request) {
	names := strings.Split(r.URL.Query().Get("streams"), "/")
	e.serveMarketData(w, r, names, true, false, routeNone)
}

func (e *Exchange) handleRaw(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/ws/")
	var names []string
	if name != "" {
		names = []string{name}
	}
	e.serveMarketData(w, r, names, false, false, routeNone)
}

// serveMarketData serves a market data connection: spot's, or for futures USD-M's on
// route (usdm_route.go).
func (e *Exchange) serveMarketData(w http.ResponseWriter, r *http.Request, names []string, combined, futures bool, route string) {
	for _, n := range names {
		if !e.validStream(&conn{futures: futures}, n) && n != "" {
			writeJSON(w, 400, (&apiError{Code: -1121, Msg: "Invalid stream name: " + strconv.Quote(n)}).appendJSON(nil))
			return
		}
	}
	// Subscribed before the handshake is answered: a user data stream loses no event
	// the account has right after the client connected.
	c := e.acceptRegistered(w, r, func(c *conn) {
		c.combined, c.futures, c.route = combined, futures, route
		for _, n := range names {
			if n != "" {
				c.streams[n] = true
			}
		}
		e.subs[c] = struct{}{}
	})
	if c == nil {
		return
	}
	c.serve(c.handleMarketRequest)
}

// handleMarketRequest answers the market data streams' live subscription
// requests: SUBSCRIBE, UNSUBSCRIBE and LIST_SUBSCRIPTIONS.
func (c *conn) handleMarketRequest(msg []byte) {
	var req struct {
		Method string          `json:"method"`
		Params []string        `json:"params"`
		ID     json.RawMessage `json:"id"`
	}
	if err := json.Unmarshal(msg, &req); err != nil || len(req.ID) == 0 {
		c.send(outMsg{data: []byte(`{"error":{"code":3,"msg":"Invalid JSON: expected a request object with method, params and id"}}`), at: time.Now()})
		return
	}
	e := c.e
	e.mu.Lock()
	defer e.mu.Unlock()
	var result []byte
	switch req.Method {
	case "SUBSCRIBE", "UNSUBSCRIBE":
		for _, n := range req.Params {
			if !e.validStream(c, n) {
				c.send(outMsg{data: []byte(`{"error":{"code":2,"msg":"Invalid request: unknown stream ` + strconv.Quote(n)[1:len(strconv.Quote(n))-1] + `"},"id":` + string(req.ID) + `}`), at: time.Now()})
				return
			}
		}
		for _, n := range req.Params {
			if req.Method == "SUBSCRIBE" {
				c.streams[n] = true
			} else {
				delete(c.streams, n)
			}
		}
		result = []byte("null")
	case "LIST_SUBSCRIPTIONS":
		result = []byte("[")
		first := true
		for n := range c.streams {
			if !first {
				result = append(result, ',')
			}
			first = false
			result = strconv.AppendQuote(result, n)
		}
		result = append(result, ']')
	default:
		c.send(outMsg{data: []byte(`{"error":{"code":2,"msg":"Invalid request: unknown method"},"id":` + string(req.ID) + `}`), at: time.Now()})
		return
	}
	c.send(outMsg{data: []byte(`{"result":` + string(result) + `,"id":` + string(req.ID) + `}`), at: time.Now()})
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	w.Write(body)
}

// handleDepth serves GET /api/v3/depth?symbol=..&limit=.., the order book
// snapshot a client syncs its book from.
func (e *Exchange) handleDepth(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	sym := q.Get("symbol")
	if sym == "" {
		writeJSON(w, 400, errMandatory("symbol").appendJSON(nil))
		return
	}
	limit := 100
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			writeJSON(w, 400, errIllegal("limit").appendJSON(nil))
			return
		}
		limit = min(n, 5000)
	}
	e.mu.Lock()
	var body []byte
	if e.replay != nil {
		body = e.replay.snapshot(sym, limit)
	} else if m := e.markets[sym]; m != nil {
		body = m.AppendSnapshot(make([]byte, 0, 64*2*limit), limit)
	}
	e.mu.Unlock()
	if body == nil {
		writeJSON(w, 400, errInvalidSymbol.appendJSON(nil))
		return
	}
	writeJSON(w, 200, body)
}

func (e *Exchange) handleTime(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, 200, []byte(`{"serverTime":`+strconv.FormatInt(e.cfg.Now().UnixMilli(), 10)+`}`))
}

// handleExchangeInfo serves the listed symbols and their filters, in the
// shape of GET /api/v3/exchangeInfo (the fields a trading client reads).
func (e *Exchange) handleExchangeInfo(w http.ResponseWriter, r *http.Request) {
	b := []byte(`{"timezone":"UTC","serverTime":`)
	b = strconv.AppendInt(b, e.cfg.Now().UnixMilli(), 10)
	b = append(b, `,"rateLimits":[],"exchangeFilters":[],"symbols":[`...)
	for i, in := range e.listed() {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"symbol":"`+in.Symbol+`","status":"TRADING","baseAsset":"`+in.Base+`","baseAssetPrecision":8,"quoteAsset":"`+in.Quote+`","quotePrecision":8,"quoteAssetPrecision":8,"orderTypes":["LIMIT","LIMIT_MAKER","MARKET"],"isSpotTradingAllowed":true,"filters":[`...)
		b = append(b, `{"filterType":"PRICE_FILTER","minPrice":"`...)
		b = wireScale.AppendFixed(b, in.MinPrice)
		b = append(b, `","maxPrice":"`...)
		b = wireScale.AppendFixed(b, in.MaxPrice)
		b = append(b, `","tickSize":"`...)
		b = wireScale.AppendFixed(b, in.TickSize)
		b = append(b, `"},{"filterType":"LOT_SIZE","minQty":"`...)
		b = wireScale.AppendFixed(b, in.MinQty)
		b = append(b, `","maxQty":"`...)
		b = wireScale.AppendFixed(b, in.MaxQty)
		b = append(b, `","stepSize":"`...)
		b = wireScale.AppendFixed(b, in.StepSize)
		b = append(b, `"},{"filterType":"NOTIONAL","minNotional":"`...)
		b = wireScale.AppendFixed(b, in.MinNotional)
		b = append(b, `","applyMinToMarket":true,"maxNotional":"9000000.00000000","applyMaxToMarket":false,"avgPriceMins":5}]}`...)
	}
	b = append(b, "]}"...)
	writeJSON(w, 200, b)
}
