package exchange

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/shopspring/decimal"

	gw "github.com/nanotick/nanotick/gateway/bybit"
	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/risk"
)

// ledger is an engine's view of a gateway's fills: the answers it is given, summed.
// Amounts are at the test gateway's scales, 8 and 8 decimals, the exchange's own, so
// that every sum compares exactly.
type ledger struct {
	mu         sync.Mutex
	acks       int
	fills      int
	qty        int64           // Σ qty (all buys here), 1e-8
	cost, fees decimal.Decimal // Σ price × qty and Σ fee, in USDT
	fillsOf    map[uint64]int
}

func (l *ledger) OnAck(id uint64, now int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.acks++
}
func (l *ledger) OnFill(id uint64, price, qty, fee int64, maker bool, now int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.fills++
	l.fillsOf[id]++
	l.qty += qty
	l.cost = l.cost.Add(decimal.New(price, -8).Mul(decimal.New(qty, -8)))
	l.fees = l.fees.Add(decimal.New(fee, -8))
}
func (l *ledger) OnCancelled(id uint64, now int64)               {}
func (l *ledger) OnRejected(id uint64, reason string, now int64) {}
func (l *ledger) snapshot() (fills int, qty int64, cost, fees decimal.Decimal) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.fills, l.qty, l.cost, l.fees
}

