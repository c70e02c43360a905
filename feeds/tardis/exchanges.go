package tardis

import "strings"

// exchangeVenues maps a Tardis exchange id (https://api.tardis.dev/v1/exchanges, the
// CSV files' exchange column) to nanotick's venue name where the two differ: the
// venues nanotick has a connector for keep their names (Binance Spot is "binance",
// USD-M futures "binance-futures", Bybit's derivatives "bybit"), and OKX, which Tardis
// still calls by its old name OKEx, is named okx-*.
var exchangeVenues = map[string]string{
	"binance":         "binance-spot",
	"binance-futures": "binance-usdm",
	"bybit":           "bybit-linear", // Bybit derivatives: nanotick models the USDT/USDC linear ones
	"bybit-spot":      "bybit-spot",
	"okex":            "okx-spot",
	"okex-swap":       "okx-swap",
	"okex-futures":    "okx-futures",
	"okex-options":    "okx-options",
}

// VenueName maps a Tardis exchange id to nanotick's venue name: "binance" is
// binance-spot, "binance-futures" binance-usdm, "bybit" bybit-linear, "okex" okx-spot,
// "okex-swap" okx-swap, and every other id ("coinbase", "kraken", "deribit", ...) is
// its own name. An instrument on a venue without a connector takes its rules from the
// config.
func VenueName(exchange string) string {
	if v, ok := exchangeVenues[exchange]; ok {
		return v
	}
	return exchange
}

// VenueOf is VenueName for one instrument: Tardis's "bybit" holds Bybit's linear
// (USDT, USDC) and inverse (coin-margined) derivatives, and an inverse one (BTCUSD, or
// an inverse future such as BTCUSDH25: Bybit's inverse symbols are the coin and USD,
// futures with a month code and year) is on venue bybit-inverse.
func VenueOf(exchange, symbol string) string {
	if exchange == "bybit" && bybitInverse(symbol) {
		return "bybit-inverse"
	}
	return VenueName(exchange)
}

// bybitInverse reports whether a Bybit derivatives symbol is an inverse contract.
func bybitInverse(symbol string) bool {
	if strings.HasSuffix(symbol, "USD") {
		return len(symbol) > 3
	}
	// An inverse future: ...USD, a month code, two digits of the year.
	n := len(symbol)
	if n < 7 || !strings.HasSuffix(symbol[:n-3], "USD") {
		return false
	}
	return strings.IndexByte("FGHJKMNQUVXZ", symbol[n-3]) >= 0 && symbol[n-2] >= '0' && symbol[n-2] <= '9' && symbol[n-1] >= '0' && symbol[n-1] <= '9'
}
