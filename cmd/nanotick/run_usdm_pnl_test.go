package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// TestRunUSDMRealizedPnLExact: a USD-M strategy on the local exchange makes round trips
// with IOC orders; the --json report's realized PnL is exactly the venue's.
// Before PnLFine it was truncated to the perpetual's 0.01 USDT price unit: a sub-cent
// result read 0, and any other was off by up to a cent.
//
// The round trips start and end flat, so that every entry's average price is exact at
// the account's scale (a mean of at most two fills of 0.001). An average that does not
// terminate (0.002 bought on top of 0.001 at another price: a third) is rounded by the
// venue to 8 decimals, entry and "rp" alike, and risk's exact average then differs from
// it below 1e-5 USDT: the test used to build such positions, and failed when the first
// sub-cent result came from one (once, under load).
func TestRunUSDMRealizedPnLExact(t *testing.T) {
	cfg, _ := writeSimConfig(t, "flip", `// Round trips of 0.002 from flat, with IOC orders that cross the book.
function onBook() {
  if (!book.valid() || orders.count() > 0) return;
  const q = position.qty();
  if (q < 0.0005) orders.buy(book.askPrice() + 5, 0.002, IOC);
  else orders.sell(book.bidPrice() - 5, q, IOC);
}
`, true)
	// Until the venue's realized PnL has digits under the cent, which PnL truncated away:
	// a round trip of 0.002 realizes a multiple of 0.0002, of a cent only when the price
	// moved by a multiple of 5 USDT. Read under the exchange's lock: no race with the
	// engine.
	cent := decimal.RequireFromString("0.01")
	s := runMulti(t, cfg, nil, func(s *session) bool {
		_, pos, _ := s.ex.USDMAccount(simAPIKey)
		return !pos["BTCUSDT"].Realized.Mod(cent).IsZero()
	})
	file := filepath.Join(t.TempDir(), "s.json")
	if err := s.writeRunJSON(file, time.Now()); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Result struct{ Realized decimal.Decimal } `json:"result"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	// The local exchange keeps the position's realized PnL as Binance does (the sum of
	// its trades' "rp", average-cost entry), in decimals.
	_, pos, ok := s.ex.USDMAccount(simAPIKey)
	venue := pos["BTCUSDT"]
	if !ok || venue.Realized.Mod(cent).IsZero() {
		t.Fatalf("the exchange's position %+v (account found %v): want a realized PnL under the cent", venue, ok)
	}
	if !r.Result.Realized.Equal(venue.Realized) {
		t.Errorf("realized %s in the report, the venue's %s", r.Result.Realized, venue.Realized)
	}
}
