package live_test

import (
	"context"
	"io"
	"net"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nanotick/nanotick/engine"
	"github.com/nanotick/nanotick/exchange"
	"github.com/nanotick/nanotick/feeds/binance/live"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/internal/enginetest"
	"github.com/nanotick/nanotick/session"
	"github.com/nanotick/nanotick/strategy"
	"github.com/nanotick/nanotick/telemetry"
)

// proxy forwards loopback TCP connections to target until dropped: a real connection
// that the test can cut, as a network or the venue would.
type proxy struct {
	ln     net.Listener
	target string
	hold   atomic.Bool // accept connections but forward nothing: a handshake that hangs
	mu     sync.Mutex
	conns  []net.Conn
	wg     sync.WaitGroup
}

func newProxy(t testing.TB, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() {
		ln.Close()
		p.drop()
		p.wg.Wait()
	})
	return p
}

func (p *proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if p.hold.Load() {
			p.mu.Lock()
			p.conns = append(p.conns, c)
			p.mu.Unlock()
			continue
		}
		u, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, u)
		p.mu.Unlock()
		p.wg.Add(2)
		go func() { defer p.wg.Done(); _, _ = io.Copy(u, c); u.Close() }()
		go func() { defer p.wg.Done(); _, _ = io.Copy(c, u); c.Close() }()
	}
}

// drop cuts every connection through the proxy.
func (p *proxy) drop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

// twoVenues is a session over the local exchange's Binance Spot BTCUSDT (instrument 0,
// the engine's own connection) and its USD-M BTCUSDT perpetual (instrument 1, a second
// connection, optionally through a proxy).
type twoVenues struct {
	ex     *exchange.Exchange
	px     *proxy // between a connection and the exchange, if asked for
	s      *session.Session
	e      *engine.Engine
	md     [2]*live.MarketData
	valid  [2]atomic.Bool
	lost0  atomic.Bool // the spot book turned invalid after it first was valid
	seen0  atomic.Bool
	frames [2][]int64 // by instrument: ns from a frame's receipt to the engine, engine goroutine only
	count1 atomic.Int64
}

