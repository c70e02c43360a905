package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// TestRunUSDMRealizedPnLExact: a USD-M strategy on the local exchange buys 0.003 and
// sells 0.002 with IOC orders; the --json report's realized PnL is exactly the venue's.
// Before PnLFine it was truncated to the perpetual's 0.01 USDT price unit: a sub-cent
// result read 0, and any other was off by up to a cent.
func TestRunUSDMRealizedPnLExact(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "flip.js")
	if err := os.WriteFile(script, []byte(`let step = 0;
function onBook() {
  if (!book.valid()) return;
  if (step === 0) { step = 1; orders.buy(book.askPrice() + 5, 0.003, IOC); }
  else if (step === 2) { step = 3; orders.sell(book.bidPrice() - 5, 0.002, IOC); }
}
function onFill(f) { if (step === 1 && position.qty() >= 0.003) step = 2; }
`), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "perp.toml")
	if err := os.WriteFile(cfg, []byte(`[[instrument]]
symbol = "BTCUSDT"
venue = "binance-usdm"
tick_size = "0.1"
lot_size = "0.001"
max_qty = "1000"
min_notional = "100"

[[strategy]]
name = "flip"
file = "`+script+`"
instrument = "BTCUSDT"

[risk]
max_order_qty = "1"
max_order_notional = "100000"
price_band_bps = 100
max_position = "1"
max_open_orders = 10
order_rate = 10
order_burst = 20
duplicate_window = "1s"
max_daily_loss = "100"
max_drawdown = "200"

[venue.binance-usdm]
sim = true
leverage = 5
margin_mode = "cross"
`), 0o600); err != nil {
		t.Fatal(err)
	}
	s := runMulti(t, cfg, nil, func(s *session) bool {
		return s.eng.Risk().Position() == 1 // 0.001 left: both orders filled whole
	})
	file := filepath.Join(dir, "s.json")
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
	if !ok || !venue.Amount.Equal(decimal.RequireFromString("0.001")) {
		t.Fatalf("the exchange's position %+v (account found %v): want 0.001", venue, ok)
	}
	if venue.Realized.IsZero() {
		t.Fatalf("the venue realized 0 over a buy and a sell: the test needs a price move")
	}
	if !r.Result.Realized.Equal(venue.Realized) {
		t.Errorf("realized %s in the report, the venue's %s", r.Result.Realized, venue.Realized)
	}
}
