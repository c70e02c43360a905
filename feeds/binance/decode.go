package binance

import (
	"errors"
	"fmt"

	"github.com/nanotick/nanotick/orderbook"
)

// Errors a caller may want to tell apart from plain malformed frames; both
// arrive wrapped in an *Error.
var (
	// ErrSymbol is returned for a well-formed frame about another symbol.
	ErrSymbol = errSymbol
	// ErrUnknownEvent is returned for a frame whose event type the decoder
	// does not handle (kline, ticker, partial depth, subscription replies...).
	ErrUnknownEvent = errUnknown
)

// Decoder decodes frames of one instrument. It owns the Event it returns and
// reuses it, and the slices of levels inside it, for every frame: after the
// first few frames have grown them, decoding allocates nothing. A Decoder is
// not safe for concurrent use.
type Decoder struct {
	inst   Instrument
	ev     Event
	ignore [8]bool      // by EventKind: kinds recognized by stream name and not parsed
	short  *shortLevels // the reader of USD-M's levels, at scales it suits; else nil
}

// Ignore makes the decoder recognize frames of the given kinds by their
// combined-stream name and return them with only Kind and Stream set, without
// parsing their data: a consumer that has no use for bookTickers (the engine, the
// backtester's exchange) need not pay for decoding three of every four frames of a
// recording. An ignored frame is not validated beyond its stream name.
func (d *Decoder) Ignore(kinds ...EventKind) {
	for _, k := range kinds {
		if int(k) < len(d.ignore) && k != KindNone {
			d.ignore[k] = true
		}
	}
}

// NewDecoder returns a decoder for inst, or an error if a scale is out of
// the range fixed-point numbers support.
func NewDecoder(inst Instrument) (*Decoder, error) {
	if inst.PriceScale > 18 || inst.QtyScale > 18 {
		return nil, fmt.Errorf("binance: instrument %q: scales %d/%d out of range 0..18",
			inst.Symbol, inst.PriceScale, inst.QtyScale)
	}
	d := &Decoder{inst: inst, short: newShortLevels(inst.PriceScale, inst.QtyScale)}
	// Room for a typical diff depth event and a 1000-level snapshot, so that
	// the first frames do not pay for growth.
	d.ev.Depth.Bids = make([]orderbook.Level, 0, 256)
	d.ev.Depth.Asks = make([]orderbook.Level, 0, 256)
	d.ev.Snapshot.Bids = make([]orderbook.Level, 0, 1024)
	d.ev.Snapshot.Asks = make([]orderbook.Level, 0, 1024)
	return d, nil
}

// Instrument returns the instrument the decoder was made for.
func (d *Decoder) Instrument() Instrument { return d.inst }

// Decode decodes one frame: a combined-stream message, a bare stream event,
// or a REST depth snapshot body. The returned Event belongs to the decoder
// and is valid until the next call. A malformed frame returns an *Error and
// an Event of KindNone.
func (d *Decoder) Decode(frame []byte) (*Event, error) {
	ev := &d.ev
	ev.Kind, ev.Stream = KindNone, nil
	i, err := d.frame(frame)
	if err == nil {
		if i = skipWS(frame, i); i < len(frame) {
			err = errTrailing
		}
	}
	if err != nil {
		ev.Kind, ev.Stream = KindNone, nil
		var e *Error
		if !errors.As(err, &e) {
			err = &Error{Offset: i, Err: err}
		}
		return ev, err
	}
	return ev, nil
}

// frame decodes the top-level object and returns the offset past it.
func (d *Decoder) frame(b []byte) (int, error) {
	i := skipWS(b, 0)
	if i >= len(b) {
		return i, errEOF
	}
	if b[i] != '{' {
		return i, errNotObject
	}
	// The wrapper as Binance sends it: {"stream":"<name>","data":{...}}.
	if j, ok := d.streamFirst(b, i); ok {
		return j, nil
	}
	// A combined-stream wrapper is told apart from a bare event by its first
	// key; the rest of the wrapper may come in any order.
	if k, _, err := key(b, skipWS(b, i+1)); err == nil && (string(k) == "stream" || string(k) == "data") {
		return d.combined(b, i)
	}
	kind, err := detect(b, i)
	if err != nil {
		return i, err
	}
	return d.object(kind, b, i)
}

// streamFirst decodes the combined-stream wrapper at b[i] if it is laid out
// as Binance sends it, {"stream":"<name>","data":{...}}, compact and in
// that order. It reports false for anything else, or any error, leaving
// the frame to be decoded again by combined, or as a bare event. Matching
// the wrapper's keys as fixed text, instead of reading each and switching
// on it (and reading the first twice, to tell a wrapper from a bare event),
// takes about a tenth off a trade or bookTicker frame.
func (d *Decoder) streamFirst(b []byte, i int) (int, bool) {
	ev := &d.ev
	i, err := literal(b, i, `{"stream":`)
	if err == nil {
		ev.Stream, i, err = str(b, i)
	}
	if err == nil {
		i, err = literal(b, i, `,"data":`)
	}
	var kind EventKind
	if err == nil {
		kind, err = d.streamKind(b, i)
	}
	if err != nil {
		ev.Stream = nil
		return i, false
	}
	if d.ignore[kind] {
		ev.Kind = kind
		return len(b), true
	}
	if i, err = d.object(kind, b, i); err == nil {
		i, err = literal(b, i, `}`)
	}
	if err != nil {
		ev.Kind, ev.Stream = KindNone, nil
		return i, false
	}
	return i, true
}

