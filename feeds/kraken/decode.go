package kraken

import (
	"errors"
	"strconv"

	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/orderbook"
)

// Errors in the meaning of a well-formed message, as opposed to its syntax.
var (
	errNoKind      = errors.New(`message has neither "channel" nor "method"`)
	errBookType    = errors.New(`book message type is neither "snapshot" nor "update"`)
	errNoData      = errors.New(`book message has no "data"`)
	errDataCount   = errors.New("book data must hold exactly one item")
	errNoSymbol    = errors.New(`book data has no "symbol"`)
	errNoChecksum  = errors.New(`book data has no "checksum"`)
	errLevelFields = errors.New(`level needs both "price" and "qty"`)
	errPrice       = errors.New("price must be positive")
	errQty         = errors.New("qty must not be negative")
	errTimestamp   = errors.New("invalid RFC 3339 timestamp")
	errDepth       = errors.New("invalid depth")
	errTradeFields = errors.New(`trade needs "symbol", "side", "price", "qty", "trade_id" and "timestamp"`)
	errSide        = errors.New(`side is neither "buy" nor "sell"`)
	errOrdType     = errors.New(`ord_type is neither "limit" nor "market"`)
	errTradeSymbol = errors.New("trades of more than one symbol in one message")
	errTooMany     = errors.New("more trades than Kraken sends in one message")
)

// SyntaxError reports a malformed message: what was wrong, in which field,
// and the byte offset where the decoder noticed.
type SyntaxError struct {
	Offset int    // byte offset in the message
	Field  string // the JSON field being read, "" at the top level
	Err    error  // what was wrong: a scanner error or one of package fixed's
	// Trade is true when the message was a trade message: its error
	// says nothing about the book.
	Trade bool
}

// Error returns the message, lowercase, offset and field first.
func (e *SyntaxError) Error() string {
	s := "kraken: malformed message at offset " + strconv.Itoa(e.Offset)
	if e.Field != "" {
		s += " in " + e.Field
	}
	return s + ": " + e.Err.Error()
}

// Unwrap returns the underlying error, so that errors.Is finds
// fixed.ErrPrecision and the like.
func (e *SyntaxError) Unwrap() error { return e.Err }

// Decoder decodes the messages of one instrument. Its scales must be the
// instrument's price_precision and qty_precision from Kraken's instrument
// channel: the checksum is computed from the fixed-point units, so a book
// kept at any other scale would never match it (see checksum.go).
type Decoder struct {
	PriceScale, QtyScale fixed.Scale
}

// field flags for duplicate detection: a repeated field in a book message
// could only mean a corrupt or hostile message, never something to merge.
const (
	fChannel = 1 << iota
	fType
	fData
	fMethod
	fSymbol
	fBids
	fAsks
	fChecksum
	fTimestamp
	fPrice
	fQty
)

// Decode decodes message b into m, which it resets first. It returns a
// *SyntaxError if b is not a well-formed Kraken v2 message. It never panics
// and, once m's level slices have grown to the largest message seen, never
// allocates on success.
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
		trade := m.Kind == KindTrade
		m.reset()
		return &SyntaxError{Offset: s.Pos, Field: field, Err: err, Trade: trade}
	}
	return nil
}

