// Package live owns one connection to Bybit v5's public WebSocket of one category
// (wss://stream.bybit.com/v5/public/spot or /linear) for the books, trades and tickers
// of some instruments: it dials, subscribes each symbol's topics (orderbook.N.SYMBOL,
// tickers.SYMBOL, publicTrade.SYMBOL; at most 10 per request, as spot requires), hands
// every message of those topics to the engine's goroutine with the instrument it
// belongs to, resubscribes a book its feed has found out of sequence (Bybit's only
// repair: a new subscription brings a new snapshot), sends {"op":"ping"} every 20 s as
// Bybit asks (v5/ws/connect), replaces a silent connection, and reconnects with capped
// backoff.
//
// It never decodes a book (feeds/bybit does, on the engine's goroutine), never lets a
// book it can no longer vouch for look valid (every instrument is reset on connect and
// disconnect, so only a new snapshot makes it valid again), and never leaves a
// goroutine behind when Run returns.
//
// The connection's mechanism (the reader goroutine and its ring, routing, idle work,
// resubscription pacing, pings, silence, reconnects, counters) is feeds/internal/mdconn,
// which it shares with feeds/kraken/live; this package holds what is Bybit's: its
// topics, requests, ping, refusal and the 20 s/50 s it allows.
package live

import (
	"bytes"
	"fmt"
	"strconv"
	"time"

	"github.com/nanotick/nanotick/feeds/bybit"
	"github.com/nanotick/nanotick/feeds/internal/mdconn"
	"github.com/nanotick/nanotick/instrument"
	"github.com/rs/zerolog"
)

// Instrument is one instrument the connection serves: its engine index and its Bybit
// symbol ("BTCUSDT").
type Instrument struct {
	Index  instrument.Index
	Symbol string
}

// Config is what a Conn needs.
type Config struct {
	// Name names the connection in logs and counters ("bybit-linear").
	Name string
	// URL is the category's public WebSocket ("wss://stream.bybit.com/v5/public/linear").
	URL         string
	Instruments []Instrument
	// Depth is the orderbook topic's depth (1, 50, 200, 1000); 0 means
	// feeds/bybit's DefaultDepth, the depth its md.Feed keeps.
	Depth int
	// NoTrades leaves publicTrade unsubscribed; NoTickers leaves tickers unsubscribed
	// (a spot ticker carries nothing the engine uses).
	NoTrades, NoTickers bool
	// PingEvery is how often the connection pings; a connection silent for
	// ReadTimeout is replaced. 0 means Bybit's 20s and 50s.
	PingEvery, ReadTimeout time.Duration
	// BackoffMin and BackoffMax bound the reconnect delay; 0 means 250ms and 10s.
	BackoffMin, BackoffMax time.Duration
	// ResubscribeEvery bounds how often one book is resubscribed; 0 means 1s.
	ResubscribeEvery time.Duration
	// DialTimeout bounds a dial; 0 means 10s.
	DialTimeout time.Duration
	// Slots is the ring's capacity in messages (a power of two); 0 means 1024.
	Slots  int
	Logger zerolog.Logger
}

// Sink receives what the connection reads, on the goroutine running Run (a session's
// engine goroutine): session.Sink's methods this venue uses.
type Sink = mdconn.Sink

// StateSink is a Sink that also hears of the connection's changes: up after a connect
// and subscribe, down (with why) after a loss.
type StateSink = mdconn.StateSink

// Counters are what a Conn has done; each only grows. Foreign are messages of a topic
// no instrument here subscribed to.
type Counters = mdconn.Counters

// Conn is one public connection of a category serving some instruments.
type Conn struct{ *mdconn.Conn }

// New returns a connection for cfg; it does not dial until Run.
func New(cfg Config) (*Conn, error) {
	if cfg.Name == "" {
		cfg.Name = "bybit"
	}
	// Bybit asks for a ping every 20 s (v5/ws/connect); a connection silent for two
	// and a half of them is replaced.
	if cfg.PingEvery <= 0 {
		cfg.PingEvery = 20 * time.Second
	}
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = 5 * cfg.PingEvery / 2
	}
	p, insts, err := newProtocol(cfg)
	if err != nil {
		return nil, err
	}
	c, err := mdconn.New(mdconn.Config{Name: cfg.Name, Venue: "bybit", URL: cfg.URL, Instruments: insts,
		PingEvery: cfg.PingEvery, ReadTimeout: cfg.ReadTimeout, BackoffMin: cfg.BackoffMin, BackoffMax: cfg.BackoffMax,
		ResubscribeEvery: cfg.ResubscribeEvery, DialTimeout: cfg.DialTimeout, Slots: cfg.Slots, Logger: cfg.Logger}, p)
	if err != nil {
		return nil, fmt.Errorf("bybit live: %w", err)
	}
	return &Conn{c}, nil
}

