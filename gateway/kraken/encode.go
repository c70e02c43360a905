package kraken

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/risk"
)

// TimeInForce is an order's time in force as Kraken's v2 add_order spells it.
type TimeInForce uint8

// The times in force nanotick sends (add_order's time_in_force: gtc, gtd, ioc).
const (
	GTC TimeInForce = iota // rests until cancelled
	IOC                    // fills what it can at once, cancels the rest
	GTD                    // rests until expire_time
)

var tifNames = [...]string{"gtc", "ioc", "gtd"}

// String returns Kraken's spelling.
func (t TimeInForce) String() string {
	if int(t) < len(tifNames) {
		return tifNames[t]
	}
	return "TimeInForce(" + strconv.Itoa(int(t)) + ")"
}

// Request kinds, in the low two bits of every req_id the encoder writes, so that an
// answer names its order and what was asked without a lookup.
const (
	reqControl = 0 // subscribe, ping, cancel_all: not about one order
	reqAdd     = 1
	reqAmend   = 2
	reqCancel  = 3
)

// ReqID returns the req_id of request kind k about order id.
func ReqID(id uint64, k int) uint64 { return id<<2 | uint64(k) }

// SplitReqID returns the order id and the request kind of a req_id.
func SplitReqID(r uint64) (id uint64, k int) { return r >> 2, int(r & 3) }

// maxClOrdID is the longest free-text cl_ord_id Kraken takes (the "Spot Client Order
// Identifiers" guide: a long UUID, a short UUID, or free text of at most 18
// characters).
const maxClOrdID = 18

// MaxPrefix is the longest cl_ord_id prefix: the engine's order id follows it in base
// 36, up to 13 characters for a uint64.
const MaxPrefix = maxClOrdID - 13

// Errors of the encoder. They are sentinels, so that refusing an order allocates
// nothing.
var (
	ErrBadOrder       = errors.New("kraken: order price and quantity must be positive")
	ErrIDTooLarge     = errors.New("kraken: order id does not fit a req_id")
	ErrNothingToAmend = errors.New("kraken: an amend must give the quantity")
)

// Encoder writes one instrument's add_order, amend_order and cancel_order requests. It
// is not safe for concurrent use: it belongs to the engine's goroutine.
type Encoder struct {
	symbol string
	ps, qs fixed.Scale
	prefix string
	// GTDFor is how long a GTD order lives: its expire_time is now plus GTDFor.
	GTDFor time.Duration
}

// NewEncoder returns an encoder for symbol ("BTC/USD") at the instrument's scales
// (price_precision, qty_precision). prefix starts every cl_ord_id, followed by the
// engine's order id in base 36: at most MaxPrefix letters, digits or '-'.
func NewEncoder(symbol string, priceScale, qtyScale fixed.Scale, prefix string) (*Encoder, error) {
	if symbol == "" || !plain(symbol, true) {
		return nil, fmt.Errorf("kraken: symbol %q", symbol)
	}
	if prefix == "" || len(prefix) > MaxPrefix || !plain(prefix, false) {
		return nil, fmt.Errorf("kraken: order id prefix %q: want 1-%d letters, digits or '-'", prefix, MaxPrefix)
	}
	if !priceScale.Valid() || !qtyScale.Valid() {
		return nil, fmt.Errorf("kraken: scales %d/%d out of range", priceScale, qtyScale)
	}
	return &Encoder{symbol: symbol, ps: priceScale, qs: qtyScale, prefix: prefix, GTDFor: time.Minute}, nil
}

// plain reports whether s holds only characters that need no JSON escaping and that a
// Kraken symbol (with '/' and '.') or a cl_ord_id may hold.
func plain(s string, symbol bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-':
		case symbol && (c == '/' || c == '.' || c == '_'):
		default:
			return false
		}
	}
	return true
}

// Prefix returns the cl_ord_id prefix.
func (e *Encoder) Prefix() string { return e.prefix }

// AppendClOrdID appends the cl_ord_id of order id.
func (e *Encoder) AppendClOrdID(dst []byte, id uint64) []byte {
	dst = append(dst, e.prefix...)
	return strconv.AppendUint(dst, id, 36)
}

// IDOf returns the engine's order id of a cl_ord_id, and false for another session's.
func (e *Encoder) IDOf(clOrdID string) (uint64, bool) {
	if len(clOrdID) <= len(e.prefix) || clOrdID[:len(e.prefix)] != e.prefix {
		return 0, false
	}
	id, err := strconv.ParseUint(clOrdID[len(e.prefix):], 36, 64)
	return id, err == nil
}

// TIFOf returns the time in force of a risk-checked order: IOC when it says so, GTC
// otherwise. Post-only is a flag beside the time in force on Kraken.
func TIFOf(o *risk.Order) TimeInForce {
	if o.IOC {
		return IOC
	}
	return GTC
}

