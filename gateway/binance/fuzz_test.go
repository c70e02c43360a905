package binance

import (
	"testing"

	"github.com/rs/zerolog"
)

// FuzzHandle feeds arbitrary venue messages to the gateway's decoder: responses with
// rateLimits and error data (429, 418), execution reports with commissions, status
// answers. It must never panic, and whatever it queues must leave the order table and
// the budget in a usable state.
func FuzzHandle(f *testing.F) {
	for _, s := range []string{
		`{"id":"p1","status":200,"result":{},"rateLimits":[{"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE","intervalNum":1,"limit":6000,"count":7}]}`,
		`{"id":"s1","status":400,"error":{"code":-2013,"msg":"Order does not exist."}}`,
		`{"id":"c1","status":429,"error":{"code":-1003,"msg":"Too much request weight used","data":{"serverTime":1,"retryAfter":60000}}}`,
		`{"id":"xsub1","status":418,"error":{"code":-1003,"msg":"banned","data":{"serverTime":1,"retryAfter":2}}}`,
		`{"id":"s1","status":200,"result":{"status":"PARTIALLY_FILLED","executedQty":"0.001"}}`,
		`{"subscriptionId":0,"event":{"e":"executionReport","s":"BTCUSDT","c":"t-1","S":"BUY","x":"TRADE","X":"FILLED","l":"0.001","z":"0.001","L":"60000.00","n":"0.000001","N":"BTC","Y":"60.00","m":false}}`,
		`{"subscriptionId":0,"event":{"e":"executionReport","s":"BTCUSDT","c":"t-1","S":"SELL","x":"TRADE","X":"FILLED","l":"0.001","z":"0.001","L":"60000.00","n":"0.01","N":"BNB","Y":"60.00","m":true}}`,
		`{"id":"p1","status":200,"rateLimits":[{"rateLimitType":"ORDERS","interval":"SECOND","intervalNum":10,"limit":-1,"count":99999999999}]}`,
	} {
		f.Add([]byte(s))
	}
	creds, _ := NewCredentials(docKey, docSecret)
	f.Fuzz(func(t *testing.T, msg []byte) {
		g, err := New(Config{URL: "ws://127.0.0.1:1/ws-api/v3", Symbol: "BTCUSDT", BaseAsset: "BTC", QuoteAsset: "USDT",
			PriceScale: 2, QtyScale: 5, Credentials: creds, Prefix: "t-", RingSize: 64, Logger: zerolog.Nop(),
			OnBan: func(string) {}})
		if err != nil {
			t.Fatal(err)
		}
		g.table.add(1, 6000000, 100, 0)
		_ = g.handle(msg)
		s := &commSink{}
		g.Drain(s, 1)
		g.Drain(s, 1e12)
		_ = g.Counters()
		g.limits.allow(1, 1, prioRescue, false)
	})
}
