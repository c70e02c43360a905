package mdconn

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	binlive "github.com/nanotick/nanotick/feeds/binance/live"
	"github.com/nanotick/nanotick/instrument"
)

// lineProto is a venue of plain words: "sub K N" subscribes instrument K with request
// N, "unsub K N" unsubscribes it, "ping N" pings; "dK ..." is a data message of
// instrument K, "x ..." one of an instrument nobody here serves, "refused ..." a
// refusal, anything else an answer to pass over.
type lineProto struct{ n int }

func (p lineProto) Subscribe(ids *IDs) [][]byte {
	var r [][]byte
	for k := 0; k < p.n; k++ {
		r = append(r, fmt.Appendf(nil, "sub %d %d", k, ids.Next()))
	}
	return r
}

func (p lineProto) Resubscribe(k int, ids *IDs) [][]byte {
	un := fmt.Appendf(nil, "unsub %d %d", k, ids.Next())
	return [][]byte{un, fmt.Appendf(nil, "sub %d %d", k, ids.Next())}
}

func (p lineProto) Ping(ids *IDs) []byte { return fmt.Appendf(nil, "ping %d", ids.Next()) }

func (p lineProto) Route(b []byte) (int, Route) {
	switch {
	case len(b) >= 2 && b[0] == 'd' && b[1] >= '0' && int(b[1]-'0') < p.n:
		return int(b[1] - '0'), Data
	case len(b) >= 1 && b[0] == 'x':
		return 0, Foreign
	case strings.HasPrefix(string(b), "refused"):
		return 0, Refused
	}
	return 0, Other
}

// server is a loopback venue: serve runs each accepted connection (numbered from 1)
// and records what the client sent and when it connected.
type server struct {
	mu      sync.Mutex
	got     []string
	accepts []time.Time
	serve   func(ws *websocket.Conn, n int, s *server)
}

func (s *server) start(t *testing.T) string {
	t.Helper()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		s.mu.Lock()
		s.accepts = append(s.accepts, time.Now())
		n := len(s.accepts)
		s.mu.Unlock()
		s.serve(ws, n, s)
	}))
	t.Cleanup(hs.Close)
	return "ws" + strings.TrimPrefix(hs.URL, "http")
}

// read reads one client message into got.
func (s *server) read(ws *websocket.Conn) (string, error) {
	_, b, err := ws.ReadMessage()
	if err == nil {
		s.mu.Lock()
		s.got = append(s.got, string(b))
		s.mu.Unlock()
	}
	return string(b), err
}

func (s *server) sent() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.got...)
}

// readAll reads until the client goes.
func (s *server) readAll(ws *websocket.Conn) {
	for {
		if _, err := s.read(ws); err != nil {
			return
		}
	}
}

// sink records what the connection hands it; needs says which books wait for a
// snapshot (a data message "dK snap" brings it).
type sink struct {
	mu     sync.Mutex
	frames []string
	resets [2]int
	states []string
	needs  [2]bool
	idles  atomic.Int64
}

func (s *sink) Frame(i instrument.Index, b []byte, local int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.frames = append(s.frames, string(b))
	if strings.HasSuffix(string(b), " snap") {
		s.needs[i] = false
	}
	if strings.HasSuffix(string(b), " bad") {
		return fmt.Errorf("bad frame")
	}
	return nil
}
func (s *sink) NeedSnapshot(i instrument.Index) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.needs[i]
}
func (s *sink) Reset(i instrument.Index) { s.mu.Lock(); s.resets[i]++; s.mu.Unlock() }
func (s *sink) Idle(int64)               { s.idles.Add(1) }
func (s *sink) ConnState(up bool, err error, now int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if up {
		s.states = append(s.states, "up")
	} else {
		s.states = append(s.states, "down")
	}
}

func (s *sink) snapshot() (frames, states []string, resets [2]int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.frames...), append([]string(nil), s.states...), s.resets
}

