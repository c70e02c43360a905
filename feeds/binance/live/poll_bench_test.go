package live

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// BenchmarkFrameDelivery measures what Config.BusyPoll is for: the time from a frame's
// write on the server's side of a loopback websocket to the client's Handler, when the
// frames are far enough apart (every 500us) that a blocking reader has gone to sleep
// between them. Each frame carries its send time; one op is one frame delivered, and
// delivery-p50/p99-ns are the percentiles of the delay. The tick-to-order figures start
// when the frame has been read, so this wake-up is the part of a live tick they leave
// out. Run it with a count: -benchtime=4000x.
func BenchmarkFrameDelivery(b *testing.B) {
	for _, busy := range []bool{false, true} {
		name := "block"
		if busy {
			name = "busy"
		}
		b.Run(name, func(b *testing.B) {
			if busy && !busyPollSupported {
				b.Skip("busy polling needs unix sockets")
			}
			benchFrameDelivery(b, busy)
		})
	}
}

func benchFrameDelivery(b *testing.B, busy bool) {
	epoch := time.Now() // monotonic: both sides measure from it
	var stop atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		buf := make([]byte, 0, 64)
		for !stop.Load() {
			time.Sleep(500 * time.Microsecond)
			buf = strconv.AppendInt(append(buf[:0], `{"sent":`...), int64(time.Since(epoch)), 10)
			buf = append(buf, '}')
			if err := ws.WriteMessage(websocket.TextMessage, buf); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	defer stop.Store(true)

	delays := make([]int64, 0, b.N)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, err := New(Config{
		URL:      "ws" + strings.TrimPrefix(srv.URL, "http") + "/",
		BusyPoll: busy,
		Handler: func(frame []byte, _ int64) error {
			now := int64(time.Since(epoch))
			s := strings.TrimSuffix(strings.TrimPrefix(string(frame), `{"sent":`), "}")
			sent, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return err
			}
			if len(delays) < cap(delays) {
				delays = append(delays, now-sent)
			}
			if len(delays) == cap(delays) {
				cancel()
			}
			return nil
		},
		StaleAfter: -1,
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	if err := c.Run(ctx); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	if len(delays) < b.N {
		b.Fatalf("%d of %d frames delivered", len(delays), b.N)
	}
	slices.Sort(delays)
	b.ReportMetric(float64(delays[len(delays)/2]), "delivery-p50-ns")
	b.ReportMetric(float64(delays[len(delays)*99/100]), "delivery-p99-ns")
}
