package bybit

import (
	"bytes"
	"errors"
	"github.com/nanotick/nanotick/internal/jsonscan"
	"strconv"

	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/orderbook"
)

// Errors in the meaning of a well-formed message, as opposed to its syntax.
var (
	errNoKind      = errors.New(`message has neither "topic" nor "op"`)
	errNoData      = errors.New(`topic message has no "data"`)
	errType        = errors.New(`type is neither "snapshot" nor "delta"`)
	errNoType      = errors.New(`orderbook message has no "type"`)
	errNoSymbol    = errors.New(`data has no symbol`)
	errNoUpdateID  = errors.New(`orderbook data has no "u"`)
	errLevel       = errors.New(`expected a ["price", "size"] level`)
	errPrice       = errors.New("price must be positive")
	errQty         = errors.New("size must not be negative")
	errTooMany     = errors.New("more levels or trades than Bybit sends in one message")
	errSide        = errors.New(`side is neither "Buy" nor "Sell"`)
	errTradeFields = errors.New(`trade needs "T", "S", "v" and "p"`)
	errTradeSymbol = errors.New("trades of more than one symbol in one message")
)

// SyntaxError reports a malformed message: what was wrong, in which field,
// and the byte offset where the decoder noticed.
type SyntaxError struct {
	Offset int    // byte offset in the message
	Field  string // the JSON field being read, "" at the top level
	Err    error  // what was wrong: a scanner error or one of package fixed's
}

// Error returns the message, lowercase, offset and field first.
func (e *SyntaxError) Error() string {
	s := "bybit: malformed message at offset " + strconv.Itoa(e.Offset)
	if e.Field != "" {
		s += " in " + e.Field
	}
	return s + ": " + e.Err.Error()
}

// Unwrap returns the underlying error, so that errors.Is finds
// fixed.ErrPrecision and the like.
func (e *SyntaxError) Unwrap() error { return e.Err }

// Decoder decodes the public messages of one instrument. Its scales must hold
// every decimal Bybit sends for the instrument (the instruments-info
// tickSize and basePrecision or qtyStep): a price or size with more
// non-zero decimals is an error, never a rounding.
type Decoder struct {
	PriceScale, QtyScale fixed.Scale
}

// field flags for duplicate detection: a repeated field could only mean a
// corrupt or hostile message, never something to merge.
const (
	fTopic = 1 << iota
	fType
	fTs
	fData
	fOp
	fSymbol
	fBids
	fAsks
	fU
	fSeq
	fCts
)

// topic families, from the topic's prefix.
const (
	topicOther = iota
	topicBook
	topicTrade
	topicTicker
)

func topicFamily(t []byte) int {
	switch {
	case bytes.HasPrefix(t, []byte("orderbook.")):
		return topicBook
	case bytes.HasPrefix(t, []byte("publicTrade.")):
		return topicTrade
	case bytes.HasPrefix(t, []byte("tickers.")):
		return topicTicker
	}
	return topicOther
}

// Decode decodes message b into m, which it resets first. It returns a
// *SyntaxError if b is not a well-formed Bybit v5 public message. It never
// panics and, once m's slices have grown to the largest message seen, never
// allocates on success. Fields may come in any order: Bybit itself sends
// "ts" before "type" on some streams and after it on others
// (v5/websocket/public/orderbook).
func (d Decoder) Decode(b []byte, m *Message) error {
	m.reset()
	s := scanner{B: b}
	field, err := d.message(&s, m)
	if err == nil {
		s.Space()
		if s.Pos != len(b) {
			field, err = "", errTrailing
		}
	}
	if err != nil {
		m.reset()
		return &SyntaxError{Offset: s.Pos, Field: field, Err: err}
	}
	return nil
}

