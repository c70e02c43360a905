package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/nanotick/nanotick/exchange"
	"github.com/nanotick/nanotick/feeds/binance"
	"github.com/nanotick/nanotick/feeds/recording"
	"github.com/nanotick/nanotick/internal/testdata"
	"github.com/nanotick/nanotick/orderbook"
)

// replayServer serves the shared spot recording on loopback: its frames on a websocket,
// one per millisecond from the start of the file, and its first REST snapshot.
type replayServer struct {
	srv    *httptest.Server
	frames [][]byte
	snap   []byte
	wg     sync.WaitGroup
	quit   chan struct{}
}

func newReplayServer(t *testing.T, maxFrames int) *replayServer {
	t.Helper()
	f, err := os.Open(testdata.SharedData(t, "binance-spot-btcusdt-20240808.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	rs := &replayServer{quit: make(chan struct{})}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() && len(rs.frames) < maxFrames {
		_, frame, _ := bytes.Cut(sc.Bytes(), []byte(" "))
		frame = bytes.Clone(frame)
		if bytes.HasPrefix(frame, []byte(`{"lastUpdateId"`)) {
			if rs.snap == nil {
				rs.snap = frame
			}
			continue
		}
		rs.frames = append(rs.frames, frame)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/v3/depth", func(w http.ResponseWriter, r *http.Request) { w.Write(rs.snap) })
	mux.HandleFunc("/stream", func(w http.ResponseWriter, r *http.Request) {
		ws, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		rs.wg.Add(1)
		defer rs.wg.Done()
		defer ws.Close()
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for _, f := range rs.frames {
			select {
			case <-rs.quit:
				return
			case <-tick.C:
			}
			if ws.WriteMessage(websocket.TextMessage, f) != nil {
				return
			}
		}
		<-rs.quit
	})
	rs.srv = httptest.NewServer(mux)
	t.Cleanup(func() { close(rs.quit); rs.srv.CloseClientConnections(); rs.srv.Close(); rs.wg.Wait() })
	return rs
}

func (rs *replayServer) wsURL() string { return "ws" + strings.TrimPrefix(rs.srv.URL, "http") }

// replayFile runs one recorded file through a Feed and returns its counters, the number
// of records and whether the book ended valid.
func replayFile(t *testing.T, path string) (binance.Counters, int, bool) {
	t.Helper()
	r, err := recording.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	feed, err := binance.NewFeed(binance.Spot, binance.Instrument{Symbol: "BTCUSDT", PriceScale: 8, QtyScale: 8}, orderbook.New(4096), binance.SyncConfig{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	var last int64
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if rec.Local < last {
			t.Fatalf("%s:%d: local time goes back", path, rec.Line)
		}
		last = rec.Local
		n++
		feed.Handle(rec.Frame, rec.Local)
	}
	return feed.Counters(), n, feed.Sync().Book().Valid()
}

func record(t *testing.T, args ...string) (string, []string) {
	t.Helper()
	var out, errb bytes.Buffer
	if code := runRecord(args, &out, &errb); code != 0 {
		t.Fatalf("record exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	var files []string
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.HasSuffix(l, ".gz") {
			files = append(files, l)
		}
	}
	return out.String(), files
}

func TestRecordRoundTrip(t *testing.T) {
	rs := newReplayServer(t, 5000)
	dir := t.TempDir()
	out, files := record(t, "--url", rs.wsURL(), "--rest", rs.srv.URL, "--symbol", "BTCUSDT",
		"--streams", "depth@100ms,trade,bookTicker", "--out", dir, "--duration", "3s")
	if len(files) != 1 {
		t.Fatalf("files %v\n%s", files, out)
	}
	// The server sends a frame a millisecond; a loaded machine records far fewer in 3 s
	// (the dial and the snapshot come first), so the bound is loose: the byte-for-byte
	// comparison below is the test.
	k, n, valid := replayFile(t, files[0])
	if n < 100 || k.Snapshots != 1 || k.Gaps != 0 || k.Malformed != 0 || !valid {
		t.Fatalf("%d records, counters %+v, valid %v\n%s", n, k, valid, out)
	}
	// The frames are the server's, byte for byte and in order.
	r, _ := recording.Open(files[0])
	defer r.Close()
	i := 0
	for {
		rec, err := r.Next()
		if err != nil {
			break
		}
		if bytes.HasPrefix(rec.Frame, []byte(`{"lastUpdateId"`)) {
			if !bytes.Equal(rec.Frame, rs.snap) {
				t.Fatal("snapshot record differs from the REST body")
			}
			continue
		}
		if !bytes.Equal(rec.Frame, rs.frames[i]) {
			t.Fatalf("record %d differs:\n got %s\nwant %s", i, rec.Frame, rs.frames[i])
		}
		i++
	}
	// And nanotick inspect reads them.
	var iout, ierr bytes.Buffer
	if code := runInspect(files, &iout, &ierr); code != 0 {
		t.Fatalf("inspect exit %d: %s", code, ierr.String())
	}
}

func TestRecordRotatesBySize(t *testing.T) {
	rs := newReplayServer(t, 5000)
	dir := t.TempDir()
	out, files := record(t, "--url", rs.wsURL(), "--rest", rs.srv.URL, "--out", dir,
		"--rotate-size", "8KB", "--duration", "1500ms")
	if len(files) < 2 {
		t.Fatalf("files %v\n%s", files, out)
	}
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, n, _ := replayFile(t, f); n == 0 || fi.Size() == 0 {
			t.Fatalf("%s: %d records, %d bytes", f, n, fi.Size())
		}
	}
	// Every file but the last starts its own book: a snapshot in each.
	for _, f := range files[:len(files)-1] {
		if k, _, _ := replayFile(t, f); k.Snapshots == 0 {
			t.Errorf("%s has no snapshot", f)
		}
	}
}

// TestRecordFlushesWhileRunning reads the file while the recorder still writes it: what
// a kill would leave must already hold the records older than a second or so.
func TestRecordFlushesWhileRunning(t *testing.T) {
	rs := newReplayServer(t, 5000)
	dir := t.TempDir()
	done := make(chan int, 1)
	go func() {
		done <- runRecord([]string{"--url", rs.wsURL(), "--rest", rs.srv.URL, "--out", dir, "--duration", "8s"}, io.Discard, io.Discard)
	}()
	// Read the file while the recorder writes it, until it holds 300 records: they
	// must reach the disk while the recorder runs (it flushes every second), however
	// slowly a loaded machine lets it go. Only the recorder's exit ends the wait.
	onDisk := func() int {
		files, _ := filepath.Glob(filepath.Join(dir, "*.gz"))
		if len(files) != 1 {
			return 0
		}
		r, err := recording.Open(files[0])
		if err != nil {
			return 0
		}
		defer r.Close()
		n := 0
		for {
			if _, err := r.Next(); err != nil {
				return n
			}
			n++
		}
	}
	n := 0
	for n < 300 {
		select {
		case code := <-done:
			t.Fatalf("the recorder exited (%d) before 300 records were on disk: %d", code, onDisk())
		case <-time.After(100 * time.Millisecond):
		}
		n = onDisk()
	}
	if code := <-done; code != 0 {
		t.Fatalf("exit %d", code)
	}
}

func TestRecordFromLocalExchange(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ex, err := exchange.Start(ctx, exchange.Config{Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	defer ex.Close()
	dir := t.TempDir()
	out, files := record(t, "--url", ex.MarketDataURL(), "--rest", ex.RESTURL(), "--out", dir,
		"--rotate-every", "500ms", "--duration", "1700ms")
	if len(files) < 3 {
		t.Fatalf("files %v\n%s", files, out)
	}
	total := 0
	for _, f := range files[:len(files)-1] {
		k, n, valid := replayFile(t, f)
		if k.Snapshots == 0 || k.Gaps != 0 || k.Malformed != 0 || !valid {
			t.Errorf("%s: %d records, counters %+v, valid %v", f, n, k, valid)
		}
		total += n
	}
	if total < 20 {
		t.Fatalf("%d records\n%s", total, out)
	}
}

func TestRecordFlagErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"--out", t.TempDir(), "--rotate-size", "lots"},
		{"--out", t.TempDir(), "--url", "http://x"},
		{"--out", t.TempDir(), "--streams", ""},
		{"--out", t.TempDir(), "--venue", "bitmex"},
		{"--out", t.TempDir(), "extra"},
	} {
		var errb bytes.Buffer
		if code := runRecord(args, io.Discard, &errb); code != 2 {
			t.Errorf("record %q: exit %d, %s", args, code, errb.String())
		}
	}
	for s, want := range map[string]int64{"100MB": 100 << 20, "1gb": 1 << 30, "512 KB": 512 << 10, "42": 42, "0": 0} {
		if got, err := parseSize(s); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v", s, got, err)
		}
	}
}

// TestRecordInspectBacktest records the local exchange's feed and reads the file back
// with inspect and the backtester: both must see a book that never lost sequence.
func TestRecordInspectBacktest(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ex, err := exchange.Start(ctx, exchange.Config{Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	defer ex.Close()
	out, files := record(t, "--url", ex.MarketDataURL(), "--rest", ex.RESTURL(), "--out", t.TempDir(), "--duration", "4s")
	if len(files) != 1 {
		t.Fatalf("files %v\n%s", files, out)
	}
	var iout, ierr bytes.Buffer
	if code := runInspect(files, &iout, &ierr); code != 0 {
		t.Fatalf("inspect: exit %d\n%s%s", code, iout.String(), ierr.String())
	}
	if !strings.Contains(iout.String(), "gaps 0") {
		t.Errorf("inspect saw gaps:\n%s", iout.String())
	}
	report := filepath.Join(t.TempDir(), "r.json")
	code, _, stderr := runBT(t, "--data", files[0], "--json", report)
	if code != 0 {
		t.Fatalf("backtest: exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Events struct {
			Frames          uint64 `json:"frames"`
			BookUpdates     uint64 `json:"book_updates"`
			EngineGaps      uint64 `json:"engine_gaps"`
			EngineMalformed uint64 `json:"engine_malformed"`
		} `json:"events"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if r.Events.Frames < 20 || r.Events.BookUpdates == 0 || r.Events.EngineGaps != 0 || r.Events.EngineMalformed != 0 {
		t.Errorf("backtest of the recording: %+v", r.Events)
	}
}

// TestRecordUSDMFromLocalExchange records the local exchange's USD-M perpetual with
// --venue binance-usdm and its default streams (its snapshot path and sync rules, and
// the mark price stream): the files hold markPrice@1s frames, replay without a gap, and
// backtest detects the perpetual from them and takes its funding from the recorded mark
// price frames (the exchange funds every second here, so a 3 s recording announces some).
func TestRecordUSDMFromLocalExchange(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ex, err := exchange.Start(ctx, exchange.Config{Seed: 5, Futures: []exchange.FuturesInstrument{exchange.BTCUSDTPerp()},
		USDM: exchange.USDMConfig{FundingInterval: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	defer ex.Close()
	out, files := record(t, "--venue", "binance-usdm", "--url", ex.FuturesMarketDataURL(), "--rest", ex.RESTURL(),
		"--out", t.TempDir(), "--duration", "3s")
	if len(files) != 1 {
		t.Fatalf("files %v\n%s", files, out)
	}
	if raw := gunzip(t, files[0]); !bytes.Contains(raw, []byte(`"stream":"btcusdt@markPrice@1s"`)) {
		t.Errorf("no mark price frame recorded with the default USD-M streams")
	}
	if !strings.Contains(out, "snapshots 1") || !strings.Contains(out, "malformed 0") {
		t.Errorf("recording: %s", out)
	}
	report := filepath.Join(t.TempDir(), "r.json")
	code, _, stderr := runBT(t, "--data", files[0], "--json", report)
	if code != 0 {
		t.Fatalf("backtest: exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Venue  string `json:"venue"`
		Events struct {
			BookUpdates uint64 `json:"book_updates"`
			EngineGaps  uint64 `json:"engine_gaps"`
		} `json:"events"`
		Funding struct {
			Source string `json:"source"`
			Note   string `json:"note"`
		} `json:"funding"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if r.Venue != "usdm" || r.Events.BookUpdates == 0 || r.Events.EngineGaps != 0 {
		t.Errorf("backtest of the USD-M recording: venue %q, %+v", r.Venue, r.Events)
	}
	if r.Funding.Source != "mark price stream" || strings.Contains(r.Funding.Note, "no mark price") {
		t.Errorf("backtest of the USD-M recording: funding %+v, want it from the recorded mark price stream", r.Funding)
	}
}

// gunzip returns a recorded file's text.
func gunzip(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
