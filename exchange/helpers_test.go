package exchange

import (
	"context"
	"io"
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/nanotick/nanotick/feeds/binance"
	"github.com/nanotick/nanotick/orderbook"
)

var spotBTC = binance.Instrument{Symbol: "BTCUSDT", PriceScale: 8, QtyScale: 8}

// checkGoroutines fails the test if, once it ends, the goroutine count has
// not come back to what it was when checkGoroutines was called.
func checkGoroutines(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(3 * time.Second)
		for {
			n := runtime.NumGoroutine()
			if n <= before {
				return
			}
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<16)
				buf = buf[:runtime.Stack(buf, true)]
				t.Errorf("goroutines: %d before, %d after\n%s", before, n, buf)
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

// startExchange starts an exchange for the test and closes it at the end.
func startExchange(t *testing.T, cfg Config) *Exchange {
	t.Helper()
	checkGoroutines(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	e, err := Start(ctx, cfg)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		e.Close()
		cancel()
	})
	return e
}

// dial opens a websocket to url, closed at the end of the test.
func dial(t *testing.T, url string) *websocket.Conn {
	t.Helper()
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	ws, resp, err := d.Dial(url, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	resp.Body.Close()
	t.Cleanup(func() { ws.Close() })
	return ws
}

// getBody fetches url and returns the status and body.
func getBody(t *testing.T, url string) (int, []byte) {
	t.Helper()
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("get %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// syncResult is what syncClient saw.
type syncResult struct {
	counters    binance.Counters
	state       binance.SyncState
	frames      int
	trades      int
	tickers     int
	checked     int // bookTickers cross-checked against the local book
	mismatches  int
	closed      bool // the server closed the connection
	decodeErrs  int
	firstErr    error
	bookLevels  [2]int
	snapshotErr error
	maxSilence  time.Duration // longest wait between two frames
	minLatency  time.Duration // least local receive time - E of a depth event
}

// syncClient subscribes to depth, trade and bookTicker streams at base, syncs
// a book from them and REST snapshots at rest (fetching a new snapshot
// whenever the Sync asks), for d, and cross-checks every bookTicker whose
// update id is the final id of an applied depth event against the local
// book at that point.
func syncClient(t *testing.T, base, rest string, d time.Duration) syncResult {
	t.Helper()
	ws := dial(t, base+"/stream?streams=btcusdt@depth@100ms/btcusdt@trade/btcusdt@bookTicker")
	type top struct{ bid, ask orderbook.Level }
	tops := map[uint64]top{}
	book := orderbook.New(4096)
	feed, err := binance.NewFeed(binance.Spot, spotBTC, book, binance.SyncConfig{OnApply: func(b *orderbook.Book) {
		bid, _ := b.Best(orderbook.Bid)
		ask, _ := b.Best(orderbook.Ask)
		tops[b.UpdateID()] = top{bid, ask}
	}})
	if err != nil {
		t.Fatal(err)
	}
	var res syncResult
	tickers := map[uint64]binance.BookTicker{}
	end := time.Now().Add(d)
	var last time.Time
	res.minLatency = time.Hour
	for time.Now().Before(end) {
		ws.SetReadDeadline(end)
		_, msg, err := ws.ReadMessage()
		if err != nil {
			if ne, ok := err.(interface{ Timeout() bool }); !ok || !ne.Timeout() {
				res.closed = true
			}
			break
		}
		now := time.Now()
		if !last.IsZero() {
			res.maxSilence = max(res.maxSilence, now.Sub(last))
		}
		last = now
		res.frames++
		ev, err := feed.Handle(msg, now.UnixNano())
		if err != nil {
			res.decodeErrs++
			if res.firstErr == nil {
				res.firstErr = err
			}
			continue
		}
		switch ev.Kind {
		case binance.KindTrade:
			res.trades++
		case binance.KindDepth:
			res.minLatency = min(res.minLatency, now.Sub(time.UnixMilli(ev.Depth.EventTime)))
		case binance.KindBookTicker:
			res.tickers++
			tickers[ev.Ticker.UpdateID] = ev.Ticker
		}
		if feed.Sync().NeedSnapshot() {
			_, body := getBody(t, rest+"/api/v3/depth?symbol=BTCUSDT&limit=5000")
			if _, err := feed.Handle(body, time.Now().UnixNano()); err != nil && res.snapshotErr == nil {
				res.snapshotErr = err
			}
		}
	}
	for u, tk := range tickers {
		tp, ok := tops[u]
		if !ok {
			continue
		}
		res.checked++
		if tp.bid != (orderbook.Level{Price: tk.BidPrice, Qty: tk.BidQty}) || tp.ask != (orderbook.Level{Price: tk.AskPrice, Qty: tk.AskQty}) {
			res.mismatches++
			if res.mismatches < 3 {
				t.Errorf("u=%d: bookTicker %+v, local top %+v", u, tk, tp)
			}
		}
	}
	res.counters = feed.Counters()
	res.state = feed.Sync().State()
	res.bookLevels = [2]int{book.Len(orderbook.Bid), book.Len(orderbook.Ask)}
	return res
}