// message reads the top-level object. It returns the field it failed in.
func (d Decoder) message(s *scanner, m *Message) (string, error) {
	if err := s.Expect('{'); err != nil {
		return "", errObject
	}
	var (
		typ    []byte
		seen   int
		family = -1
		dataAt = -1 // offset of "data" seen before the topic
	)
	for n := 0; ; {
		key, ok, err := s.Member(&n)
		if err != nil {
			return "", err
		}
		if !ok {
			break
		}
		var flag int
		switch string(key) {
		case "topic":
			flag = fTopic
			m.Topic, err = s.Str()
			family = topicFamily(m.Topic)
		case "type":
			flag = fType
			typ, err = s.Str()
		case "ts":
			flag = fTs
			m.Time, err = s.UintOrString()
		case "cts":
			flag = fCts
			m.MatchTime, err = s.UintOrString()
		case "cs":
			m.Seq, err = s.Uint()
		case "data":
			flag = fData
			if family >= 0 {
				err = d.data(s, m, family)
			} else {
				dataAt = s.Pos
				err = s.Skip()
			}
		case "op":
			flag = fOp
			m.Op, err = s.Str()
		case "success":
			m.Success, err = s.Bool()
		case "ret_msg":
			m.RetMsg, err = s.StrOrNull()
		case "req_id":
			m.ReqID, err = s.StrOrNull()
		default:
			err = s.Skip()
		}
		if err != nil {
			return string(key), err
		}
		if seen&flag != 0 {
			return string(key), errDuplicate
		}
		seen |= flag
	}
	if seen&fTopic == 0 {
		if seen&fOp == 0 {
			return "", errNoKind
		}
		m.Kind = KindOp
		return "", nil
	}
	if family == topicOther {
		m.Kind = KindOther
		return "", nil
	}
	if seen&fData == 0 {
		return "data", errNoData
	}
	if dataAt >= 0 {
		end := s.Pos
		s.Pos = dataAt
		if err := d.data(s, m, family); err != nil {
			return "data", err
		}
		s.Pos = end
	}
	switch string(typ) {
	case "snapshot":
		m.Snapshot = true
	case "delta":
	case "":
		if family == topicBook {
			return "type", errNoType
		}
	default:
		return "type", errType
	}
	switch family {
	case topicBook:
		m.Kind = KindDelta
		if m.Snapshot {
			m.Kind = KindSnapshot
		}
	case topicTrade:
		m.Kind = KindTrade
	case topicTicker:
		m.Kind = KindTicker
	}
	return "", nil
}

// data reads the "data" member of a topic message of the given family.
func (d Decoder) data(s *scanner, m *Message, family int) error {
	switch family {
	case topicBook:
		return d.book(s, m)
	case topicTrade:
		return d.trades(s, m)
	case topicTicker:
		return d.ticker(s, m)
	}
	return s.Skip()
}

// book reads {"s":..,"b":[..],"a":[..],"u":..,"seq":..}.
func (d Decoder) book(s *scanner, m *Message) error {
	if s.Peek() != '{' {
		return s.EOFOr(errObject)
	}
	s.Pos++
	seen := 0
	for n := 0; ; {
		key, ok, err := s.Member(&n)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		var flag int
		switch string(key) {
		case "s":
			flag = fSymbol
			m.Symbol, err = s.Str()
		case "b":
			flag = fBids
			m.Bids, err = d.levels(s, m.Bids)
		case "a":
			flag = fAsks
			m.Asks, err = d.levels(s, m.Asks)
		case "u":
			flag = fU
			m.UpdateID, err = s.Uint()
		case "seq":
			flag = fSeq
			m.Seq, err = s.Uint()
		default:
			err = s.Skip()
		}
		if err != nil {
			return err
		}
		if seen&flag != 0 {
			return errDuplicate
		}
		seen |= flag
	}
	switch {
	case seen&fSymbol == 0:
		return errNoSymbol
	case seen&fU == 0:
		return errNoUpdateID
	}
	return nil
}

// levels reads an array of ["price","size"] and appends it to dst.
func (d Decoder) levels(s *scanner, dst []orderbook.Level) ([]orderbook.Level, error) {
	if s.Peek() != '[' {
		return dst, s.EOFOr(errArray)
	}
	s.Pos++
	start := len(dst)
	for n := 0; ; {
		ok, err := s.Element(&n)
		if err != nil {
			return dst, err
		}
		if !ok {
			return dst, nil
		}
		if len(dst)-start == maxLevels {
			return dst, errTooMany
		}
		l, err := d.level(s)
		if err != nil {
			return dst, err
		}
		dst = append(dst, l)
	}
}

// level reads one ["price","size"].
func (d Decoder) level(s *scanner) (orderbook.Level, error) {
	var l orderbook.Level
	if err := s.Expect('['); err != nil {
		return l, s.EOFOr(errLevel)
	}
	s.Space()
	p, err := d.dec(s, d.PriceScale)
	if err != nil {
		return l, err
	}
	if p <= 0 {
		return l, errPrice
	}
	if err := s.Expect(','); err != nil {
		return l, s.EOFOr(errLevel)
	}
	s.Space()
	q, err := d.dec(s, d.QtyScale)
	if err != nil {
		return l, err
	}
	if q < 0 {
		return l, errQty
	}
	if err := s.Expect(']'); err != nil {
		return l, s.EOFOr(errLevel)
	}
	return orderbook.Level{Price: p, Qty: q}, nil
}

