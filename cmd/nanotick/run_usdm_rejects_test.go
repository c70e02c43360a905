package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestRunUSDMVenueRejectsInJSON: a USD-M strategy on the local exchange sends a GTX order
// that would take (-5022) and a FOK that cannot fill (-5021); both reach the engine as
// rejections and the --json report lists them under venue_rejections with their counts,
// as the summary's usdm line does.
func TestRunUSDMVenueRejectsInJSON(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "perp.js")
	if err := os.WriteFile(script, []byte(`let sent = false;
function onBook() {
  if (sent || !book.valid()) return;
  sent = true;
  orders.sell(book.bidPrice() - 2, 0.002, POST_ONLY);
  orders.buy(book.bidPrice() - 50, 0.002, FOK);
}
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
name = "perp"
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
		return len(s.futures) == 1 && s.futures[0].gw.Counters().Rejects >= 2
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
		Orders struct {
			VenueRejections []struct {
				Reason string
				Count  uint64
			} `json:"venue_rejections"`
		} `json:"orders"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	want := map[string]uint64{
		"binance-usdm:BTCUSDT: post-only order would take (-5022)":     1,
		"binance-usdm:BTCUSDT: FOK order could not fill whole (-5021)": 1,
	}
	if len(r.Orders.VenueRejections) != len(want) {
		t.Fatalf("venue_rejections %+v, want %v", r.Orders.VenueRejections, want)
	}
	for _, rc := range r.Orders.VenueRejections {
		if want[rc.Reason] != rc.Count {
			t.Errorf("venue_rejections %+v, want %v", r.Orders.VenueRejections, want)
		}
	}
}
