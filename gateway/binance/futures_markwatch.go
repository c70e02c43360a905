package binance

import (
	"strings"
	"sync/atomic"
	"time"

	"github.com/nanotick/nanotick/feeds/binance/live"
	"github.com/nanotick/nanotick/md"
)

// markWatch notices a perpetual whose mark price never arrives. The mark price stream
// sends one a second, and every perpetual check leans on it (the funding check, risk's
// distance to liquidation, the strategy's book.mark()); since 2026-04-23 Binance serves
// markPrice on its /market path only and delivers nothing for it on the unrouted one
// (docs/live.md, "Binance's routed websocket paths"), so a feed on the wrong path is
// silent rather than failing. Drain (the engine's goroutine) does the watching; the
// flags are read by Counters from any goroutine.
type markWatch struct {
	since   int64 // the first Drain's now, Unix ns; 0 before it
	seen    atomic.Bool
	missing atomic.Bool
}

// watchMark records whether p carries a mark price and, if none has come within
// MarkTimeout of the first Drain, logs it once and sets MarkMissing.
func (g *FuturesGateway) watchMark(p md.PerpMark, now int64) {
	w := &g.mw
	if w.seen.Load() {
		return
	}
	if p.Fields&md.HasMarkPrice != 0 {
		w.seen.Store(true)
		return
	}
	if w.since == 0 {
		w.since = now
		return
	}
	limit := g.cfg.MarkTimeout
	if limit <= 0 {
		limit = 30 * time.Second
	}
	if now-w.since > int64(limit) && !w.missing.Load() {
		w.missing.Store(true)
		g.log.Warn().Dur("after", limit).Str("mark_url", strings.TrimRight(g.cfg.StreamURL, "/")+live.USDMMarketPath).Msg("no mark price has reached the engine: the funding check, book.mark() and the distance to liquidation have none (on Binance, markPrice@1s is served on the /market path only)")
	}
}

// b2u is 1 for true.
func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}
