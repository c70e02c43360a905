// Package kraken owns nanotick's order entry on Kraken Spot over WebSocket v2: the
// WebSocket token from the REST endpoint GetWebSocketsToken, the add_order, amend_order
// and cancel_order requests on the authenticated socket, the executions channel read
// into the engine's answers (acknowledged, filled with its fee, cancelled, rejected
// with Kraken's error string), and the connection itself: ping, silence detection,
// reconnection with capped backoff and a limit, and reconciliation from the executions
// snapshot after every (re)connect.
//
// It must never send an order Kraken would read differently from the engine (prices and
// quantities are written exactly at the instrument's scales, never through float64),
// never allocate when encoding a request on the tick path, never retry an order (a
// refused add_order is a reject, reported with Kraken's reason and counted), and never
// turn a message it cannot read into a fill or a cancel: an unreadable message is
// counted and skipped, the orders' state unchanged.
//
// # The protocol (docs.kraken.com)
//
// Token (api-reference GetWebSocketsToken, guides/spot-rest-auth): POST
// /0/private/GetWebSocketsToken with the form body "nonce=N", header API-Key and header
// API-Sign = base64(HMAC-SHA512(uri path + SHA256(nonce + POST data))) under the
// base64-decoded private key; the answer {"error":[],"result":{"token":..,"expires":900}}
// or Kraken's error strings ("EAPI:Invalid key", "EAPI:Invalid signature", "EAPI:Invalid
// nonce"). A token is used within 15 minutes and does not expire while the connection
// that used it stays open; the gateway fetches one per connection.
//
// Orders (websocket-v2/add_order, amend_order, cancel_order, cancel_all) on
// wss://ws-auth.kraken.com/v2: {"method":"add_order","params":{"order_type":"limit",
// "side":"buy","order_qty":..,"limit_price":..,"time_in_force":"gtc|ioc|gtd",
// "post_only":true,"cl_ord_id":..,"symbol":"BTC/USD","token":..},"req_id":N}, answered
// {"method":"add_order","req_id":N,"result":{"order_id":..,"cl_ord_id":..},"success":
// true,"time_in":..,"time_out":..} or {"error":"EOrder:...","success":false,...}. The
// cl_ord_id is free text of at most 18 characters (guides/spot-clordid): the session's
// prefix and the engine's order id in base 36. The req_id is the order id times four
// plus the request kind, so an answer names its order without a lookup.
//
// Executions (websocket-v2/executions): subscribed with snap_orders and snap_trades,
// the snapshot lists the open orders and the last 50 fills; updates carry exec_type
// pending_new, new, trade (last_qty, last_price, fees [{asset, qty}], liquidity_ind,
// exec_id), filled, canceled and expired (reason), amended. Fills are passed on once
// each (by exec_id, the last 8192 remembered across connections); a fee is in the
// quote asset, or in the base asset valued at the fill price, and is carried per order
// in millionths of a price unit so that many small fills add up to the right fee.
//
// A canceled or expired order that never rested and was not cancelled by us (a
// post-only order that would have taken liquidity: reason "Post only order") is a
// reject, so that the strategy hears Kraken's reason.
//
// # Reconnection and reconciliation
//
// The gateway pings every PingEvery and replaces a connection silent for ReadTimeout
// (Kraken sends a heartbeat every second to a subscribed connection), one that leaves
// an add_order unanswered past AckTimeout, and one whose write fails. Reconnecting
// waits a capped exponential backoff with jitter, at most MaxReconnects attempts in a
// row; then the gateway gives up (OnGiveUp: the owner halts). After every connect the
// executions snapshot says what is open: an order sent earlier that it does not list
// is cancelled to the engine if it had been acknowledged, or rejected as lost if it
// never was.
//
// Fills made while disconnected: before it dials again, the gateway reads the account's
// fills since the last message it read (less two seconds) from the private REST endpoint
// TradesHistory (api-reference account-data "Get Trades History": 50 at a time, newest
// first, paged with ofs, at most MaxRecoverPages pages, consolidate_taker=false so that
// each fill keeps the id its executions entry had as exec_id), signed like the token
// request. Each fill of one of our orders (known by the Kraken order id its add_order
// answer or an executions entry gave) reaches the engine oldest first, with its fee
// (TradesHistory's fee is in the quote asset); the snapshot's last 50 fills then repeat
// some of them, and every fill is passed on once, by its trade id, across connections.
// A request that fails fails the reconnect, retried with its backoff and limit; more
// fills than MaxRecoverPages pages hold stop the gateway (ErrTooManyMissed, OnGiveUp):
// the engine could no longer know its position.
package kraken
