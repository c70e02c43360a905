package binance

import (
	"errors"
	"fmt"

	"github.com/nanotick/nanotick/fixed"
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
	inst Instrument
	ev   Event
}

// NewDecoder returns a decoder for inst, or an error if a scale is out of
// the range fixed-point numbers support.
func NewDecoder(inst Instrument) (*Decoder, error) {
	if inst.PriceScale > 18 || inst.QtyScale > 18 {
		return nil, fmt.Errorf("binance: instrument %q: scales %d/%d out of range 0..18",
			inst.Symbol, inst.PriceScale, inst.QtyScale)
	}
	d := &Decoder{inst: inst}
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
	default:
		return i, errUnknown
	}
	if err != nil {
		return i, err
	}
	d.ev.Kind = kind
	return i, nil
}

// fieldErr wraps a failure inside the value of field k. It is the only
// place the decoder allocates, and only for malformed frames.
func fieldErr(kind EventKind, k []byte, i int, err error) error {
	return &Error{Kind: kind, Field: string(k), Offset: i, Err: err}
}

// missing reports the first required field, among names, whose bit is not
// in seen.
func missing(kind EventKind, seen, required uint32, names []string, i int) error {
	for n, name := range names {
		if required&(1<<n) != 0 && seen&(1<<n) == 0 {
			return &Error{Kind: kind, Field: name, Offset: i, Err: errMissing}
		}
	}
	return nil
}

// members walks the members of the object at b[i], calling field for each
// key with the offset of its value; field returns the offset past the value.
// The closures passed in do not escape, so they live on the stack.
func members(kind EventKind, b []byte, i int, field func(k []byte, i int) (int, error)) (int, error) {
	i, err := expect(b, i, '{')
	if err != nil {
		return i, &Error{Kind: kind, Offset: i, Err: errNotObject}
	}
	if j := skipWS(b, i); j < len(b) && b[j] == '}' {
		return j + 1, nil
	}
	for more := true; more; {
		k, j, err := key(b, i)
		if err != nil {
			return j, &Error{Kind: kind, Offset: j, Err: err}
		}
		if i, err = field(k, skipWS(b, j)); err != nil {
			return i, err
		}
		if i, more, err = next(b, i, '}'); err != nil {
			return i, &Error{Kind: kind, Offset: i, Err: err}
		}
	}
	return i, nil
}

// eventType checks the "e" field against the kind being decoded.
func eventType(b []byte, i int, want EventKind) (int, error) {
	v, i, err := str(b, i)
	if err == nil && string(v) != want.String() {
		err = errUnknown
	}
	return i, err
}

