package binance

import (
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nanotick/nanotick/exchange"
	"github.com/nanotick/nanotick/md"
	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/perp"
	"github.com/nanotick/nanotick/risk"
	"github.com/rs/zerolog"
	"github.com/shopspring/decimal"
)

func readUSDM(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "usdm", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestFuturesDocumentedEvents decodes the response examples of Binance's USD-M user data
// stream pages (testdata/usdm, copied from "Event: Order Update", "Event: Balance and
// Position Update", "Event: Margin Call", "Event: User Data Stream Expired", "Event:
// Trade Lite", "Event: Account Configuration Update").
func TestFuturesDocumentedEvents(t *testing.T) {
	ev, err := decodeFuturesEvent(readUSDM(t, "order_trade_update.json"))
	if err != nil {
		t.Fatal(err)
	}
	o := ev.Order
	if ev.Type != evOrderTradeUpdate || ev.EventTime != 1568879465651 || ev.TxTime != 1568879465650 ||
		o.Symbol != "BTCUSDT" || o.Client != "TEST" || o.Side != "SELL" || o.Type != "TRAILING_STOP_MARKET" ||
		o.Exec != "NEW" || o.Status != "NEW" || o.OrderID != 8886774 || o.LastQty != "0" || o.LastPrice != "0" ||
		o.FeeAsset != "USDT" || o.Qty != "0.001" || o.AskNotional != "9.91" || o.ActivationPrice != "7476.89" ||
		o.PositionSide != "LONG" || o.TradeTime != 1568879465650 || o.STP != "EXPIRE_TAKER" {
		t.Errorf("order event %+v", ev)
	}

	ev, err = decodeFuturesEvent(readUSDM(t, "account_update.json"))
	if err != nil {
		t.Fatal(err)
	}
	if ev.Type != evAccountUpdate || ev.Reason != "ORDER" || len(ev.Balances) != 2 || len(ev.Positions) != 3 ||
		ev.Balances[0] != (futuresBalance{"USDT", "122624.12345678", "100.12345678", "50.12345678"}) ||
		ev.Positions[1] != (futuresPosition{"BTCUSDT", "20", "6563.66500", "2850.21200", "isolated", "13200.70726908", "LONG"}) {
		t.Errorf("account event %+v", ev)
	}

	ev, err = decodeFuturesEvent(readUSDM(t, "margin_call.json"))
	if err != nil {
		t.Fatal(err)
	}
	if ev.Type != evMarginCall || ev.CrossWallet != "3.16812045" || len(ev.Called) != 1 ||
		ev.Called[0] != (futuresMarginCallPosition{"ETHUSDT", "LONG", "1.327", "CROSSED", "0", "187.17127", "-1.166074", "1.614445"}) {
		t.Errorf("margin call %+v", ev)
	}

	ev, err = decodeFuturesEvent(readUSDM(t, "listen_key_expired.json"))
	if err != nil {
		t.Fatal(err)
	}
	if ev.Type != evListenKeyExpired || ev.EventTime != 1736996475556 || !strings.HasPrefix(ev.ListenKey, "WsCMN0a4") {
		t.Errorf("listenKeyExpired %+v", ev)
	}

	ev, err = decodeFuturesEvent(readUSDM(t, "account_config_update.json"))
	if err != nil {
		t.Fatal(err)
	}
	if ev.Type != evAccountConfigUpdate || ev.ConfigSymbol != "BTCUSDT" || ev.ConfigLeverage != 25 {
		t.Errorf("config update %+v", ev)
	}
	ev, err = decodeFuturesEvent(readUSDM(t, "trade_lite.json"))
	if err != nil || ev.Type != evTradeLite {
		t.Errorf("trade lite %+v %v", ev, err)
	}
	// A combined stream's wrapping is taken off.
	wrapped := `{"stream":"k","data":` + string(readUSDM(t, "margin_call.json")) + `}`
	if ev, err := decodeFuturesEvent([]byte(wrapped)); err != nil || ev.Type != evMarginCall || ev.CrossWallet != "3.16812045" {
		t.Errorf("wrapped %+v %v", ev, err)
	}
}

func TestFuturesEventErrors(t *testing.T) {
	for _, tc := range []struct{ msg, want string }{
		{`nope`, "user data event: invalid character"},
		{`{"E":1}`, "user data event: no event type"},
		{`{"stream":"x"}`, "combined stream message without data"},
		{`{"e":"ORDER_TRADE_UPDATE","o":{"s":"BTCUSDT"}}`, "ORDER_TRADE_UPDATE: no symbol or execution type"},
		{`{"e":"ORDER_TRADE_UPDATE","o":{"s":1}}`, "ORDER_TRADE_UPDATE: json"},
		{`{"e":"ACCOUNT_UPDATE","a":{}}`, "ACCOUNT_UPDATE: no update data or reason"},
		{`{"e":"ACCOUNT_UPDATE","E":"x1"}`, `user data event: integer "x1"`},
		{`{"e":"MARGIN_CALL","p":{}}`, "MARGIN_CALL: json"},
	} {
		_, err := decodeFuturesEvent([]byte(tc.msg))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.msg, err, tc.want)
		}
	}
}

