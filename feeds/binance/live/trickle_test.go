package live

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/rs/zerolog"
)

// connModes are the four ways the feed can read its socket.
var connModes = []struct {
	name      string
	tls, busy bool
}{{"ws", false, false}, {"wss", true, false}, {"ws+busy", false, true}, {"wss+busy", true, true}}

// modeServer serves mux over TLS or not, and returns it with the client config that
// reaches path on it.
func modeServer(t *testing.T, mux http.Handler, path string, useTLS, busy bool) (*httptest.Server, Config) {
	t.Helper()
	var srv *httptest.Server
	if useTLS {
		srv = httptest.NewTLSServer(mux)
	} else {
		srv = httptest.NewServer(mux)
	}
	t.Cleanup(srv.Close)
	cfg := Config{URL: "ws" + strings.TrimPrefix(srv.URL, "http") + path, StaleAfter: -1, BusyPoll: busy,
		Handler: func([]byte, int64) error { return nil }, Logger: zerolog.Nop()}
	if useTLS {
		roots := x509.NewCertPool()
		roots.AddCert(srv.Certificate())
		cfg.TLSConfig = &tls.Config{RootCAs: roots}
	}
	return srv, cfg
}

// proxy listens on loopback and joins each connection to a new one to target: the
// client's bytes go through as they come, the server's through down, which returns when
// either side fails. It returns the address to dial instead of target.
func proxy(t *testing.T, target string, down func(client, server net.Conn)) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			wg.Add(2)
			go func() { defer wg.Done(); _, _ = io.Copy(s, c); s.Close() }()
			go func() { defer wg.Done(); defer c.Close(); down(c, s) }()
		}
	}()
	return ln.Addr().String()
}

// runClient starts a client for cfg running on its own goroutine; cancel stops it and
// done then gives Run's result.
func runClient(t *testing.T, cfg Config) (c *Client, cancel context.CancelFunc, done <-chan error) {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- c.Run(ctx) }()
	return c, cancel, ran
}

// slowProxy forwards the server's bytes to the client one at a time, gap apart, while
// slow is set, and at once otherwise.
func slowProxy(t *testing.T, target string, slow *atomic.Bool, gap time.Duration) string {
	return proxy(t, target, func(c, s net.Conn) {
		buf := make([]byte, 4096)
		for {
			n, err := s.Read(buf)
			for i := 0; i < n; i++ {
				if !slow.Load() {
					if _, err := c.Write(buf[i:n]); err != nil {
						return
					}
					break
				}
				if _, err := c.Write(buf[i : i+1]); err != nil {
					return
				}
				time.Sleep(gap)
			}
			if err != nil {
				return
			}
		}
	})
}

// TestIdleDueWhileMessageTrickles is a regression test: while one message arrived a byte
// at a time, a little faster than the idle interval, each read started the interval
// again (a deadline, or over TLS the poll loop's own timeout), and the idle work, which
// drains the venue's answers and runs timers, waited 40 to 360 ms: it did not run at all
// until the message was complete. It must now run while the message trickles in. The
// test counts the idle passes during the trickle (at least 300 bytes at 300 us or more
// apart: 90 ms or more, some 45 intervals) and wants a few; it does not time them, since
// a loaded machine delays any pass.
func TestIdleDueWhileMessageTrickles(t *testing.T) {
	for _, mode := range connModes {
		t.Run(mode.name, func(t *testing.T) {
			send := make(chan struct{})
			mux := http.NewServeMux()
			mux.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
				ws, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
				if err != nil {
					return
				}
				defer ws.Close()
				select {
				case <-send:
				case <-time.After(5 * time.Second):
					return
				}
				_ = ws.WriteMessage(websocket.TextMessage, bytes.Repeat([]byte("y"), 300))
				time.Sleep(time.Second)
			})
			srv, cfg := modeServer(t, mux, "/ws", mode.tls, mode.busy)
			var slow atomic.Bool
			addr := slowProxy(t, srv.Listener.Addr().String(), &slow, 300*time.Microsecond)
			cfg.URL = strings.Replace(cfg.URL, srv.Listener.Addr().String(), addr, 1)
			var frames, during atomic.Int64
			cfg.Handler = func([]byte, int64) error { frames.Add(1); return nil }
			cfg.OnIdle = func(int64) {
				if slow.Load() && frames.Load() == 0 {
					during.Add(1)
				}
			}
			cfg.IdleInterval = 2 * time.Millisecond
			c, cancel, done := runClient(t, cfg)
			defer func() { cancel(); <-done }()
			waitFor(t, 3*time.Second, "connected", func() bool { return c.Counters().Connects == 1 })
			time.Sleep(20 * time.Millisecond)
			slow.Store(true)
			close(send)
			waitFor(t, 10*time.Second, "the message", func() bool { return frames.Load() == 1 })
			slow.Store(false)
			n := during.Load()
			t.Logf("%d idle passes while the message trickled in", n)
			if n < 3 {
				t.Fatalf("idle work ran %d times while the message trickled in: starved until it was complete", n)
			}
		})
	}
}

// TestCancelDuringHungHandshake is a regression test: a server that accepts the
// connection and never answers the websocket upgrade held Run for the whole dial
// timeout after its context was cancelled.
func TestCancelDuringHungHandshake(t *testing.T) {
	for _, mode := range connModes {
		t.Run(mode.name, func(t *testing.T) {
			hang := make(chan struct{})
			mux := http.NewServeMux()
			mux.HandleFunc("/ws", func(http.ResponseWriter, *http.Request) { <-hang })
			_, cfg := modeServer(t, mux, "/ws", mode.tls, mode.busy)
			t.Cleanup(func() { close(hang) }) // before the server's Close, which waits for handlers
			cfg.DialTimeout = 5 * time.Second
			_, cancel, done := runClient(t, cfg)
			time.Sleep(200 * time.Millisecond) // in the handshake now
			start := time.Now()
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("Run returned %v after cancel", time.Since(start))
			case <-time.After(time.Second):
				t.Fatal("Run still waiting 1s after cancel, in a handshake with a 5s timeout")
			}
		})
	}
}

