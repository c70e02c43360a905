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
// as the summary's usdm line does. The strategy waits for the venue's first mark price:
// risk refuses a perpetual's orders until it has one (stale_mark), and on a busy
// machine the first valid book can come before it.
func TestRunUSDMVenueRejectsInJSON(t *testing.T) {
	cfg, _ := writeSimConfig(t, "perp", `let sent = false;
function onBook() {
  if (sent || !book.valid() || book.mark() === 0) return;
  sent = true;
  orders.sell(book.bidPrice() - 2, 0.002, POST_ONLY);
  orders.buy(book.bidPrice() - 50, 0.002, FOK);
}
`, true)
	s := runMulti(t, cfg, nil, func(s *session) bool {
		return len(s.futures) == 1 && s.futures[0].gw.Counters().Rejects >= 2
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
