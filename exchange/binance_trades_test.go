package exchange

import (
	"encoding/json"
	"net/url"
	"strconv"
	"testing"

	"github.com/shopspring/decimal"
)

// TestAccountTradeLists: spot's myTrades and USD-M's userTrades filter and limit as
// Binance documents them, refuse the combinations and ranges the docs forbid with
// their codes, and keep at most maxAccountTrades trades per account, the oldest
// dropped first. The trades are put on the lists directly: 600 of order 7 and 400 of
// order 8, one a minute from a fixed time, ids 1 to 1000.
func TestAccountTradeLists(t *testing.T) {
	cfg := usdmConfig(11)
	cfg.Accounts[0].Balances["BTC"] = "1"
	e := startExchange(t, cfg)
	const t0 = int64(1_800_000_000_000)
	e.With(func() {
		a := e.accounts[usdmKey]
		m, fm := e.Market("BTCUSDT"), e.FuturesMarket("BTCUSDT")
		fa := e.faccount(a)
		for i := int64(1); i <= 1000; i++ {
			order := uint64(7)
			if i > 600 {
				order = 8
			}
			a.recordTrade(accountTrade{id: uint64(i), orderID: order, market: m, price: 60000 * wireUnit, qty: 100_000,
				quote: 60 * wireUnit, commission: 6_000_000, commissionAsset: "USDT", time: t0 + i*60_000, maker: i%2 == 0})
			fa.recordTrade(usdmTrade{id: uint64(i), orderID: order, m: fm, price: 60000 * wireUnit, qty: 100_000,
				quote: 60 * wireUnit, commission: decimal.RequireFromString("0.03"), time: t0 + i*60_000, buyer: true})
		}
	})
	ts := func(i int64) string { return strconv.FormatInt(t0+i*60_000, 10) }
	type trade struct {
		ID      int64 `json:"id"`
		OrderID int64 `json:"orderId"`
	}
	ids := func(list []trade) (first, last int64, n int) {
		if len(list) == 0 {
			return 0, 0, 0
		}
		return list[0].ID, list[len(list)-1].ID, len(list)
	}
	for _, c := range []struct {
		name               string
		p                  map[string]string
		first, last, n     int // spot's answer
		ufirst, ulast, un  int // USD-M's, when it differs (0: the same)
		code, ucode        int // spot's error, USD-M's
		skipSpot, skipUSDM bool
	}{
		{name: "latest 500 of the order", p: map[string]string{"orderId": "7"}, first: 101, last: 600, n: 500},
		{name: "order from a trade id", p: map[string]string{"orderId": "7", "fromId": "590"}, first: 590, last: 600, n: 11},
		{name: "from a trade id, limited", p: map[string]string{"fromId": "595", "limit": "10"}, first: 595, last: 604, n: 10},
		{name: "most recent, at most 1000", p: map[string]string{"limit": "1000"}, first: 1, last: 1000, n: 1000},
		{name: "time range", p: map[string]string{"startTime": ts(10), "endTime": ts(19)}, first: 10, last: 19, n: 10},
		{name: "orderId with a time range", p: map[string]string{"orderId": "8", "startTime": ts(700), "endTime": ts(709)}, code: -1128,
			ufirst: 700, ulast: 709, un: 10},
		{name: "fromId with startTime", p: map[string]string{"fromId": "1", "startTime": ts(1)}, code: -1128, ucode: -1128},
		{name: "fromId with endTime", p: map[string]string{"fromId": "1", "endTime": ts(1)}, code: -1128, ucode: -1128},
		{name: "more than 24 hours", p: map[string]string{"startTime": ts(0), "endTime": ts(24*60 + 1)}, code: -1127,
			ufirst: 1, ulast: 1000, un: 1000, skipUSDM: true},
		{name: "more than 7 days", p: map[string]string{"startTime": ts(0), "endTime": ts(7*24*60 + 1)}, code: -1127, ucode: -1127},
		{name: "limit 0", p: map[string]string{"limit": "0"}, code: -1130, ucode: -1130},
		{name: "limit 1001", p: map[string]string{"limit": "1001"}, code: -1130, ucode: -1130},
		{name: "orderId not a number", p: map[string]string{"orderId": "x"}, code: -1100, ucode: -1100},
	} {
		t.Run(c.name, func(t *testing.T) {
			if !c.skipSpot {
				cl := newAPIClient(t, e, usdmKey, usdmSecret)
				p := map[string]any{"symbol": "BTCUSDT"}
				for k, v := range c.p {
					p[k] = v
				}
				r := cl.call("myTrades", p)
				if r.code() != c.code {
					t.Fatalf("spot: code %d (%s), want %d", r.code(), r.Result, c.code)
				}
				if c.code == 0 {
					var list []trade
					json.Unmarshal(r.Result, &list)
					if f, l, n := ids(list); f != int64(c.first) || l != int64(c.last) || n != c.n {
						t.Errorf("spot: trades %d to %d (%d), want %d to %d (%d)", f, l, n, c.first, c.last, c.n)
					}
				}
			}
			if c.skipUSDM {
				return
			}
			q := url.Values{"symbol": {"BTCUSDT"}}
			for k, v := range c.p {
				q.Set(k, v)
			}
			// USD-M's default window is the last 7 days: the list's times are in the
			// future of the exchange's clock, so without a range or an id nothing is
			// found; the cases that need none name an orderId or a fromId.
			status, body := (&usdmClient{t: t, e: e}).rest("GET", "/fapi/v1/userTrades", q, true)
			if c.ucode != 0 {
				var er struct{ Code int }
				json.Unmarshal(body, &er)
				if status != 400 || er.Code != c.ucode {
					t.Fatalf("usdm: %d %s, want %d", status, body, c.ucode)
				}
				return
			}
			if status != 200 {
				t.Fatalf("usdm: %d %s", status, body)
			}
			var list []trade
			json.Unmarshal(body, &list)
			first, last, n := c.first, c.last, c.n
			if c.un != 0 {
				first, last, n = c.ufirst, c.ulast, c.un
			}
			if c.p["orderId"] == "" && c.p["fromId"] == "" && c.p["startTime"] == "" {
				first, last, n = 0, 0, 0 // the default window
			}
			if f, l, k := ids(list); f != int64(first) || l != int64(last) || k != n {
				t.Errorf("usdm: trades %d to %d (%d), want %d to %d (%d)", f, l, k, first, last, n)
			}
		})
	}

	// The cap: the oldest are dropped, a tenth at a time.
	e.With(func() {
		a := e.accounts[usdmKey]
		for i := uint64(1001); i <= maxAccountTrades+1; i++ {
			a.recordTrade(accountTrade{id: i, orderID: 9, market: e.Market("BTCUSDT")})
		}
		if n, first := len(a.trades), a.trades[0].id; n != maxAccountTrades*9/10+1 || first != maxAccountTrades/10+1 {
			t.Errorf("after %d trades the list holds %d from id %d, want %d from %d", maxAccountTrades+1, n, first,
				maxAccountTrades*9/10+1, maxAccountTrades/10+1)
		}
	})
}