// message reads the top-level object. It returns the field it failed in.
func (d Decoder) message(s *scanner, m *Message) (string, error) {
	if err := s.Expect('{'); err != nil {
		return "", errObject
	}
	var (
		channel, typ, method []byte
		symbol               []byte // top level: in rejected subscribe responses
		seen                 int
		dataAt               = -1 // offset of "data" seen before the channel and type
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
		case "channel":
			flag = fChannel
			channel, err = s.Str()
		case "type":
			flag = fType
			typ, err = s.Str()
		case "method":
			flag = fMethod
			method, err = s.Str()
		case "data":
			flag = fData
			// Kraken sends channel and type first; should they ever
			// come after data, remember where it is and read it then.
			if string(channel) == "book" && (string(typ) == "snapshot" || string(typ) == "update") {
				err = d.bookData(s, m)
			} else if string(channel) == "trade" {
				m.Kind = KindTrade // so that an error is known to be a trade's
				err = d.tradeData(s, m)
			} else {
				dataAt = s.Pos
				err = s.Skip()
			}
		case "result":
			err = ackResult(s, m)
		case "success":
			m.Success, err = s.Bool()
		case "error":
			m.Error, err = s.Str()
		case "symbol":
			symbol, err = s.Str()
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
	switch {
	case channel != nil:
		switch string(channel) {
		case "book":
			switch string(typ) {
			case "snapshot":
				m.Kind = KindSnapshot
			case "update":
				m.Kind = KindUpdate
			default:
				return "type", errBookType
			}
			if seen&fData == 0 {
				return "data", errNoData
			}
			if dataAt >= 0 {
				end := s.Pos
				s.Pos = dataAt
				if err := d.bookData(s, m); err != nil {
					return "data", err
				}
				s.Pos = end
			}
		case "trade":
			m.Kind = KindTrade
			m.TradeSnapshot = string(typ) == "snapshot"
			if seen&fData == 0 {
				return "data", errNoData
			}
			if dataAt >= 0 {
				end := s.Pos
				s.Pos = dataAt
				if err := d.tradeData(s, m); err != nil {
					return "data", err
				}
				s.Pos = end
			}
		case "heartbeat":
			m.Kind = KindHeartbeat
		case "status":
			m.Kind = KindStatus
		default:
			m.Kind = KindOther
		}
	case method != nil:
		if string(method) == "subscribe" {
			m.Kind = KindSubscribe
			// A rejected request has no result; its symbol is at the
			// top level.
			if m.Symbol == nil {
				m.Symbol = symbol
			}
		} else {
			m.Kind = KindOther
		}
	default:
		return "", errNoKind
	}
	return "", nil
}

// bookData reads the "data" array of a book message, which holds exactly one
// book item ("The book element is always the first and only item in the data
// payload", https://docs.kraken.com/api/docs/websocket-v2/book).
func (d Decoder) bookData(s *scanner, m *Message) error {
	if s.Peek() != '[' {
		return s.EOFOr(errArray)
	}
	s.Pos++
	items := 0
	for n := 0; ; {
		ok, err := s.Element(&n)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		if items++; items > 1 {
			return errDataCount
		}
		if err := d.bookItem(s, m); err != nil {
			return err
		}
	}
	if items != 1 {
		return errDataCount
	}
	return nil
}

// bookItem reads {"symbol":..,"bids":[..],"asks":[..],"checksum":..,"timestamp":..}.
func (d Decoder) bookItem(s *scanner, m *Message) error {
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
		case "symbol":
			flag = fSymbol
			m.Symbol, err = s.Str()
		case "bids":
			flag = fBids
			m.Bids, err = d.levels(s, m.Bids)
		case "asks":
			flag = fAsks
			m.Asks, err = d.levels(s, m.Asks)
		case "checksum":
			flag = fChecksum
			m.Checksum, err = s.Uint32()
		case "timestamp":
			flag = fTimestamp
			var ts []byte
			if ts, err = s.Str(); err == nil {
				var ok bool
				if m.Time, ok = parseTime(ts); !ok {
					err = errTimestamp
				}
			}
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
	case seen&fChecksum == 0:
		return errNoChecksum
	}
	return nil
}

// levels reads an array of {"price":..,"qty":..} and appends it to dst.
func (d Decoder) levels(s *scanner, dst []orderbook.Level) ([]orderbook.Level, error) {
	if s.Peek() != '[' {
		return dst, s.EOFOr(errArray)
	}
	s.Pos++
	for n := 0; ; {
		ok, err := s.Element(&n)
		if err != nil {
			return dst, err
		}
		if !ok {
			return dst, nil
		}
		if l, ok := d.fastLevel(s); ok {
			dst = append(dst, l)
			continue
		}
		l, err := d.level(s)
		if err != nil {
			return dst, err
		}
		dst = append(dst, l)
	}
}

