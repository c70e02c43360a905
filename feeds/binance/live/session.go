package live

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"

	"github.com/rs/zerolog"

	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/session"
)

// MarketData is a Binance (Spot or USD-M) market-data connection for a session
// (session.MarketData): one combined stream carrying every stream of its instruments
// (/stream?streams=btcusdt@depth@100ms/btcusdt@trade/ethusdt@depth@100ms/...), each
// instrument with its own depth snapshots. It routes each frame to its instrument by
// the combined stream's name, reading nothing else of it: decoding is the engine's.
type MarketData struct {
	cfg    MarketDataConfig
	idx    []instrument.Index
	lower  [][]byte // lower-case symbols, by position, for routing
	client atomic.Pointer[Client]
}

// MarketDataConfig is what a MarketData connects to.
type MarketDataConfig struct {
	// Name names the connection ("binance-spot", "binance-usdm").
	Name string
	// URL is the websocket base: "wss://stream.binance.com:9443" (Spot),
	// "wss://fstream.binance.com" (USD-M), or the local exchange's.
	URL string
	// RESTURL is the REST base for depth snapshots, SnapshotPath the path
	// ("/api/v3/depth" Spot, the default; "/fapi/v1/depth" USD-M).
	RESTURL, SnapshotPath string
	// Streams are the streams of every instrument, without the symbol: "depth@100ms",
	// "trade". Default: depth@100ms and trade.
	Streams []string
	// Instruments are the instruments served: engine index and symbol.
	Instruments []MarketDataInstrument
	// NoBook marks a connection that carries no depth stream (USD-M's /market: the
	// mark price and trades): it fetches no snapshot and its reconnects leave the
	// instruments' books alone, which the connection carrying their depth keeps.
	NoBook bool
	// Client tunes the connection (timeouts, TLS, rotation, backoff); its URL, symbol,
	// sync, handlers, BusyPoll and IdleInterval are set by Run.
	Client Config
	Logger zerolog.Logger
}

// MarketDataInstrument is one instrument of a MarketData.
type MarketDataInstrument struct {
	Index  instrument.Index
	Symbol string // as the venue spells it: "BTCUSDT"
}

// NewMarketData checks cfg and returns the connection, not yet connected.
func NewMarketData(cfg MarketDataConfig) (*MarketData, error) {
	if len(cfg.Instruments) == 0 {
		return nil, errors.New("live: market data: no instruments")
	}
	if cfg.Name == "" {
		cfg.Name = "binance"
	}
	if len(cfg.Streams) == 0 {
		cfg.Streams = []string{"depth@100ms", "trade"}
	}
	m := &MarketData{cfg: cfg}
	seen := map[string]bool{}
	for _, in := range cfg.Instruments {
		low := strings.ToLower(in.Symbol)
		if seen[low] {
			return nil, fmt.Errorf("live: market data: symbol %s listed twice", in.Symbol)
		}
		seen[low] = true
		m.idx = append(m.idx, in.Index)
		m.lower = append(m.lower, []byte(low))
	}
	if _, err := m.url(); err != nil {
		return nil, err
	}
	return m, nil
}

// url returns the combined-stream URL of every instrument's streams.
func (m *MarketData) url() (string, error) {
	syms := make([]string, len(m.cfg.Instruments))
	for i, in := range m.cfg.Instruments {
		syms[i] = in.Symbol
	}
	return CombinedStreamURL(m.cfg.URL, syms, m.cfg.Streams...)
}

// Supplementary implements session.Supplementary: a NoBook connection feeds instruments
// whose book another connection keeps.
func (m *MarketData) Supplementary() bool { return m.cfg.NoBook }

// Name implements session.MarketData.
func (m *MarketData) Name() string { return m.cfg.Name }

// Instruments implements session.MarketData.
func (m *MarketData) Instruments() []instrument.Index { return m.idx }

// Wake implements session.MarketData.
func (m *MarketData) Wake() {
	if c := m.client.Load(); c != nil {
		c.Wake()
	}
}

// Client returns the client reading the connection while Run runs, else nil.
func (m *MarketData) Client() *Client { return m.client.Load() }

// Counters implements session.MarketData.
func (m *MarketData) Counters() session.Counters {
	c := m.client.Load()
	if c == nil {
		return session.Counters{}
	}
	k := c.Counters()
	return session.Counters{Connects: k.Connects, Reconnects: k.Reconnects, DialFailures: k.DialFailures,
		Stale: k.Stale, Rotations: k.Rotations, Frames: k.Frames, Malformed: k.Malformed,
		Snapshots: k.Snapshots, SnapshotFailures: k.SnapshotFailures, Resyncs: k.Resyncs}
}

