package exchange

// Kraken's public REST pairs and assets (docs.kraken.com: api-reference market-data
// "Get Tradable Asset Pairs" GET /0/public/AssetPairs and "Get Asset Info" GET
// /0/public/Assets), for clients that load the pairs before they connect (ccxt does).
// Assets take Kraken's REST names (XXBT, ZUSD, XETH, ZEUR); the pair key is their
// concatenation, wsname the v1 WebSocket name (XBT/USD), and the v2 symbol stays BASE/QUOTE.

import (
	"net/http"
)

// krakenRESTAsset is an asset's name in Kraken's REST API.
func krakenRESTAsset(a string) string {
	switch a {
	case "BTC":
		return "XXBT"
	case "ETH":
		return "XETH"
	case "USD":
		return "ZUSD"
	case "EUR":
		return "ZEUR"
	}
	return a
}

// krakenV1Name is an asset's name in Kraken's v1 WebSocket and altnames: XBT for BTC.
func krakenV1Name(a string) string {
	if a == "BTC" {
		return "XBT"
	}
	return a
}

func (e *Exchange) registerKrakenREST(mux *http.ServeMux) {
	mux.HandleFunc("/0/public/AssetPairs", e.handleKrakenPairs)
	mux.HandleFunc("/0/public/Assets", e.handleKrakenAssets)
}

// krakenInstrumentList returns the listed instruments, each once.
func (e *Exchange) krakenInstrumentList() []Instrument {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Instrument
	for _, m := range e.marketsOf(nil) {
		out = append(out, m.inst)
	}
	return out
}

func (e *Exchange) handleKrakenPairs(w http.ResponseWriter, r *http.Request) {
	j := &jw{}
	j.open().raw("error", []byte("[]")).obj("result")
	for _, in := range e.krakenInstrumentList() {
		pd, qd := stepDecimals(in.TickSize), stepDecimals(in.StepSize)
		b, q := krakenRESTAsset(in.Base), krakenRESTAsset(in.Quote)
		j.obj(b+q).str("altname", krakenV1Name(in.Base)+in.Quote).str("wsname", krakenV1Name(in.Base)+"/"+in.Quote)
		j.str("aclass_base", "currency").str("base", b).str("aclass_quote", "currency").str("quote", q).str("lot", "unit")
		j.int("cost_decimals", int64(pd+qd)).int("pair_decimals", int64(pd)).int("lot_decimals", int64(qd)).int("lot_multiplier", 1)
		j.raw("leverage_buy", []byte("[]")).raw("leverage_sell", []byte("[]"))
		j.raw("fees", []byte("[[0,0.26]]")).raw("fees_maker", []byte("[[0,0.16]]")).str("fee_volume_currency", "ZUSD")
		j.int("margin_call", 80).int("margin_stop", 40)
		j.str("ordermin", string(wireScale.Append(nil, in.MinQty))).str("costmin", string(wireScale.Append(nil, in.MinNotional)))
		j.str("tick_size", string(wireScale.Append(nil, in.TickSize))).str("status", "online")
		j.close()
	}
	j.close().close()
	writeJSON(w, http.StatusOK, j.b)
}

func (e *Exchange) handleKrakenAssets(w http.ResponseWriter, r *http.Request) {
	j := &jw{}
	j.open().raw("error", []byte("[]")).obj("result")
	seen := map[string]bool{}
	for _, in := range e.krakenInstrumentList() {
		for _, a := range []string{in.Base, in.Quote} {
			if seen[a] {
				continue
			}
			seen[a] = true
			j.obj(krakenRESTAsset(a)).str("aclass", "currency").str("altname", krakenV1Name(a)).
				int("decimals", 8).int("display_decimals", 5).str("status", "enabled").close()
		}
	}
	j.close().close()
	writeJSON(w, http.StatusOK, j.b)
}
