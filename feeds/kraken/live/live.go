// Package live owns the connection to Kraken's public WebSocket v2 for the books and
// trades of some instruments: it dials, subscribes each symbol's book (with its
// snapshot) and trades, hands every book and trade message to the engine's goroutine
// with the instrument it belongs to, resubscribes a book its feed has found invalid
// (a checksum mismatch), pings, replaces a silent connection, and reconnects with
// capped backoff.
//
// It never decodes a book (feeds/kraken does, on the engine's goroutine), never lets a
// book it can no longer vouch for look valid (every instrument is reset on connect and
// disconnect, so only a new verified snapshot makes it valid again), and never leaves a
// goroutine behind when Run returns.
//
// The connection's mechanism (the reader goroutine and its ring, routing, idle work,
// resubscription pacing, pings, silence, reconnects, counters) is feeds/internal/mdconn,
// which it shares with feeds/bybit/live; this package holds what is Kraken's: its
// channels, requests, ping, refusal and the 5 s/10 s it allows. Kraken has no combined
// stream of the Binance kind, so the ring's hop is the price of a blocking read that
// must not stop the engine's idle work.
package live

import (
	"bytes"
	"fmt"
	"strconv"
	"time"

	"github.com/nanotick/nanotick/feeds/internal/mdconn"
	"github.com/nanotick/nanotick/instrument"
	"github.com/rs/zerolog"
)

// Instrument is one instrument the connection serves: its engine index and its Kraken
// symbol ("BTC/USD").
type Instrument struct {
	Index  instrument.Index
	Symbol string
}

// Config is what a Conn needs.
type Config struct {
	// Name names the connection in logs and counters ("kraken").
	Name string
	// URL is the public WebSocket ("wss://ws.kraken.com/v2").
	URL         string
	Instruments []Instrument
	// Depth is the book depth subscribed (10, 25, 100, 500, 1000); 0 means 10, the
	// levels the checksum covers.
	Depth int
	// NoTrades leaves the trade channel unsubscribed.
	NoTrades bool
	// PingEvery is how often the connection pings; a connection silent for ReadTimeout
	// (Kraken sends a heartbeat every second) is replaced. 0 means 5s and 10s.
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
// and subscribe, down (with why) after a loss. Every instrument has been reset then.
type StateSink = mdconn.StateSink

// Counters are what a Conn has done; each only grows. Foreign are book or trade
// messages of a symbol no instrument here subscribed to.
type Counters = mdconn.Counters

// Conn is one public connection serving some instruments.
type Conn struct{ *mdconn.Conn }

// New returns a connection for cfg; it does not dial until Run.
func New(cfg Config) (*Conn, error) {
	if cfg.Name == "" {
		cfg.Name = "kraken"
	}
	// Kraken sends a heartbeat every second while subscribed, so 10 s of silence is a
	// connection gone.
	if cfg.PingEvery <= 0 {
		cfg.PingEvery = 5 * time.Second
	}
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = 2 * cfg.PingEvery
	}
	p, insts, err := newProtocol(cfg)
	if err != nil {
		return nil, err
	}
	c, err := mdconn.New(mdconn.Config{Name: cfg.Name, Venue: "kraken", URL: cfg.URL, Instruments: insts,
		PingEvery: cfg.PingEvery, ReadTimeout: cfg.ReadTimeout, BackoffMin: cfg.BackoffMin, BackoffMax: cfg.BackoffMax,
		ResubscribeEvery: cfg.ResubscribeEvery, DialTimeout: cfg.DialTimeout, Slots: cfg.Slots, Logger: cfg.Logger}, p)
	if err != nil {
		return nil, fmt.Errorf("kraken live: %w", err)
	}
	return &Conn{c}, nil
}

// protocol is Kraken v2's part of the connection (mdconn.Protocol).
type protocol struct {
	depth    int
	noTrades bool
	symbols  []string
	sym      [][]byte // `"symbol":"BTC/USD"` per instrument, for routing
}