// TestConn drives a Conn against a loopback venue per case, until the case's done
// holds or a deadline that only bounds a hang passes, and checks what it did.
func TestConn(t *testing.T) {
	cases := []struct {
		name  string
		cfg   Config
		needs [2]bool
		serve func(ws *websocket.Conn, n int, s *server)
		done  func(c *Conn, s *server, k *sink) bool
		check func(t *testing.T, c *Conn, s *server, k *sink)
	}{{
		name: "routes and counts",
		serve: func(ws *websocket.Conn, n int, s *server) {
			s.read(ws)
			s.read(ws)
			for _, m := range []string{"d0 a", "d1 b", "pong", "x c", "refused d", "d1 bad", "d0 e"} {
				ws.WriteMessage(websocket.TextMessage, []byte(m))
			}
			s.readAll(ws)
		},
		done: func(c *Conn, s *server, k *sink) bool { return c.Counters().Frames >= 4 },
		check: func(t *testing.T, c *Conn, s *server, k *sink) {
			frames, states, resets := k.snapshot()
			if got := strings.Join(frames, "|"); got != "d0 a|d1 b|d1 bad|d0 e" {
				t.Errorf("frames %q", got)
			}
			if got := strings.Join(s.sent()[:2], "|"); got != "sub 0 1|sub 1 2" {
				t.Errorf("subscriptions %q", got)
			}
			want := Counters{Connects: 1, Frames: 4, Malformed: 1, Refusals: 1, Foreign: 1}
			if got := c.Counters(); got != want {
				t.Errorf("counters %+v, want %+v", got, want)
			}
			if len(states) == 0 || states[0] != "up" || resets[0] == 0 || resets[1] == 0 {
				t.Errorf("states %v resets %v: want up first, each book reset", states, resets)
			}
			if k.idles.Load() < 4 {
				t.Errorf("%d idle calls for 4 frames", k.idles.Load())
			}
		},
	}, {
		name: "pings",
		cfg:  Config{PingEvery: 10 * time.Millisecond},
		serve: func(ws *websocket.Conn, n int, s *server) {
			for {
				m, err := s.read(ws)
				if err != nil {
					return
				}
				if strings.HasPrefix(m, "ping") {
					ws.WriteMessage(websocket.TextMessage, []byte("pong"))
				}
			}
		},
		done: func(c *Conn, s *server, k *sink) bool {
			return strings.Count(strings.Join(s.sent(), "\n"), "ping") >= 3
		},
		check: func(t *testing.T, c *Conn, s *server, k *sink) {
			if c.Counters().Stale != 0 || c.Counters().Connects != 1 {
				t.Errorf("counters %+v: an answered ping keeps the connection", c.Counters())
			}
		},
	}, {
		name:  "resubscribes an invalid book",
		cfg:   Config{ResubscribeEvery: 10 * time.Millisecond},
		needs: [2]bool{false, true},
		serve: func(ws *websocket.Conn, n int, s *server) {
			for {
				m, err := s.read(ws)
				if err != nil {
					return
				}
				if strings.HasPrefix(m, "sub 1") && strings.Contains(strings.Join(s.sent(), "\n"), "unsub 1") {
					ws.WriteMessage(websocket.TextMessage, []byte("d1 snap"))
				}
			}
		},
		done: func(c *Conn, s *server, k *sink) bool { return !k.NeedSnapshot(1) },
		check: func(t *testing.T, c *Conn, s *server, k *sink) {
			var sent []string // what was sent but the pings
			for _, m := range s.sent() {
				if !strings.HasPrefix(m, "ping") {
					sent = append(sent, m)
				}
			}
			if c.Counters().Resyncs == 0 || len(sent) < 4 || !strings.HasPrefix(sent[2], "unsub 1 ") || !strings.HasPrefix(sent[3], "sub 1 ") {
				t.Errorf("resyncs %d, sent %q: want unsub 1 then sub 1 after the subscriptions", c.Counters().Resyncs, sent)
			}
			if _, _, resets := k.snapshot(); resets[1] <= resets[0] {
				t.Errorf("resets %v: the resubscribed book is reset too", resets)
			}
		},
	}, {
		name: "replaces a silent connection",
		cfg:  Config{PingEvery: time.Hour, ReadTimeout: 50 * time.Millisecond, BackoffMin: time.Millisecond, BackoffMax: 5 * time.Millisecond},
		serve: func(ws *websocket.Conn, n int, s *server) {
			s.readAll(ws)
		},
		done: func(c *Conn, s *server, k *sink) bool { return c.Counters().Stale >= 2 && c.Counters().Connects >= 3 },
		check: func(t *testing.T, c *Conn, s *server, k *sink) {
			n := c.Counters()
			if n.Stale > n.Connects || n.Reconnects+1 != n.Connects {
				t.Errorf("counters %+v: at most one replacement per connection", n)
			}
			_, states, _ := k.snapshot()
			if len(states) < 3 || strings.Join(states[:3], " ") != "up down up" {
				t.Errorf("states %v", states)
			}
		},
	}, {
		name: "reconnects and resets every book",
		cfg:  Config{BackoffMin: time.Millisecond, BackoffMax: 5 * time.Millisecond},
		serve: func(ws *websocket.Conn, n int, s *server) {
			s.read(ws)
			s.read(ws)
			ws.WriteMessage(websocket.TextMessage, []byte(fmt.Sprintf("d0 conn %d", n)))
			if n < 3 {
				ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(4000, "bye"), time.Now().Add(time.Second))
				return
			}
			s.readAll(ws)
		},
		done: func(c *Conn, s *server, k *sink) bool { return c.Counters().Frames >= 3 },
		check: func(t *testing.T, c *Conn, s *server, k *sink) {
			frames, states, resets := k.snapshot()
			if got := strings.Join(frames, "|"); got != "d0 conn 1|d0 conn 2|d0 conn 3" {
				t.Errorf("frames %q", got)
			}
			if got := strings.Join(states, " "); got != "up down up down up" {
				t.Errorf("states %q", got)
			}
			if resets != [2]int{5, 5} || c.Counters().Reconnects != 2 {
				t.Errorf("resets %v, counters %+v: every book reset on each of 3 connects and 2 losses", resets, c.Counters())
			}
		},
	}, {
		// A venue that takes the subscription and drops the connection before saying
		// anything must be retried ever more slowly: attempts 1..5 wait at least 5, 10,
		// 20, 40, 80 ms, so the sixth connection comes at least 155 ms after the first.
		// (Before mdconn both venues started the backoff over at every connect, so
		// they retried every 5-10 ms here, forever.)
		name: "backs off from connections that die before a message",
		cfg:  Config{BackoffMin: 10 * time.Millisecond, BackoffMax: 10 * time.Second},
		serve: func(ws *websocket.Conn, n int, s *server) {
			s.read(ws)
			s.read(ws)
		},
		done: func(c *Conn, s *server, k *sink) bool { return c.Counters().Connects >= 6 },
		check: func(t *testing.T, c *Conn, s *server, k *sink) {
			s.mu.Lock()
			defer s.mu.Unlock()
			if gap := s.accepts[5].Sub(s.accepts[0]); gap < 155*time.Millisecond {
				t.Errorf("six connections within %v: the backoff did not grow", gap)
			}
			if c.Counters().DialFailures != 0 {
				t.Errorf("counters %+v", c.Counters())
			}
		},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := &server{serve: tc.serve}
			cfg := tc.cfg
			cfg.URL, cfg.Name, cfg.Venue = srv.start(t), "test", "test"
			cfg.Instruments = []Instrument{{Index: 0, Symbol: "A"}, {Index: 1, Symbol: "B"}}
			if cfg.PingEvery == 0 {
				cfg.PingEvery = time.Hour
			}
			if cfg.ReadTimeout == 0 {
				cfg.ReadTimeout = time.Hour
			}
			c, err := New(cfg, lineProto{n: 2})
			if err != nil {
				t.Fatal(err)
			}
			k := &sink{needs: tc.needs}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			stop := make(chan struct{})
			go func() {
				defer close(stop)
				for ctx.Err() == nil && !tc.done(c, srv, k) {
					time.Sleep(5 * time.Millisecond)
				}
				cancel()
			}()
			if err := c.Run(ctx, k, 0); err != nil {
				t.Fatal(err)
			}
			<-stop
			if !tc.done(c, srv, k) {
				t.Fatalf("not done within 30 s: counters %+v, sent %q", c.Counters(), srv.sent())
			}
			tc.check(t, c, srv, k)
		})
	}
}

