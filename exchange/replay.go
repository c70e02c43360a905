package exchange

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/nanotick/nanotick/feeds/binance"
	"github.com/nanotick/nanotick/feeds/recording"
	"github.com/nanotick/nanotick/orderbook"
)

// replayer serves a recording of Binance Spot frames at its recorded pace.
// It keeps the recorded book in sync as it goes (with the same Feed the
// engine uses), so that the REST endpoint can serve a snapshot that bridges
// the frames being sent at any moment, not only the recording's one
// snapshot, which only a client connecting at the very start could use.
type replayer struct {
	path   string
	speed  float64
	symbol string // upper case, from the recording's frames
	first  []byte // the recording's first REST snapshot body
	book   *orderbook.Book
	feed   *binance.Feed
	done   bool // the recording has been served to its end
	err    error
	// mkt is the paper trading market whose accounts' orders paper matches
	// against the replayed book and trades; nil when orders are refused.
	mkt   *Market
	paper *paper
}

// trading reports whether the replay matches orders.
func (r *replayer) trading() bool { return r.mkt != nil }

// market returns the paper trading market of sym, nil if none.
func (r *replayer) market(sym string) *Market {
	if r.mkt == nil || sym != r.symbol {
		return nil
	}
	return r.mkt
}

// replayScan is how many records newReplayer reads looking for the symbol
// and the first snapshot.
const replayScan = 100_000

func newReplayer(path string, speed float64) (*replayer, error) {
	rd, err := recording.Open(path)
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	r := &replayer{path: path, speed: speed, book: orderbook.New(8192)}
	for i := 0; i < replayScan && (r.symbol == "" || r.first == nil); i++ {
		rec, err := rd.Next()
		if errors.Is(err, recording.ErrMalformed) {
			continue
		}
		if err != nil {
			if err == io.EOF {
				break
			}
			return nil, err
		}
		if r.first == nil && bytes.HasPrefix(rec.Frame, []byte(`{"lastUpdateId":`)) {
			r.first = bytes.Clone(rec.Frame)
		}
		if r.symbol == "" {
			if i := bytes.Index(rec.Frame, []byte(`"s":"`)); i >= 0 {
				if j := bytes.IndexByte(rec.Frame[i+5:], '"'); j > 0 {
					r.symbol = strings.ToUpper(string(rec.Frame[i+5 : i+5+j]))
				}
			}
		}
	}
	if r.symbol == "" {
		return nil, fmt.Errorf("%s: no symbol in the first %d records", path, replayScan)
	}
	r.feed, err = binance.NewFeed(binance.Spot, binance.Instrument{Symbol: r.symbol, PriceScale: wireScale, QtyScale: wireScale}, r.book, binance.SyncConfig{})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// run serves the recording from its start until its end or ctx is done.
func (r *replayer) run(ctx context.Context, e *Exchange) {
	rd, err := recording.Open(r.path)
	if err != nil {
		r.fail(e, err)
		return
	}
	defer rd.Close()
	start := time.Now()
	var t0 int64
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for n := 0; ; n++ {
		rec, err := rd.Next()
		if errors.Is(err, recording.ErrMalformed) {
			continue
		}
		if err != nil {
			if err != io.EOF {
				r.fail(e, err)
			}
			e.mu.Lock()
			r.done = true
			e.mu.Unlock()
			return
		}
		if n == 0 {
			t0 = rec.Local
		}
		due := start.Add(time.Duration(float64(rec.Local-t0) / r.speed))
		if d := time.Until(due); d > 0 {
			timer.Reset(d)
			select {
			case <-ctx.Done():
				return
			case <-timer.C:
			}
		} else if ctx.Err() != nil {
			return
		}
		e.mu.Lock()
		r.serve(e, rec)
		e.mu.Unlock()
	}
}

func (r *replayer) fail(e *Exchange, err error) {
	e.mu.Lock()
	r.err, r.done = err, true
	e.mu.Unlock()
}

// serve publishes one recorded frame and applies it to the replayed book.
// Called with the exchange locked.
func (r *replayer) serve(e *Exchange, rec recording.Record) {
	// The feed tracks the book; a frame it cannot decode is still served,
	// exactly as recorded.
	r.feed.Handle(rec.Frame, rec.Local)
	if r.paper != nil {
		r.paper.market(rec.Frame, time.Now().UnixNano())
	}
	const prefix = `{"stream":"`
	f := rec.Frame
	if !bytes.HasPrefix(f, []byte(prefix)) {
		return // a REST snapshot: served by the depth endpoint, not streamed
	}
	end := bytes.IndexByte(f[len(prefix):], '"')
	if end < 0 {
		return
	}
	stream := string(f[len(prefix) : len(prefix)+end])
	rest := f[len(prefix)+end:]
	const mid = `","data":`
	if !bytes.HasPrefix(rest, []byte(mid)) || f[len(f)-1] != '}' {
		return
	}
	combined := bytes.Clone(f)
	payload := combined[len(prefix)+end+len(mid) : len(combined)-1]
	e.publishFrame(&frame{combined: combined, raw: payload, stream: stream, depth: strings.Contains(stream, "@depth"), at: time.Now()})
}

// snapshot returns the REST depth snapshot body for symbol: built from the
// replayed book once it is in sync, the recording's own snapshot before.
func (r *replayer) snapshot(symbol string, limit int) []byte {
	if symbol != r.symbol {
		return nil
	}
	if r.feed.Sync().State() != binance.Live {
		return r.first
	}
	b := []byte(`{"lastUpdateId":`)
	b = fmt.Appendf(b, "%d", r.feed.Sync().LastUpdateID())
	for i, s := range []orderbook.Side{orderbook.Bid, orderbook.Ask} {
		if i == 0 {
			b = append(b, `,"bids":[`...)
		} else {
			b = append(b, `],"asks":[`...)
		}
		for j, l := range r.book.AppendLevels(nil, s, limit) {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendLevel(b, l.Price, l.Qty)
		}
	}
	return append(b, "]}"...)
}