// TestBybitGatewayRecoversFillsWithFees: the private stream goes silent while two
// resting orders fill in 152 executions (more than a page of /v5/execution/list), then
// the connections drop. After the reconnect, the gateway recovers every execution the
// stream missed from /v5/execution/list, each once, with its own price, quantity and
// fee, and drops the 5 the stream had already said: the engine's position, cost, fees
// and so PnL equal the exchange's, and the wallet's balance is the start less those
// fees.
func TestBybitGatewayRecoversFillsWithFees(t *testing.T) {
	perp := BTCUSDTPerp()
	perp.MinNotional = 5 * wireUnit // sells of 0.001 BTC, one execution each
	e := startExchange(t, Config{Seed: 9, Futures: []FuturesInstrument{perp},
		Commission: Commission{Maker: "0.0002", Taker: "0.00055"},
		Accounts:   []AccountConfig{{APIKey: "bybit-key", Secret: "bybit-secret", Balances: map[string]string{"USDT": "100000"}}}})
	e.With(func() { e.FuturesMarket("BTCUSDT").enabled = false })
	creds, err := gw.NewCredentials("bybit-key", "bybit-secret")
	if err != nil {
		t.Fatal(err)
	}
	g, err := gw.New(gw.Config{TradeURL: e.BybitTradeURL(), PrivateURL: e.BybitPrivateURL(), RESTURL: e.RESTURL(),
		Category: gw.Linear, Symbol: "BTCUSDT", BaseAsset: "BTC", QuoteAsset: "USDT", PriceScale: 8, QtyScale: 8,
		Credentials: creds, BackoffMin: 20 * time.Millisecond, BackoffMax: 200 * time.Millisecond, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })

	l := &ledger{fillsOf: map[uint64]int{}}
	drainUntil := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				n, q, c, f := l.snapshot()
				t.Fatalf("no %s: %d fills, qty %d, cost %s, fees %s; counters %+v", what, n, q, c, f, g.Counters())
			}
			g.Drain(l, time.Now().UnixNano())
			time.Sleep(5 * time.Millisecond)
		}
	}
	bid, ask := best(e) // 2 decimals
	if ask-bid < 20 {
		t.Fatalf("spread %d-%d: the test needs room for a bid of its own", bid, ask)
	}
	// Both orders one tick above the book's best bid, order 2 behind order 1 in time:
	// a seller meets order 1, then order 2, before the book.
	p1, p2 := bid+10, bid+10
	now := func() int64 { return time.Now().UnixNano() }
	const milli = 100_000 // 0.001 at 8 decimals
	for _, o := range []*risk.Order{
		{ID: 1, Side: orderbook.Bid, Price: p1 * 1_000_000, Qty: 200 * milli, PostOnly: true},
		{ID: 2, Side: orderbook.Bid, Price: p2 * 1_000_000, Qty: 10 * milli, PostOnly: true},
	} {
		if err := g.Place(o, now()); err != nil {
			t.Fatal(err)
		}
	}
	// The orders rest before anyone sells: the seller's IOC orders come on a connection
	// of their own, and on a busy machine they could reach the book first and expire.
	drainUntil("the two acks", func() bool { l.mu.Lock(); defer l.mu.Unlock(); return l.acks == 2 })
	seller, closeSeller := startSeller(t, e)
	defer closeSeller()
	// Connected: 5 executions reach the gateway on the stream.
	for range 5 {
		seller(p1, "0.001")
	}
	drainUntil("the stream's 5 fills", func() bool { n, _, _, _ := l.snapshot(); return n == 5 })

	// Silent: 150 more executions of order 1, then one sell that completes order 1
	// (0.045) and fills order 2 (0.01); then the connections drop.
	e.BybitLoseStreams(true)
	for range 150 {
		seller(p1, "0.001")
	}
	seller(p2, "0.055")
	e.BybitDropConnections()
	e.BybitLoseStreams(false)
	drainUntil("the recovered fills", func() bool { _, q, _, _ := l.snapshot(); return q >= 210*milli })

	// What the exchange holds: its executions of the account, the position and the
	// orders' value and fees, and the wallet.
	var execs int
	var pos int64
	var quote, fees decimal.Decimal
	var wallet decimal.Decimal
	e.With(func() {
		a := e.accounts["bybit-key"]
		for _, x := range e.bybitExecs[a] {
			if x.execType == "Trade" {
				execs++
			}
		}
		pos = e.linear.pos(a, "BTCUSDT").size
		for _, lo := range e.linear.orders {
			if lo.a == a {
				quote = quote.Add(decimal.New(lo.o.Quote, -8))
				fees = fees.Add(decimal.New(lo.fee, -8))
			}
		}
		wallet = decimal.New(a.bal("USDT").free, -8)
	})
	if execs != 157 {
		t.Fatalf("the exchange lists %d executions, want 157 (5 + 150 + 2)", execs)
	}
	// Exactly once: no further fill comes, whatever arrives later.
	time.Sleep(200 * time.Millisecond)
	g.Drain(l, now())
	n, qty, cost, engineFees := l.snapshot()
	c := g.Counters()
	t.Logf("engine: %d fills, qty %d, cost %s, fees %s; exchange: %d executions, position %d, value %s, fees %s, wallet %s; counters %+v",
		n, qty, cost, engineFees, execs, pos, quote, fees, wallet, c)
	if n != execs || l.fillsOf[1] != 156 || l.fillsOf[2] != 1 {
		t.Errorf("fills: %d (order 1: %d, order 2: %d), want %d (156 and 1)", n, l.fillsOf[1], l.fillsOf[2], execs)
	}
	if qty != pos || !cost.Equal(quote) || !engineFees.Equal(fees) || !fees.IsPositive() {
		t.Errorf("engine qty %d cost %s fees %s; exchange position %d value %s fees %s", qty, cost, engineFees, pos, quote, fees)
	}
	// PnL: with the position still open, realised PnL is the fees paid; the wallet
	// shows the same.
	if !decimal.NewFromInt(100000).Sub(engineFees).Equal(wallet) {
		t.Errorf("wallet %s, want 100000 - %s", wallet, engineFees)
	}
	if c.Recovered != 152 || c.RecoveredNoFee != 0 || c.Reconnects < 1 {
		t.Errorf("counters %+v: want 152 recovered from the execution list, none without fee", c)
	}
	if s := g.Account().Position.Size; !s.Equal(decimal.New(pos, -8)) {
		t.Errorf("the gateway's position %s, the exchange's %d", s, pos)
	}
}

