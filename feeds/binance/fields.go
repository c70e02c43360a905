package binance

// This file decodes the members of each event object: one field switch per
// event kind, on top of the scanner in scan.go.

import (
	"encoding/binary"
	"errors"
	"github.com/nanotick/nanotick/internal/eight"

	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/orderbook"
)

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

// levels reads [[price, qty], ...] into dst[:0]. A level with a third
// element, or a zero price, is malformed: Binance's documented level is
// exactly [price, quantity], and no price level is at zero. A zero price is
// reported once the array has been read, as any other error of it would
// have been first; paddedLevel and shortLevels decline such a level, so
// only the levels read by decimalFast and level are checked for one: a pass
// over all the levels afterwards had cost 7-9% of the time to read USD-M's
// arrays, 4-5% of spot's (medians of the ratios over chunks of 50 frames).
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
	padded := 8 <= min(ps, qs) && max(ps, qs) <= fastScale
	short := d.short != nil
	zero := false // a level read below by decimalFast or level has a zero price
	for {
		j := i // past the level at i, once it is read
		// The compact form Binance sends, ["p","q"] followed by a bare
		// comma, is read straight through: by paddedLevel if the scales
		// suit spot's numbers, by shortLevels if they suit USD-M's, else,
		// or if either declines, with the numbers in the spelling
		// decimalFast reads. Anything else (whitespace, extra elements,
		// other numbers, errors) is read again by level, which accepts
		// every valid spelling and reports every error.
		if padded {
			if l, k, ok := paddedLevel(b, i, ps, qs); ok {
				dst = append(dst, l)
				if k+1 < len(b) && b[k] == ',' && b[k+1] == '[' {
					i = k + 1
					continue
				}
				j = k
			}
		}
		if short {
			k, ended := 0, false
			if dst, k, ended = d.short.run(b, i, dst); ended {
				j = k
			} else {
				i, j = k, k // the level at k is still to be read
			}
		}
		if j == i && i < len(b) && b[i] == '[' {
			p, k, ok := decimalFast(b, i+1, ps)
			if ok && k < len(b) && b[k] == ',' {
				q, k, ok := decimalFast(b, k+1, qs)
				if ok && k+2 < len(b) && b[k] == ']' {
					dst = append(dst, orderbook.Level{Price: p, Qty: q})
					zero = zero || p == 0
					if b[k+1] == ',' && b[k+2] == '[' {
						i = k + 2
						continue
					}
					j = k + 1
				}
			}
		}
		if j == i {
			l, end, err := level(b, i, ps, qs)
			if err != nil {
				return dst, end, err
			}
			dst, j = append(dst, l), end
			zero = zero || l.Price == 0
		}
		more, err := false, error(nil)
		if i, more, err = next(b, j, ']'); err != nil || !more {
			if err == nil && zero {
				err = errZeroPrice
			}
			return dst, i, err
		}
		i = skipWS(b, i)
	}
}

// paddedLevel reads the level at b[i] if it is spelled as Binance spot
// spells every level, ["p","q"] with both numbers padded to 8 decimals: 1
// to 7 integer digits, a point and 8 fraction digits, which is exact and
// cannot overflow at scales 8 to fastScale, to which ps and qs must belong.
// It returns the level and the offset past it, or false for anything else.
// The two numbers are written out rather than read by a call each: the
// helpers inline, and the level costs one call instead of three.
func paddedLevel(b []byte, i int, ps, qs fixed.Scale) (orderbook.Level, int, bool) {
	if i+1 >= len(b) || b[i] != '[' || b[i+1] != '"' {
		return orderbook.Level{}, i, false
	}
	// ["p","q"]: p's digits start at i+2; after its point and fraction
	// come `","`, then q's digits, point, fraction and `"]`. Each number
	// is checked through a subslice of fixed length from its point on,
	// so that its bytes need no bounds check each.
	pi, j := intDigits(b, i+2)
	if n := j - (i + 2); n < 1 || n > 7 || len(b)-j < 12 {
		return orderbook.Level{}, i, false
	}
	p := b[j : j+12] // .ffffffff","
	pf, pok := eight.Digits(binary.LittleEndian.Uint64(p[1:9]))
	k := j + 12
	qi, j := intDigits(b, k)
	if n := j - k; n < 1 || n > 7 || len(b)-j < 11 {
		return orderbook.Level{}, i, false
	}
	q := b[j : j+11] // .ffffffff"]
	qf, qok := eight.Digits(binary.LittleEndian.Uint64(q[1:9]))
	if !pok || !qok || pi|pf == 0 || p[0] != '.' || string(p[9:]) != `","` || q[0] != '.' || string(q[9:]) != `"]` {
		return orderbook.Level{}, i, false
	}
	return orderbook.Level{
		Price: int64(pi*1e8+pf) * pow10[ps-8],
		Qty:   int64(qi*1e8+qf) * pow10[qs-8],
	}, j + 11, true
}

