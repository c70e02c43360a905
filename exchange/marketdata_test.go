package exchange

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nanotick/nanotick/feeds/binance"
	"github.com/nanotick/nanotick/internal/testdata"
)

// TestMarketDataSync syncs a client's book from the combined streams and the
// REST snapshot of the synthetic market for a few seconds: the sequence must
// have no gaps, and every bookTicker must agree with the local book.
func TestMarketDataSync(t *testing.T) {
	e := startExchange(t, Config{Seed: 1})
	res := syncClient(t, e.MarketDataURL(), e.RESTURL(), 3*time.Second)
	t.Logf("%+v", res)
	c := res.counters
	if res.decodeErrs != 0 || res.snapshotErr != nil {
		t.Errorf("decode errors %d (first %v), snapshot error %v", res.decodeErrs, res.firstErr, res.snapshotErr)
	}
	if c.Gaps != 0 || c.Resyncs != 0 || c.Snapshots != 1 || c.Crossed != 0 {
		t.Errorf("counters %+v: want no gaps, no resyncs, one snapshot, never crossed", c)
	}
	if res.state != binance.Live {
		t.Errorf("state %v, want live", res.state)
	}
	if c.Applied < 20 {
		t.Errorf("%d depth events applied in 3s, want at least 20", c.Applied)
	}
	if res.trades == 0 || res.tickers == 0 {
		t.Errorf("%d trades, %d bookTickers: want some of each", res.trades, res.tickers)
	}
	if res.checked < 5 || res.mismatches != 0 {
		t.Errorf("%d bookTickers cross-checked, %d mismatches", res.checked, res.mismatches)
	}
	if res.bookLevels[0] < 200 || res.bookLevels[1] < 200 {
		t.Errorf("book %v levels deep, want hundreds a side", res.bookLevels)
	}
}

// TestRawStreamAndREST checks the single raw stream form, the REST errors
// and the live SUBSCRIBE request.
func TestRawStreamAndREST(t *testing.T) {
	e := startExchange(t, Config{Seed: 2})
	ws := dial(t, e.MarketDataURL()+"/ws/btcusdt@depth@100ms")
	ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, msg, err := ws.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(msg, []byte(`{"e":"depthUpdate","E":`)) {
		t.Errorf("raw frame %.80s", msg)
	}
	if err := ws.WriteMessage(1, []byte(`{"method":"SUBSCRIBE","params":["btcusdt@trade"],"id":7}`)); err != nil {
		t.Fatal(err)
	}
	gotReply, gotTrade := false, false
	for !(gotReply && gotTrade) {
		_, msg, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("reply %v, trade %v: %v", gotReply, gotTrade, err)
		}
		gotReply = gotReply || string(msg) == `{"result":null,"id":7}`
		gotTrade = gotTrade || bytes.HasPrefix(msg, []byte(`{"e":"trade"`))
	}

	tests := []struct {
		query      string
		wantStatus int
		wantPrefix string
	}{
		{"symbol=BTCUSDT&limit=5", 200, `{"lastUpdateId":`},
		{"symbol=ETHUSDT", 400, `{"code":-1121,"msg":"Invalid symbol."}`},
		{"limit=5", 400, `{"code":-1102,`},
		{"symbol=BTCUSDT&limit=x", 400, `{"code":-1100,`},
	}
	for _, tt := range tests {
		status, body := getBody(t, e.RESTURL()+"/api/v3/depth?"+tt.query)
		if status != tt.wantStatus || !strings.HasPrefix(string(body), tt.wantPrefix) {
			t.Errorf("%s: %d %.100s, want %d %s", tt.query, status, body, tt.wantStatus, tt.wantPrefix)
		}
	}
	_, body := getBody(t, e.RESTURL()+"/api/v3/depth?symbol=BTCUSDT&limit=5")
	if n := strings.Count(string(body), "],["); n != 8 {
		t.Errorf("limit=5 snapshot has %d level separators, want 8: %s", n, body)
	}
	if status, _ := getBody(t, e.RESTURL()+"/stream?streams=ethusdt@trade"); status != 400 {
		t.Errorf("unknown stream: status %d, want 400", status)
	}
}

