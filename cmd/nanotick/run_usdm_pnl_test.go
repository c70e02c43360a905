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
func TestRunUSDMRealizedPnLExact(t *testing.T) {
	cfg, _ := writeSimConfig(t, "flip", `// Round trips of 0.002 on top of 0.001, with IOC orders that cross the book.
function onBook() {
  if (!book.valid() || orders.count() > 0) return;
  const q = position.qty();
  if (q < 0.0015) orders.buy(book.askPrice() + 5, q < 0.0005 ? 0.003 : 0.002, IOC);
  else if (q > 0.0025) orders.sell(book.bidPrice() - 5, 0.002, IOC);
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