// bybitSignedGet makes a signed Bybit REST query (v5/guide: X-BAPI-SIGN =
// hex(HMAC-SHA256(secret, timestamp + apiKey + recvWindow + queryString))).
func bybitSignedGet(t *testing.T, u, key, secret string) map[string]any {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	ts := strconv.FormatInt(time.Now().UnixMilli(), 10)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + key + "5000" + req.URL.RawQuery))
	req.Header.Set("X-BAPI-API-KEY", key)
	req.Header.Set("X-BAPI-TIMESTAMP", ts)
	req.Header.Set("X-BAPI-RECV-WINDOW", "5000")
	req.Header.Set("X-BAPI-SIGN", hex.EncodeToString(m.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestBybitExecutionList: /v5/execution/list has exactly the fields of the docs'
// example plus the two its table lists beyond it (createType, execFeeV2); lists newest
// first; pages with limit and nextPageCursor, each execution once; filters by
// orderLinkId, symbol and execType; refuses a bad category, limit or time range; and
// is signed.
func TestBybitExecutionList(t *testing.T) {
	perp := BTCUSDTPerp()
	perp.MinNotional = 5 * wireUnit
	e := startExchange(t, Config{Seed: 9, Futures: []FuturesInstrument{perp}, Commission: Commission{Maker: "0.0002", Taker: "0.00055"},
		Accounts: []AccountConfig{{APIKey: "bybit-key", Secret: "bybit-secret", Balances: map[string]string{"USDT": "100000"}}}})
	e.With(func() { e.FuturesMarket("BTCUSDT").enabled = false })
	bid, _ := best(e)
	seller, closeSeller := startSeller(t, e)
	defer closeSeller()
	// The seller's own IOC sells against the book: 5 executions of its orders.
	for range 5 {
		seller(bid, "0.001")
	}
	base := e.RESTURL() + "/v5/execution/list?"
	get := func(q string) map[string]any { return bybitSignedGet(t, base+q, "seller", "seller-secret") }

	first := get("category=linear&limit=1")
	var want map[string]any
	b, err := os.ReadFile("../gateway/bybit/testdata/execution_list.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	missing, extra := keyDiff("", first, want)
	if wantExtra := []string{".result.list[0].createType", ".result.list[0].execFeeV2"}; len(missing) > 0 || !slices.Equal(extra, wantExtra) {
		t.Errorf("fields missing %q, extra %q (want %q)", missing, extra, wantExtra)
	}

	// Every page, following the cursor: 5 executions, newest first, each once.
	var seqs []float64
	var fees decimal.Decimal
	cursor := ""
	for page := 0; page < 10; page++ {
		res := get("category=linear&symbol=BTCUSDT&execType=Trade&limit=2&cursor=" + url.QueryEscape(cursor))["result"].(map[string]any)
		for _, x := range res["list"].([]any) {
			x := x.(map[string]any)
			seqs = append(seqs, x["seq"].(float64))
			fees = fees.Add(decimal.RequireFromString(x["execFee"].(string)))
			if x["execQty"] != "0.001" || x["side"] != "Sell" || x["isMaker"] != false || x["execType"] != "Trade" || x["feeCurrency"] != "USDT" {
				t.Errorf("execution %v", x)
			}
		}
		if cursor = res["nextPageCursor"].(string); cursor == "" {
			break
		}
	}
	if len(seqs) != 5 || !slices.IsSortedFunc(seqs, func(a, b float64) int { return int(b - a) }) || seqs[0] == seqs[4] {
		t.Errorf("pages listed seq %v, want 5 executions newest first", seqs)
	}
	// 0.001 × price × 0.00055 each, truncated to the exchange's 8 decimals.
	each := decimal.New(bid, -2).Mul(decimal.RequireFromString("0.001")).Mul(decimal.RequireFromString("0.00055")).Truncate(8)
	if want := each.Mul(decimal.NewFromInt(5)); !fees.Equal(want) {
		t.Errorf("fees %s, want %s", fees, want)
	}
	for q, n := range map[string]int{
		"category=linear&orderLinkId=nobody": 0, "category=linear&execType=Funding": 0, "category=spot": 0,
		"category=linear&symbol=ETHUSDT": 0, "category=linear": 5,
		"category=linear&startTime=1&endTime=2": 0,
	} {
		got := get(q)
		res, _ := got["result"].(map[string]any)
		if got["retCode"] != 0.0 || len(res["list"].([]any)) != n {
			t.Errorf("%s: %v, want %d executions", q, got, n)
		}
	}
	for _, q := range []string{"category=option", "category=linear&limit=101", "category=linear&limit=0",
		"category=linear&startTime=1&endTime=" + strconv.FormatInt(8*24*3600*1000, 10), "category=linear&cursor=x"} {
		if got := get(q); got["retCode"] != 10001.0 {
			t.Errorf("%s: %v, want 10001", q, got)
		}
	}
	if got := bybitSignedGet(t, base+"category=linear", "seller", "wrong-secret"); got["retCode"] != 10004.0 {
		t.Errorf("a wrong signature: %v", got)
	}
}
