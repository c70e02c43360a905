package exchange

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// sdkDir holds the interoperability client: Binance's official JavaScript SDK
// (@binance/spot, pinned in package.json and package-lock.json), installed by
// .ci/run with "npm ci", and the script that drives the exchange with it.
const sdkDir = "testdata/binance-sdk"

// TestBinanceSDKInterop drives the local exchange with a client nanotick did not
// write: Binance's official JavaScript SDK, run by node, on 127.0.0.1. Every step must
// be answered as the SDK expects Binance to answer: orders placed, queried, amended,
// cancel-replaced and cancelled, the errors -2013, -2011 and -1111, MARKET orders by
// quantity and by quoteOrderQty, FOK, order.test, account and commission queries, the
// account trade list (myTrades: all, one order's at weight 5, -1128 for orderId with a
// time range), rateLimits on every response, and execution reports with unique execution ids and
// commissions (n, N) on the user data stream.
func TestBinanceSDKInterop(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		skipOrFail(t, "node is not installed")
	}
	if _, err := os.Stat(filepath.Join(sdkDir, "node_modules", "@binance", "spot")); err != nil {
		skipOrFail(t, "the SDK is not installed: run npm ci --prefix exchange/"+sdkDir+" (.ci/run does)")
	}
	e := startExchange(t, Config{Seed: 21, Commission: Commission{Maker: "0.001", Taker: "0.001"},
		Accounts: []AccountConfig{{APIKey: "sdk-key", Secret: "sdk-secret", Balances: map[string]string{"USDT": "100000", "BTC": "1"}}}})
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "interop.mjs", e.WSAPIURL(), "sdk-key", "sdk-secret")
	cmd.Dir = sdkDir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node interop.mjs: %v\nstdout:\n%s\nstderr:\n%s", err, out, stderr.String())
	}
	type step struct {
		Step       string          `json:"step"`
		OK         bool            `json:"ok"`
		Code       int             `json:"code"`
		Data       json.RawMessage `json:"data"`
		RateLimits []struct {
			RateLimitType string `json:"rateLimitType"`
			Count         int    `json:"count"`
		} `json:"rateLimits"`
	}
	steps := map[string]step{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<22)
	for sc.Scan() {
		line := sc.Bytes()
		if !bytes.HasPrefix(line, []byte(`{"step"`)) {
			continue // the SDK's own log lines
		}
		var s step
		if err := json.Unmarshal(line, &s); err != nil {
			t.Fatalf("line %s: %v", line, err)
		}
		steps[s.Step] = s
	}
	field := func(s step, k string) string {
		var m map[string]any
		json.Unmarshal(s.Data, &m)
		v, _ := m[k].(string)
		return v
	}
	for _, name := range []string{"subscribe", "time", "account", "commission", "place-limit", "status", "amend", "cancel-replace", "open-orders", "cancel", "test", "market-quote", "market-qty", "fok", "v3-prefix-session", "reports"} {
		s, ok := steps[name]
		if !ok || !s.OK {
			t.Errorf("step %s: %+v", name, s)
		}
	}
	var mq struct {
		OrderID json.Number `json:"orderId"`
	}
	json.Unmarshal(steps["market-quote"].Data, &mq)
	checkSDKTrades(t, steps["my-trades"].Data, steps["my-trades-order"].Data, mq.OrderID.String())
	for _, w := range []struct {
		step   string
		weight int
	}{{"my-trades", 20}, {"my-trades-order", 5}} {
		// The weight counted is the connection's total: it grows by the request's.
		s := steps[w.step]
		if len(s.RateLimits) != 1 || s.RateLimits[0].RateLimitType != "REQUEST_WEIGHT" {
			t.Errorf("%s rateLimits %+v", w.step, s.RateLimits)
		}
	}
	if a, b := steps["my-trades"].RateLimits, steps["my-trades-order"].RateLimits; len(a) == 1 && len(b) == 1 && b[0].Count-a[0].Count != 5 {
		t.Errorf("myTrades with orderId weighed %d, want 5", b[0].Count-a[0].Count)
	}
	for name, code := range map[string]int{"status-unknown": -2013, "cancel-unknown": -2011, "precision": -1111, "my-trades-combo": -1128} {
		if s := steps[name]; s.OK || s.Code != code {
			t.Errorf("step %s: ok %v code %d, want error %d", name, s.OK, s.Code, code)
		}
	}
	if s := steps["place-limit"]; field(s, "status") != "NEW" || len(s.RateLimits) != 3 {
		t.Errorf("place-limit: %s rateLimits %+v", s.Data, s.RateLimits)
	}
	if s := steps["market-quote"]; field(s, "status") != "FILLED" || field(s, "origQuoteOrderQty") != "50.00000000" {
		t.Errorf("market-quote: %s", s.Data)
	}
	if s := steps["fok"]; field(s, "status") != "EXPIRED" {
		t.Errorf("fok far from the market: %s", s.Data)
	}
	if s := steps["cancel-replace"]; field(s, "cancelResult") != "SUCCESS" || field(s, "newOrderResult") != "SUCCESS" {
		t.Errorf("cancel-replace: %s", s.Data)
	}
	var reports []map[string]any
	json.Unmarshal(steps["reports"].Data, &reports)
	ids := map[float64]bool{}
	var trades, withCommission, replaced int
	for _, r := range reports {
		if r["e"] != "executionReport" {
			continue
		}
		id, _ := r["I"].(float64)
		if ids[id] {
			t.Errorf("execution id %v repeated", id)
		}
		ids[id] = true
		switch r["x"] {
		case "TRADE":
			trades++
			if n, _ := r["N"].(string); n != "" && r["n"] != "0" {
				withCommission++
			}
		case "REPLACED":
			replaced++
		}
	}
	if trades == 0 || withCommission != trades || replaced != 1 || len(ids) < 8 {
		t.Errorf("reports: %d trades (%d with commission), %d replaced, %d ids", trades, withCommission, replaced, len(ids))
	}
	if strings.Contains(stderr.String(), "Error") {
		t.Logf("node stderr:\n%s", stderr.String())
	}
}

