package backtest

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/nanotick/nanotick/backtest/recorded"
	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/risk"
	"github.com/nanotick/nanotick/venues"
)

// nopReceiver counts answers without keeping them.
type nopReceiver struct{ acks, fills, cancels, rejects int }

func (n *nopReceiver) OnAck(uint64, int64)                             { n.acks++ }
func (n *nopReceiver) OnFill(uint64, int64, int64, int64, bool, int64) { n.fills++ }
func (n *nopReceiver) OnCancelled(uint64, int64)                       { n.cancels++ }
func (n *nopReceiver) OnRejected(uint64, string, int64)                { n.rejects++ }

// TestExchangeEventPathAllocatesNothing drives the exchange's per-event path in steady
// state: depth updates that move the levels of resting orders (queue estimates change),
// trades at their prices and away from them, and orders placed, acknowledged and
// cancelled through both latency queues, with latencies drawn from a distribution.
func TestExchangeEventPathAllocatesNothing(t *testing.T) {
	lat, err := ParseLatency(stringsReader("1ms 2ms\n3ms 1ms\n"), 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []QueueModel{RiskAverse, PowerLaw} {
		t.Run(q.String(), func(t *testing.T) {
			x, err := NewExchange(ExchangeConfig{
				Instrument: testSpec("TEST", ps, qs), NewFeed: venues.NewFeed,
				Lot: lot, Latency: lat, Queue: q, PartialFills: true, MakerFeeBps: -1, TakerFeeBps: 5,
			})
			if err != nil {
				t.Fatal(err)
			}
			const n = 4000
			frames := make([][]byte, 0, 2*n+2)
			frames = append(frames, []byte(`{"lastUpdateId":100,"bids":[["100.00","50"],["99.00","10"]],"asks":[["101.00","50"],["102.00","2"]]}`))
			for i := 1; i <= n; i++ {
				e := base/ms + int64(i)
				frames = append(frames, []byte(fmt.Sprintf(`{"e":"depthUpdate","E":%d,"s":"TEST","U":%d,"u":%d,"b":[["99.00","%d"],["98.00","3"]],"a":[["102.00","%d"]]}`, e, 100+i, 100+i, 10+i%7, 2+i%5)))
				frames = append(frames, []byte(fmt.Sprintf(`{"e":"trade","E":%d,"s":"TEST","t":%d,"p":"%s","q":"0.001","T":%d,"m":%v,"M":true}`, e, i, []string{"99.00", "102.00", "100.50"}[i%3], e, i%2 == 0)))
			}
			var r nopReceiver
			now := base
			x.OnMarket(frames[0], now)
			// Resting orders at 99 and 102, behind large queues: the trades there
			// move them up but never fill them.
			for id := uint64(1); id <= 4; id++ {
				side, p := orderbook.Bid, px(99)
				if id%2 == 0 {
					side, p = orderbook.Ask, px(102)
				}
				o := risk.Order{ID: id, Side: side, Price: p, Qty: qty(1)}
				_ = x.Place(&o, now)
			}
			next, id := 1, uint64(100)
			step := func() {
				now += int64(time.Millisecond)
				x.OnMarket(frames[next], now)
				x.OnMarket(frames[next+1], now)
				next += 2
				id++
				o := risk.Order{ID: id, Side: orderbook.Bid, Price: px(95), Qty: qty(1), PostOnly: true}
				_ = x.Place(&o, now)
				_ = x.Cancel(id, now)
				x.RunUntil(now, &r)
			}
			for i := 0; i < 200; i++ {
				step()
			}
			if allocs := testing.AllocsPerRun(n/2-300, step); allocs != 0 {
				t.Errorf("%v allocations per event pair", allocs)
			}
			x.RunUntil(now+int64(time.Second), &r) // what is still in flight
			if r.fills != 0 || r.rejects != 0 || r.acks < 100 || r.cancels < 100 {
				t.Errorf("answers %+v: the path exercised the wrong things", r)
			}
			if x.Resting() != 4 {
				t.Errorf("%d resting, want the 4 queued orders", x.Resting())
			}
		})
	}
}

// memSource wraps a Source and reads the allocation counter when frame mark is read
// and at the end.
type memSource struct {
	Source
	n, mark     int
	atMark, end uint64
}

func (m *memSource) Next() (int64, []byte, error) {
	local, frame, err := m.Source.Next()
	m.n++
	if m.n == m.mark || err != nil {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		if m.n == m.mark {
			m.atMark = ms.Mallocs
		} else if m.end == 0 {
			m.end = ms.Mallocs
		}
	}
	return local, frame, err
}

// TestReplayAllocatesPerFillNotPerFrame replays the spot file and counts the
// allocations over its second half: the whole path (reader, replay, exchange, engine,
// strategy) may allocate for fills (decimal accounting) and equity samples, never per
// frame.
func TestReplayAllocatesPerFillNotPerFrame(t *testing.T) {
	cfg := spotBacktest(t)
	cfg.EquityInterval = time.Hour // one sample: what remains is fills and frames
	r, err := recorded.Open(cfg.Data...)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	src := &memSource{Source: recordsSource{r}, mark: 20000}
	rep, err := RunSource(cfg, src)
	if err != nil {
		t.Fatal(err)
	}
	// The fills made after the mark (by data time: the mark's frame is about half way).
	start, _ := time.Parse(time.RFC3339Nano, rep.Start)
	end, _ := time.Parse(time.RFC3339Nano, rep.End)
	half := start.UnixNano() + (end.UnixNano()-start.UnixNano())/2
	var fills int
	for _, f := range rep.Fills {
		if f.Time >= half-int64(30*time.Second) {
			fills++
		}
	}
	allocs := src.end - src.atMark
	frames := rep.Events.Frames - uint64(src.mark)
	// About 50 allocations per fill (decimal arithmetic); one per frame of any kind
	// (over 1 700 depth updates, 4 800 trades, 14 000 tickers) would exceed the budget.
	budget := uint64(60*fills + 200)
	t.Logf("%d allocations over the last %d frames, with about %d fills", allocs, frames, fills)
	if allocs > budget {
		t.Errorf("%d allocations over %d frames: more than %d for %d fills", allocs, frames, budget, fills)
	}
}
