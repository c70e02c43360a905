package exchange

// Kraken's trade history: every fill of an account that trades over the Kraken
// protocol, served by the executions snapshot (snap_trades: the last 50) and by the
// private REST endpoint TradesHistory, for a client that was away for more fills than a
// snapshot holds.
//
// As Kraken documents it (docs.kraken.com: api-reference account-data "Get Trades
// History", POST /0/private/TradesHistory; guides/spot-rest-auth):
//   - the form body holds nonce and optionally type (all), trades, start and end (a
//     unix time or a trade id; start exclusive, end inclusive), ofs (the offset of
//     the page), without_count and consolidate_taker; the request is signed like
//     every private REST request (API-Key, API-Sign);
//   - the answer is {"error":[],"result":{"trades":{"<trade id>":{"ordertxid":..,
//     "postxid":..,"pair":..,"time":..,"type":"buy|sell","ordertype":"limit",
//     "price":..,"cost":..,"fee":..,"vol":..,"margin":..,"leverage":..,"misc":"",
//     "trade_id":..,"maker":true|false}},"count":N}}: 50 trades at a time, the most
//     recent first, count the number of trades matching the request.
//
// The local exchange keeps the last krakenHistoryMax fills of each account. It does
// not consolidate a taker's fills against several makers (consolidate_taker is read
// and ignored: every fill is its own trade, with the id its executions entry carried
// as exec_id). Prices are written at the pair's decimals, volumes at the lot's, and
// cost and fee at 8 decimals, so that a client adds them up to the exchange's own
// figures; fee is in the quote asset (a commission taken in the base asset is valued
// at the fill price).

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/nanotick/nanotick/fixed"
)

// krakenHistoryMax bounds each account's trade history; krakenSnapTrades is how many
// fills an executions snapshot lists; krakenHistoryPage how many TradesHistory answers
// at a time.
const (
	krakenHistoryMax  = 10_000
	krakenSnapTrades  = 50
	krakenHistoryPage = 50
)

// krakenFill is one fill of an account's order.
type krakenFill struct {
	txid      string // the trade id: the executions entry's exec_id, TradesHistory's key
	order     *Order
	orderID   string // the order's Kraken id
	clOrdID   string
	symbol    string // BASE/QUOTE
	pair      string // the REST pair name (XXBTZUSD)
	ms        int64  // time of the fill
	buy       bool
	maker     bool
	price     int64 // wire scale
	qty       int64
	cost      int64 // quote amount
	fee       int64 // in the quote asset
	feeAsset  string
	feeQty    int64 // the fee as charged, in feeAsset
	tradeID   int64
	pd, qd    fixed.Scale // the pair's price and lot decimals
	cum       int64
	orderQty  int64
	limit     int64
	postOnly  bool
	orderOpen bool
}

// krakenHistory is one account's fills, oldest first, at most krakenHistoryMax.
type krakenHistory struct {
	fills []*krakenFill
}

// last returns the last n fills, oldest first.
func (h *krakenHistory) last(n int) []*krakenFill {
	return h.fills[max(0, len(h.fills)-n):]
}

// record adds a fill of o (report r) to a's history and returns it. Called with the
// exchange locked.
func (k *krakenState) record(a *Account, o *Order, r report) *krakenFill {
	h := k.history[a]
	if h == nil {
		h = &krakenHistory{}
		k.history[a] = h
	}
	m := o.market
	k.execN++
	fee := r.commission
	if r.commissionAsset == m.inst.Base {
		fee = quoteOf(r.lastPrice, r.commission)
	}
	asset := r.commissionAsset
	if asset == "" {
		asset = m.inst.Quote
	}
	f := &krakenFill{
		txid: krakenTradeID(uint64(k.execN)), order: o, orderID: krakenOrderID(o.ID), clOrdID: o.ClientID,
		symbol: KrakenSymbol(m.inst), pair: krakenRESTAsset(m.inst.Base) + krakenRESTAsset(m.inst.Quote),
		ms: m.nowMs(), buy: o.Side == Buy, maker: r.maker, price: r.lastPrice, qty: r.lastQty,
		cost: quoteOf(r.lastPrice, r.lastQty), fee: fee, feeAsset: asset, feeQty: r.commission, tradeID: r.tradeID,
		pd: stepDecimals(m.inst.TickSize), qd: stepDecimals(m.inst.StepSize),
		cum: r.cumQty, orderQty: o.Qty, limit: o.Price, postOnly: o.Type == LimitMaker, orderOpen: r.status.Open(),
	}
	if len(h.fills) >= krakenHistoryMax {
		copy(h.fills, h.fills[1:])
		h.fills = h.fills[:len(h.fills)-1]
	}
	h.fills = append(h.fills, f)
	return f
}

