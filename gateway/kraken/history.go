package kraken

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nanotick/nanotick/fixed"
)

// TradesHistoryPath is the URI path of the private REST endpoint that lists an
// account's fills (api-reference account-data "Get Trades History").
const TradesHistoryPath = "/0/private/TradesHistory"

// historyPage is how many trades TradesHistory answers at a time ("50 results are
// returned at a time, the most recent by default").
const historyPage = 50

// HistoryTrade is one fill as TradesHistory lists it: its trade id (the key, and the
// exec_id the executions channel gave it), the Kraken id of its order, its price,
// volume, fee in the quote asset and time, as sent.
type HistoryTrade struct {
	ID        string
	OrderTxID string      `json:"ordertxid"`
	Pair      string      `json:"pair"`
	Time      json.Number `json:"time"`
	Type      string      `json:"type"`
	Price     string      `json:"price"`
	Cost      string      `json:"cost"`
	Fee       string      `json:"fee"`
	Vol       string      `json:"vol"`
	TradeID   int64       `json:"trade_id"`
	Maker     bool        `json:"maker"`
}

// HistoryPage is one answer of TradesHistory: its trades and the number of trades
// that match the request (count).
type HistoryPage struct {
	Trades []HistoryTrade
	Count  int
}

// AppendTradesHistoryBody appends the form body of a TradesHistory request for the
// fills after start (a unix time in seconds, exclusive), page ofs: every fill on its
// own (consolidate_taker=false, so that each one carries the id its executions entry
// had as exec_id).
func AppendTradesHistoryBody(dst []byte, nonce uint64, start int64, ofs int) []byte {
	dst = append(dst, "nonce="...)
	dst = strconv.AppendUint(dst, nonce, 10)
	dst = append(dst, "&type=all&trades=false&consolidate_taker=false&start="...)
	dst = strconv.AppendInt(dst, start, 10)
	dst = append(dst, "&ofs="...)
	return strconv.AppendInt(dst, int64(ofs), 10)
}