// dec reads a decimal at scale sc, sent as a string ("16493.50", as Bybit
// documents every price and size) or as a JSON number. Its text goes straight
// into fixed point: never through float64, and an error rather than a
// rounding when it has more decimals than the scale.
func (d Decoder) dec(s *scanner, sc fixed.Scale) (int64, error) {
	if v, ok := quickDec(s, sc); ok {
		return v, nil
	}
	start := s.Pos
	var text []byte
	var err error
	if s.Pos < len(s.B) && s.B[s.Pos] == '"' {
		text, err = s.Str()
		if err == nil && !decimalText(text) {
			err = errNumber
		}
	} else {
		text, err = s.Number()
	}
	if err != nil {
		s.Pos = start
		return 0, err
	}
	v, err := sc.Parse(text)
	if err != nil {
		s.Pos = start // report the offset of the number, not past it
		return 0, err
	}
	return v, nil
}

// pow10 holds the powers of ten quickDec scales by.
var pow10 = [...]int64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18}

// quickDec reads the common case in one pass: a quoted non-negative decimal
// of at most 18 digits and at most sc decimals, "16493.50". Anything else
// (a minus, more decimals, an escape, a bare number) returns false with the
// scanner unmoved, for the general path to read or reject exactly.
func quickDec(s *scanner, sc fixed.Scale) (int64, bool) {
	b, i := s.B, s.Pos
	if i >= len(b) || b[i] != '"' {
		return 0, false
	}
	i++
	var v int64
	n, frac, dot := 0, 0, false
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case c >= '0' && c <= '9':
			v = v*10 + int64(c-'0')
			n++
			if dot {
				frac++
			}
		case c == '.' && !dot && n > 0:
			dot = true
		case c == '"':
			if n == 0 || n > 18 || dot && frac == 0 || frac > int(sc) || !sc.Valid() {
				return 0, false
			}
			// Leading zeros are fine in a string ("0.006") but not "00".
			if n-frac > 1 && b[s.Pos+1] == '0' {
				return 0, false
			}
			m := pow10[int(sc)-frac]
			if v > (1<<63-1)/m {
				return 0, false
			}
			s.Pos = i + 1
			return v * m, true
		default:
			return 0, false
		}
	}
	return 0, false
}

// decimalText reports whether a quoted number is plain decimal text as
// Bybit writes it: an optional minus, digits, an optional fraction. It is
// stricter than fixed.Scale.Parse, which also takes "+1", ".5" and exponents.
func decimalText(t []byte) bool {
	i := 0
	if i < len(t) && t[i] == '-' {
		i++
	}
	d := 0
	for ; i < len(t) && jsonscan.IsDigit(t[i]); i++ {
		d++
	}
	if d == 0 {
		return false
	}
	if i < len(t) && t[i] == '.' {
		i++
		f := 0
		for ; i < len(t) && jsonscan.IsDigit(t[i]); i++ {
			f++
		}
		if f == 0 {
			return false
		}
	}
	return i == len(t)
}

// trades reads publicTrade's data: an array of trade objects.
func (d Decoder) trades(s *scanner, m *Message) error {
	if s.Peek() != '[' {
		return s.EOFOr(errArray)
	}
	s.Pos++
	for n := 0; ; {
		ok, err := s.Element(&n)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		if len(m.Trades) == maxTrades {
			return errTooMany
		}
		var t Trade
		sym, err := d.trade(s, &t)
		if err != nil {
			return err
		}
		if m.Symbol == nil {
			m.Symbol = sym
		} else if !bytes.Equal(m.Symbol, sym) {
			return errTradeSymbol
		}
		m.Trades = append(m.Trades, t)
	}
	if m.Symbol == nil {
		return errNoSymbol
	}
	return nil
}

// trade flags.
const (
	tTime = 1 << iota
	tSymbol
	tSide
	tQty
	tPrice
	tID
	tSeq
	tBlock
	tRPI
)