func TestForcedOrders(t *testing.T) {
	for _, tc := range []struct {
		o    futuresOrderEvent
		want string
	}{
		{futuresOrderEvent{Client: "autoclose-1596107620040000020", Type: "LIQUIDATION", Exec: "NEW"}, "liquidation"},
		{futuresOrderEvent{Client: "x", Exec: "CALCULATED"}, "liquidation"},
		{futuresOrderEvent{Client: "adl_autoclose", Exec: "NEW"}, "adl"},
		{futuresOrderEvent{Client: "settlement_autoclose-1", Exec: "NEW"}, "settlement"},
		{futuresOrderEvent{Client: "nt1-5", Type: "LIMIT", Exec: "TRADE"}, ""},
	} {
		if got := forcedKind(&tc.o); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.o, got, tc.want)
		}
	}
}

// TestFuturesSignedRequests checks the USD-M requests' parameters and their signatures,
// verified as the local exchange (and Binance) verifies them.
func TestFuturesSignedRequests(t *testing.T) {
	s := docSigner(t)
	e := NewFuturesEncoder("BTCUSDT", 2, 3, "nt1-")
	for _, tc := range []struct {
		o   risk.Order
		tif string
	}{
		{risk.Order{ID: 7, Side: orderbook.Bid, Price: 6183760, Qty: 2}, "GTC"},
		{risk.Order{ID: 8, Side: orderbook.Ask, Price: 6183770, Qty: 3, PostOnly: true}, "GTX"},
		{risk.Order{ID: 9, Side: orderbook.Ask, Price: 6100000, Qty: 100, IOC: true}, "IOC"},
		{risk.Order{ID: 10, Side: orderbook.Ask, Price: 6100000, Qty: 100, FOK: true}, "FOK"},
		{risk.Order{ID: 11, Side: orderbook.Ask, Price: 6100000, Qty: 100, IOC: true, ReduceOnly: true}, "IOC"},
		{risk.Order{ID: 12, Side: orderbook.Bid, Price: 6100000, Qty: 100, PostOnly: true, ReduceOnly: true}, "GTX"},
	} {
		req := e.AppendSignedPlace(nil, &tc.o, 1723161254206, s)
		p := checkSigned(t, req)
		want := map[string]string{"symbol": "BTCUSDT", "type": "LIMIT", "timeInForce": tc.tif,
			"newClientOrderId": fmt.Sprint("nt1-", tc.o.ID), "apiKey": docKey, "timestamp": "1723161254206",
			"price": decimal.New(tc.o.Price, -2).String(), "quantity": decimal.New(tc.o.Qty, -3).String()}
		want["side"] = map[orderbook.Side]string{orderbook.Bid: "BUY", orderbook.Ask: "SELL"}[tc.o.Side]
		if tc.o.ReduceOnly {
			want["reduceOnly"] = "true"
		}
		if fmt.Sprint(p) != fmt.Sprint(want) {
			t.Errorf("params\n got %v\nwant %v", p, want)
		}
		if !strings.HasPrefix(string(req), fmt.Sprintf(`{"id":"p%d","method":"order.place"`, tc.o.ID)) {
			t.Errorf("request %s", req)
		}
	}
	req := e.AppendSignedModify(nil, 8, orderbook.Ask, 6183780, 2, 1723161254300, s)
	p := checkSigned(t, req)
	if fmt.Sprint(p) != fmt.Sprint(map[string]string{"symbol": "BTCUSDT", "origClientOrderId": "nt1-8", "side": "SELL",
		"price": "61837.8", "quantity": "0.002", "timestamp": "1723161254300", "apiKey": docKey}) ||
		!strings.HasPrefix(string(req), `{"id":"m8","method":"order.modify"`) {
		t.Errorf("modify %s", req)
	}
	for _, m := range []string{"order.cancel", "order.status"} {
		var req []byte
		if m == "order.cancel" {
			req = e.AppendSignedCancel(nil, 8, 1723161254300, s)
		} else {
			req = e.AppendSignedStatus(nil, 8, 1723161254300, s)
		}
		if p := checkSigned(t, req); p["origClientOrderId"] != "nt1-8" || len(p) != 4 || !strings.Contains(string(req), `"method":"`+m+`"`) {
			t.Errorf("%s %s", m, req)
		}
	}
}