// krakenTradeID is a trade id in Kraken's shape (TXXXXX-XXXXX-XXXXXX).
func krakenTradeID(n uint64) string { return "T" + krakenOrderID(n)[1:] }

// appendExec writes f as an executions entry (exec_type trade), as a snapshot lists it.
func (f *krakenFill) appendExec(w *jw) {
	pd, qd := f.pd, f.qd
	side := "sell"
	if f.buy {
		side = "buy"
	}
	status := "filled"
	if f.orderOpen {
		status = "partially_filled"
	}
	w.str("order_id", f.orderID).str("symbol", f.symbol)
	if f.clOrdID != "" {
		w.str("cl_ord_id", f.clOrdID)
	}
	w.str("side", side).str("order_type", "limit")
	w.raw("order_qty", qd.AppendFixed(nil, f.orderQty/wireDiv(qd)))
	w.raw("limit_price", pd.AppendFixed(nil, f.limit/wireDiv(pd)))
	w.bool("post_only", f.postOnly).str("order_status", status)
	w.raw("cum_qty", qd.AppendFixed(nil, f.cum/wireDiv(qd)))
	w.str("timestamp", krakenTime(time.UnixMilli(f.ms)))
	w.str("exec_type", "trade").str("exec_id", f.txid).int("trade_id", f.tradeID)
	w.raw("last_qty", qd.AppendFixed(nil, f.qty/wireDiv(qd)))
	w.raw("last_price", pd.AppendFixed(nil, f.price/wireDiv(pd)))
	liq := "t"
	if f.maker {
		liq = "m"
	}
	w.str("liquidity_ind", liq)
	w.arr("fees").elem().str("asset", f.feeAsset).raw("qty", wireScale.Append(nil, f.feeQty)).close().endArr()
}

// appendREST writes f as a TradesHistory entry, keyed by its trade id.
func (f *krakenFill) appendREST(w *jw) {
	pd, qd := f.pd, f.qd
	side := "sell"
	if f.buy {
		side = "buy"
	}
	w.obj(f.txid).str("ordertxid", f.orderID).str("postxid", "P"+f.txid[1:]).str("pair", f.pair)
	w.raw("time", strconv.AppendFloat(nil, float64(f.ms)/1000, 'f', 4, 64))
	w.str("type", side).str("ordertype", "limit")
	w.str("price", string(pd.AppendFixed(nil, f.price/wireDiv(pd))))
	w.str("cost", string(wireScale.AppendFixed(nil, f.cost)))
	w.str("fee", string(wireScale.AppendFixed(nil, f.fee)))
	w.str("vol", string(qd.AppendFixed(nil, f.qty/wireDiv(qd))))
	w.str("margin", "0.00000000").str("leverage", "0").str("misc", "")
	w.int("trade_id", f.tradeID).bool("maker", f.maker)
	w.close()
}

