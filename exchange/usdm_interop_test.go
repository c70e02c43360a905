package exchange

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// usdmSDKDir holds the USD-M interoperability client: Binance's official JavaScript
// SDK for USDⓈ-M futures (@binance/derivatives-trading-usds-futures, pinned in
// package.json and package-lock.json), installed by .ci/run with "npm ci", and the
// script that drives the exchange with it.
const usdmSDKDir = "testdata/binance-usdm-sdk"

// TestBinanceUSDMSDKInterop drives the local exchange's USD-M venue with a client
// nanotick did not write: Binance's official SDK, run by node, on 127.0.0.1. Its REST
// client starts a listen key and sets position mode, leverage and margin type; its
// WebSocket API client places a GTX order, modifies, queries and cancels it, is
// refused a GTX that would take (-5022) and reduce-only orders that would not reduce
// (-2022), fills an IOC, queries positions and account; its stream client receives
// ORDER_TRADE_UPDATE, ACCOUNT_UPDATE (ORDER and FUNDING_FEE) and markPriceUpdate. Every
// field of every answer and event is checked against the SDK's own typings (its
// index.d.ts): each field the typing declares is sent, and nothing else is.
func TestBinanceUSDMSDKInterop(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		skipOrFail(t, "node is not installed")
	}
	dts := filepath.Join(usdmSDKDir, "node_modules", "@binance", "derivatives-trading-usds-futures", "dist", "index.d.ts")
	if _, err := os.Stat(dts); err != nil {
		skipOrFail(t, "the SDK is not installed: run npm ci --prefix exchange/"+usdmSDKDir+" (.ci/run does)")
	}
	typings, err := readTypings(dts)
	if err != nil {
		t.Fatal(err)
	}
	cfg := usdmConfig(31)
	cfg.USDM.FundingInterval = 2 * time.Second
	e := startExchange(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "interop.mjs", e.RESTURL(), e.USDMWSAPIURL(), e.FuturesMarketDataURL(), usdmKey, usdmSecret)
	cmd.Dir = usdmSDKDir
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
		Msg        string          `json:"msg"`
		Data       json.RawMessage `json:"data"`
		RateLimits []struct {
			RateLimitType string `json:"rateLimitType"`
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
	for _, name := range []string{"rest-listen-key", "rest-position-mode", "rest-leverage", "rest-margin-isolated", "rest-margin-crossed",
		"rest-mark-price", "place-gtx", "modify", "status", "rest-open-orders", "cancel", "ioc", "position-v2", "account-v2",
		"rest-position-v3", "rest-account-v3", "rest-funding-history", "close", "rest-keepalive", "events", "marks",
		"rest-user-trades", "rest-user-trades-order"} {
		if s, ok := steps[name]; !ok || !s.OK {
			t.Errorf("step %s: %+v", name, s)
		}
	}
	if s, ok := steps["timeout"]; ok {
		t.Errorf("the script timed out: %+v", s)
	}
	for _, s := range steps {
		if strings.HasPrefix(s.Step, "wait-") {
			t.Errorf("%s: never came; events %s", s.Step, s.Data)
		}
	}
	for name, code := range map[string]int{"place-gtx-takes": -5022, "status-unknown": -2013, "reduce-only-flat": -2022,
		"reduce-only-same-side": -2022, "rest-position-mode-same": -4059, "rest-margin-same": -4046, "rest-user-trades-combo": -1128} {
		if s := steps[name]; s.OK || s.Code != code {
			t.Errorf("step %s: ok %v code %d (%s), want error %d", name, s.OK, s.Code, s.Msg, code)
		}
	}
	obj := func(name string) map[string]any {
		var m map[string]any
		json.Unmarshal(steps[name].Data, &m)
		return m
	}
	if g, m := obj("place-gtx"), obj("modify"); g["orderId"] != m["orderId"] || m["origQty"] != "0.020" {
		t.Errorf("modify kept the order id? place %v, modify %v", g, m)
	}
	if s := obj("ioc"); s["status"] != "FILLED" && s["status"] != "EXPIRED" || s["executedQty"] == "0.000" {
		t.Errorf("ioc: %v", s)
	}
	if len(steps["place-gtx"].RateLimits) == 0 {
		t.Errorf("place-gtx: no rateLimits")
	}

	// Every answer against its typing: the WebSocket API's results and the REST bodies.
	check := func(what string, v map[string]any, typing string, extra ...string) {
		t.Helper()
		fields, ok := typings[typing]
		if !ok {
			t.Fatalf("typing %s not in the SDK", typing)
		}
		checkFields(t, what, v, fields, extra)
	}
	// The documentation's response examples of New/Modify Order show avgPrice and
	// cumQuote, which these typings leave out.
	check("place-gtx", obj("place-gtx"), "NewOrderResponseResult", "avgPrice", "cumQuote")
	check("modify", obj("modify"), "ModifyOrderResponseResult", "avgPrice", "cumQuote", "pair")
	// activatePrice and priceRate come "only with TRAILING_STOP_MARKET order".
	check("status", obj("status"), "QueryOrderResponseResult", "activatePrice", "priceRate")
	check("cancel", obj("cancel"), "CancelOrderResponseResult", "avgPrice", "cumQuote", "activatePrice", "priceRate")
	check("account-v2", obj("account-v2"), "AccountInformationV2ResponseResult")
	check("rest-account-v3", obj("rest-account-v3"), "AccountInformationV3Response")
	check("rest-leverage", obj("rest-leverage"), "ChangeInitialLeverageResponse")
	check("rest-mark-price", obj("rest-mark-price"), "MarkPriceResponse1")
	check("rest-position-mode", obj("rest-position-mode"), "GetCurrentPositionModeResponse")
	check("rest-listen-key", obj("rest-listen-key"), "StartUserDataStreamResponse$1")
	arr := func(name string) []map[string]any {
		var a []map[string]any
		json.Unmarshal(steps[name].Data, &a)
		return a
	}
	for name, typing := range map[string]string{"position-v2": "PositionInformationV2ResponseResultInner", "rest-position-v3": "PositionInformationV3ResponseInner",
		"rest-open-orders": "CurrentAllOpenOrdersResponseInner", "rest-funding-history": "GetFundingRateHistoryResponseInner"} {
		a := arr(name)
		if len(a) == 0 {
			t.Errorf("%s: empty: %s", name, steps[name].Data)
			continue
		}
		for _, v := range a {
			check(name, v, typing, "activatePrice", "priceRate")
		}
	}
	// The trade list: the typing's fields less the COIN-M ones (pair, marginAsset,
	// baseQty: "Populated for COIN-M symbols"), which USD-M's documented answer
	// lacks; the close realized a profit or loss and every trade paid a commission.
	trades, mine := arr("rest-user-trades"), arr("rest-user-trades-order")
	if len(trades) < 2 || len(mine) == 0 || len(mine) >= len(trades) {
		t.Errorf("user trades: %d, of the ioc order %d", len(trades), len(mine))
	}
	realized := false
	for _, v := range trades {
		checkFields(t, "rest-user-trades", v, without(typings["AccountTradeListResponseInner"], "pair", "marginAsset", "baseQty"), nil)
		if v["commission"] == "0.00000000" || v["commissionAsset"] != "USDT" || v["positionSide"] != "BOTH" {
			t.Errorf("user trade %v: want a USDT commission, position side BOTH", v)
		}
		realized = realized || v["realizedPnl"] != "0.00000000"
	}
	if !realized {
		t.Errorf("user trades: the close realized nothing: %v", trades)
	}
	for _, v := range mine {
		if v["orderId"] != obj("ioc")["orderId"] {
			t.Errorf("user trades of the ioc order: %v", v)
		}
	}
	var events []map[string]any
	json.Unmarshal(steps["events"].Data, &events)
	seen := map[string]int{}
	for _, ev := range events {
		switch ev["e"] {
		case "ORDER_TRADE_UPDATE":
			o := ev["o"].(map[string]any)
			seen["ORDER_TRADE_UPDATE "+o["x"].(string)]++
			checkFields(t, "ORDER_TRADE_UPDATE", ev, append(typings["OrderTradeUpdate"], "e"), nil)
			// N and n only when a commission is charged; AP and cr only for trailing
			// stops; M only for amendments that named a modifyId.
			checkFields(t, "ORDER_TRADE_UPDATE.o", o, without(typings["OrderTradeUpdateO"], "AP", "cr", "M", "N", "n"), []string{"N", "n"})
		case "ACCOUNT_UPDATE":
			a := ev["a"].(map[string]any)
			seen["ACCOUNT_UPDATE "+a["m"].(string)]++
			checkFields(t, "ACCOUNT_UPDATE", ev, append(typings["AccountUpdate"], "e"), nil)
			// S names the symbol of a FUNDING_FEE only.
			checkFields(t, "ACCOUNT_UPDATE.a", a, without(typings["AccountUpdateA"], "S"), []string{"S"})
			for _, b := range a["B"].([]any) {
				checkFields(t, "ACCOUNT_UPDATE.a.B", b.(map[string]any), typings["AccountUpdateABInner"], nil)
			}
			for _, p := range a["P"].([]any) {
				checkFields(t, "ACCOUNT_UPDATE.a.P", p.(map[string]any), typings["AccountUpdateAPInner"], nil)
			}
		}
	}
	for _, want := range []string{"ORDER_TRADE_UPDATE NEW", "ORDER_TRADE_UPDATE AMENDMENT", "ORDER_TRADE_UPDATE CANCELED",
		"ORDER_TRADE_UPDATE TRADE", "ACCOUNT_UPDATE ORDER", "ACCOUNT_UPDATE FUNDING_FEE"} {
		if seen[want] == 0 {
			t.Errorf("no %s among the events: %v", want, seen)
		}
	}
	var marks []map[string]any
	json.Unmarshal(steps["marks"].Data, &marks)
	if len(marks) == 0 {
		t.Errorf("no markPriceUpdate")
	}
	for _, m := range marks {
		// ap (mark price moving average) and st (symbol type, after a migration the
		// local exchange does not model) are not sent.
		checkFields(t, "markPriceUpdate", m, without(typings["MarkPriceStreamResponse"], "ap", "st"), nil)
	}
	if strings.Contains(stderr.String(), "Error") {
		t.Logf("node stderr:\n%s", stderr.String())
	}
}