// AppendAdd appends the add_order request of o, a limit order, with time in force
// tif, post_only when o says so, and token, the connection's WebSocket token; nowNs
// dates a GTD order's expire_time:
//
//	{"method":"add_order","params":{"order_type":"limit","side":"buy","order_qty":0.001,
//	 "limit_price":60000.1,"time_in_force":"gtc","post_only":true,"cl_ord_id":"nt1ab7",
//	 "symbol":"BTC/USD","token":"..."},"req_id":29}
//
// Quantities and prices are written as JSON numbers, exactly, at the instrument's
// scales. It allocates nothing once dst has room.
func (e *Encoder) AppendAdd(dst []byte, o *risk.Order, tif TimeInForce, token string, nowNs int64) ([]byte, error) {
	if o.Price <= 0 || o.Qty <= 0 {
		return dst, ErrBadOrder
	}
	if o.ID >= 1<<62 {
		return dst, ErrIDTooLarge
	}
	dst = append(dst, `{"method":"add_order","params":{"order_type":"limit","side":"`...)
	if o.Side == orderbook.Bid {
		dst = append(dst, "buy"...)
	} else {
		dst = append(dst, "sell"...)
	}
	dst = append(dst, `","order_qty":`...)
	dst = e.qs.Append(dst, o.Qty)
	dst = append(dst, `,"limit_price":`...)
	dst = e.ps.Append(dst, o.Price)
	dst = append(dst, `,"time_in_force":"`...)
	dst = append(dst, tif.String()...)
	dst = append(dst, '"')
	if tif == GTD {
		dst = append(dst, `,"expire_time":"`...)
		dst = time.Unix(0, nowNs+int64(e.GTDFor)).UTC().AppendFormat(dst, "2006-01-02T15:04:05.000Z")
		dst = append(dst, '"')
	}
	if o.PostOnly {
		dst = append(dst, `,"post_only":true`...)
	}
	dst = append(dst, `,"cl_ord_id":"`...)
	dst = e.AppendClOrdID(dst, o.ID)
	dst = append(dst, `","symbol":"`...)
	dst = append(dst, e.symbol...)
	dst = append(dst, '"')
	return e.tail(dst, token, ReqID(o.ID, reqAdd)), nil
}

// AppendAmend appends the amend_order request that gives order id the quantity qty
// and, when price is positive, the limit price price. Kraken's amend_order requires
// order_qty; post_only keeps a post-only order a maker at its new price ("if true,
// the amend is rejected if it would take liquidity").
func (e *Encoder) AppendAmend(dst []byte, id uint64, price, qty int64, postOnly bool, token string) ([]byte, error) {
	if price < 0 || qty < 0 {
		return dst, ErrBadOrder
	}
	if qty == 0 {
		return dst, ErrNothingToAmend
	}
	if id >= 1<<62 {
		return dst, ErrIDTooLarge
	}
	dst = append(dst, `{"method":"amend_order","params":{"cl_ord_id":"`...)
	dst = e.AppendClOrdID(dst, id)
	dst = append(dst, `","order_qty":`...)
	dst = e.qs.Append(dst, qty)
	if price > 0 {
		dst = append(dst, `,"limit_price":`...)
		dst = e.ps.Append(dst, price)
	}
	if postOnly {
		dst = append(dst, `,"post_only":true`...)
	}
	return e.tail(dst, token, ReqID(id, reqAmend)), nil
}

// AppendCancel appends the cancel_order request of order id, by its cl_ord_id:
//
//	{"method":"cancel_order","params":{"cl_ord_id":["nt1ab7"],"token":"..."},"req_id":31}
func (e *Encoder) AppendCancel(dst []byte, id uint64, token string) []byte {
	dst = append(dst, `{"method":"cancel_order","params":{"cl_ord_id":["`...)
	dst = e.AppendClOrdID(dst, id)
	dst = append(dst, `"]`...)
	return e.tail(dst, token, ReqID(id, reqCancel))
}

// tail closes params with the token and appends the req_id.
func (e *Encoder) tail(dst []byte, token string, reqID uint64) []byte {
	dst = append(dst, `,"token":"`...)
	dst = append(dst, token...)
	dst = append(dst, `"},"req_id":`...)
	dst = strconv.AppendUint(dst, reqID, 10)
	return append(dst, '}')
}

// AppendSubscribeExecutions appends the subscribe request of the executions channel
// with a snapshot of the open orders and of the last fills, which reconciliation
// after a (re)connect reads:
//
//	{"method":"subscribe","params":{"channel":"executions","snap_orders":true,"snap_trades":true,"token":"..."},"req_id":0}
func AppendSubscribeExecutions(dst []byte, token string, reqID uint64) []byte {
	dst = append(dst, `{"method":"subscribe","params":{"channel":"executions","snap_orders":true,"snap_trades":true,"token":"`...)
	dst = append(dst, token...)
	dst = append(dst, `"},"req_id":`...)
	dst = strconv.AppendUint(dst, reqID, 10)
	return append(dst, '}')
}

// AppendCancelAll appends cancel_all, which cancels every open order of the account.
func AppendCancelAll(dst []byte, token string, reqID uint64) []byte {
	dst = append(dst, `{"method":"cancel_all","params":{"token":"`...)
	dst = append(dst, token...)
	dst = append(dst, `"},"req_id":`...)
	dst = strconv.AppendUint(dst, reqID, 10)
	return append(dst, '}')
}

// AppendPing appends Kraken's application-level ping: {"method":"ping","req_id":4}.
func AppendPing(dst []byte, reqID uint64) []byte {
	dst = append(dst, `{"method":"ping","req_id":`...)
	dst = strconv.AppendUint(dst, reqID, 10)
	return append(dst, '}')
}