// TestStaleCountedOnce: a silent connection is replaced once, however many idle passes
// run before the reader notices the close (before mdconn each pass counted it again).
func TestStaleCountedOnce(t *testing.T) {
	srv := &server{serve: func(ws *websocket.Conn, n int, s *server) { s.readAll(ws) }}
	u := srv.start(t)
	c, err := New(Config{URL: u, Instruments: []Instrument{{Symbol: "A"}}, PingEvery: time.Hour, ReadTimeout: time.Second}, lineProto{n: 1})
	if err != nil {
		t.Fatal(err)
	}
	cn, err := binlive.Dial(context.Background(), u, 10*time.Second, 0)
	if err != nil {
		t.Fatal(err)
	}
	c.cur.Store(cn) // no reader runs: nothing else forgets the connection
	c.lastRead.Store(time.Now().Add(-time.Minute).UnixNano())
	var last time.Time
	for range 3 {
		c.maintain(&sink{}, time.Now(), &last)
	}
	if n := c.Counters().Stale; n != 1 || c.cur.Load() != nil {
		t.Fatalf("stale %d after three idle passes over one silent connection", n)
	}
}

// TestNew: what New refuses and what it defaults.
func TestNew(t *testing.T) {
	ok := Config{URL: "ws://127.0.0.1:1", Instruments: []Instrument{{Symbol: "A"}}, PingEvery: time.Second, ReadTimeout: time.Second}
	for _, tc := range []struct {
		name string
		edit func(*Config)
		err  string
	}{
		{"no URL", func(c *Config) { c.URL = "" }, "URL and instruments are required"},
		{"no instruments", func(c *Config) { c.Instruments = nil }, "URL and instruments are required"},
		{"no ping interval", func(c *Config) { c.PingEvery = 0 }, "ping interval and read timeout are required"},
		{"slots not a power of two", func(c *Config) { c.Slots = 12 }, "12 slots: want a power of two"},
		{"defaults", func(c *Config) {}, ""},
	} {
		cfg := ok
		tc.edit(&cfg)
		c, err := New(cfg, lineProto{n: 1})
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%s: %v, want %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if c.cfg.BackoffMin != 250*time.Millisecond || c.cfg.BackoffMax != 10*time.Second || c.cfg.ResubscribeEvery != time.Second ||
			c.cfg.DialTimeout != 10*time.Second || len(c.slots) != 1024 {
			t.Errorf("defaults %+v, %d slots", c.cfg, len(c.slots))
		}
	}
}

