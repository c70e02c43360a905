package tardis

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
