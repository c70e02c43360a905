// Package binance owns nanotick's order entry on the Binance WebSocket API: the bytes of
// order.place, order.cancel and order.status requests and their HMAC-SHA256 signatures,
// written into reused buffers without allocating (Encoder, Signer), and the live Gateway
// built on them: the connection, the order state machine with its timeouts and status
// queries, execution reports, reconciliation at start and cancel-all at shutdown.
//
// The encoding and signing functions are the "encode" stage of nanotick's tick path: they
// must never do I/O, read a clock or allocate per order. The Gateway does the I/O, on the
// engine's goroutine for writes and on a reader goroutine of its own for the venue's
// answers, which reach the engine only through a lock-free ring drained on the engine's
// goroutine (Gateway.Drain). Credentials must never appear in a log line, an error or a
// config file: they print masked, and are loaded from the environment or a private file.
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
	futures    bool   // USD-M futures' order.place (see NewFuturesEncoder)
}

// NewEncoder returns an encoder for symbol with the instrument's scales. Client order ids
// are prefix followed by nanotick's order id, so the venue's answers map back to orders.
func NewEncoder(symbol string, priceScale, qtyScale fixed.Scale, prefix string) *Encoder {
	return &Encoder{symbol: symbol, priceScale: priceScale, qtyScale: qtyScale, prefix: prefix}
}

// NewFuturesEncoder returns an encoder of USD-M futures' WebSocket API
// (ws-fapi.binance.com/ws-fapi/v1) order.place and order.cancel for symbol. USD-M has no
// LIMIT_MAKER type: a post-only order is a LIMIT with timeInForce GTX ("Good Till
// Crossing (Post Only)"), as the derivatives API's New Order (TRADE) documents; the
// position side is left to its default, BOTH, the one-way mode nanotick trades.
func NewFuturesEncoder(symbol string, priceScale, qtyScale fixed.Scale, prefix string) *Encoder {
	e := NewEncoder(symbol, priceScale, qtyScale, prefix)
	e.futures = true
	return e
}

// AppendPlace appends an order.place request for o, stamped with timestamp (Unix ms), and
// returns the extended buffer. A post-only order is a LIMIT_MAKER on spot and a LIMIT GTX
// on USD-M futures; an IOC order a LIMIT with timeInForce IOC; any other a LIMIT GTC.
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
	case o.PostOnly && e.futures:
		dst = append(dst, `,"type":"LIMIT","timeInForce":"GTX"`...)
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
