package live

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

var tradeFrame = []byte(`{"stream":"btcusdt@trade","data":{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":3735683259,"p":"61837.63000000","q":"0.02000000","T":1723161255342,"m":true,"M":true}}`)

// wsFrame returns an unmasked server-to-client text frame of payload.
func wsFrame(payload []byte) []byte {
	var b bytes.Buffer
	b.WriteByte(0x81)
	switch n := len(payload); {
	case n < 126:
		b.WriteByte(byte(n))
	case n < 1<<16:
		b.Write([]byte{126, byte(n >> 8), byte(n)})
	}
	b.Write(payload)
	return b.Bytes()
}

// loopReader replays the same bytes forever.
type loopReader struct {
	data []byte
	off  int
}

func (l *loopReader) Read(p []byte) (int, error) {
	n := copy(p, l.data[l.off:])
	l.off = (l.off + n) % len(l.data)
	return n, nil
}

// TestFrameReaderAllocs proves the frame reader and the feed it hands frames to
// allocate nothing per message once warmed up.
func TestFrameReaderAllocs(t *testing.T) {
	feed := spotFeed(t)
	fr := newFrameReader(&loopReader{data: bytes.Repeat(wsFrame(tradeFrame), 7)}, 4096, 1<<20)
	read := func() {
		op, p, err := fr.next()
		if err != nil || op != opText {
			t.Fatal(op, err)
		}
		if _, err := feed.Handle(p, 1); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 100; i++ {
		read()
	}
	if a := testing.AllocsPerRun(10000, read); a != 0 {
		t.Fatalf("%v allocs per message", a)
	}
}

// TestFrameReaderFragments checks fragmented messages, control frames in between and
// protocol violations.
func TestFrameReaderFragments(t *testing.T) {
	var b bytes.Buffer
	b.Write([]byte{0x01, 3, 'a', 'b', 'c'}) // text, not final
	b.Write([]byte{0x89, 2, 'h', 'i'})      // ping in between
	b.Write([]byte{0x80, 2, 'd', 'e'})      // final continuation
	b.Write(wsFrame(bytes.Repeat([]byte{'x'}, 300)))
	fr := newFrameReader(bytes.NewReader(b.Bytes()), 8, 1<<10)
	want := []struct {
		op byte
		p  string
	}{{opPing, "hi"}, {opText, "abcde"}, {opText, strings.Repeat("x", 300)}}
	for _, w := range want {
		op, p, err := fr.next()
		if err != nil || op != w.op || string(p) != w.p {
			t.Fatalf("got %d %q %v, want %d %q", op, p, err, w.op, w.p)
		}
	}
	if _, _, err := fr.next(); err != io.ErrUnexpectedEOF {
		t.Fatalf("at end: %v", err)
	}
	for name, bad := range map[string][]byte{
		"masked":       {0x81, 0x81, 1, 2, 3, 4, 'x'},
		"rsv":          {0xC1, 1, 'x'},
		"too big":      append([]byte{0x81, 126, 0x10, 0}, make([]byte, 4096)...),
		"lone cont":    {0x80, 1, 'x'},
		"long control": append([]byte{0x89, 126, 0, 126}, make([]byte, 126)...),
		"opcode":       {0x83, 0},
	} {
		fr := newFrameReader(bytes.NewReader(bad), 16, 1<<10)
		if _, _, err := fr.next(); err == nil || err == io.ErrUnexpectedEOF {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// blaster serves a websocket that sends the trade frame as fast as the socket takes it.
func blaster(t testing.TB) *httptest.Server {
	frame, _ := websocket.NewPreparedMessage(websocket.TextMessage, tradeFrame)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		for {
			if err := ws.WritePreparedMessage(frame); err != nil {
				return
			}
		}
	}))
	t.Cleanup(func() { srv.CloseClientConnections(); srv.Close() })
	return srv
}

// TestLoopbackReadPathAllocs counts the process's allocations while the client reads
// 20000 messages from a loopback socket into a Feed: the whole read path, socket to
// decoded trade.
func TestLoopbackReadPathAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("loopback throughput test")
	}
	srv := blaster(t)
	feed := spotFeed(t)
	const warm, n = 2000, 20000
	var seen int
	var before, after runtime.MemStats
	var c *Client
	var wakes uint64 // idle passes during the measured messages
	done := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, err := New(Config{URL: "ws" + strings.TrimPrefix(srv.URL, "http"), StaleAfter: -1, RotateAfter: -1,
		Handler: func(f []byte, local int64) error {
			seen++
			switch seen {
			case warm:
				runtime.ReadMemStats(&before)
				wakes = c.Counters().Wakes
			case warm + n:
				runtime.ReadMemStats(&after)
				wakes = c.Counters().Wakes - wakes
				close(done)
				cancel()
			}
			_, err := feed.Handle(f, local)
			return err
		}})
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- c.Run(ctx) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("timed out")
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	// The process is shared with the server, the runtime and what earlier tests left
	// winding down: allow one allocation per 200 messages, far below one per message
	// (alone, the count is 0; the benchmark reports 0 allocs/op). An idle pass, which
	// runs whenever the socket is momentarily empty (often, on a loaded machine), may
	// allocate its deadline's error (TestIdleWakeAllocs): those are allowed too.
	if d := after.Mallocs - before.Mallocs; d > n/200+3*wakes {
		t.Fatalf("%d allocations over %d messages and %d idle passes", d, n, wakes)
	}
}

// BenchmarkLoopbackRead is the read path over a loopback socket: frame reader, wakeConn
// and a Feed decoding each trade.
func BenchmarkLoopbackRead(b *testing.B) {
	srv := blaster(b)
	feed := spotFeed(b)
	var seen atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	target := int64(b.N)
	done := make(chan struct{})
	c, _ := New(Config{URL: "ws" + strings.TrimPrefix(srv.URL, "http"), StaleAfter: -1, RotateAfter: -1,
		Handler: func(f []byte, local int64) error {
			if seen.Add(1) == target {
				close(done)
				cancel()
			}
			_, err := feed.Handle(f, local)
			return err
		}})
	b.ReportAllocs()
	b.ResetTimer()
	errc := make(chan error, 1)
	go func() { errc <- c.Run(ctx) }()
	<-done
	b.StopTimer()
	<-errc
}

// BenchmarkGorillaNextReader is the alternative the client does not use: gorilla's
// NextReader into a reused buffer. It shows the allocation per message that made the
// client read frames itself.
func BenchmarkGorillaNextReader(b *testing.B) {
	srv := blaster(b)
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer ws.Close()
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_, r, err := ws.NextReader()
		if err != nil {
			b.Fatal(err)
		}
		buf = buf[:0]
		for {
			n, err := r.Read(buf[len(buf):cap(buf)])
			buf = buf[:len(buf)+n]
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}
