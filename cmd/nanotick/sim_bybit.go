package main

import (
	"fmt"
	"io"

	"github.com/nanotick/nanotick/exchange"
)

// printBybitURLs prints where the local exchange serves Bybit v5's public order books
// (exchange/bybit.go): the spot symbols on /v5/public/spot, the perpetuals on
// /v5/public/linear.
func printBybitURLs(w io.Writer, ex *exchange.Exchange, spot []exchange.Instrument, fut []exchange.FuturesInstrument) {
	for _, in := range spot {
		fmt.Fprintf(w, "bybit spot   %s  (subscribe orderbook.50.%s)\n", ex.BybitURL("spot"), in.Symbol)
	}
	for _, fi := range fut {
		fmt.Fprintf(w, "bybit linear %s  (subscribe orderbook.50.%s)\n", ex.BybitURL("linear"), fi.Symbol)
	}
}