// Run implements session.MarketData: it reads the combined stream on the calling
// goroutine until ctx is done.
func (m *MarketData) Run(ctx context.Context, sink session.Sink, opt session.RunOptions) error {
	u, err := m.url()
	if err != nil {
		return err
	}
	cfg := m.cfg.Client
	cfg.URL, cfg.RESTURL, cfg.SnapshotPath = u, m.cfg.RESTURL, m.cfg.SnapshotPath
	cfg.BusyPoll, cfg.IdleInterval = opt.BusyPoll, opt.IdleInterval
	cfg.Logger = m.cfg.Logger.With().Str("feed", m.cfg.Name).Logger()
	cfg.Instruments = make([]Instrument, len(m.idx))
	for k, in := range m.cfg.Instruments {
		cfg.Instruments[k] = Instrument{Symbol: in.Symbol}
		if !m.cfg.NoBook {
			cfg.Instruments[k].Sync = sinkSync{sink, in.Index}
		}
	}
	if m.cfg.NoBook {
		cfg.RESTURL = ""
	}
	idx := m.idx
	if len(idx) == 1 {
		cfg.Route = routeFirst // one instrument: the decoder checks the symbol itself
	} else {
		cfg.Route = m.route
	}
	cfg.Frame = func(k int, frame []byte, local int64) error { return sink.Frame(idx[k], frame, local) }
	cfg.Snapshot = func(k int, body []byte, local int64) error { return sink.Snapshot(idx[k], body, local) }
	cfg.OnIdle = sink.Idle
	cfg.OnState = func(st State, err error, now int64) { sink.State(sessionState(st), err, now) }
	c, err := New(cfg)
	if err != nil {
		return err
	}
	m.client.Store(c)
	err = c.Run(ctx)
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		err = nil
	}
	return err
}

func routeFirst([]byte) (int, bool) { return 0, true }

// streamPrefix is how Binance begins every combined-stream message.
var streamPrefix, streamKey = []byte(`{"stream":"`), []byte(`"stream"`)

// route returns the position of the instrument a combined-stream frame belongs to, by
// the symbol before the '@' of its stream name. It reads the name where Binance puts it,
// first; a frame laid out otherwise is searched for its "stream" key.
func (m *MarketData) route(frame []byte) (int, bool) {
	var name []byte
	if bytes.HasPrefix(frame, streamPrefix) {
		name = frame[len(streamPrefix):]
	} else {
		k := bytes.Index(frame, streamKey)
		if k < 0 {
			return 0, false
		}
		rest := bytes.TrimLeft(frame[k+len(streamKey):], " \t\r\n")
		if len(rest) == 0 || rest[0] != ':' {
			return 0, false
		}
		rest = bytes.TrimLeft(rest[1:], " \t\r\n")
		if len(rest) == 0 || rest[0] != '"' {
			return 0, false
		}
		name = rest[1:]
	}
	at := bytes.IndexByte(name, '@')
	if at <= 0 {
		return 0, false
	}
	sym := name[:at]
	for k, low := range m.lower {
		if equalFold(sym, low) {
			return k, true
		}
	}
	return 0, false
}

// equalFold compares ASCII a with lower-case b, ignoring a's case.
func equalFold(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		c := a[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != b[i] {
			return false
		}
	}
	return true
}

// sinkSync is the Syncer of one instrument of a session: the engine keeps the book's
// sync, and the session reaches it on the right goroutine.
type sinkSync struct {
	sink session.Sink
	i    instrument.Index
}

func (s sinkSync) NeedSnapshot() bool { return s.sink.NeedSnapshot(s.i) }
func (s sinkSync) Reset()             { s.sink.Reset(s.i) }

func sessionState(s State) session.State {
	switch s {
	case StateConnected:
		return session.Connected
	case StateDisconnected:
		return session.Disconnected
	case StateStale:
		return session.Stale
	case StateRotated:
		return session.Rotated
	}
	return 0
}

// CombinedStreamURL returns the combined-stream URL of streams for every symbol on base:
// base/stream?streams=btcusdt@depth@100ms/btcusdt@trade/ethusdt@depth@100ms/...
// Binance allows up to 1024 streams on one connection (Spot) and 200 (USD-M).
func CombinedStreamURL(base string, symbols []string, streams ...string) (string, error) {
	if len(symbols) == 0 {
		return "", errors.New("live: stream url: no symbols")
	}
	if n := len(symbols) * len(streams); n > 200 {
		return "", fmt.Errorf("live: stream url: %d streams on one connection, more than the 200 Binance USD-M allows", n)
	}
	var b strings.Builder
	for k, sym := range symbols {
		one, err := StreamURL(base, sym, streams...)
		if err != nil {
			return "", err
		}
		q := one[strings.Index(one, "?streams=")+len("?streams="):]
		if k == 0 {
			b.WriteString(one)
			continue
		}
		b.WriteByte('/')
		b.WriteString(q)
	}
	if _, err := url.Parse(b.String()); err != nil {
		return "", fmt.Errorf("live: stream url: %w", err)
	}
	return b.String(), nil
}
