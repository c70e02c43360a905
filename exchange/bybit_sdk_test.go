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
	"testing"
	"time"
)

// bybitSDKDir holds Bybit's Node SDK (bybit-api, listed in Bybit's docs; pinned in
// package.json and package-lock.json, installed by .ci/run with "npm ci") and the
// script that drives the exchange with it.
const bybitSDKDir = "testdata/bybit-sdk"

// TestBybitSDKInterop drives the local exchange's Bybit v5 front end with a client
// nanotick did not write, on 127.0.0.1, through the SDK's own URL override (wsUrl):
// the public linear book and tickers; on the trade API a PostOnly create, an amend, a
// cancel, a cancel of a cancelled order (110001), an IOC that fills, a reduce-only on the
// wrong side (110017); the IOC's execution from the signed /v5/execution/list; and the
// private order, execution, position and wallet streams, whose position ends long what
// the IOC bought. The REST answers (getInstrumentsInfo, getExecutionList) are compared
// field by field with the SDK's own typing.
func TestBybitSDKInterop(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		skipOrFail(t, "node is not installed")
	}
	if _, err := os.Stat(filepath.Join(bybitSDKDir, "node_modules", "bybit-api")); err != nil {
		skipOrFail(t, "the SDK is not installed: run npm ci --prefix exchange/"+bybitSDKDir+" (.ci/run does)")
	}
	e := startExchange(t, Config{Seed: 23, Futures: []FuturesInstrument{BTCUSDTPerp()},
		Accounts: []AccountConfig{{APIKey: "sdk-key", Secret: "sdk-secret", Balances: map[string]string{"USDT": "100000"}}}})
	e.With(func() { e.FuturesMarket("BTCUSDT").enabled = false })
	bid, ask := best(e) // 2 decimals
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	price := func(v int64) string { return strconv.FormatFloat(float64(v)/100, 'f', 2, 64) }
	cmd := exec.CommandContext(ctx, node, "interop.js", e.BybitURL("linear"), e.BybitTradeURL(), e.BybitPrivateURL(),
		"sdk-key", "sdk-secret", price(bid), price(ask), e.RESTURL())
	cmd.Dir = bybitSDKDir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node interop.js: %v\nstdout:\n%s\nstderr:\n%s", err, out, stderr.String())
	}
	t.Logf("SDK output:\n%s", out)
	type step struct {
		Step string          `json:"step"`
		OK   bool            `json:"ok"`
		Code int             `json:"code"`
		Msg  string          `json:"msg"`
		Data json.RawMessage `json:"data"`
	}
	steps := map[string]step{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if !bytes.HasPrefix(sc.Bytes(), []byte(`{"step"`)) {
			continue // the SDK's own log lines
		}
		var s step
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			t.Fatalf("%s: %v", sc.Bytes(), err)
		}
		steps[s.Step] = s
	}
	want := []struct {
		step string
		ok   bool
		code int
	}{
		{"public", true, 0}, {"instruments-linear", true, 0}, {"instruments-spot", true, 0}, {"create", true, 0}, {"amend", true, 0}, {"cancel", true, 0},
		{"cancel-again", false, 110001}, {"ioc", true, 0}, {"reduce-only-wrong-side", false, 110017}, {"executions", true, 0}, {"private", true, 0},
	}
	for _, w := range want {
		s, ok := steps[w.step]
		if !ok || s.OK != w.ok || s.Code != w.code {
			t.Errorf("step %s: %+v, want ok %v code %d\nall output:\n%s", w.step, s, w.ok, w.code, out)
		}
	}
	// instruments-info as the SDK's typing has it: every field it requires is there,
	// and nothing it does not know, except what Bybit's docs list beyond it.
	for _, c := range []struct {
		step, tick string
		extra      []string
	}{
		// The docs' linear table lists forbidUplWithdrawal; the SDK types it on spot only.
		{"instruments-linear", "0.1", []string{"forbidUplWithdrawal"}},
		{"instruments-spot", "0.01", nil},
	} {
		var d struct {
			Missing, AbsentOptional, Extra []string
			Category, Status, TickSize     string
		}
		if err := json.Unmarshal(steps[c.step].Data, &d); err != nil {
			t.Fatalf("%s: %v", c.step, err)
		}
		t.Logf("%s: optional fields the SDK types and the answer leaves out: %q", c.step, d.AbsentOptional)
		if len(d.Missing) > 0 || !slices.Equal(d.Extra, c.extra) || d.Status != "Trading" || d.TickSize != c.tick {
			t.Errorf("%s: missing %q, extra %q (want %q), status %q, tick %q (want %q)", c.step, d.Missing, d.Extra, c.extra, d.Status, d.TickSize, c.tick)
		}
	}
	// /v5/execution/list as the SDK's ExecutionV5 has it (the SDK signs the query): the
	// IOC's one execution, every typed field there; createType is in Bybit's docs
	// table, not in the typing.
	var ex struct {
		Missing, Extra          []string
		Count                   int
		ExecQty, ExecType, Side string
	}
	if err := json.Unmarshal(steps["executions"].Data, &ex); err != nil {
		t.Fatalf("executions: %v", err)
	}
	if len(ex.Missing) > 0 || !slices.Equal(ex.Extra, []string{"createType"}) || ex.Count != 1 || ex.ExecQty != "0.002" || ex.ExecType != "Trade" || ex.Side != "Buy" {
		t.Errorf("executions: %+v", ex)
	}
	var priv struct {
		Topics map[string]int `json:"topics"`
		Size   string         `json:"size"`
		Side   string         `json:"side"`
	}
	if err := json.Unmarshal(steps["private"].Data, &priv); err != nil {
		t.Fatal(err)
	}
	for _, topic := range []string{"order", "execution", "position", "wallet"} {
		if priv.Topics[topic] == 0 {
			t.Errorf("no %s message reached the SDK: %+v", topic, priv)
		}
	}
	if priv.Size != "0.002" || priv.Side != "Buy" {
		t.Errorf("position %s %s, want Buy 0.002", priv.Side, priv.Size)
	}
}
