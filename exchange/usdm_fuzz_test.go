package exchange

import (
	"context"
	"encoding/json"
	"testing"
)

// FuzzUSDMRequest runs arbitrary order and account requests of one account through the
// USD-M venue: whatever the parameters, the venue answers with a result or an error and
// never panics, and the account's wallet stays a finite decimal.
func FuzzUSDMRequest(f *testing.F) {
	for _, seed := range []string{
		`{"method":"order.place","params":{"symbol":"BTCUSDT","side":"BUY","type":"LIMIT","timeInForce":"GTX","price":"59000.10","quantity":"0.010"}}`,
		`{"method":"order.place","params":{"symbol":"BTCUSDT","side":"SELL","type":"MARKET","quantity":"0.010","reduceOnly":"true"}}`,
		`{"method":"order.place","params":{"symbol":"BTCUSDT","side":"BUY","type":"LIMIT","timeInForce":"IOC","price":"99999.90","quantity":"0.100","newOrderRespType":"RESULT"}}`,
		`{"method":"order.modify","params":{"symbol":"BTCUSDT","orderId":"1","side":"BUY","price":"1.0","quantity":"0.001","modifyId":"7"}}`,
		`{"method":"order.cancel","params":{"symbol":"BTCUSDT","origClientOrderId":"x"}}`,
		`{"method":"order.status","params":{"symbol":"BTCUSDT","orderId":"-1"}}`,
		`{"method":"v2/account.position","params":{"symbol":"ETHUSDT"}}`,
		`{"method":"account.status","params":{}}`,
		`{"method":"order.place","params":{"symbol":"BTCUSDT","side":"BUY","type":"LIMIT","timeInForce":"GTC","price":"-5","quantity":"1e9"}}`,
	} {
		f.Add([]byte(seed))
	}
	ctx, cancel := context.WithCancel(context.Background())
	e, err := Start(ctx, usdmConfig(61))
	if err != nil {
		cancel()
		f.Fatal(err)
	}
	f.Cleanup(func() {
		e.Close()
		cancel()
	})
	var fa *fAccount
	e.With(func() { fa = e.faccount(e.accounts[usdmKey]) })
	f.Fuzz(func(t *testing.T, msg []byte) {
		var req struct {
			Method string            `json:"method"`
			Params map[string]string `json:"params"`
		}
		if json.Unmarshal(msg, &req) != nil || req.Params == nil {
			return
		}
		e.With(func() {
			res, err := e.usdmTrade(fa, req.Method, params(req.Params))
			if (res == nil) == (err == nil) {
				t.Fatalf("%s %v: result %s, error %v", req.Method, req.Params, res, err)
			}
			if res != nil && !json.Valid(res) {
				t.Fatalf("%s %v: invalid JSON %s", req.Method, req.Params, res)
			}
			if fa.wallet.String() == "" {
				t.Fatal("wallet lost")
			}
		})
	})
}
