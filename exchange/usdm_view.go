package exchange

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// USDMOpenOrders returns how many USD-M orders of the account with apiKey are open on
// symbol ("" for every symbol): what GET /fapi/v1/openOrders would list.
func (e *Exchange) USDMOpenOrders(apiKey, symbol string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	a := e.accounts[apiKey]
	if a == nil || e.usdm == nil {
		return 0
	}
	fa := e.faccount(a)
	if fa == nil {
		return 0
	}
	return len(fa.sortedOrders(symbol))
}

// AdjustUSDMWallet adds delta (negative: takes) to the USD-M wallet balance of the
// account with apiKey, as a transfer in or out would, without any event on the user
// data stream: what a reconciliation must notice. It is for tests.
func (e *Exchange) AdjustUSDMWallet(apiKey string, delta decimal.Decimal) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	a := e.accounts[apiKey]
	if a == nil || e.usdm == nil || e.faccount(a) == nil {
		return fmt.Errorf("exchange: no USD-M account %q", apiKey)
	}
	fa := e.faccount(a)
	fa.wallet = fa.wallet.Add(delta)
	return nil
}

// USDMSaturate makes the USD-M WebSocket API answer every request 429 (-1003) for d, as
// when other clients of the IP have used up its request weight; a client that ignores
// more than five of those 429s within a minute is banned (418) for two minutes. It is
// for tests of a client's backoff.
func (e *Exchange) USDMSaturate(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.usdm != nil {
		e.usdm.limits.busyTil = e.cfg.Now().Add(d).UnixMilli()
	}
}
