package binance

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"time"

	"github.com/shopspring/decimal"
)

// ledger is the balances the gateway expects at the venue: the totals (free plus
// locked) read at start, moved by every fill of this session as Binance settles it,
// net of its commission in whatever asset it was taken (user-data-stream.md
// "Order Update": l, Y, n, N). It is written by the reader goroutine and read by the
// reconciliation, hence locked; it is off the tick path and uses decimals.
type ledger struct {
	mu    sync.Mutex
	total map[string]decimal.Decimal
	// seen is the last difference found per asset: a difference is drift only when it
	// persists, as reports in flight during a comparison make passing ones.
	seen map[string]decimal.Decimal
}

func newLedger() *ledger {
	return &ledger{total: map[string]decimal.Decimal{}, seen: map[string]decimal.Decimal{}}
}

// reset sets the expected totals from balances.
func (l *ledger) reset(b map[string]Balance) {
	l.mu.Lock()
	defer l.mu.Unlock()
	clear(l.total)
	for asset, v := range b {
		l.total[asset] = v.Free.Add(v.Locked)
	}
}

// trade applies one TRADE report: side S, last quantity l, last quote amount Y, and
// the commission n in asset N.
func (l *ledger) trade(side, qty, quote, commission, commissionAsset, base, quoteAsset string) {
	q, err1 := decimal.NewFromString(qty)
	y, err2 := decimal.NewFromString(quote)
	if err1 != nil || err2 != nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if side == "SELL" {
		q, y = q.Neg(), y.Neg()
	}
	l.total[base] = l.total[base].Add(q)
	l.total[quoteAsset] = l.total[quoteAsset].Sub(y)
	if n, err := decimal.NewFromString(commission); err == nil && !n.IsZero() && commissionAsset != "" {
		l.total[commissionAsset] = l.total[commissionAsset].Sub(n)
	}
}

// Drift is a persistent difference between the venue's balance of an asset and the
// one the gateway expects.
type Drift struct {
	Asset            string
	Venue, Expected  decimal.Decimal
	Difference       decimal.Decimal // Venue − Expected
	ConsecutiveFound int             // 2: seen in two comparisons in a row
}

// compare compares the venue's totals with the expected ones for the assets the
// ledger tracks, and returns the differences seen the previous time too.
func (l *ledger) compare(venue map[string]decimal.Decimal) []Drift {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Drift
	for asset, want := range l.total {
		got := venue[asset]
		d := got.Sub(want)
		prev, had := l.seen[asset]
		if d.IsZero() {
			delete(l.seen, asset)
			continue
		}
		l.seen[asset] = d
		if had && prev.Equal(d) {
			out = append(out, Drift{Asset: asset, Venue: got, Expected: want, Difference: d, ConsecutiveFound: 2})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Asset < out[j].Asset })
	return out
}

// Expected returns the balance total the gateway expects of asset.
func (g *Gateway) Expected(asset string) decimal.Decimal {
	g.ledger.mu.Lock()
	defer g.ledger.mu.Unlock()
	return g.ledger.total[asset]
}

// Reconcile compares the venue's balances (account.status) with the expected ones once
// and returns the drifts found, each logged as an error and counted.
func (g *Gateway) Reconcile(ctx context.Context) ([]Drift, error) {
	res, err := g.request(ctx, g.conn.Load(), "account.status", "bal", []Param{{"omitZeroBalances", "true"}})
	if err != nil {
		return nil, fmt.Errorf("gateway: balance reconciliation: %w", err)
	}
	var st struct {
		Balances []struct {
			Asset  string          `json:"asset"`
			Free   decimal.Decimal `json:"free"`
			Locked decimal.Decimal `json:"locked"`
		} `json:"balances"`
	}
	if err := json.Unmarshal(res, &st); err != nil {
		return nil, fmt.Errorf("gateway: balance reconciliation: decode account.status: %w", err)
	}
	venue := make(map[string]decimal.Decimal, len(st.Balances))
	for _, b := range st.Balances {
		venue[b.Asset] = b.Free.Add(b.Locked)
	}
	g.reconciles.Add(1)
	drifts := g.ledger.compare(venue)
	for _, d := range drifts {
		g.drifts.Add(1)
		g.log.Error().Str("asset", d.Asset).Str("venue", d.Venue.String()).Str("expected", d.Expected.String()).
			Str("difference", d.Difference.String()).Msg("balance drift: the venue's balance differs from what this session's fills and commissions explain")
	}
	return drifts, nil
}

// reconcileLoop reconciles every ReconcileEvery until ctx ends; a failed reconciliation
// is retried with capped exponential backoff and jitter (up to 8 intervals).
func (g *Gateway) reconcileLoop(ctx context.Context) {
	every := g.cfg.ReconcileEvery
	failures := 0
	for {
		d := every
		if failures > 0 {
			d = every << min(failures, 3)
			d = d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		if _, err := g.Reconcile(ctx); err != nil {
			failures++
			if ctx.Err() == nil {
				g.log.Warn().Err(err).Int("failures", failures).Msg("balance reconciliation failed; retrying with backoff")
			}
			continue
		}
		failures = 0
	}
}
