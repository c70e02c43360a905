package exchange

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
