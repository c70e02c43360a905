package bybit

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/risk"
)

// TimeInForce is an order's time in force as Bybit spells it (v5/enum#timeinforce).
type TimeInForce uint8

// The times in force nanotick sends. RPI is Bybit's own and not for API orders.
const (
	GTC      TimeInForce = iota // rests until cancelled
	IOC                         // fills what it can at once, cancels the rest
	FOK                         // fills entirely at once or is cancelled
	PostOnly                    // cancelled rather than filled on arrival: always a maker
)

var tifNames = [...]string{"GTC", "IOC", "FOK", "PostOnly"}

// String returns Bybit's spelling.
func (t TimeInForce) String() string {
	if int(t) < len(tifNames) {
		return tifNames[t]
	}
	return "TimeInForce(" + strconv.Itoa(int(t)) + ")"
}

// TIFOf returns the time in force of a risk-checked order: PostOnly or IOC when it
// says so, GTC otherwise.
func TIFOf(o *risk.Order) TimeInForce {
	switch {
	case o.PostOnly:
		return PostOnly
	case o.IOC:
		return IOC
	}
	return GTC
}

// Category is the market of the instrument: "spot" or "linear".
type Category string

// The categories the encoder writes.
const (
	Spot   Category = "spot"
	Linear Category = "linear"
)

// Errors of the encoder. They are sentinels, so that refusing an order allocates
// nothing.
var (
	ErrReduceOnlySpot = errors.New("bybit: reduce-only is for linear orders; spot has no position to reduce")
	ErrBadOrder       = errors.New("bybit: order price and quantity must be positive")
	ErrNothingToAmend = errors.New("bybit: an amend must change the price or the quantity")
)

// maxLinkID is the longest orderLinkId and reqId Bybit takes.
const maxLinkID = 36

// Encoder writes one instrument's trade API requests. It is not safe for concurrent
// use: it belongs to the engine's goroutine, which numbers the requests.
type Encoder struct {
	category   Category
	symbol     string
	ps, qs     fixed.Scale
	prefix     string
	recvWindow int64 // ms; 0 leaves Bybit's default of 5000
	seq        uint64
}

// NewEncoder returns an encoder for symbol in category at the instrument's scales.
// prefix starts every orderLinkId, followed by the engine's order id; with the id's up
// to 20 digits it must leave the id within 36 characters, and like the id hold only
// letters, digits, '-' and '_'. recvWindowMs is X-BAPI-RECV-WINDOW, 0 for Bybit's
// default (5000 ms).
func NewEncoder(category Category, symbol string, priceScale, qtyScale fixed.Scale, prefix string, recvWindowMs int64) (*Encoder, error) {
	if category != Spot && category != Linear {
		return nil, fmt.Errorf("bybit: category %q: want spot or linear", category)
	}
	if symbol == "" || !linkChars(symbol) {
		return nil, fmt.Errorf("bybit: symbol %q", symbol)
	}
	if len(prefix) > maxLinkID-20-2 || !linkChars(prefix) {
		return nil, fmt.Errorf("bybit: order id prefix %q: at most %d letters, digits, '-' or '_'", prefix, maxLinkID-22)
	}
	if !priceScale.Valid() || !qtyScale.Valid() || recvWindowMs < 0 {
		return nil, fmt.Errorf("bybit: scales %d/%d or receive window %d out of range", priceScale, qtyScale, recvWindowMs)
	}
	return &Encoder{category: category, symbol: symbol, ps: priceScale, qs: qtyScale, prefix: prefix, recvWindow: recvWindowMs}, nil
}

func linkChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Prefix returns the orderLinkId prefix.
func (e *Encoder) Prefix() string { return e.prefix }