func testEd25519(t testing.TB) (Credentials, ed25519.PublicKey, []byte) {
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	c, err := NewEd25519Credentials("edkey", pemKey)
	if err != nil {
		t.Fatal(err)
	}
	return c, pub, pemKey
}

// TestEd25519Requests signs with an Ed25519 key: the signature is the base64 Ed25519
// signature of the same sorted payload, verified with the public key.
func TestEd25519Requests(t *testing.T) {
	c, pub, pemKey := testEd25519(t)
	if !c.Ed25519() || strings.Contains(fmt.Sprintf("%v %+v %#v", c, c, c), string(pemKey[40:60])) {
		t.Fatalf("credentials %v", c)
	}
	s := NewSigner(c)
	e := NewFuturesEncoder("BTCUSDT", 2, 3, "nt1-")
	o := risk.Order{ID: 3, Side: orderbook.Bid, Price: 6000000, Qty: 2, PostOnly: true}
	for _, req := range [][]byte{
		e.AppendSignedPlace(nil, &o, 1723161254206, s),
		e.AppendSignedModify(nil, 3, orderbook.Bid, 6000010, 2, 1723161254207, s),
		s.AppendSignedRequest(nil, "xpos1", "v2/account.position", []Param{{"symbol", "BTCUSDT"}}, 1723161254208),
	} {
		var m struct {
			Params map[string]json.RawMessage `json:"params"`
		}
		if err := json.Unmarshal(req, &m); err != nil {
			t.Fatalf("%v: %s", err, req)
		}
		p := map[string]string{}
		for k, v := range m.Params {
			var s string
			if json.Unmarshal(v, &s) != nil {
				s = string(v)
			}
			p[k] = s
		}
		sig, err := base64.StdEncoding.DecodeString(p["signature"])
		delete(p, "signature")
		if err != nil || !ed25519.Verify(pub, []byte(exchange.SignaturePayload(p)), sig) {
			t.Errorf("signature does not verify: %s", req)
		}
	}
	for _, bad := range []string{"", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"} {
		if _, err := NewEd25519Credentials("k", []byte(bad)); err == nil {
			t.Errorf("key %q accepted", bad)
		}
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "key.pem")
	if err := os.WriteFile(path, pemKey, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := CredentialsFromKeyFile("k", path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("world-readable key file: %v", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if c, err := CredentialsFromKeyFile("k", path); err != nil || !c.Ed25519() {
		t.Errorf("key file: %v", err)
	}
}

// TestFuturesEncodingDoesNotAllocate: USD-M's signed order.place, order.modify and
// order.cancel, with an HMAC and with an Ed25519 key.
func TestFuturesEncodingDoesNotAllocate(t *testing.T) {
	ed, _, _ := testEd25519(t)
	for name, s := range map[string]*Signer{"hmac": docSigner(t), "ed25519": NewSigner(ed)} {
		e := NewFuturesEncoder("BTCUSDT", 2, 3, "nt1-")
		buf := make([]byte, 0, 1024)
		o := risk.Order{ID: 123456, Side: orderbook.Bid, Price: 6183760, Qty: 2, PostOnly: true}
		for range 10 {
			buf = e.AppendSignedPlace(buf[:0], &o, 1723161254206, s)
		}
		if a := testing.AllocsPerRun(500, func() {
			o.ID++
			buf = e.AppendSignedPlace(buf[:0], &o, 1723161254206, s)
			buf = e.AppendSignedModify(buf[:0], o.ID, o.Side, o.Price+10, o.Qty, 1723161254206, s)
			buf = e.AppendSignedCancel(buf[:0], o.ID, 1723161254206, s)
		}); a != 0 {
			t.Errorf("%s: %v allocs per signed place+modify+cancel", name, a)
		}
	}
}

// BenchmarkFuturesSignedPlace is USD-M's order.place end to end into a buffer.
func BenchmarkFuturesSignedPlace(b *testing.B) {
	ed, _, _ := testEd25519(b)
	for _, tc := range []struct {
		name string
		s    *Signer
	}{{"hmac", docSigner(b)}, {"ed25519", NewSigner(ed)}} {
		b.Run(tc.name, func(b *testing.B) {
			e := NewFuturesEncoder("BTCUSDT", 2, 3, "nt1-")
			buf := make([]byte, 0, 1024)
			o := risk.Order{ID: 123456, Side: orderbook.Bid, Price: 6183760, Qty: 2, PostOnly: true}
			b.ReportAllocs()
			for b.Loop() {
				o.ID++
				buf = e.AppendSignedPlace(buf[:0], &o, 1723161254206, tc.s)
			}
		})
	}
}

// modSink records modifies too.
type modSink struct{ recSink }

func (s *modSink) OnModified(id uint64, price, qty, now int64) {
	s.got = append(s.got, fmt.Sprintf("modified %d %d@%d", id, qty, price))
}
func (s *modSink) OnModifyRejected(id uint64, reason string, now int64) {
	s.got = append(s.got, fmt.Sprintf("modify-rejected %d %s", id, reason))
}

func newTestFutures(t testing.TB, halts *[]string, mark *md.PerpMark) *FuturesGateway {
	creds, _ := NewCredentials(docKey, docSecret)
	g, err := NewFutures(FuturesConfig{APIURL: "ws://127.0.0.1:1/ws-fapi/v1", RESTURL: "http://127.0.0.1:1", StreamURL: "ws://127.0.0.1:1",
		Symbol: "BTCUSDT", MarginAsset: "USDT", PriceScale: 2, QtyScale: 3, Credentials: creds, Prefix: "t-",
		RingSize: 64, Logger: zerolog.Nop(),
		OnHalt: func(r string) {
			if halts != nil {
				*halts = append(*halts, r)
			}
		},
		MarkSource: func() md.PerpMark {
			if mark == nil {
				return md.PerpMark{}
			}
			return *mark
		}})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func orderUpdate(client, x, X, l, z, L, n string, maker bool) string {
	return fmt.Sprintf(`{"e":"ORDER_TRADE_UPDATE","E":1,"T":1,"o":{"s":"BTCUSDT","c":%q,"S":"BUY","o":"LIMIT","f":"GTX","q":"0.003","p":"60000.00","ap":"0","x":%q,"X":%q,"i":5,"l":%q,"z":%q,"L":%q,"N":"USDT","n":%q,"T":1,"t":9,"m":%v,"R":false,"ps":"BOTH","rp":"0","er":"0"}}`,
		client, x, X, l, z, L, n, maker)
}

// TestFuturesAnswersReachTheEngine runs the venue's messages through the decoders and the
// state machine into a sink: acks, fills with their commission, a GTX order the venue
// expired, a modify, and refusals with their reasons, counted by kind.
func TestFuturesAnswersReachTheEngine(t *testing.T) {
	g := newTestFutures(t, nil, nil)
	s := &modSink{}
	for id := uint64(1); id <= 6; id++ {
		g.table.add(id, 6000000, 3, 0)
	}
	msgs := []string{
		`{"id":"p1","status":200,"result":{"orderId":5,"symbol":"BTCUSDT","status":"NEW","clientOrderId":"t-1"},"rateLimits":[{"rateLimitType":"ORDERS","interval":"MINUTE","intervalNum":1,"limit":1200,"count":1}]}`,
		orderUpdate("t-1", "NEW", "NEW", "0", "0", "0", "0", false),
		orderUpdate("t-1", "TRADE", "PARTIALLY_FILLED", "0.001", "0.001", "60000.00", "0.01200000", true),
		orderUpdate("t-1", "TRADE", "FILLED", "0.002", "0.003", "59999.90", "0.02399996", true),
		// GTX that would have taken: USD-M accepts it and expires it.
		`{"id":"p2","status":200,"result":{"status":"EXPIRED","clientOrderId":"t-2"}}`,
		orderUpdate("t-2", "EXPIRED", "EXPIRED", "0", "0", "0", "0", false),
		`{"id":"p3","status":400,"error":{"code":-2019,"msg":"Margin is insufficient."}}`,
		`{"id":"p4","status":400,"error":{"code":-2022,"msg":"ReduceOnly Order is rejected."}}`,
		`{"id":"p5","status":429,"error":{"code":-1003,"msg":"Too many requests; current limit is 2400 requests per minute.","data":{"retryAfter":1}}}`,
		`{"id":"p6","status":200,"result":{"status":"NEW"}}`,
		`{"id":"m6","status":200,"result":{"status":"NEW","price":"60001.00","origQty":"0.002"}}`,
		strings.Replace(strings.Replace(orderUpdate("t-6", "AMENDMENT", "NEW", "0", "0", "0", "0", false), `"p":"60000.00"`, `"p":"60001.00"`, 1), `"q":"0.003"`, `"q":"0.002"`, 1),
		`{"id":"m6","status":400,"error":{"code":-5027,"msg":"No need to modify the order."}}`,
		orderUpdate("someone-else", "NEW", "NEW", "0", "0", "0", "0", false),
	}
	for _, m := range msgs {
		var err error
		if strings.Contains(m, `"e":`) {
			err = g.handleEvent([]byte(m))
		} else {
			err = g.handleAnswer([]byte(m))
		}
		if err != nil {
			t.Fatalf("%s: %v", m, err)
		}
	}
	g.Drain(s, 1)
	want := []string{
		"ack 1",
		"fill 1 1@6000000 fee 1 maker true",
		// 0.012 + 0.02399996 = 0.03599996 USDT: 0.04 in all, 0.01 then 0.03.
		"fill 1 2@5999990 fee 3 maker true",
		"ack 2", "cancelled 2",
		"rejected 3 venue error -2019: Margin is insufficient.",
		"rejected 4 venue error -2022: ReduceOnly Order is rejected.",
		"rejected 5 venue error -1003: Too many requests; current limit is 2400 requests per minute.",
		"ack 6",
		"modified 6 2@6000100",
		"modify-rejected 6 venue error -5027: No need to modify the order.",
	}
	if strings.Join(s.got, "\n") != strings.Join(want, "\n") {
		t.Errorf("sink\n got %q\nwant %q", s.got, want)
	}
	c := g.Counters()
	if c.Rejects != 3 || c.RejectMargin != 1 || c.RejectReduceOnly != 1 || c.RejectRateLimit != 1 || c.RateLimited != 1 || c.Dropped != 1 {
		t.Errorf("counters %+v", c)
	}
}

// TestFuturesForcedEventsHalt: a liquidation, an ADL and a margin call each halt once,
// are counted, and name what happened.
func TestFuturesForcedEventsHalt(t *testing.T) {
	var halts []string
	g := newTestFutures(t, &halts, nil)
	for _, m := range []string{
		orderUpdate("autoclose-1596107620040000020", "NEW", "NEW", "0", "0", "0", "0", false),
		orderUpdate("autoclose-1596107620040000020", "TRADE", "FILLED", "0.003", "0.003", "59000.00", "0", false),
		orderUpdate("adl_autoclose", "NEW", "NEW", "0", "0", "0", "0", false),
		string(readUSDM(t, "margin_call.json")),
		string(readUSDM(t, "listen_key_expired.json")),
		string(readUSDM(t, "trade_lite.json")),
		string(readUSDM(t, "account_config_update.json")),
	} {
		if err := g.handleEvent([]byte(m)); err != nil {
			t.Fatal(err)
		}
	}
	c := g.Counters()
	if c.Liquidations != 1 || c.ADLs != 1 || c.MarginCalls != 1 || len(halts) != 3 ||
		!strings.HasPrefix(halts[0], "liquidation on BTCUSDT") || !strings.HasPrefix(halts[1], "adl on BTCUSDT") ||
		!strings.Contains(halts[2], "margin call") || !strings.Contains(halts[2], "ETHUSDT 1.327 at mark 187.17127") {
		t.Errorf("counters %+v halts %q", c, halts)
	}
}

// TestFuturesFundingCheck: a FUNDING_FEE balance change is set beside our own payment on
// the position held then, at the mark and rate the mark stream announced for that time.
func TestFuturesFundingCheck(t *testing.T) {
	const fundingTime = 1_700_000_000_000 // ms
	mark := &md.PerpMark{Price: 6_000_000_000_000, FundingRate: 1_000_000, NextFunding: fundingTime * 1e6,
		Fields: md.HasMarkPrice | md.HasFundingRate | md.HasNextFunding} // 60000, 0.0001
	g := newTestFutures(t, nil, mark)
	s := &recSink{}
	g.Drain(s, 1) // the engine saw the mark
	pos := `{"e":"ACCOUNT_UPDATE","E":1,"T":1,"a":{"m":"ORDER","B":[],"P":[{"s":"BTCUSDT","pa":"0.002","ep":"60000","up":"0","mt":"cross","iw":"0","ps":"BOTH"}]}}`
	fee := fmt.Sprintf(`{"e":"ACCOUNT_UPDATE","E":%d,"T":%d,"a":{"m":"FUNDING_FEE","B":[{"a":"USDT","wb":"999.988","cw":"999.988","bc":"-0.01200000"}],"P":[]}}`, fundingTime+3, fundingTime)
	for _, m := range []string{pos, fee} {
		if err := g.handleEvent([]byte(m)); err != nil {
			t.Fatal(err)
		}
	}
	// The next period's mark arrives before the engine drains: the memory keeps the old.
	mark.NextFunding += 8 * 3600 * 1e9
	mark.FundingRate = 5_000_000
	g.Drain(s, 2)
	f := g.Fundings()
	if len(f) != 1 || !f[0].Checked || !f[0].Position.Equal(decimal.RequireFromString("0.002")) ||
		!f[0].Venue.Equal(decimal.RequireFromString("-0.012")) || !f[0].Ours.Equal(decimal.RequireFromString("-0.012")) ||
		!f[0].Ours.Equal(perp.FundingPayment(f[0].Position, f[0].Mark, f[0].Rate)) {
		t.Fatalf("fundings %+v", f)
	}
	if c := g.Counters(); c.Fundings != 1 || c.FundingMismatches != 0 {
		t.Errorf("counters %+v", c)
	}
	if p := g.Position(); !p.Amount.Equal(decimal.RequireFromString("0.002")) || p.MarginType != "cross" {
		t.Errorf("position %+v", p)
	}
}

// FuzzFuturesHandle feeds arbitrary WebSocket API answers and user data events to the
// futures gateway's decoders: they must never panic and must leave the table usable.
func FuzzFuturesHandle(f *testing.F) {
	for _, s := range []string{"order_trade_update.json", "account_update.json", "margin_call.json", "listen_key_expired.json", "trade_lite.json", "account_config_update.json"} {
		f.Add(readUSDM(f, s))
	}
	for _, s := range []string{
		`{"id":"p1","status":200,"result":{"status":"NEW"},"rateLimits":[{"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE","intervalNum":1,"limit":2400,"count":7}]}`,
		`{"id":"m1","status":200,"result":{"price":"60001.00","origQty":"0.002"}}`,
		`{"id":"s1","status":200,"result":{"status":"PARTIALLY_FILLED","executedQty":"0.001"}}`,
		`{"id":"p1","status":418,"error":{"code":-1003,"msg":"banned","data":{"retryAfter":2}}}`,
		orderUpdate("t-1", "TRADE", "FILLED", "0.003", "0.003", "60000.00", "0.036", true),
		`{"e":"ACCOUNT_UPDATE","T":5,"a":{"m":"FUNDING_FEE","B":[{"a":"USDT","bc":"-0.5"}]}}`,
		`{"stream":"k","data":{"e":"MARGIN_CALL","p":[]}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		g := newTestFutures(t, nil, &md.PerpMark{Price: 1, FundingRate: 1, NextFunding: 5e6, Fields: 0xF})
		g.table.add(1, 6000000, 3, 0)
		_ = g.handleAnswer(msg)
		_ = g.handleEvent(msg)
		s := &modSink{}
		g.Drain(s, 1)
		g.Drain(s, 1e12)
		_ = g.Counters()
		_ = g.Fundings()
	})
}

// TestFuturesRefusesHedgeMode: an account in hedge mode (GET /fapi/v1/positionSide/dual
// answers dualSidePosition true, Binance's documented shape) refuses the start before
// anything else is sent. The local exchange trades one-way mode only and cannot be put
// in hedge mode, so this one answer comes from a loopback HTTP server of the test's, which
// also checks that the request is signed.
func TestFuturesRefusesHedgeMode(t *testing.T) {
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.Method+" "+r.URL.Path)
		q := r.URL.Query()
		if r.Header.Get("X-MBX-APIKEY") != docKey || q.Get("timestamp") == "" ||
			q.Get("signature") != exchange.SignHMAC(docSecret, "timestamp="+q.Get("timestamp")) {
			w.WriteHeader(401)
			_, _ = w.Write([]byte(`{"code":-1022,"msg":"Signature for this request is not valid."}`))
			return
		}
		_, _ = w.Write([]byte(`{"dualSidePosition":true}`))
	}))
	defer srv.Close()
	creds, _ := NewCredentials(docKey, docSecret)
	g, err := NewFutures(FuturesConfig{APIURL: "ws://127.0.0.1:1/ws-fapi/v1", RESTURL: srv.URL, StreamURL: "ws://127.0.0.1:1",
		Symbol: "BTCUSDT", MarginAsset: "USDT", PriceScale: 2, QtyScale: 3, Credentials: creds, Leverage: 3,
		MarginMode: perp.Cross, SetMargin: true, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = g.Start(context.Background())
	if err == nil || !strings.Contains(err.Error(), "hedge mode (dualSidePosition true): nanotick trades one-way mode only") {
		t.Fatalf("start: %v", err)
	}
	if len(paths) != 1 || paths[0] != "GET /fapi/v1/positionSide/dual" {
		t.Errorf("requests %v: nothing but the position mode may be asked", paths)
	}
	g.Close()
}