// TestTLSConfigOffersOnlyHTTP1 is a regression test: a TLSConfig made for net/http
// offers h2, an HTTP/2 server picked it, and the websocket upgrade could never work.
func TestTLSConfigOffersOnlyHTTP1(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		ws, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		_ = ws.WriteMessage(websocket.TextMessage, []byte("hi"))
		time.Sleep(time.Second)
	})
	srv := httptest.NewUnstartedServer(mux)
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	tc := srv.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	tc.NextProtos = []string{"h2", "http/1.1"} // as net/http sets it for its transports
	var got atomic.Int64
	_, cancel, done := runClient(t, Config{URL: "wss" + strings.TrimPrefix(srv.URL, "https") + "/ws", TLSConfig: tc,
		Handler: func([]byte, int64) error { got.Add(1); return nil }, Logger: zerolog.Nop()})
	waitFor(t, 3*time.Second, "the message", func() bool { return got.Load() == 1 })
	cancel()
	<-done
}

// fragmentMsg is message i of TestMessagesSurviveFragmentedStream: sizes from one byte
// to several TLS records.
func fragmentMsg(i int) []byte {
	sizes := []int{1, 17, 125, 126, 200, 4000, 16384, 70000, 300}
	n := sizes[i%len(sizes)]
	b := []byte(fmt.Sprintf(`{"i":%d,"p":"`, i))
	for len(b) < n+10 {
		b = append(b, byte('a'+(i+len(b))%26))
	}
	return append(b, `"}`...)
}

// trickleProxy forwards the server's bytes to the client in writes of 1 to 40 bytes,
// now and then pausing longer than the client's idle interval, so that idle passes
// land inside TLS records and websocket frames.
func trickleProxy(t *testing.T, target string, seed uint64) string {
	return proxy(t, target, func(c, s net.Conn) {
		r := rand.New(rand.NewPCG(seed, 1))
		buf := make([]byte, 4096)
		for {
			n, err := s.Read(buf)
			for off := 0; off < n; {
				k := min(1+r.IntN(40), n-off)
				if _, err := c.Write(buf[off : off+k]); err != nil {
					return
				}
				off += k
				if r.IntN(200) == 0 {
					time.Sleep(time.Duration(1+r.IntN(4)) * time.Millisecond)
				}
			}
			if err != nil {
				return
			}
		}
	})
}

// TestMessagesSurviveFragmentedStream sends 120 messages of 1 byte to 70 KB, some
// fragmented, with pings between them, through a proxy that cuts the stream into writes
// of 1 to 40 bytes with pauses longer than the idle interval, so that idle passes land
// inside TLS records and websocket frames: in all four modes every message must arrive
// whole and in order, on one connection.
func TestMessagesSurviveFragmentedStream(t *testing.T) {
	const count = 120
	for _, mode := range connModes {
		t.Run(mode.name, func(t *testing.T) {
			mux := http.NewServeMux()
			mux.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
				up := websocket.Upgrader{WriteBufferSize: 700} // big messages go out fragmented
				ws, err := up.Upgrade(w, r, nil)
				if err != nil {
					return
				}
				defer ws.Close()
				gone := make(chan struct{}) // the client closed the connection
				go func() {
					defer close(gone)
					for {
						if _, _, err := ws.NextReader(); err != nil {
							return
						}
					}
				}()
				for i := 0; i < count; i++ {
					if i%7 == 3 {
						_ = ws.WriteControl(websocket.PingMessage, []byte("hb"), time.Now().Add(time.Second))
					}
					w, err := ws.NextWriter(websocket.TextMessage)
					if err != nil {
						return
					}
					_, _ = w.Write(fragmentMsg(i))
					_ = w.Close()
				}
				select {
				case <-gone:
				case <-time.After(20 * time.Second):
				}
			})
			srv, cfg := modeServer(t, mux, "/ws", mode.tls, mode.busy)
			addr := trickleProxy(t, srv.Listener.Addr().String(), 7)
			cfg.URL = strings.Replace(cfg.URL, srv.Listener.Addr().String(), addr, 1)
			var got [][]byte
			var gotN, idles atomic.Int64
			cfg.Handler = func(f []byte, _ int64) error {
				got = append(got, append([]byte(nil), f...))
				gotN.Add(1)
				return nil
			}
			cfg.OnIdle = func(int64) { idles.Add(1) }
			cfg.IdleInterval = time.Millisecond
			c, cancel, done := runClient(t, cfg)
			deadline := time.Now().Add(20 * time.Second)
			for gotN.Load() < count && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			cancel()
			t0 := time.Now()
			<-done
			t.Logf("%d messages, %d idle passes, %+v, Run returned %v after cancel", len(got), idles.Load(), c.Counters(), time.Since(t0))
			if len(got) != count {
				t.Fatalf("got %d messages, want %d", len(got), count)
			}
			for i, m := range got {
				if !bytes.Equal(m, fragmentMsg(i)) {
					t.Fatalf("message %d differs: %.60q", i, m)
				}
			}
			if k := c.Counters(); k.Connects != 1 || k.Reconnects != 0 {
				t.Fatalf("counters %+v", k)
			}
		})
	}
}