// checkSDKTrades checks the SDK's myTrades answers: every trade has exactly the
// fields web-socket-api.md's "Account trade history" documents (and the SDK's
// MyTradesResponseResultInner declares), a commission and its asset; the orderId
// filter keeps that order's trades only.
func checkSDKTrades(t *testing.T, all, one json.RawMessage, orderID string) {
	t.Helper()
	var trades, mine []map[string]any
	if err := json.Unmarshal(all, &trades); err != nil || len(trades) < 2 {
		t.Fatalf("my-trades: %s (%v)", all, err)
	}
	want := []string{"commission", "commissionAsset", "id", "isBestMatch", "isBuyer", "isMaker", "orderId", "orderListId", "price", "qty", "quoteQty", "symbol", "time"}
	for _, tr := range trades {
		keys := make([]string, 0, len(tr))
		for k := range tr {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if !slices.Equal(keys, want) {
			t.Errorf("trade fields %v, want %v", keys, want)
		}
		if c, _ := tr["commission"].(string); c == "" || c == "0.00000000" || tr["commissionAsset"] == "" {
			t.Errorf("trade without its commission: %v", tr)
		}
	}
	if err := json.Unmarshal(one, &mine); err != nil || len(mine) == 0 || len(mine) >= len(trades) {
		t.Fatalf("my-trades-order: %d trades of %d: %s (%v)", len(mine), len(trades), one, err)
	}
	for _, tr := range mine {
		if id, _ := tr["orderId"].(float64); strconv.FormatFloat(id, 'f', -1, 64) != orderID {
			t.Errorf("my-trades-order: a trade of order %v, want %s only", tr["orderId"], orderID)
		}
	}
}

// skipOrFail skips a test that needs something missing, except under CI=true,
// where .ci/run installs it and its absence is a failure.
func skipOrFail(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(why)
	}
	t.Skip(why)
}