// newProtocol checks cfg's depth and symbols and returns its protocol and instruments.
func newProtocol(cfg Config) (*protocol, []mdconn.Instrument, error) {
	if cfg.Depth == 0 {
		cfg.Depth = 10
	}
	switch cfg.Depth {
	case 10, 25, 100, 500, 1000:
	default:
		return nil, nil, fmt.Errorf("kraken live: depth %d: want 10, 25, 100, 500 or 1000", cfg.Depth)
	}
	p := &protocol{depth: cfg.Depth, noTrades: cfg.NoTrades}
	insts := make([]mdconn.Instrument, len(cfg.Instruments))
	for k, in := range cfg.Instruments {
		for i := 0; i < len(in.Symbol); i++ {
			if ch := in.Symbol[i]; ch == '"' || ch == '\\' || ch < 0x20 {
				return nil, nil, fmt.Errorf("kraken live: symbol %q", in.Symbol)
			}
		}
		p.symbols = append(p.symbols, in.Symbol)
		p.sym = append(p.sym, []byte(`"symbol":"`+in.Symbol+`"`))
		insts[k] = mdconn.Instrument(in)
	}
	return p, insts, nil
}

var (
	keyChannel   = []byte(`"channel":"`)
	chanBook     = []byte(`"channel":"book"`)
	chanTrade    = []byte(`"channel":"trade"`)
	successFalse = []byte(`"success":false`)
)

// Route finds a book or trade message's instrument by its symbol; other messages
// (heartbeat, status, pong, subscription answers) are not data, a refusal is one
// without a channel and with "success" false.
func (p *protocol) Route(b []byte) (int, mdconn.Route) {
	if !bytes.Contains(b, keyChannel) {
		if bytes.Contains(b, successFalse) {
			return 0, mdconn.Refused
		}
		return 0, mdconn.Other
	}
	if !bytes.Contains(b, chanBook) && !bytes.Contains(b, chanTrade) {
		return 0, mdconn.Other
	}
	for k := range p.sym {
		if bytes.Contains(b, p.sym[k]) {
			return k, mdconn.Data
		}
	}
	return 0, mdconn.Foreign
}

// Subscribe subscribes each symbol's book with its snapshot and, unless left out, its
// trades without theirs.
func (p *protocol) Subscribe(ids *mdconn.IDs) [][]byte {
	var reqs [][]byte
	for _, s := range p.symbols {
		reqs = append(reqs, p.appendBook(nil, "subscribe", s, true, ids))
		if p.noTrades {
			continue
		}
		b := []byte(`{"method":"subscribe","params":{"channel":"trade","symbol":["` + s + `"],"snapshot":false},"req_id":`)
		b = strconv.AppendUint(b, ids.Next(), 10)
		reqs = append(reqs, append(b, '}'))
	}
	return reqs
}

// Resubscribe unsubscribes instrument k's book and subscribes it again with a
// snapshot, the repair of a checksum mismatch.
func (p *protocol) Resubscribe(k int, ids *mdconn.IDs) [][]byte {
	un := p.appendBook(nil, "unsubscribe", p.symbols[k], false, ids)
	return [][]byte{un, p.appendBook(nil, "subscribe", p.symbols[k], true, ids)}
}

// Ping is Kraken's {"method":"ping"}.
func (p *protocol) Ping(ids *mdconn.IDs) []byte {
	b := strconv.AppendUint([]byte(`{"method":"ping","req_id":`), ids.Next(), 10)
	return append(b, '}')
}

// appendBook appends a book (un)subscribe request, as docs.kraken.com/api/docs/
// websocket-v2/book shows it.
func (p *protocol) appendBook(dst []byte, method, symbol string, snapshot bool, ids *mdconn.IDs) []byte {
	dst = append(dst, `{"method":"`...)
	dst = append(dst, method...)
	dst = append(dst, `","params":{"channel":"book","symbol":["`...)
	dst = append(dst, symbol...)
	dst = append(dst, `"],"depth":`...)
	dst = strconv.AppendInt(dst, int64(p.depth), 10)
	if snapshot {
		dst = append(dst, `,"snapshot":true`...)
	}
	dst = append(dst, `},"req_id":`...)
	dst = strconv.AppendUint(dst, ids.Next(), 10)
	return append(dst, '}')
}
