package instrument

// The fixtures below are the recorded instruments' real rules, written once here instead
// of by hand in every test: Binance Spot BTCUSDT as nanotick decodes it (8 decimals for
// both, as Spot pads them; tick 0.01, lot 0.00001, min notional 5, from exchangeInfo's
// PRICE_FILTER, LOT_SIZE and NOTIONAL filters), and USD-M BTCUSDT (tick 0.10 at 2
// decimals, step 0.001 at 3, min notional 100, from the futures exchangeInfo).

// BinanceSpotBTCUSDT returns Binance Spot BTCUSDT's spec.
func BinanceSpotBTCUSDT() Spec {
	return Spec{
		ID: ID{VenueBinanceSpot, "BTCUSDT"}, Kind: Spot, Base: "BTC", Quote: "USDT",
		PriceScale: 8, QtyScale: 8,
		Tick: 1_000_000, Lot: 1_000, MinQty: 1_000, MaxQty: 9000 * 100_000_000,
		MinNotional: 5 * 100_000_000,
	}
}

// BinanceUSDMBTCUSDT returns Binance USD-M BTCUSDT perpetual's spec.
func BinanceUSDMBTCUSDT() Spec {
	return Spec{
		ID: ID{VenueBinanceUSDM, "BTCUSDT"}, Kind: Perpetual, Base: "BTC", Quote: "USDT",
		PriceScale: 2, QtyScale: 3,
		Tick: 10, Lot: 1, MinQty: 1, MaxQty: 1000 * 1000,
		MinNotional: 100 * 100,
	}
}
