package exchange

import "net/http"

// restCancelAllOpen serves DELETE /fapi/v1/allOpenOrders (USDⓈ-M Futures, Trade: "Cancel
// All Open Orders (TRADE)", weight 1): every open order of the symbol is cancelled, each
// with its ORDER_TRADE_UPDATE; the answer is {"code":200,"msg":"The operation of cancel
// all open order is done."}.
func (e *Exchange) restCancelAllOpen(r *restReq) ([]byte, *apiError) {
	if r.method != http.MethodDelete {
		return nil, errMethod
	}
	fa, err := e.signedReq(r)
	if err != nil {
		return nil, err
	}
	m, err := e.symbolParam(r)
	if err != nil {
		return nil, err
	}
	for _, fo := range fa.sortedOrders(m.inst.Symbol) {
		e.cancelF(fa, fo, "CANCELED", StatusCanceled, "")
	}
	m.publish()
	return []byte(`{"code":200,"msg":"The operation of cancel all open order is done."}`), nil
}