// symbol checks the "s" field against the instrument, ignoring ASCII case.
func (d *Decoder) symbol(b []byte, i int) (int, error) {
	v, i, err := str(b, i)
	if err != nil || d.inst.Symbol == "" {
		return i, err
	}
	s := d.inst.Symbol
	if len(v) != len(s) {
		return i, errSymbol
	}
	for n := range len(v) {
		if lower(v[n]) != lower(s[n]) {
			return i, errSymbol
		}
	}
	return i, nil
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// levels reads [[price, qty], ...] into dst[:0]. Extra elements after the
// quantity (old Binance frames sent an ignored third one) are skipped.
func (d *Decoder) levels(b []byte, i int, dst []orderbook.Level) ([]orderbook.Level, int, error) {
	dst = dst[:0]
	if i >= len(b) {
		return dst, i, errEOF
	}
	if b[i] != '[' {
		return dst, i, errLevel
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == ']' {
		return dst, i + 1, nil
	}
	ps, qs := d.inst.PriceScale, d.inst.QtyScale
	for {
		l, j, err := level(b, i, ps, qs)
		if err != nil {
			return dst, j, err
		}
		dst = append(dst, l)
		// Fast path for the separator Binance sends: a bare comma.
		if j+1 < len(b) && b[j] == ',' && b[j+1] == '[' {
			i = j + 1
			continue
		}
		more := false
		if i, more, err = next(b, j, ']'); err != nil || !more {
			return dst, i, err
		}
		i = skipWS(b, i)
	}
}

// level reads one [price, qty] level at b[i]. The compact form Binance
// sends, ["p","q"] without spaces, is read straight through; anything else
// (whitespace, extra elements, errors) is read again by levelSlow, which
// accepts every valid spelling and reports every error.
func level(b []byte, i int, ps, qs fixed.Scale) (orderbook.Level, int, error) {
	if i+1 < len(b) && b[i] == '[' && b[i+1] == '"' {
		p, j, err := decimal(b, i+1, ps)
		if err == nil && j+1 < len(b) && b[j] == ',' && b[j+1] == '"' {
			q, k, err := decimal(b, j+1, qs)
			if err == nil && k < len(b) && b[k] == ']' {
				return orderbook.Level{Price: p, Qty: q}, k + 1, nil
			}
		}
	}
	return levelSlow(b, i, ps, qs)
}

func levelSlow(b []byte, i int, ps, qs fixed.Scale) (orderbook.Level, int, error) {
	var l orderbook.Level
	var err error
	if i, err = expect(b, i, '['); err != nil {
		return l, i, errLevel
	}
	if l.Price, i, err = decimal(b, skipWS(b, i), ps); err != nil {
		return l, i, err
	}
	if i, err = expect(b, i, ','); err != nil {
		return l, i, errLevel
	}
	if l.Qty, i, err = decimal(b, skipWS(b, i), qs); err != nil {
		return l, i, err
	}
	for {
		more := false
		if i, more, err = next(b, i, ']'); err != nil || !more {
			return l, i, err
		}
		if i, err = skipValue(b, i); err != nil {
			return l, i, err
		}
	}
}

// Required-field bits of a depth event, in the order of depthFields.
const (
	dU = 1 << iota
	du
	db
	da
)

var depthFields = []string{"U", "u", "b", "a"}

func (d *Decoder) depth(b []byte, i int) (int, error) {
	ev := &d.ev.Depth
	*ev = DepthUpdate{Bids: ev.Bids[:0], Asks: ev.Asks[:0]}
	var seen uint32
	end, err := members(KindDepth, b, i, func(k []byte, i int) (int, error) {
		var err error
		switch string(k) {
		case "e":
			i, err = eventType(b, i, KindDepth)
		case "E":
			ev.EventTime, i, err = intValue(b, i)
		case "T":
			ev.TxTime, i, err = intValue(b, i)
		case "s":
			i, err = d.symbol(b, i)
		case "U":
			ev.First, i, err = uintValue(b, i)
			seen |= dU
		case "u":
			ev.Final, i, err = uintValue(b, i)
			seen |= du
		case "pu":
			ev.Prev, i, err = uintValue(b, i)
			ev.HasPrev = true
		case "b":
			ev.Bids, i, err = d.levels(b, i, ev.Bids)
			seen |= db
		case "a":
			ev.Asks, i, err = d.levels(b, i, ev.Asks)
			seen |= da
		default:
			i, err = skipValue(b, i)
		}
		if err != nil {
			return i, fieldErr(KindDepth, k, i, err)
		}
		return i, nil
	})
	if err == nil {
		err = missing(KindDepth, seen, dU|du|db|da, depthFields, end)
	}
	if err == nil && ev.First > ev.Final {
		err = &Error{Kind: KindDepth, Field: "U", Offset: end, Err: errors.New("first update id after final update id")}
	}
	return end, err
}

// Required-field bits of a trade or aggTrade, in the order of tradeFields.
const (
	tID = 1 << iota
	tp
	tq
)

func (d *Decoder) trade(kind EventKind, b []byte, i int) (int, error) {
	ev := &d.ev.Trade
	*ev = Trade{}
	names := []string{"t", "p", "q"}
	idKey := "t"
	if kind == KindAggTrade {
		names[0], idKey = "a", "a"
	}
	var seen uint32
	end, err := members(kind, b, i, func(k []byte, i int) (int, error) {
		var err error
		switch string(k) {
		case "e":
			i, err = eventType(b, i, kind)
		case "E":
			ev.EventTime, i, err = intValue(b, i)
		case "T":
			ev.TradeTime, i, err = intValue(b, i)
		case "s":
			i, err = d.symbol(b, i)
		case "t", "a":
			if string(k) != idKey {
				i, err = skipValue(b, i)
				break
			}
			ev.ID, i, err = uintValue(b, i)
			seen |= tID
		case "f":
			ev.FirstID, i, err = uintValue(b, i)
		case "l":
			ev.LastID, i, err = uintValue(b, i)
		case "p":
			ev.Price, i, err = decimal(b, i, d.inst.PriceScale)
			seen |= tp
		case "q":
			ev.Qty, i, err = decimal(b, i, d.inst.QtyScale)
			seen |= tq
		case "m":
			ev.BuyerMaker, i, err = boolean(b, i)
		default:
			i, err = skipValue(b, i)
		}
		if err != nil {
			return i, fieldErr(kind, k, i, err)
		}
		return i, nil
	})
	if err == nil {
		err = missing(kind, seen, tID|tp|tq, names, end)
	}
	return end, err
}

// Required-field bits of a bookTicker, in the order of tickerFields.
const (
	bu = 1 << iota
	bb
	bB
	ba
	bA
)

var tickerFields = []string{"u", "b", "B", "a", "A"}

func (d *Decoder) ticker(b []byte, i int) (int, error) {
	ev := &d.ev.Ticker
	*ev = BookTicker{}
	ps, qs := d.inst.PriceScale, d.inst.QtyScale
	var seen uint32
	end, err := members(KindBookTicker, b, i, func(k []byte, i int) (int, error) {
		var err error
		switch string(k) {
		case "e":
			i, err = eventType(b, i, KindBookTicker)
		case "E":
			ev.EventTime, i, err = intValue(b, i)
		case "T":
			ev.TxTime, i, err = intValue(b, i)
		case "s":
			i, err = d.symbol(b, i)
		case "u":
			ev.UpdateID, i, err = uintValue(b, i)
			seen |= bu
		case "b":
			ev.BidPrice, i, err = decimal(b, i, ps)
			seen |= bb
		case "B":
			ev.BidQty, i, err = decimal(b, i, qs)
			seen |= bB
		case "a":
			ev.AskPrice, i, err = decimal(b, i, ps)
			seen |= ba
		case "A":
			ev.AskQty, i, err = decimal(b, i, qs)
			seen |= bA
		default:
			i, err = skipValue(b, i)
		}
		if err != nil {
			return i, fieldErr(KindBookTicker, k, i, err)
		}
		return i, nil
	})
	if err == nil {
		err = missing(KindBookTicker, seen, bu|bb|bB|ba|bA, tickerFields, end)
	}
	return end, err
}

// Required-field bits of a snapshot, in the order of snapshotFields.
const (
	sID = 1 << iota
	sBids
	sAsks
)

var snapshotFields = []string{"lastUpdateId", "bids", "asks"}

func (d *Decoder) snapshot(b []byte, i int) (int, error) {
	ev := &d.ev.Snapshot
	*ev = Snapshot{Bids: ev.Bids[:0], Asks: ev.Asks[:0]}
	var seen uint32
	end, err := members(KindSnapshot, b, i, func(k []byte, i int) (int, error) {
		var err error
		switch string(k) {
		case "lastUpdateId":
			ev.LastUpdateID, i, err = uintValue(b, i)
			seen |= sID
		case "E":
			ev.EventTime, i, err = intValue(b, i)
		case "T":
			ev.TxTime, i, err = intValue(b, i)
		case "bids":
			ev.Bids, i, err = d.levels(b, i, ev.Bids)
			seen |= sBids
		case "asks":
			ev.Asks, i, err = d.levels(b, i, ev.Asks)
			seen |= sAsks
		default:
			i, err = skipValue(b, i)
		}
		if err != nil {
			return i, fieldErr(KindSnapshot, k, i, err)
		}
		return i, nil
	})
	if err == nil {
		err = missing(KindSnapshot, seen, sID|sBids|sAsks, snapshotFields, end)
	}
	return end, err
}
