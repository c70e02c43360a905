// Package bybit owns nanotick's wire format for trading on Bybit v5 over WebSocket:
// the authentication of a private or trade connection, the order.create, order.amend
// and order.cancel requests of the trade API, and the reading of what Bybit answers
// (the trade API's acknowledgements and the private order and execution streams) into
// the engine's venue answers: acknowledged, filled, cancelled, rejected with Bybit's
// reason.
//
// It must never send an order Bybit would read differently from the engine (prices and
// quantities are written exactly at the instrument's scales, never through float64),
// never allocate when encoding a request on the tick path, and never turn an answer it
// cannot read into a fill or a cancel: an unreadable answer is an error, the order's
// state unchanged.
//
// Gateway owns the connections of one instrument: the trade API and the private
// streams (order, execution, and on linear position and wallet), logged in, pinged with
// {"op":"ping"} every 20 s, dropped when silent for three heartbeats, reconnected
// together with capped exponential backoff and jitter up to a limit (then it refuses
// every order and calls OnFatal), and reconciled at start and after every reconnect
// through the signed REST queries /v5/order/realtime (each order in flight, by
// orderLinkId), /v5/execution/list (the executions the streams missed, each a fill with
// its own price, quantity and fee, delivered once by execId), /v5/position/list and
// /v5/account/wallet-balance. CheckInstruments compares the configured instruments with
// /v5/market/instruments-info before trading; a difference refuses the start. A refused request is
// never sent again: its retCode reaches the strategy as the reject reason and is
// counted. Funding payments (execType Funding) are summed and checked against package
// perp's FundingPayment.
//
// # The protocol (github.com/bybit-exchange/docs at 072c197)
//
// Authentication (v5/ws/connect): {"op":"auth","args":[apiKey, expires, signature]},
// where expires is a Unix time in ms later than now and signature is the hex
// HMAC-SHA256 of "GET/realtime" + expires under the secret. The trade endpoint answers
// {"retCode":0,"retMsg":"OK","op":"auth",...}: 10004 is an invalid signature, 20001 a
// repeated auth, 10001 a parameter error.
//
// Orders (v5/websocket/trade/guideline): {"reqId":..,"header":{"X-BAPI-TIMESTAMP":..,
// "X-BAPI-RECV-WINDOW":..},"op":"order.create","args":[{...}]}, one order per request,
// the args those of the REST endpoints (v5/order/create-order, amend-order,
// cancel-order). The answer {"reqId","retCode","retMsg","op","data":{"orderId",
// "orderLinkId"}} only acknowledges the request: "Please use websocket order stream to
// confirm the order status." The client order id is orderLinkId: at most 36 letters,
// digits, '-' and '_'.
//
// Private streams (v5/websocket/private/order, execution): order messages carry
// orderStatus (New, PartiallyFilled, Filled, Cancelled, PartiallyFilledCanceled,
// Rejected, Deactivated, ...) with rejectReason and cancelType; execution messages
// carry each fill (execType Trade) with execPrice, execQty, execFee and isMaker.
package bybit