// checkFields fails the test for a field the typing declares that v lacks, or a field
// of v that is neither declared nor among extra.
func checkFields(t *testing.T, what string, v map[string]any, typed, extra []string) {
	t.Helper()
	for _, f := range typed {
		if _, ok := v[f]; !ok && !slices.Contains(extra, f) {
			t.Errorf("%s: no %q (the SDK's typing declares it): %v", what, f, v)
		}
	}
	for f := range v {
		if !slices.Contains(typed, f) && !slices.Contains(extra, f) {
			t.Errorf("%s: %q is not in the SDK's typing", what, f)
		}
	}
}

func without(fields []string, drop ...string) []string {
	var out []string
	for _, f := range fields {
		if !slices.Contains(drop, f) {
			out = append(out, f)
		}
	}
	return out
}

// readTypings reads the field names of every interface of the SDK's index.d.ts.
func readTypings(path string) (map[string][]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	start := regexp.MustCompile(`^interface ([A-Za-z0-9$]+) \{`)
	field := regexp.MustCompile(`^  ([A-Za-z_][A-Za-z0-9_]*)\??:`)
	out := map[string][]string{}
	cur := ""
	for _, line := range strings.Split(string(b), "\n") {
		if m := start.FindStringSubmatch(line); m != nil {
			cur = m[1]
			out[cur] = []string{}
			continue
		}
		if strings.HasPrefix(line, "}") {
			cur = ""
			continue
		}
		if cur != "" {
			if m := field.FindStringSubmatch(line); m != nil {
				out[cur] = append(out[cur], m[1])
			}
		}
	}
	return out, nil
}
