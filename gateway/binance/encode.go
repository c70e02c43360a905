// Package binance owns the Binance WebSocket API's order entry format: the bytes of an
// order.place and order.cancel request, written into a reused buffer without allocating.
//
// It is the "encode" stage of nanotick's tick path. Connections, signing, the order state
// machine and reconciliation belong to the live gateway built on top of it; this package
// must never do I/O, read a clock or allocate per order.
package binance

import (
	"strconv"

	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/risk"
)

// Encoder writes order requests for one symbol.
type Encoder struct {
	symbol     string
	priceScale fixed.Scale
	qtyScale   fixed.Scale
	prefix     string // client order id prefix: distinguishes sessions and engines
	requests   uint64 // request id counter
}

// NewEncoder returns an encoder for symbol with the instrument's scales. Client order ids
// are prefix followed by nanotick's order id, so the venue's answers map back to orders.
func NewEncoder(symbol string, priceScale, qtyScale fixed.Scale, prefix string) *Encoder {
	return &Encoder{symbol: symbol, priceScale: priceScale, qtyScale: qtyScale, prefix: prefix}
}

// AppendPlace appends an order.place request for o, stamped with timestamp (Unix ms), and
// returns the extended buffer. A post-only order is a LIMIT_MAKER; an IOC order a LIMIT
// with timeInForce IOC; any other a LIMIT GTC.
func (e *Encoder) AppendPlace(dst []byte, o *risk.Order, timestamp int64) []byte {
	e.requests++
	dst = append(dst, `{"id":"`...)
	dst = strconv.AppendUint(dst, e.requests, 10)
	dst = append(dst, `","method":"order.place","params":{"symbol":"`...)
	dst = append(dst, e.symbol...)
	if o.Side == orderbook.Bid {
		dst = append(dst, `","side":"BUY"`...)
	} else {
		dst = append(dst, `","side":"SELL"`...)
	}
	switch {
	case o.PostOnly:
		dst = append(dst, `,"type":"LIMIT_MAKER"`...)
	case o.IOC:
		dst = append(dst, `,"type":"LIMIT","timeInForce":"IOC"`...)
	default:
		dst = append(dst, `,"type":"LIMIT","timeInForce":"GTC"`...)
	}
	dst = append(dst, `,"price":"`...)
	dst = e.priceScale.Append(dst, o.Price)
	dst = append(dst, `","quantity":"`...)
	dst = e.qtyScale.Append(dst, o.Qty)
	dst = append(dst, `","newClientOrderId":"`...)
	dst = append(dst, e.prefix...)
	dst = strconv.AppendUint(dst, o.ID, 10)
	dst = append(dst, `","timestamp":`...)
	dst = strconv.AppendInt(dst, timestamp, 10)
	return append(dst, `}}`...)
}

// AppendCancel appends an order.cancel request for nanotick order id.
func (e *Encoder) AppendCancel(dst []byte, id uint64, timestamp int64) []byte {
	e.requests++
	dst = append(dst, `{"id":"`...)
	dst = strconv.AppendUint(dst, e.requests, 10)
	dst = append(dst, `","method":"order.cancel","params":{"symbol":"`...)
	dst = append(dst, e.symbol...)
	dst = append(dst, `","origClientOrderId":"`...)
	dst = append(dst, e.prefix...)
	dst = strconv.AppendUint(dst, id, 10)
	dst = append(dst, `","timestamp":`...)
	dst = strconv.AppendInt(dst, timestamp, 10)
	return append(dst, `}}`...)
}