// startTwoVenues starts the session; proxied names the connection (0 or 1) that goes
// through a proxy, -1 none.
func startTwoVenues(t testing.TB, proxied int, busyPoll bool, strat strategy.Strategy) *twoVenues {
	ex, err := exchange.Start(context.Background(), exchange.Config{Seed: 3,
		Instruments: []exchange.Instrument{exchange.BTCUSDT()}, Futures: []exchange.FuturesInstrument{exchange.BTCUSDTPerp()}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ex.Close() })
	tv := &twoVenues{ex: ex}
	spotURL, futURL := ex.MarketDataURL(), ex.FuturesMarketDataURL()
	if proxied >= 0 {
		tv.px = newProxy(t, ex.Addr())
	}
	switch proxied {
	case 0:
		spotURL = "ws://" + tv.px.addr()
	case 1:
		futURL = "ws://" + tv.px.addr() + "/fstream"
	}
	tv.e, _ = enginetest.NewEngineWith(t, enginetest.PairConfig(), strat)
	// Fast reconnects; and a handshake that hangs hangs past every test deadline.
	fast := live.Config{BackoffMin: 10 * time.Millisecond, BackoffMax: 200 * time.Millisecond, DialTimeout: 10 * time.Minute}
	tv.md[0], err = live.NewMarketData(live.MarketDataConfig{Name: "binance-spot", URL: spotURL, RESTURL: ex.RESTURL(),
		Instruments: []live.MarketDataInstrument{{Index: 0, Symbol: "BTCUSDT"}}, Client: fast})
	if err != nil {
		t.Fatal(err)
	}
	tv.md[1], err = live.NewMarketData(live.MarketDataConfig{Name: "binance-usdm", URL: futURL, RESTURL: ex.RESTURL(),
		SnapshotPath: "/fapi/v1/depth", Instruments: []live.MarketDataInstrument{{Index: 1, Symbol: "BTCUSDT"}}, Client: fast})
	if err != nil {
		t.Fatal(err)
	}
	for i := range tv.frames {
		tv.frames[i] = make([]int64, 0, 1<<16)
	}
	e := tv.e
	tv.s, err = session.New(session.Config{Engine: e, MarketData: []session.MarketData{tv.md[0], tv.md[1]},
		BusyPoll: busyPoll,
		Frame: func(i instrument.Index, frame []byte, local int64) error {
			if hop := time.Now().UnixNano() - local; len(tv.frames[i]) < cap(tv.frames[i]) {
				tv.frames[i] = append(tv.frames[i], hop)
			}
			if i == 1 {
				tv.count1.Add(1)
			}
			return e.OnFrameAt(i, frame, local)
		},
		OnIdle: func(int64) {
			for i := range 2 {
				v := e.BookAt(instrument.Index(i)).Valid()
				tv.valid[i].Store(v)
				if i == 0 && v {
					tv.seen0.Store(true)
				}
				if i == 0 && !v && tv.seen0.Load() {
					tv.lost0.Store(true)
				}
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	return tv
}

func (tv *twoVenues) run(t testing.TB) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tv.s.Run(ctx) }()
	return func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}
}

// waitFor polls cond every 10ms for at most 30s: a bound on a hang, not a timing check.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestReconnectOneConnection: two venues feed one engine goroutine; when the second
// connection (the perpetual's) is cut, only its instrument's book turns invalid (fail
// closed), the connection comes back by itself, resyncs that book from a new snapshot,
// and the first connection never notices.
func TestReconnectOneConnection(t *testing.T) {
	tv := startTwoVenues(t, 1, false, strategy.Base{})
	stop := tv.run(t)
	waitFor(t, "both books valid", func() bool { return tv.valid[0].Load() && tv.valid[1].Load() })
	before := tv.md[1].Counters()
	spotBefore := tv.md[0].Counters()
	tv.px.drop()
	waitFor(t, "the perpetual's book invalid after its connection was cut", func() bool { return !tv.valid[1].Load() })
	waitFor(t, "the perpetual's book resynced", func() bool { return tv.valid[1].Load() })
	stop()
	after, spotAfter := tv.md[1].Counters(), tv.md[0].Counters()
	if after.Reconnects <= before.Reconnects || after.Snapshots <= before.Snapshots {
		t.Errorf("perpetual's connection: before %+v after %+v: want a reconnect and a new snapshot", before, after)
	}
	if spotAfter.Reconnects != spotBefore.Reconnects || spotAfter.Snapshots != spotBefore.Snapshots || tv.lost0.Load() {
		t.Errorf("the spot connection noticed: before %+v after %+v, spot book lost %v", spotBefore, spotAfter, tv.lost0.Load())
	}
}

// TestOtherConnectionWhileEngineConnectionDials: while the engine's own connection is
// down and its new handshake hangs, the engine goroutine keeps handling the other
// connection's frames (the client dials on a goroutine of its own and runs the idle work
// meanwhile); the spot book is invalid meanwhile, the perpetual's stays valid.
func TestOtherConnectionWhileEngineConnectionDials(t *testing.T) {
	tv := startTwoVenues(t, 0, false, strategy.Base{})
	stop := tv.run(t)
	defer stop()
	waitFor(t, "both books valid", func() bool { return tv.valid[0].Load() && tv.valid[1].Load() })
	tv.px.hold.Store(true)
	tv.px.drop()
	waitFor(t, "the spot book invalid after its connection was cut", func() bool { return !tv.valid[0].Load() })
	from := tv.count1.Load()
	waitFor(t, "perpetual frames reaching the engine during the spot handshake", func() bool { return tv.count1.Load() >= from+10 })
	if tv.valid[0].Load() || !tv.valid[1].Load() {
		t.Errorf("books valid: spot %v (its handshake hangs) perp %v", tv.valid[0].Load(), tv.valid[1].Load())
	}
	tv.px.hold.Store(false)
	tv.px.drop() // the hung handshake fails; the next dial gets through
	waitFor(t, "the spot book resynced", func() bool { return tv.valid[0].Load() })
}

// BenchmarkSessionHop measures, over loopback websockets from the local exchange, how
// long a frame takes from its read (its local receive time) to the start of the engine's
// handling of it: on the engine's own connection (first) and on a second one, whose
// frames cross the ring and wake the engine's goroutine (second). One op is one frame of
// the second connection; run with -benchtime=Nx. busy: the engine's connection
// busy-polls and drains the ring between polls.
func BenchmarkSessionHop(b *testing.B) {
	for _, busy := range []bool{false, true} {
		name := "blocking"
		if busy {
			name = "busy"
		}
		b.Run(name, func(b *testing.B) {
			tv := startTwoVenues(b, -1, busy, strategy.Base{})
			stop := tv.run(b)
			waitFor(b, "both books valid", func() bool { return tv.valid[0].Load() && tv.valid[1].Load() })
			start := tv.count1.Load()
			b.ResetTimer()
			waitFor(b, "frames of the second connection", func() bool { return tv.count1.Load()-start >= int64(b.N) })
			b.StopTimer()
			stop()
			for i, name := range []string{"first", "second"} {
				f := append([]int64(nil), tv.frames[i]...)
				sort.Slice(f, func(a, c int) bool { return f[a] < f[c] })
				if len(f) == 0 {
					b.Fatalf("no frame on the %s connection", name)
				}
				if testing.Verbose() {
					b.Logf("%s: %d frames, largest %v", name, len(f), f[max(0, len(f)-5):])
				}
				b.ReportMetric(float64(f[len(f)/2]), name+"-p50-ns")
				b.ReportMetric(float64(f[len(f)*99/100]), name+"-p99-ns")
			}
			b.ReportMetric(float64(tv.e.Latency().Percentile(telemetry.Tick, 50)), "tick-p50-ns")
		})
	}
}