// TestDispatchAllocs: a message through the ring to the sink allocates nothing once its
// slot has grown.
func TestDispatchAllocs(t *testing.T) {
	c, err := New(Config{URL: "ws://127.0.0.1:1", Instruments: []Instrument{{Symbol: "A"}, {Index: 1, Symbol: "B"}},
		PingEvery: time.Second, ReadTimeout: time.Second, Slots: 4}, lineProto{n: 2})
	if err != nil {
		t.Fatal(err)
	}
	k := &nopSink{}
	msgs := [][]byte{[]byte("d1 " + strings.Repeat("y", 500)), []byte("x"), []byte("pong")}
	ctx := context.Background()
	run := func() {
		for _, m := range msgs {
			c.push(ctx, 0, m, nil)
		}
		c.dispatch(k)
	}
	run()
	if a := testing.AllocsPerRun(1000, run); a != 0 {
		t.Fatalf("%v allocations per pass", a)
	}
	if k.frames == 0 || c.Counters().Foreign == 0 {
		t.Fatalf("frames %d, counters %+v", k.frames, c.Counters())
	}
}

type nopSink struct{ frames int }

func (s *nopSink) Frame(instrument.Index, []byte, int64) error { s.frames++; return nil }
func (s *nopSink) NeedSnapshot(instrument.Index) bool          { return false }
func (s *nopSink) Reset(instrument.Index)                      {}
func (s *nopSink) Idle(int64)                                  {}