// TestReplaySync serves the real spot recording at 10× its pace: a client
// joining mid-stream syncs from the streams and the REST snapshot with no
// gaps, and the exchange's bookTickers agree with its book.
func TestReplaySync(t *testing.T) {
	path := testdata.SharedData(t, "binance-spot-btcusdt-20240808.gz")
	e := startExchange(t, Config{Replay: path, Speed: 10, Accounts: []AccountConfig{{APIKey: "k", Secret: "s", Balances: map[string]string{"USDT": "1000"}}}})
	time.Sleep(300 * time.Millisecond) // join after the recording's own snapshot
	res := syncClient(t, e.MarketDataURL(), e.RESTURL(), 3*time.Second)
	t.Logf("%+v", res)
	c := res.counters
	if res.decodeErrs != 0 || res.snapshotErr != nil || c.Gaps != 0 || c.Resyncs != 0 || c.Snapshots != 1 || res.state != binance.Live {
		t.Errorf("replay sync: %+v", res)
	}
	if c.Applied < 100 || res.checked < 20 || res.mismatches != 0 {
		t.Errorf("%d depth events applied, %d bookTickers checked, %d mismatches", c.Applied, res.checked, res.mismatches)
	}
	// Orders are paper traded in replay mode (see TestPaperTradingOnReplay): a
	// resting buy far below the market is accepted and rests.
	api := newAPIClient(t, e, "k", "s")
	r := api.call("order.place", map[string]any{"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "price": "10000", "quantity": "0.001"})
	if res := result(t, r); res["status"] != "NEW" {
		t.Errorf("order in replay mode: %v", res)
	}
	if r := api.call("account.status", map[string]any{}); r.Status != 200 {
		t.Errorf("account.status in replay mode: %+v", r.Error)
	}
	if status, body := getBody(t, e.RESTURL()+"/api/v3/depth?symbol=ETHUSDT"); status != 400 {
		t.Errorf("unknown symbol in replay: %d %s", status, body)
	}
}

// TestTwoSymbols lists a second instrument: each symbol has its own streams
// and snapshot, and orders are checked against its own rules.
func TestTwoSymbols(t *testing.T) {
	eth := Instrument{Symbol: "ETHUSDT", Base: "ETH", Quote: "USDT", TickSize: 1_000_000, StepSize: 10_000,
		MinQty: 10_000, MaxQty: 9000 * wireUnit, MinPrice: 1_000_000, MaxPrice: 1_000_000 * wireUnit,
		MinNotional: 5 * wireUnit, RefPrice: 3000 * wireUnit}
	e := startExchange(t, Config{Seed: 5, Instruments: []Instrument{BTCUSDT(), eth}})
	for _, tt := range []struct {
		stream, symbol string
		near           float64
	}{
		{"btcusdt@depth", "BTCUSDT", 60000},
		{"ethusdt@depth@100ms", "ETHUSDT", 3000},
	} {
		ws := dial(t, e.MarketDataURL()+"/ws/"+tt.stream)
		ws.SetReadDeadline(time.Now().Add(3 * time.Second))
		_, msg, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("%s: %v", tt.stream, err)
		}
		if !strings.Contains(string(msg), `"s":"`+tt.symbol+`"`) {
			t.Errorf("%s: %.100s", tt.stream, msg)
		}
		_, body := getBody(t, e.RESTURL()+"/api/v3/depth?symbol="+tt.symbol+"&limit=1")
		var snap struct{ Bids [][2]string }
		if err := json.Unmarshal(body, &snap); err != nil || len(snap.Bids) != 1 {
			t.Fatalf("%s snapshot %s: %v", tt.symbol, body, err)
		}
		if p, _ := strconv.ParseFloat(snap.Bids[0][0], 64); p < tt.near*0.9 || p > tt.near*1.1 {
			t.Errorf("%s best bid %s, want near %g", tt.symbol, snap.Bids[0][0], tt.near)
		}
	}
}