// trade reads {"T":..,"s":..,"S":..,"v":..,"p":..,"L":..,"i":..,"BT":..,"RPI":..,"seq":..}
// and returns its symbol.
func (d Decoder) trade(s *scanner, t *Trade) ([]byte, error) {
	if s.Peek() != '{' {
		return nil, s.EOFOr(errObject)
	}
	s.Pos++
	var sym []byte
	seen := 0
	for n := 0; ; {
		key, ok, err := s.Member(&n)
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		var flag int
		switch string(key) {
		case "T":
			flag = tTime
			t.Time, err = s.UintOrString()
		case "s":
			flag = tSymbol
			sym, err = s.Str()
		case "S":
			flag = tSide
			var side []byte
			if side, err = s.Str(); err == nil {
				switch string(side) {
				case "Buy":
				case "Sell":
					t.Sell = true
				default:
					err = errSide
				}
			}
		case "v":
			flag = tQty
			if t.Qty, err = d.dec(s, d.QtyScale); err == nil && t.Qty <= 0 {
				err = errQty
			}
		case "p":
			flag = tPrice
			if t.Price, err = d.dec(s, d.PriceScale); err == nil && t.Price <= 0 {
				err = errPrice
			}
		case "i":
			flag = tID
			t.ID, err = s.Str()
		case "seq":
			flag = tSeq
			t.Seq, err = s.Uint()
		case "BT":
			flag = tBlock
			t.Block, err = s.Bool()
		case "RPI":
			flag = tRPI
			t.RPI, err = s.Bool()
		default:
			err = s.Skip()
		}
		if err != nil {
			return nil, err
		}
		if seen&flag != 0 {
			return nil, errDuplicate
		}
		seen |= flag
	}
	if seen&(tTime|tSide|tQty|tPrice) != tTime|tSide|tQty|tPrice {
		return nil, errTradeFields
	}
	if seen&tSymbol == 0 {
		return nil, errNoSymbol
	}
	return sym, nil
}

// ticker reads the tickers data object, the fields nanotick uses; the rest
// are skipped. Bybit's table calls data an array, its every example an
// object; the object is what is sent.
func (d Decoder) ticker(s *scanner, m *Message) error {
	if s.Peek() != '{' {
		return s.EOFOr(errObject)
	}
	s.Pos++
	t := &m.Ticker
	for n := 0; ; {
		key, ok, err := s.Member(&n)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		var flag TickerField
		var v int64
		switch string(key) {
		case "symbol":
			if m.Symbol != nil {
				return errDuplicate
			}
			m.Symbol, err = s.Str()
		case "lastPrice":
			v, flag, err = d.tickerDec(s, d.PriceScale, HasLastPrice)
			t.LastPrice = v
		case "markPrice":
			v, flag, err = d.tickerDec(s, d.PriceScale, HasMarkPrice)
			t.MarkPrice = v
		case "indexPrice":
			v, flag, err = d.tickerDec(s, d.PriceScale, HasIndexPrice)
			t.IndexPrice = v
		case "fundingRate":
			v, flag, err = d.tickerDec(s, RateScale, HasFundingRate)
			t.FundingRate = v
		case "nextFundingTime":
			if s.Peek() == '"' && s.Pos+1 < len(s.B) && s.B[s.Pos+1] == '"' {
				s.Pos += 2 // "": no funding (a dated future)
				break
			}
			t.NextFundingTime, err = s.UintOrString()
			flag = HasNextFundingTime
		case "bid1Price":
			v, flag, err = d.tickerDec(s, d.PriceScale, HasBid1Price)
			t.Bid1Price = v
		case "bid1Size":
			v, flag, err = d.tickerDec(s, d.QtyScale, HasBid1Size)
			t.Bid1Size = v
		case "ask1Price":
			v, flag, err = d.tickerDec(s, d.PriceScale, HasAsk1Price)
			t.Ask1Price = v
		case "ask1Size":
			v, flag, err = d.tickerDec(s, d.QtyScale, HasAsk1Size)
			t.Ask1Size = v
		default:
			err = s.Skip()
		}
		if err != nil {
			return err
		}
		if t.Has&flag != 0 {
			return errDuplicate
		}
		t.Has |= flag
	}
	if m.Symbol == nil {
		return errNoSymbol
	}
	return nil
}

// tickerDec reads a ticker decimal; "" means the field has no value and
// returns no flag.
func (d Decoder) tickerDec(s *scanner, sc fixed.Scale, flag TickerField) (int64, TickerField, error) {
	if s.Pos+1 < len(s.B) && s.B[s.Pos] == '"' && s.B[s.Pos+1] == '"' {
		s.Pos += 2
		return 0, 0, nil
	}
	v, err := d.dec(s, sc)
	if err != nil {
		return 0, 0, err
	}
	return v, flag, nil
}
