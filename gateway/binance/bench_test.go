package binance

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/nanotick/nanotick/feeds/binance/live"
	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/risk"
)

type nopSink struct{}

func (nopSink) OnAck(uint64, int64)                             {}
func (nopSink) OnFill(uint64, int64, int64, int64, bool, int64) {}
func (nopSink) OnCancelled(uint64, int64)                       {}
func (nopSink) OnRejected(uint64, string, int64)                {}

// BenchmarkGatewayPlaceCancel is the gateway's whole tick-path work for an order sent and
// cancelled: table entry, encoding, signing, the masked websocket frame and the socket
// write to a loopback server that discards it, then the cancel and its answer applied.
// -benchmem shows it allocates nothing.
func BenchmarkGatewayPlaceCancel(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		// Raw bytes, not gorilla's reader, which allocates per message and would be
		// counted against the gateway: the process is shared.
		io.Copy(io.Discard, ws.NetConn())
	}))
	defer srv.Close()
	creds, _ := NewCredentials(docKey, docSecret)
	g, err := New(Config{URL: "ws://x", Symbol: "BTCUSDT", BaseAsset: "BTC", QuoteAsset: "USDT",
		PriceScale: 2, QtyScale: 5, Credentials: creds, Prefix: "bench-"})
	if err != nil {
		b.Fatal(err)
	}
	c, err := live.Dial(context.Background(), "ws"+strings.TrimPrefix(srv.URL, "http"), time.Second, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	g.conn.Store(c)
	o := risk.Order{Side: orderbook.Bid, Price: 6183763, Qty: 100, PostOnly: true}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		o.ID = uint64(i + 1)
		if err := g.Place(&o, int64(i)); err != nil {
			b.Fatal(err)
		}
		if err := g.Cancel(o.ID, int64(i)); err != nil {
			b.Fatal(err)
		}
		g.table.apply(&answer{kind: ansCancelOK, id: o.ID}, nopSink{}, int64(i))
	}
}