// krakenPrivateREST checks a private REST request as Kraken does (API-Key, API-Sign
// over the URI path and the form body, a nonce above the account's last) and returns
// its account and form, or writes Kraken's error and returns nil. Called with the
// exchange locked.
func (e *Exchange) krakenPrivateREST(w http.ResponseWriter, r *http.Request) (*Account, url.Values) {
	if r.Method != http.MethodPost {
		krakenError(w, "EGeneral:Invalid arguments")
		return nil, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	if err != nil {
		krakenError(w, "EGeneral:Invalid arguments")
		return nil, nil
	}
	a := e.accounts[r.Header.Get("API-Key")]
	if a == nil {
		krakenError(w, "EAPI:Invalid key")
		return nil, nil
	}
	secret, err := base64.StdEncoding.DecodeString(a.cfg.Secret)
	if err != nil || len(secret) == 0 {
		krakenError(w, "EAPI:Invalid key")
		return nil, nil
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		krakenError(w, "EGeneral:Invalid arguments")
		return nil, nil
	}
	nonce, err := strconv.ParseUint(form.Get("nonce"), 10, 64)
	if err != nil {
		krakenError(w, "EAPI:Invalid nonce")
		return nil, nil
	}
	h := sha256.Sum256([]byte(form.Get("nonce") + string(body)))
	m := hmac.New(sha512.New, secret)
	m.Write([]byte(r.URL.Path))
	m.Write(h[:])
	if !hmac.Equal([]byte(base64.StdEncoding.EncodeToString(m.Sum(nil))), []byte(r.Header.Get("API-Sign"))) {
		krakenError(w, "EAPI:Invalid signature")
		return nil, nil
	}
	k := e.kraken()
	if nonce <= k.nonces[a] {
		krakenError(w, "EAPI:Invalid nonce")
		return nil, nil
	}
	k.nonces[a] = nonce
	return a, form
}

// handleKrakenTradesHistory serves POST /0/private/TradesHistory.
func (e *Exchange) handleKrakenTradesHistory(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	a, form := e.krakenPrivateREST(w, r)
	if a == nil {
		return
	}
	if t := form.Get("type"); t != "" && t != "all" {
		krakenError(w, "EGeneral:Invalid arguments:type "+strconv.Quote(t)+": the local exchange has spot trades only (all)")
		return
	}
	ofs := 0
	if s := form.Get("ofs"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			krakenError(w, "EGeneral:Invalid arguments:ofs")
			return
		}
		ofs = n
	}
	var fills []*krakenFill
	if h := e.kraken().history[a]; h != nil {
		fills = h.fills
	}
	lo, hi := 0, len(fills) // [lo, hi) of fills, oldest first
	if s := form.Get("start"); s != "" {
		i, ok := krakenBound(fills, s)
		if !ok {
			krakenError(w, "EGeneral:Invalid arguments:start")
			return
		}
		lo = i // exclusive: the fills after start
	}
	if s := form.Get("end"); s != "" {
		i, ok := krakenBound(fills, s)
		if !ok {
			krakenError(w, "EGeneral:Invalid arguments:end")
			return
		}
		hi = i // inclusive: the fills up to end
	}
	if lo > hi {
		lo = hi
	}
	match := fills[lo:hi]
	j := &jw{}
	j.open().raw("error", []byte("[]")).obj("result").obj("trades")
	// The most recent first: offset ofs counts back from the newest.
	for i := len(match) - 1 - ofs; i >= 0 && i >= len(match)-ofs-krakenHistoryPage; i-- {
		match[i].appendREST(j)
	}
	j.close()
	if form.Get("without_count") != "true" {
		j.int("count", int64(len(match)))
	}
	j.close().close()
	writeJSON(w, http.StatusOK, j.b)
}

// krakenBound returns how many of fills (oldest first) are at or before s, a unix
// time in seconds (fractions allowed) or a trade id, or false when s is neither.
func krakenBound(fills []*krakenFill, s string) (int, bool) {
	if strings.HasPrefix(s, "T") {
		for i, f := range fills {
			if f.txid == s {
				return i + 1, true
			}
		}
		return 0, false
	}
	sec, err := strconv.ParseFloat(s, 64)
	if err != nil || sec < 0 {
		return 0, false
	}
	ms := int64(sec * 1000)
	n := 0
	for n < len(fills) && fills[n].ms <= ms {
		n++
	}
	return n, true
}
