package live

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// venue is a minimal loopback Binance: one generator publishes depth updates with
// consecutive update ids to every connection, and a REST endpoint serves a depth
// snapshot at the latest id. Its knobs inject the faults the tests need.
type venue struct {
	srv *httptest.Server

	mu  sync.Mutex
	id  uint64   // last update id published
	log [][]byte // every frame published, in order

	gap       atomic.Bool  // skip one id on the next event
	stall     atomic.Bool  // publish and send nothing (connections stay open)
	malformed atomic.Int64 // publish this many garbage frames, one per tick
	dropAfter atomic.Int64 // close each connection after sending this many frames (0: never)
	snapFail  atomic.Int64 // fail this many snapshot requests with a 500
	pingEvery time.Duration

	pongs, conns, snapshots atomic.Int64

	every     time.Duration
	wg        sync.WaitGroup
	quit      chan struct{}
	closeOnce sync.Once
}

func newVenue(t *testing.T, every time.Duration, setup func(*venue)) *venue {
	v := &venue{id: 1000, every: every, quit: make(chan struct{})}
	if setup != nil {
		setup(v)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/stream", v.stream)
	mux.HandleFunc("/api/v3/depth", v.depth)
	if harnessMode.tls {
		v.srv = httptest.NewTLSServer(mux)
	} else {
		v.srv = httptest.NewServer(mux)
	}
	v.wg.Add(1)
	go v.generate()
	t.Cleanup(v.close)
	return v
}

func (v *venue) close() {
	v.closeOnce.Do(func() {
		close(v.quit)
		v.srv.CloseClientConnections()
		v.srv.Close()
		v.wg.Wait()
	})
}

func (v *venue) baseWS() string { return "ws" + strings.TrimPrefix(v.srv.URL, "http") }

func (v *venue) wsURL() string {
	return v.baseWS() + "/stream?streams=btcusdt@depth@100ms/btcusdt@trade"
}

func (v *venue) generate() {
	defer v.wg.Done()
	t := time.NewTicker(v.every)
	defer t.Stop()
	for {
		select {
		case <-v.quit:
			return
		case <-t.C:
		}
		if v.stall.Load() {
			continue
		}
		var f []byte
		v.mu.Lock()
		if v.malformed.Load() > 0 {
			v.malformed.Add(-1)
			f = []byte(`{"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","U":oops`)
		} else {
			if v.gap.Swap(false) {
				v.id++
			}
			v.id++
			f = depthFrame(nil, v.id)
		}
		v.log = append(v.log, f)
		v.mu.Unlock()
	}
}

func depthFrame(buf []byte, id uint64) []byte {
	buf = append(buf, `{"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":1723161255208,"s":"BTCUSDT","U":`...)
	buf = strconv.AppendUint(buf, id, 10)
	buf = append(buf, `,"u":`...)
	buf = strconv.AppendUint(buf, id, 10)
	buf = append(buf, `,"b":[["100.00000000","`...)
	buf = strconv.AppendUint(buf, id%7+1, 10)
	return append(buf, `.00000000"]],"a":[["101.00000000","2.00000000"]]}}`...)
}

func (v *venue) depth(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("symbol") != "BTCUSDT" || r.URL.Query().Get("limit") != "1000" {
		http.Error(w, "bad query", http.StatusBadRequest)
		return
	}
	if v.snapFail.Load() > 0 {
		v.snapFail.Add(-1)
		http.Error(w, "try later", http.StatusInternalServerError)
		return
	}
	v.snapshots.Add(1)
	v.mu.Lock()
	id := v.id
	v.mu.Unlock()
	// Pretty-printed on purpose: the client must compact it into one line.
	fmt.Fprintf(w, "{\"lastUpdateId\":%d,\n\"bids\":[[\"100.00000000\",\"1.00000000\"]],\"asks\":[[\"101.00000000\",\"1.00000000\"]]}\n", id)
}

func (v *venue) stream(w http.ResponseWriter, r *http.Request) {
	up := websocket.Upgrader{}
	ws, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	v.wg.Add(1)
	defer v.wg.Done()
	defer ws.Close()
	v.conns.Add(1)
	ws.SetPongHandler(func(string) error { v.pongs.Add(1); return nil })
	// gorilla handles control frames only while someone reads.
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		for {
			if _, _, err := ws.NextReader(); err != nil {
				return
			}
		}
	}()
	v.mu.Lock()
	pos := len(v.log)
	v.mu.Unlock()
	tick := time.NewTicker(v.every)
	defer tick.Stop()
	var ping <-chan time.Time
	if v.pingEvery > 0 {
		pt := time.NewTicker(v.pingEvery)
		defer pt.Stop()
		ping = pt.C
	}
	sent := int64(0)
	for {
		select {
		case <-v.quit:
			return
		case <-readDone:
			return
		case <-ping:
			if err := ws.WriteControl(websocket.PingMessage, []byte("hb"), time.Now().Add(time.Second)); err != nil {
				return
			}
			continue
		case <-tick.C:
		}
		v.mu.Lock()
		frames := v.log[pos:]
		pos = len(v.log)
		v.mu.Unlock()
		for _, f := range frames {
			if err := ws.WriteMessage(websocket.TextMessage, f); err != nil {
				return
			}
			sent++
			if n := v.dropAfter.Load(); n > 0 && sent >= n {
				return // abrupt: no close frame
			}
		}
	}
}
