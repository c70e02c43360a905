package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestVetOrderOptions: an order option the venue of a literally bound instrument lacks
// is reported by nanotick vet with file:line:col, and vet exits 1.
func TestVetOrderOptions(t *testing.T) {
	path := writeScript(t, `const spot = instrument("binance-spot:BTCUSDT");
const perp = instrument("binance-usdm:BTCUSDT");
function onBook(i) {
  perp.orders.sell(1, 1, REDUCE_ONLY | POST_ONLY);
  spot.orders.sell(1, 1, REDUCE_ONLY);
}
`)
	var out, errb bytes.Buffer
	if code := runVet([]string{path}, &out, &errb); code != 1 {
		t.Fatalf("exit %d, want 1: %s%s", code, out.String(), errb.String())
	}
	want := path + ":5:26: Instrument.orders.sell: order option not offered by the venue: binance-spot has no REDUCE_ONLY orders"
	if !strings.Contains(errb.String(), want) {
		t.Errorf("stderr:\n%s\nwant it to contain:\n%s", errb.String(), want)
	}
	if strings.Contains(errb.String(), ":4:") {
		t.Errorf("vet refused what binance-usdm offers:\n%s", errb.String())
	}
}