// FetchTradesHistory asks restURL for one page of the account's fills after start (unix
// seconds, exclusive), at offset ofs, signed with c and nonce. An answer with errors is
// an *APIError carrying Kraken's strings. It is one request: the caller retries, if at
// all, with backoff.
func FetchTradesHistory(ctx context.Context, client *http.Client, restURL string, c Credentials, nonce uint64, start int64, ofs int) (HistoryPage, error) {
	if !c.Set() {
		return HistoryPage{}, errors.New("kraken: trades history: no credentials")
	}
	body := string(AppendTradesHistoryBody(nil, nonce, start, ofs))
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(restURL, "/")+TradesHistoryPath, strings.NewReader(body))
	if err != nil {
		return HistoryPage{}, fmt.Errorf("kraken: trades history: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "nanotick")
	req.Header.Set("API-Key", c.apiKey)
	req.Header.Set("API-Sign", c.Sign(TradesHistoryPath, nonce, body))
	resp, err := client.Do(req)
	if err != nil {
		return HistoryPage{}, fmt.Errorf("kraken: trades history: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return HistoryPage{}, fmt.Errorf("kraken: trades history: read: %w", err)
	}
	return ParseTradesHistory(resp.StatusCode, b)
}

// ParseTradesHistory reads TradesHistory's answer:
//
//	{"error":[],"result":{"trades":{"THVRQM-33VKH-UCI7BS":{"ordertxid":"OQCLML-BW3P3-BUCMWZ",
//	 "pair":"XXBTZUSD","time":1688667796.8802,"type":"buy","ordertype":"limit",
//	 "price":"30010.00000","cost":"600.20000","fee":"0.00000","vol":"0.02000000",
//	 "trade_id":40274859,"maker":true}},"count":1}}
//
// The trades come back oldest first (by time, then trade_id): the order they happened in.
func ParseTradesHistory(status int, b []byte) (HistoryPage, error) {
	var m struct {
		Error  []string `json:"error"`
		Result *struct {
			Trades map[string]HistoryTrade `json:"trades"`
			Count  *int                    `json:"count"`
		} `json:"result"`
	}
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		return HistoryPage{}, fmt.Errorf("kraken: trades history: http %d: undecodable answer: %w", status, err)
	}
	if len(m.Error) > 0 {
		return HistoryPage{}, fmt.Errorf("kraken: trades history: http %d: %w", status, &APIError{Errors: m.Error})
	}
	if status != http.StatusOK || m.Result == nil || m.Result.Count == nil {
		return HistoryPage{}, fmt.Errorf("kraken: trades history: http %d without a result and its count", status)
	}
	p := HistoryPage{Count: *m.Result.Count, Trades: make([]HistoryTrade, 0, len(m.Result.Trades))}
	for id, t := range m.Result.Trades {
		if id == "" || t.OrderTxID == "" {
			return HistoryPage{}, fmt.Errorf("kraken: trades history: trade %q without its order", id)
		}
		t.ID = id
		p.Trades = append(p.Trades, t)
	}
	slices.SortFunc(p.Trades, func(a, b HistoryTrade) int {
		if c := cmp.Compare(timeOf(a.Time), timeOf(b.Time)); c != 0 {
			return c
		}
		return cmp.Compare(a.TradeID, b.TradeID)
	})
	return p, nil
}

// timeOf reads a TradesHistory time (unix seconds with a fraction) for ordering.
func timeOf(n json.Number) float64 {
	f, _ := strconv.ParseFloat(n.String(), 64)
	return f
}

// recovery is what the gateway needs to take the fills it missed while disconnected
// from TradesHistory: the Kraken order id of every order it sent, and the fills it
// passed on already (by trade id), shared by the connections' readers and the
// recovery so that no fill reaches the engine twice. Both are bounded.
type recovery struct {
	mu     sync.Mutex
	orders map[string]uint64 // Kraken order_id → engine order id
	oorder []string          // FIFO of orders' keys
	seen   map[string]struct{}
	sorder []string // FIFO of seen's keys
}

// maxRecovery bounds both tables: far more orders and fills than one disconnect spans.
const maxRecovery = 8192

func newRecovery() *recovery {
	return &recovery{orders: map[string]uint64{}, seen: map[string]struct{}{}}
}

// order records that Kraken's order_id is the engine's order id.
func (r *recovery) order(orderID string, id uint64) {
	if orderID == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.orders[orderID]; ok {
		return
	}
	if len(r.oorder) >= maxRecovery {
		delete(r.orders, r.oorder[0])
		r.oorder = r.oorder[1:]
	}
	r.orders[orderID] = id
	r.oorder = append(r.oorder, orderID)
}

// idOf returns the engine's id of a Kraken order_id.
func (r *recovery) idOf(orderID string) (uint64, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	id, ok := r.orders[orderID]
	return id, ok
}

// seenBefore reports whether the fill execID was passed on already.
func (r *recovery) seenBefore(execID string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, dup := r.seen[execID]
	return dup
}

// first reports whether the fill execID is seen for the first time, and remembers it.
func (r *recovery) first(execID string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.seen[execID]; dup {
		return false
	}
	if len(r.sorder) >= maxRecovery {
		delete(r.seen, r.sorder[0])
		r.sorder = r.sorder[1:]
	}
	r.seen[execID] = struct{}{}
	r.sorder = append(r.sorder, execID)
	return true
}

// historyFill turns a TradesHistory trade of our order id into the answer the
// executions channel would have given: a fill with its fee, in millionths of a price
// unit of the quote asset (TradesHistory's fee is in the quote asset).
func historyFill(t *HistoryTrade, id uint64, ps, qs fixed.Scale, gen uint64) (answer, error) {
	a := answer{kind: ansExec, exec: exTrade, id: id, maker: t.Maker, gen: gen}
	var err error
	if a.price, err = ps.ParseString(t.Price); err != nil || a.price <= 0 {
		return a, fmt.Errorf("%w: trades history %s: price %q", ErrMalformed, t.ID, t.Price)
	}
	if a.qty, err = qs.ParseString(t.Vol); err != nil || a.qty <= 0 {
		return a, fmt.Errorf("%w: trades history %s: vol %q", ErrMalformed, t.ID, t.Vol)
	}
	if t.Fee != "" {
		v, err := feeScale.ParseString(t.Fee)
		if err != nil || v < 0 {
			return a, fmt.Errorf("%w: trades history %s: fee %q", ErrMalformed, t.ID, t.Fee)
		}
		x, ok := fixed.MulDiv(v, ps.Unit(), (feeScale - feeFineDigits).Unit())
		if !ok {
			return a, fmt.Errorf("%w: trades history %s: fee %q overflows", ErrMalformed, t.ID, t.Fee)
		}
		a.fee = x
	}
	return a, nil
}

// ErrTooManyMissed is a disconnect that spanned more fills than the recovery reads
// (Config.MaxRecoverPages pages of 50): the engine's position can no longer be known,
// and the gateway stops trading.
var ErrTooManyMissed = errors.New("kraken gateway: more fills missed while disconnected than the recovery reads")

// recoverFills reads the account's fills after since (unix ns, less a margin) from
// TradesHistory, page by page (at most MaxRecoverPages), and queues each one of our
// orders that the engine has not heard of, oldest first, before the next connection's
// executions snapshot. A request that fails fails the reconnect (retried by the
// reconnect loop, with its backoff and limit); more fills than the pages hold are
// ErrTooManyMissed.
func (g *Gateway) recoverFills(ctx context.Context, since int64) (int, error) {
	// Kraken's start is exclusive and in seconds; fills are deduplicated by trade id,
	// so reading a few seconds too far back costs nothing.
	start := time.Unix(0, since).Add(-2 * time.Second).Unix()
	var all []HistoryTrade
	ofs, count := 0, 0
	for page := 0; ; page++ {
		if page >= g.cfg.MaxRecoverPages {
			return 0, fmt.Errorf("%w: %d fills since %s, %d pages read", ErrTooManyMissed, count, time.Unix(start, 0).UTC().Format(time.RFC3339), page)
		}
		rctx, cancel := context.WithTimeout(ctx, g.cfg.RequestTimeout)
		p, err := FetchTradesHistory(rctx, g.http, g.cfg.RESTURL, g.cfg.Credentials, g.nonces.Next(time.Now().UnixMilli()), start, ofs)
		cancel()
		if err != nil {
			return 0, err
		}
		all = append(all, p.Trades...)
		count = p.Count
		ofs += historyPage
		if len(p.Trades) == 0 || ofs >= count {
			break
		}
	}
	slices.SortFunc(all, func(a, b HistoryTrade) int {
		if c := cmp.Compare(timeOf(a.Time), timeOf(b.Time)); c != 0 {
			return c
		}
		return cmp.Compare(a.TradeID, b.TradeID)
	})
	n := 0
	for i := range all {
		t := &all[i]
		id, ours := g.rec.idOf(t.OrderTxID)
		if !ours {
			g.foreign.Add(1)
			continue
		}
		a, err := historyFill(t, id, g.cfg.PriceScale, g.cfg.QtyScale, 0)
		if err != nil {
			// The fill happened but cannot be read: the engine's position is unknown.
			return n, err
		}
		if !g.rec.first(t.ID) {
			continue
		}
		g.push(a)
		n++
	}
	return n, nil
}
