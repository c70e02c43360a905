// Package parity owns comparing a live session with a backtest of the same market data:
// recording the session (the market data as received, and every order, cancel and
// venue answer with its local time) and matching the backtest's orders and fills
// against the live ones, event by event.
//
// The recorder sits beside the engine on its goroutine: it copies what passes and
// never changes or delays it beyond the write. It must never decide anything for the
// engine or the venue. Compare never runs anything: it reads two logs.
package parity

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/nanotick/nanotick/feeds/recording"
	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/risk"
)

// The files of a session directory.
const (
	MarketFile = "market.gz"    // the market data as received: a recording
	EventsFile = "events.jsonl" // orders, cancels and answers, one Event a line
	MetaFile   = "session.json" // Meta
)

// Meta says what ran: enough to backtest the same strategy with the same parameters.
type Meta struct {
	// Config is the config file the session ran (empty: the built-in default), and
	// Strategy the [[strategy]] it traded, with the parameters the config gives it.
	Config   string `json:"config,omitempty"`
	Strategy string `json:"strategy"`
	Venue    string `json:"venue"`
	Symbol   string `json:"symbol"`
	// PriceScale and QtyScale are the decimals of Event's fixed-point prices and
	// quantities.
	PriceScale int `json:"price_scale"`
	QtyScale   int `json:"qty_scale"`
}

// Event is one order-path event of a session, at its local time (ns): an order or
// cancel the engine sent, or an answer the strategy received. Prices, quantities and
// fees are fixed point at the Meta's scales.
type Event struct {
	T        int64  `json:"t"`
	Kind     string `json:"kind"` // order, cancel, ack, fill, cancelled, rejected
	ID       uint64 `json:"id"`
	Side     string `json:"side,omitempty"`
	Price    int64  `json:"price,omitempty"`
	Qty      int64  `json:"qty,omitempty"`
	PostOnly bool   `json:"post_only,omitempty"`
	IOC      bool   `json:"ioc,omitempty"`
	Fee      int64  `json:"fee,omitempty"`
	Maker    bool   `json:"maker,omitempty"`
	Reason   string `json:"reason,omitempty"`
}

// Recorder writes a session directory. Its methods may be called from any goroutine.
type Recorder struct {
	mu      sync.Mutex
	dir     string
	mf, ef  *os.File
	market  *recording.Writer
	events  *bufio.Writer
	enc     *json.Encoder
	err     error // the first write error: the recording is then incomplete
	frames  uint64
	records uint64
}

// NewRecorder creates dir (if needed) and a session in it, described by meta.
func NewRecorder(dir string, meta Meta) (*Recorder, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("parity: %w", err)
	}
	b, err := json.MarshalIndent(meta, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("parity: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, MetaFile), append(b, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("parity: %w", err)
	}
	mf, err := os.Create(filepath.Join(dir, MarketFile))
	if err != nil {
		return nil, fmt.Errorf("parity: %w", err)
	}
	ef, err := os.Create(filepath.Join(dir, EventsFile))
	if err != nil {
		mf.Close()
		return nil, fmt.Errorf("parity: %w", err)
	}
	r := &Recorder{dir: dir, mf: mf, ef: ef, market: recording.NewWriter(mf), events: bufio.NewWriterSize(ef, 64<<10)}
	r.enc = json.NewEncoder(r.events)
	return r, nil
}

// Frame records a market data frame (or snapshot body) as received at local.
func (r *Recorder) Frame(local int64, frame []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err == nil {
		r.err = r.market.Write(local, frame)
		r.frames++
	}
}

func (r *Recorder) event(e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err == nil {
		r.err = r.enc.Encode(e)
		r.records++
	}
}

func sideName(s orderbook.Side) string {
	if s == orderbook.Ask {
		return "sell"
	}
	return "buy"
}

// Order records an order the engine sent at now.
func (r *Recorder) Order(o *risk.Order, now int64) {
	r.event(Event{T: now, Kind: "order", ID: o.ID, Side: sideName(o.Side), Price: o.Price, Qty: o.Qty, PostOnly: o.PostOnly, IOC: o.IOC})
}

// Cancel records a cancel the engine sent at now.
func (r *Recorder) Cancel(id uint64, now int64) { r.event(Event{T: now, Kind: "cancel", ID: id}) }

// OnAck, OnFill, OnCancelled and OnRejected record the answers as the strategy gets
// them.
func (r *Recorder) OnAck(id uint64, now int64) { r.event(Event{T: now, Kind: "ack", ID: id}) }

// OnFill records a fill.
func (r *Recorder) OnFill(id uint64, price, qty, fee int64, maker bool, now int64) {
	r.event(Event{T: now, Kind: "fill", ID: id, Price: price, Qty: qty, Fee: fee, Maker: maker})
}

// OnCancelled records a cancel confirmation.
func (r *Recorder) OnCancelled(id uint64, now int64) {
	r.event(Event{T: now, Kind: "cancelled", ID: id})
}

// OnRejected records a rejection.
func (r *Recorder) OnRejected(id uint64, reason string, now int64) {
	r.event(Event{T: now, Kind: "rejected", ID: id, Reason: reason})
}

// Close flushes and closes the session's files, and reports the first error that
// made the recording incomplete.
func (r *Recorder) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	err := r.err
	err = errors.Join(err, r.market.Close(), r.mf.Close(), r.events.Flush(), r.ef.Close())
	if err != nil {
		return fmt.Errorf("parity: recording %s: %w", r.dir, err)
	}
	return nil
}
