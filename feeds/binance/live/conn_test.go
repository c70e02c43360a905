package live

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestConnEchoPingClose: a gorilla server echoes each message after pinging; the Conn's
// masked frames must be valid to it, its pongs seen, and the server's close reported.
func TestConnEchoPingClose(t *testing.T) {
	var pongs atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		ws.SetPongHandler(func(string) error { pongs.Add(1); return nil })
		for i := 0; i < 3; i++ {
			_, msg, err := ws.ReadMessage()
			if err != nil {
				return
			}
			ws.WriteControl(websocket.PingMessage, []byte("x"), time.Now().Add(time.Second))
			ws.WriteMessage(websocket.TextMessage, msg)
		}
		ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(4000, "bye"), time.Now().Add(time.Second))
		ws.ReadMessage() // lets the pong handler run and waits for the client's close
	}))
	defer srv.Close()
	c, err := Dial(context.Background(), "ws"+strings.TrimPrefix(srv.URL, "http"), time.Second, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, m := range []string{"a", strings.Repeat("b", 200), strings.Repeat("c", 70000)} {
		if err := c.WriteText([]byte(m), time.Now().Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		op, p, err := c.Next()
		if err != nil || op != websocket.TextMessage || string(p) != m {
			t.Fatalf("echo of %d bytes: op %d, %d bytes, %v", len(m), op, len(p), err)
		}
	}
	if _, _, err := c.Next(); !errors.Is(err, ErrClosedByPeer) || !strings.Contains(err.Error(), "4000") {
		t.Fatalf("after the server's close: %v", err)
	}
	deadline := time.Now().Add(time.Second)
	for pongs.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if pongs.Load() < 2 {
		t.Fatalf("%d pongs", pongs.Load())
	}
}