// level reads one [price, qty] level at b[i], in any spelling.
func level(b []byte, i int, ps, qs fixed.Scale) (orderbook.Level, int, error) {
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
	more := false
	if i, more, err = next(b, i, ']'); err == nil && more {
		err = errLevelLong
	}
	return l, i, err
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
	if end, ok := d.compactDepth(b, i); ok {
		return end, nil
	}
	return d.depthMembers(b, i)
}

// compactDepth reads the depth event at b[i] if it is laid out exactly as
// Binance sends it: compact, with the members e, E, s, U, u, b and a in
// that order (spot), or e, E, T, s, U, u, pu, b and a (USD-M), and the
// symbol spelled as the instrument's. It reports false for anything else,
// or any error, and depthMembers then reads the event member by member, in
// any order and spelling, and reports what is wrong with it. Matching the
// keys and separators as fixed text, instead of reading and switching on
// each key, takes about a tenth off decoding a spot depth frame, and a
// seventh off a USD-M one (median of the ratios over chunks of 50 frames
// of the recording, alternated: 0.85).
func (d *Decoder) compactDepth(b []byte, i int) (int, bool) {
	ev := &d.ev.Depth
	*ev = DepthUpdate{Bids: ev.Bids[:0], Asks: ev.Asks[:0]}
	var err error
	if d.inst.Symbol == "" {
		return i, false
	}
	i, err = literal(b, i, `{"e":"depthUpdate","E":`)
	if err == nil {
		ev.EventTime, i, err = intValue(b, i)
	}
	if j, terr := literal(b, i, `,"T":`); err == nil && terr == nil {
		ev.TxTime, i, err = intValue(b, j)
	}
	for _, part := range [...]string{`,"s":"`, d.inst.Symbol, `","U":`} {
		if err == nil {
			i, err = literal(b, i, part)
		}
	}
	if err == nil {
		ev.First, i, err = uintValue(b, i)
	}
	if err == nil {
		i, err = literal(b, i, `,"u":`)
	}
	if err == nil {
		ev.Final, i, err = uintValue(b, i)
	}
	if j, perr := literal(b, i, `,"pu":`); err == nil && perr == nil {
		ev.Prev, i, err = uintValue(b, j)
		ev.HasPrev = true
	}
	if err == nil {
		i, err = literal(b, i, `,"b":`)
	}
	if err == nil {
		ev.Bids, i, err = d.levels(b, i, ev.Bids)
	}
	if err == nil {
		i, err = literal(b, i, `,"a":`)
	}
	if err == nil {
		ev.Asks, i, err = d.levels(b, i, ev.Asks)
	}
	if err == nil {
		i, err = literal(b, i, `}`)
	}
	return i, err == nil && ev.First <= ev.Final
}

// depthMembers reads a depth event in any spelling: its members in any
// order, unknown ones skipped.
func (d *Decoder) depthMembers(b []byte, i int) (int, error) {
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
			if err == nil && ev.Price == 0 {
				err = errZeroPrice
			}
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
