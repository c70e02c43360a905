package exchange

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// ccxtDir holds the Kraken interoperability client: ccxt (pinned in package.json and
// package-lock.json), installed by .ci/run with "npm ci", and the script that drives the
// exchange with it.
const ccxtDir = "testdata/kraken-ccxt"

// TestKrakenCCXTInterop drives the local exchange's Kraken protocol with ccxt, a client
// nanotick did not write: it loads the pairs over REST, keeps a v2 book and reads trades,
// gets a WebSocket token with its own API-Sign, places a post-only add_order, sees it open,
// amends its price and quantity (amend_order) and has a taking amend refused with
// "EOrder:Post only order", sees it canceled on the executions channel after
// cancel_order, reads a taking order's fills back from TradesHistory with their fees, and
// gets Kraken's "EOrder:Insufficient funds" for an order beyond the balance.
func TestKrakenCCXTInterop(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		skipOrFail(t, "node is not installed")
	}
	if _, err := os.Stat(filepath.Join(ccxtDir, "node_modules", "ccxt")); err != nil {
		skipOrFail(t, "ccxt is not installed: run npm ci --prefix exchange/"+ccxtDir+" (.ci/run does)")
	}
	e := krakenExchange(t, Faults{})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "interop.js", e.KrakenRESTURL(), e.KrakenURL(), e.KrakenAuthURL(), "kraken-key", krakenSecret)
	cmd.Dir = ccxtDir
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node interop.js: %v\n%s", err, out)
	}
	var got struct {
		Market struct {
			Symbol        string
			Price, Amount float64
			MinAmount     float64 `json:"minAmount"`
		}
		Book struct {
			Updates int
			Levels  []int
			Crossed bool
		}
		Trades            int
		Placed            bool
		StatusAfterPlace  []string `json:"statusAfterPlace"`
		CancelAnswered    bool     `json:"cancelAnswered"`
		StatusAfterCancel []string `json:"statusAfterCancel"`
		EditedID          bool     `json:"editedId"`
		EditedPrice       bool     `json:"editedPrice"`
		EditTaking        string   `json:"editTaking"`
		MyTrades          []struct {
			ID, Side, FeeCurrency, TakerOrMaker string
			Price, Amount, Fee                  float64
		} `json:"myTrades"`
		TooBig string `json:"tooBig"`
		Error  string
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	t.Logf("ccxt saw: %s", out)
	switch {
	case got.Error != "":
		t.Fatalf("ccxt failed: %s", got.Error)
	case got.Market.Symbol != "BTC/USD" || got.Market.Price != 0.1 || got.Market.Amount != 1e-8 || got.Market.MinAmount != 0.00005:
		t.Errorf("pairs: %+v", got.Market)
	case got.Book.Updates != 40 || len(got.Book.Levels) != 2 || got.Book.Levels[0] != 10 || got.Book.Levels[1] != 10 || got.Book.Crossed:
		t.Errorf("book: %+v", got.Book)
	case got.Trades == 0:
		t.Error("no trade")
	case !got.Placed || len(got.StatusAfterPlace) == 0 || got.StatusAfterPlace[0] != "open":
		t.Errorf("add_order: placed %v, statuses %q", got.Placed, got.StatusAfterPlace)
	case !got.CancelAnswered || len(got.StatusAfterCancel) != 1 || got.StatusAfterCancel[0] != "canceled":
		t.Errorf("cancel_order: answered %v, statuses %q", got.CancelAnswered, got.StatusAfterCancel)
	case !got.EditedID || !got.EditedPrice:
		t.Errorf("amend_order: same id %v, new price seen %v", got.EditedID, got.EditedPrice)
	case !strings.Contains(got.EditTaking, "EOrder:Post only order"):
		t.Errorf("post-only amend to a taking price: %q", got.EditTaking)
	case len(got.MyTrades) == 0:
		t.Error("TradesHistory: no fill of the taking order")
	case got.TooBig != "ExchangeError: EOrder:Insufficient funds" && got.TooBig != "InsufficientFunds: kraken EOrder:Insufficient funds":
		t.Errorf("order beyond the balance: %q", got.TooBig)
	}
	// A fill of a few satoshis pays a commission that rounds to nothing; the fills
	// together pay one.
	var amount, fees float64
	for _, tr := range got.MyTrades {
		if tr.Side != "buy" || tr.TakerOrMaker != "taker" || tr.FeeCurrency != "USD" || tr.Fee < 0 || tr.Price <= 0 || tr.Amount <= 0 || !strings.HasPrefix(tr.ID, "T") {
			t.Errorf("TradesHistory trade as ccxt reads it: %+v", tr)
		}
		amount += tr.Amount
		fees += tr.Fee
	}
	if amount < 0.0001999 || amount > 0.0002001 || fees <= 0 {
		t.Errorf("TradesHistory: the IOC's fills add up to %v with fees %v, want 0.0002 with fees", amount, fees)
	}
}
