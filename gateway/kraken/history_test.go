package kraken

import (
	"errors"
	"strings"
	"testing"
)

// docHistory is Kraken's TradesHistory answer in the documented shape (api-reference
// account-data "Get Trades History"), two trades of one order, newest first as Kraken
// lists them, and one of another session's order.
const docHistory = `{"error":[],"result":{"trades":{
"THVRQM-33VKH-UCI7BS":{"ordertxid":"OQCLML-BW3P3-BUCMWZ","postxid":"TKH2SE-M7IF5-CFI7LT","pair":"XXBTZUSD","time":1688667796.8802,"type":"buy","ordertype":"limit","price":"30010.0","cost":"600.20000","fee":"0.96032000","vol":"0.02000000","margin":"0.00000","leverage":"0","misc":"","trade_id":40274859,"maker":true},
"TCWJEG-FL4SZ-3FKGH6":{"ordertxid":"OQCLML-BW3P3-BUCMWZ","postxid":"TKH2SE-M7IF5-CFI7LT","pair":"XXBTZUSD","time":1688665899.5699,"type":"buy","ordertype":"limit","price":"30010.0","cost":"300.10000","fee":"0.48016000","vol":"0.01000000","margin":"0.00000","leverage":"0","misc":"","trade_id":39482674,"maker":false},
"TZX2WP-XSEOP-FP7WYR":{"ordertxid":"OTHER1-XXXXX-XXXXXX","pair":"XXBTZUSD","time":1688667000.1,"type":"sell","ordertype":"limit","price":"30000.0","cost":"30.0","fee":"0.048","vol":"0.00100000","trade_id":40000000,"maker":false}
},"count":3}}`

func TestParseTradesHistory(t *testing.T) {
	p, err := ParseTradesHistory(200, []byte(docHistory))
	if err != nil {
		t.Fatal(err)
	}
	if p.Count != 3 || len(p.Trades) != 3 {
		t.Fatalf("%+v", p)
	}
	// Oldest first, whatever order the JSON object had.
	if p.Trades[0].ID != "TCWJEG-FL4SZ-3FKGH6" || p.Trades[1].ID != "TZX2WP-XSEOP-FP7WYR" || p.Trades[2].ID != "THVRQM-33VKH-UCI7BS" {
		t.Fatalf("order: %s %s %s", p.Trades[0].ID, p.Trades[1].ID, p.Trades[2].ID)
	}
	a, err := historyFill(&p.Trades[2], 7, 1, 8, 0)
	if err != nil {
		t.Fatal(err)
	}
	// 30010.0 at price scale 1; 0.02 BTC; fee 0.96032 USD in millionths of 0.1 USD.
	if a.kind != ansExec || a.exec != exTrade || a.id != 7 || a.price != 300100 || a.qty != 2_000_000 || a.fee != 9_603_200 || !a.maker {
		t.Fatalf("%+v", a)
	}
	for _, bad := range []struct{ body, want string }{
		{`{"error":["EAPI:Invalid nonce"]}`, "EAPI:Invalid nonce"},
		{`{"error":[],"result":{"trades":{}}}`, "without a result and its count"},
		{`{"error":[],"result":{"trades":{"T1":{"price":"1"}},"count":1}}`, "without its order"},
		{`not json`, "undecodable"},
	} {
		if _, err := ParseTradesHistory(200, []byte(bad.body)); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%s: %v, want %q", bad.body, err, bad.want)
		}
	}
	var api *APIError
	if _, err := ParseTradesHistory(200, []byte(`{"error":["EAPI:Invalid key"]}`)); !errors.As(err, &api) || api.Errors[0] != "EAPI:Invalid key" {
		t.Errorf("Kraken's error strings: %v", err)
	}
}

func TestTradesHistoryBody(t *testing.T) {
	got := string(AppendTradesHistoryBody(nil, 1616492376594, 1688667000, 50))
	want := "nonce=1616492376594&type=all&trades=false&consolidate_taker=false&start=1688667000&ofs=50"
	if got != want {
		t.Fatalf("%s\nwant %s", got, want)
	}
}

// TestRecoveryBounded: the tables that map Kraken's order ids and remember the fills
// passed on stay bounded however many come, and a fill is new once.
func TestRecoveryBounded(t *testing.T) {
	r := newRecovery()
	for i := range 3 * maxRecovery {
		id := strings.Repeat("x", i%7) + string(rune('a'+i%26)) + strings.Repeat("y", i/26%50)
		r.order(id+"O", uint64(i))
		r.first(id + "T")
	}
	if len(r.orders) > maxRecovery || len(r.seen) > maxRecovery || len(r.oorder) > maxRecovery || len(r.sorder) > maxRecovery {
		t.Fatalf("grew: %d %d", len(r.orders), len(r.seen))
	}
	if !r.first("NEW") || r.first("NEW") || !r.seenBefore("NEW") {
		t.Fatal("a fill must be new exactly once")
	}
}

func FuzzParseTradesHistory(f *testing.F) {
	f.Add([]byte(docHistory))
	f.Add([]byte(`{"error":[],"result":{"trades":{},"count":0}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParseTradesHistory(200, b)
		if err != nil {
			return
		}
		for i := range p.Trades {
			if a, err := historyFill(&p.Trades[i], 1, 1, 8, 0); err == nil && (a.price <= 0 || a.qty <= 0 || a.fee < 0) {
				t.Fatalf("fill %+v from %q", a, b)
			}
		}
	})
}