// combined decodes {"stream":"<name>","data":{...}}. When "stream" comes
// first, as Binance sends it, the data is decoded in place with the kind the
// stream name gives; otherwise it is skipped once and decoded afterwards.
func (d *Decoder) combined(b []byte, i int) (int, error) {
	ev := &d.ev
	data, decoded := -1, false
	i = skipWS(b, i+1)
	for more := true; more; {
		k, j, err := key(b, i)
		if err != nil {
			return j, err
		}
		i = skipWS(b, j)
		switch string(k) {
		case "stream":
			if ev.Stream, i, err = str(b, i); err != nil {
				return i, &Error{Field: "stream", Offset: i, Err: err}
			}
		case "data":
			if ev.Stream != nil && !decoded {
				var kind EventKind
				if kind, err = d.streamKind(b, i); err == nil {
					if d.ignore[kind] {
						ev.Kind = kind
						return len(b), nil
					}
					i, err = d.object(kind, b, i)
				}
				decoded = true
			} else {
				data = i
				i, err = skipValue(b, i)
			}
		default:
			i, err = skipValue(b, i)
		}
		if err != nil {
			return i, err
		}
		if i, more, err = next(b, i, '}'); err != nil {
			return i, err
		}
	}
	if decoded {
		return i, nil
	}
	if data < 0 {
		return i, errNoData
	}
	kind, err := d.streamKind(b, data)
	if err == nil {
		_, err = d.object(kind, b, data)
	}
	return i, err
}

// streamKind maps the stream name ("btcusdt@depth@100ms") to an event kind,
// falling back to the content of the data object at b[i] when the name is not
// one the decoder knows.
func (d *Decoder) streamKind(b []byte, i int) (EventKind, error) {
	name := d.ev.Stream
	at := 0
	for at < len(name) && name[at] != '@' {
		at++
	}
	if at < len(name) {
		ch := name[at+1:]
		if j := indexByte(ch, '@'); j >= 0 {
			ch = ch[:j]
		}
		switch string(ch) {
		case "depth":
			return KindDepth, nil
		case "trade":
			return KindTrade, nil
		case "aggTrade":
			return KindAggTrade, nil
		case "bookTicker":
			return KindBookTicker, nil
		case "markPrice":
			return KindMarkPrice, nil
		}
		if len(ch) > len("depth") && string(ch[:5]) == "depth" {
			// Partial book depth ("depth5", "depth20") looks like a
			// snapshot but holds only the top levels: never let it
			// reach a book as one.
			return KindNone, &Error{Field: "stream", Offset: i, Err: errUnknown}
		}
	}
	return detect(b, i)
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// detect finds the kind of the bare event object at b[i] from its "e" field
// (normally its first key), or from the fields of the two payloads that have
// none: the REST snapshot (lastUpdateId) and the spot bookTicker (u and b).
func detect(b []byte, i int) (EventKind, error) {
	i, err := expect(b, i, '{')
	if err != nil {
		return KindNone, err
	}
	if j := skipWS(b, i); j < len(b) && b[j] == '}' {
		return KindNone, errUnknown
	}
	var hasU, hasB bool
	for more := true; more; {
		k, j, err := key(b, i)
		if err != nil {
			return KindNone, err
		}
		i = skipWS(b, j)
		switch string(k) {
		case "e":
			v, _, err := str(b, i)
			if err != nil {
				return KindNone, &Error{Field: "e", Offset: i, Err: err}
			}
			switch string(v) {
			case "depthUpdate":
				return KindDepth, nil
			case "trade":
				return KindTrade, nil
			case "aggTrade":
				return KindAggTrade, nil
			case "bookTicker":
				return KindBookTicker, nil
			case "markPriceUpdate":
				return KindMarkPrice, nil
			}
			return KindNone, &Error{Field: "e", Offset: i, Err: errUnknown}
		case "lastUpdateId":
			return KindSnapshot, nil
		case "u":
			hasU = true
		case "b":
			hasB = true
		}
		if i, err = skipValue(b, i); err != nil {
			return KindNone, err
		}
		if i, more, err = next(b, i, '}'); err != nil {
			return KindNone, err
		}
	}
	if hasU && hasB {
		return KindBookTicker, nil
	}
	return KindNone, errUnknown
}

// object decodes the event object at b[i] as kind and returns the offset
// past it.
func (d *Decoder) object(kind EventKind, b []byte, i int) (int, error) {
	var err error
	switch kind {
	case KindDepth:
		i, err = d.depth(b, i)
	case KindTrade, KindAggTrade:
		i, err = d.trade(kind, b, i)
	case KindBookTicker:
		i, err = d.ticker(b, i)
	case KindSnapshot:
		i, err = d.snapshot(b, i)
	case KindMarkPrice:
		i, err = d.markPrice(b, i)
	default:
		return i, errUnknown
	}
	if err != nil {
		return i, err
	}
	d.ev.Kind = kind
	return i, nil
}