// protocol is Bybit v5's part of the connection (mdconn.Protocol).
type protocol struct {
	topics              [][3][]byte // per instrument: `"topic":"orderbook.50.BTCUSDT"`, tickers, publicTrade
	noTrades, noTickers bool
}

// newProtocol checks cfg's depth and symbols and returns its protocol and instruments.
func newProtocol(cfg Config) (*protocol, []mdconn.Instrument, error) {
	if cfg.Depth == 0 {
		cfg.Depth = bybit.DefaultDepth
	}
	switch cfg.Depth {
	case 1, 50, 200, 1000:
	default:
		return nil, nil, fmt.Errorf("bybit live: depth %d: want 1, 50, 200 or 1000", cfg.Depth)
	}
	p := &protocol{noTrades: cfg.NoTrades, noTickers: cfg.NoTickers}
	insts := make([]mdconn.Instrument, len(cfg.Instruments))
	for k, in := range cfg.Instruments {
		for i := 0; i < len(in.Symbol); i++ {
			if ch := in.Symbol[i]; !(ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '-' || ch == '_') {
				return nil, nil, fmt.Errorf("bybit live: symbol %q: Bybit symbols are upper-case letters and digits", in.Symbol)
			}
		}
		p.topics = append(p.topics, [3][]byte{
			[]byte(`"topic":"orderbook.` + strconv.Itoa(cfg.Depth) + "." + in.Symbol + `"`),
			[]byte(`"topic":"tickers.` + in.Symbol + `"`),
			[]byte(`"topic":"publicTrade.` + in.Symbol + `"`),
		})
		insts[k] = mdconn.Instrument(in)
	}
	return p, insts, nil
}

var (
	keyTopic     = []byte(`"topic":"`)
	successFalse = []byte(`"success":false`)
)

// topicWindow is how far into a message its topic is looked for first: Bybit writes
// "topic" first, so the search rarely reads past it even in a 1000-level snapshot.
const topicWindow = 128

// Route finds a message's instrument by its topic; a message without one is a pong or
// a subscription answer, refused when "success" is false.
func (p *protocol) Route(b []byte) (int, mdconn.Route) {
	head := b[:min(len(b), topicWindow)]
	if !bytes.Contains(head, keyTopic) {
		head = b
		if !bytes.Contains(b, keyTopic) {
			if bytes.Contains(b, successFalse) {
				return 0, mdconn.Refused
			}
			return 0, mdconn.Other
		}
	}
	for k := range p.topics {
		for _, t := range p.topics[k] {
			if bytes.Contains(head, t) {
				return k, mdconn.Data
			}
		}
	}
	return 0, mdconn.Foreign // a topic of no instrument here
}

// Subscribe sends one subscribe request per instrument: its book, then its tickers and
// trades unless left out (three topics, within spot's ten per request). A topic the
// venue refuses is answered success false: a refusal.
func (p *protocol) Subscribe(ids *mdconn.IDs) [][]byte {
	reqs := make([][]byte, 0, len(p.topics))
	for k := range p.topics {
		topics := []string{p.topic(k, 0)}
		if !p.noTickers {
			topics = append(topics, p.topic(k, 1))
		}
		if !p.noTrades {
			topics = append(topics, p.topic(k, 2))
		}
		reqs = append(reqs, bybit.AppendSubscribe(nil, ids.Next(), topics...))
	}
	return reqs
}

// Resubscribe unsubscribes and subscribes instrument k's book again: Bybit's only
// repair of a gap, for a new subscription starts with a snapshot.
func (p *protocol) Resubscribe(k int, ids *mdconn.IDs) [][]byte {
	topic := p.topic(k, 0)
	un := bybit.AppendUnsubscribe(nil, ids.Next(), topic)
	return [][]byte{un, bybit.AppendSubscribe(nil, ids.Next(), topic)}
}

// Ping is Bybit's {"op":"ping"}.
func (p *protocol) Ping(ids *mdconn.IDs) []byte { return bybit.AppendPing(nil, ids.Next()) }

// topic returns instrument k's topic n (0 book, 1 tickers, 2 publicTrade).
func (p *protocol) topic(k, n int) string {
	t := p.topics[k][n]
	return string(t[len(keyTopic) : len(t)-1])
}