// AppendCreate appends the order.create request of o, a limit order, with time in
// force tif and, on linear, reduceOnly; nowMs is X-BAPI-TIMESTAMP:
//
//	{"reqId":"c7.1","header":{"X-BAPI-TIMESTAMP":"1711001595207"},"op":"order.create",
//	 "args":[{"category":"linear","symbol":"BTCUSDT","side":"Buy","orderType":"Limit",
//	 "qty":"0.001","price":"60000.10","timeInForce":"PostOnly","orderLinkId":"nt-7"}]}
func (e *Encoder) AppendCreate(dst []byte, o *risk.Order, tif TimeInForce, reduceOnly bool, nowMs int64) ([]byte, error) {
	if o.Price <= 0 || o.Qty <= 0 {
		return dst, ErrBadOrder
	}
	if reduceOnly && e.category == Spot {
		return dst, ErrReduceOnlySpot
	}
	dst = e.head(dst, 'c', o.ID, "order.create", nowMs)
	dst = append(dst, `,"side":"`...)
	if o.Side == orderbook.Bid {
		dst = append(dst, "Buy"...)
	} else {
		dst = append(dst, "Sell"...)
	}
	dst = append(dst, `","orderType":"Limit","qty":"`...)
	dst = e.qs.Append(dst, o.Qty)
	dst = append(dst, `","price":"`...)
	dst = e.ps.Append(dst, o.Price)
	dst = append(dst, `","timeInForce":"`...)
	dst = append(dst, tif.String()...)
	dst = append(dst, '"')
	if reduceOnly {
		dst = append(dst, `,"reduceOnly":true`...)
	}
	dst = e.linkID(dst, o.ID)
	return append(dst, "}]}"...), nil
}

// AppendAmend appends the order.amend request that moves order id to price and qty;
// a zero price or qty is left out, unchanged ("Do not pass it if not modify").
func (e *Encoder) AppendAmend(dst []byte, id uint64, price, qty int64, nowMs int64) ([]byte, error) {
	if price < 0 || qty < 0 {
		return dst, ErrBadOrder
	}
	if price == 0 && qty == 0 {
		return dst, ErrNothingToAmend
	}
	dst = e.head(dst, 'a', id, "order.amend", nowMs)
	if qty > 0 {
		dst = append(dst, `,"qty":"`...)
		dst = e.qs.Append(dst, qty)
		dst = append(dst, '"')
	}
	if price > 0 {
		dst = append(dst, `,"price":"`...)
		dst = e.ps.Append(dst, price)
		dst = append(dst, '"')
	}
	dst = e.linkID(dst, id)
	return append(dst, "}]}"...), nil
}

// AppendCancel appends the order.cancel request of order id.
func (e *Encoder) AppendCancel(dst []byte, id uint64, nowMs int64) []byte {
	dst = e.head(dst, 'x', id, "order.cancel", nowMs)
	dst = e.linkID(dst, id)
	return append(dst, "}]}"...)
}

// head writes the request up to the first order argument's symbol. The reqId is the
// op's letter, the order id and the encoder's request count, both in base 36 ("c7.c"):
// unique, as Bybit requires (20006 otherwise), naming the order its answer is about,
// and at most 28 characters of the 36 allowed.
func (e *Encoder) head(dst []byte, op byte, id uint64, name string, nowMs int64) []byte {
	e.seq++
	dst = append(dst, `{"reqId":"`...)
	dst = append(dst, op)
	dst = strconv.AppendUint(dst, id, 36)
	dst = append(dst, '.')
	dst = strconv.AppendUint(dst, e.seq, 36)
	dst = append(dst, `","header":{"X-BAPI-TIMESTAMP":"`...)
	dst = strconv.AppendInt(dst, nowMs, 10)
	if e.recvWindow > 0 {
		dst = append(dst, `","X-BAPI-RECV-WINDOW":"`...)
		dst = strconv.AppendInt(dst, e.recvWindow, 10)
	}
	dst = append(dst, `"},"op":"`...)
	dst = append(dst, name...)
	dst = append(dst, `","args":[{"category":"`...)
	dst = append(dst, e.category...)
	dst = append(dst, `","symbol":"`...)
	dst = append(dst, e.symbol...)
	return append(dst, '"')
}

func (e *Encoder) linkID(dst []byte, id uint64) []byte {
	dst = append(dst, `,"orderLinkId":"`...)
	dst = append(dst, e.prefix...)
	dst = strconv.AppendUint(dst, id, 10)
	return append(dst, '"')
}
