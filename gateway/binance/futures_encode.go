package binance

// USD-M futures' WebSocket API requests (ws-fapi.binance.com/ws-fapi/v1), as Binance's
// derivatives documentation defines them (USDⓈ-M Futures, WebSocket API, Trade: "New
// Order", "Modify Order", "Cancel Order", "Query Order"; checked against the typed
// definitions of @binance/derivatives-trading-usds-futures 38.1.1, NewOrderRequest,
// ModifyOrderRequest, CancelOrderRequest, QueryOrderRequest):
//   - order.place: symbol, side, type, timeInForce (GTC, IOC, FOK, GTX = "Good Till
//     Crossing (Post Only)"), quantity, price, reduceOnly ("true"; not allowed in hedge
//     mode, which nanotick refuses), newClientOrderId (^[\.A-Z\:/a-z0-9_-]{1,36}$),
//     positionSide left to its default BOTH (one-way mode), timestamp;
//   - order.modify: symbol, origClientOrderId, side, quantity, price, timestamp: a LIMIT
//     order's price or quantity changes in place and keeps its order id;
//   - order.cancel and order.status: symbol, origClientOrderId, timestamp.
// Signed requests carry apiKey and signature, computed over every other parameter sorted
// by name (the Signer), as spot's WebSocket API does.

import (
	"strconv"

	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/risk"
)

// idModify starts the request id of an order.modify; the order id follows.
const idModify = 'm'

// futuresTIF returns the timeInForce and reduce-only flag of o on USD-M: USD-M has no
// LIMIT_MAKER, a post-only order is a LIMIT GTX.
func futuresTIF(o *risk.Order) (tif string, reduceOnly bool) {
	switch {
	case o.PostOnly:
		return "GTX", o.ReduceOnly
	case o.IOC:
		return "IOC", o.ReduceOnly
	case o.FOK:
		return "FOK", o.ReduceOnly
	}
	return "GTC", o.ReduceOnly
}

// appendSignedFuturesPlace appends a signed USD-M order.place for o; the request id is
// "p" and the order id, as on spot.
func (e *Encoder) appendSignedFuturesPlace(dst []byte, o *risk.Order, timestamp int64, s *Signer) []byte {
	side := "SELL"
	if o.Side == orderbook.Bid {
		side = "BUY"
	}
	tif, reduce := futuresTIF(o)
	// The payload, in the parameters' alphabetical order.
	p := append(s.payload[:0], "apiKey="...)
	p = append(p, s.creds.apiKey...)
	p = append(p, "&newClientOrderId="...)
	p = append(p, e.prefix...)
	p = strconv.AppendUint(p, o.ID, 10)
	p = append(p, "&price="...)
	p = e.priceScale.Append(p, o.Price)
	p = append(p, "&quantity="...)
	p = e.qtyScale.Append(p, o.Qty)
	if reduce {
		p = append(p, "&reduceOnly=true"...)
	}
	p = append(p, "&side="...)
	p = append(p, side...)
	p = append(p, "&symbol="...)
	p = append(p, e.symbol...)
	p = append(p, "&timeInForce="...)
	p = append(p, tif...)
	p = append(p, "&timestamp="...)
	p = strconv.AppendInt(p, timestamp, 10)
	p = append(p, "&type=LIMIT"...)
	s.payload = p
	sig := s.Sign(p)

	dst = append(dst, `{"id":"p`...)
	dst = strconv.AppendUint(dst, o.ID, 10)
	dst = append(dst, `","method":"order.place","params":{"symbol":"`...)
	dst = append(dst, e.symbol...)
	dst = append(dst, `","side":"`...)
	dst = append(dst, side...)
	dst = append(dst, `","type":"LIMIT","timeInForce":"`...)
	dst = append(dst, tif...)
	dst = append(dst, `","price":"`...)
	dst = e.priceScale.Append(dst, o.Price)
	dst = append(dst, `","quantity":"`...)
	dst = e.qtyScale.Append(dst, o.Qty)
	if reduce {
		dst = append(dst, `","reduceOnly":"true`...)
	}
	dst = append(dst, `","newClientOrderId":"`...)
	dst = append(dst, e.prefix...)
	dst = strconv.AppendUint(dst, o.ID, 10)
	dst = append(dst, `","timestamp":`...)
	dst = strconv.AppendInt(dst, timestamp, 10)
	dst = append(dst, `,"apiKey":"`...)
	dst = append(dst, s.creds.apiKey...)
	dst = append(dst, `","signature":"`...)
	dst = append(dst, sig...)
	return append(dst, `"}}`...)
}

// AppendSignedModify appends a signed USD-M order.modify of nanotick order id to a new
// price and quantity (both are mandatory; side must be the order's); the request id is
// "m" and the order id. The order keeps its id and, when only the quantity shrinks, its
// place in the queue.
func (e *Encoder) AppendSignedModify(dst []byte, id uint64, side orderbook.Side, price, qty, timestamp int64, s *Signer) []byte {
	sd := "SELL"
	if side == orderbook.Bid {
		sd = "BUY"
	}
	p := append(s.payload[:0], "apiKey="...)
	p = append(p, s.creds.apiKey...)
	p = append(p, "&origClientOrderId="...)
	p = append(p, e.prefix...)
	p = strconv.AppendUint(p, id, 10)
	p = append(p, "&price="...)
	p = e.priceScale.Append(p, price)
	p = append(p, "&quantity="...)
	p = e.qtyScale.Append(p, qty)
	p = append(p, "&side="...)
	p = append(p, sd...)
	p = append(p, "&symbol="...)
	p = append(p, e.symbol...)
	p = append(p, "&timestamp="...)
	p = strconv.AppendInt(p, timestamp, 10)
	s.payload = p
	sig := s.Sign(p)

	dst = append(dst, `{"id":"m`...)
	dst = strconv.AppendUint(dst, id, 10)
	dst = append(dst, `","method":"order.modify","params":{"symbol":"`...)
	dst = append(dst, e.symbol...)
	dst = append(dst, `","origClientOrderId":"`...)
	dst = append(dst, e.prefix...)
	dst = strconv.AppendUint(dst, id, 10)
	dst = append(dst, `","side":"`...)
	dst = append(dst, sd...)
	dst = append(dst, `","price":"`...)
	dst = e.priceScale.Append(dst, price)
	dst = append(dst, `","quantity":"`...)
	dst = e.qtyScale.Append(dst, qty)
	dst = append(dst, `","timestamp":`...)
	dst = strconv.AppendInt(dst, timestamp, 10)
	dst = append(dst, `,"apiKey":"`...)
	dst = append(dst, s.creds.apiKey...)
	dst = append(dst, `","signature":"`...)
	dst = append(dst, sig...)
	return append(dst, `"}}`...)
}