// level reads one {"price":..,"qty":..}. Prices and quantities are JSON
// numbers on the v2 wire, parsed straight from their text into fixed point:
// never through float64, and an error rather than a rounding when the text
// has more decimals than the instrument's precision.
func (d Decoder) level(s *scanner) (orderbook.Level, error) {
	var l orderbook.Level
	if s.Peek() != '{' {
		return l, s.EOFOr(errObject)
	}
	s.Pos++
	seen := 0
	for n := 0; ; {
		key, ok, err := s.Member(&n)
		if err != nil {
			return l, err
		}
		if !ok {
			break
		}
		var flag int
		switch string(key) {
		case "price":
			flag = fPrice
			l.Price, err = d.num(s, d.PriceScale)
			if err == nil && l.Price <= 0 {
				err = errPrice
			}
		case "qty":
			flag = fQty
			l.Qty, err = d.num(s, d.QtyScale)
			if err == nil && l.Qty < 0 {
				err = errQty
			}
		default:
			err = s.Skip()
		}
		if err != nil {
			return l, err
		}
		if seen&flag != 0 {
			return l, errDuplicate
		}
		seen |= flag
	}
	if seen != fPrice|fQty {
		return l, errLevelFields
	}
	return l, nil
}

// num reads a JSON number at scale sc.
func (d Decoder) num(s *scanner, sc fixed.Scale) (int64, error) {
	start := s.Pos
	text, err := s.Number()
	if err != nil {
		return 0, err
	}
	v, err := sc.Parse(text)
	if err != nil {
		s.Pos = start // report the offset of the number, not past it
		return 0, err
	}
	return v, nil
}

// ackResult reads the "result" of a method response. For a subscribe
// acknowledgement it is {"channel":"book","depth":10,"snapshot":true,
// "symbol":"BTC/USD"}; other methods' results are skipped field by field.
func ackResult(s *scanner, m *Message) error {
	if s.Peek() != '{' {
		return s.Skip()
	}
	s.Pos++
	for n := 0; ; {
		key, ok, err := s.Member(&n)
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		switch string(key) {
		case "channel":
			m.Channel, err = s.Str()
		case "symbol":
			m.Symbol, err = s.Str()
		case "depth":
			var text []byte
			if text, err = s.Number(); err == nil {
				var v int64
				if v, err = fixed.Scale(0).Parse(text); err != nil || v < 0 || v > 1<<20 {
					err = errDepth
				}
				m.Depth = int(v)
			}
		default:
			err = s.Skip()
		}
		if err != nil {
			return err
		}
	}
}

// tradeData reads the "data" array of a trade message: trade objects of one
// symbol, {"symbol":"MATIC/USD","side":"buy","price":0.5147,"qty":6423.46326,
// "ord_type":"limit","trade_id":4665846,"timestamp":"2023-09-25T07:48:36.925533Z"}
// (https://docs.kraken.com/api/docs/websocket-v2/trade).
func (d Decoder) tradeData(s *scanner, m *Message) error {
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
			return nil
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
		} else if string(m.Symbol) != string(sym) {
			return errTradeSymbol
		}
		m.Trades = append(m.Trades, t)
	}
}

// trade field flags.
const (
	tSymbol = 1 << iota
	tSide
	tPrice
	tQty
	tOrdType
	tID
	tTime
)

// trade reads one trade object and returns its symbol.
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
		var v []byte
		switch string(key) {
		case "symbol":
			flag = tSymbol
			sym, err = s.Str()
		case "side":
			flag = tSide
			if v, err = s.Str(); err == nil {
				switch string(v) {
				case "buy":
				case "sell":
					t.Sell = true
				default:
					err = errSide
				}
			}
		case "price":
			flag = tPrice
			if t.Price, err = d.num(s, d.PriceScale); err == nil && t.Price <= 0 {
				err = errPrice
			}
		case "qty":
			flag = tQty
			if t.Qty, err = d.num(s, d.QtyScale); err == nil && t.Qty <= 0 {
				err = errQty
			}
		case "ord_type":
			flag = tOrdType
			if v, err = s.Str(); err == nil {
				switch string(v) {
				case "limit":
				case "market":
					t.Market = true
				default:
					err = errOrdType
				}
			}
		case "trade_id":
			flag = tID
			var text []byte
			if text, err = s.Number(); err == nil {
				var id int64
				if id, err = fixed.Scale(0).Parse(text); err == nil && id < 0 {
					err = errInteger
				}
				t.ID = uint64(id)
			}
		case "timestamp":
			flag = tTime
			if v, err = s.Str(); err == nil {
				var ok bool
				if t.Time, ok = parseTime(v); !ok {
					err = errTimestamp
				}
			}
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
	if seen&(tSymbol|tSide|tPrice|tQty|tID|tTime) != tSymbol|tSide|tPrice|tQty|tID|tTime {
		return nil, errTradeFields
	}
	return sym, nil
}
