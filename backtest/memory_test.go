package backtest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"

	"github.com/nanotick/nanotick/feeds/recording"
	"github.com/nanotick/nanotick/internal/testdata"
)

// writeRepeated writes the recording src n times over into dst, each repetition moved
// on in time by the recording's span and in every id by a fixed step, so that the copies
// form one long recording. Each boundary between copies is a sequence gap that the
// copy's own REST snapshot resyncs, as after a reconnect.
func writeRepeated(t testing.TB, src, dst string, n int) {
	t.Helper()
	type rec struct {
		local int64
		frame []byte
	}
	r, err := recording.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	var recs []rec
	for {
		x, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec{x.Local, append([]byte(nil), x.Frame...)})
	}
	r.Close()
	// The span is a whole number of milliseconds, the unit of the venue's times, so that
	// each copy moves its receive times and its event times by the same amount: a
	// remainder would drift the copies' feed latency by up to a millisecond a copy.
	span := (recs[len(recs)-1].local - recs[0].local + 1e9 + 1e6 - 1) / 1e6 * 1e6
	const idStep = 10_000_000_000 // far beyond the recording's id ranges
	f, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	// The copies are compressed at gzip's fastest level, not the recorder's default:
	// compressing 20 copies of the USD-M recording (555 MB of JSON) at the default level
	// was most of the test's time, and the reader reads any gzip stream alike.
	gz, err := gzip.NewWriterLevel(f, gzip.BestSpeed)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(gz, 256<<10)
	// The fields to move, and their values, are found once per frame, not once per copy.
	type field struct {
		start, end int // the number's bytes in the frame
		v, step    int64
	}
	fields := make([][]field, len(recs))
	for i, x := range recs {
		m := movedFields(x.frame)
		for j := 0; j < len(m); j += 3 {
			v, err := strconv.ParseInt(string(x.frame[m[j+1]:m[j+2]]), 10, 64)
			if err != nil {
				t.Fatalf("%s: %v", x.frame, err)
			}
			fd := field{start: m[j+1], end: m[j+2], v: v, step: idStep}
			if c := x.frame[m[j]]; c == 'E' || c == 'T' {
				fd.step = span / 1e6 // milliseconds
			}
			fields[i] = append(fields[i], fd)
		}
	}
	var line []byte
	for k := range int64(n) {
		for i, x := range recs {
			// A record of the recording format: "<local ns> <frame>\n".
			line = append(strconv.AppendInt(line[:0], x.local+k*span, 10), ' ')
			last := 0
			for _, fd := range fields[i] {
				line = strconv.AppendInt(append(line, x.frame[last:fd.start]...), fd.v+k*fd.step, 10)
				last = fd.end
			}
			line = append(append(line, x.frame[last:]...), '\n')
			if _, err := w.Write(line); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// movedFields returns where the numbers a repeated copy of frame must move are, as
// triples: where the field's name starts, where its number starts, where it ends. They
// are every numeric id and time field package binance decodes: the update ids (U, u,
// pu, lastUpdateId), the trade ids (t; an aggTrade's a, f and l), and the times (E, T,
// which in a USD-M mark price frame is the next funding time). The shared recordings
// carry depth updates, trades, book tickers and a REST snapshot (no aggTrade and no mark
// price frame), but the list is the decoder's so that a recording that did would move
// too. The name alone tells E and T (times) from the ids, since no other moved field
// starts with E or T. A field whose value is not a number (depth's "a":[[...]], a
// ticker's "a":"price") is left alone. It scans by hand: a regexp took a second a pass
// over the USD-M recording's long depth frames.
func movedFields(frame []byte) []int {
	var out []int
	for i := 0; ; {
		j := bytes.Index(frame[i:], []byte(`":`))
		if j < 0 {
			return out
		}
		colon := i + j + 1
		i = colon + 1
		q := bytes.LastIndexByte(frame[:colon-1], '"')
		if q < 0 {
			continue
		}
		switch string(frame[q+1 : colon-1]) {
		case "U", "u", "pu", "lastUpdateId", "t", "a", "f", "l", "E", "T":
		default:
			continue
		}
		end := i
		for end < len(frame) && frame[end] >= '0' && frame[end] <= '9' {
			end++
		}
		if end > i {
			out = append(out, q+1, i, end)
		}
	}
}

// TestMovedFields checks that writeRepeated moves every id and time of each kind of frame
// the feeds decode, and nothing else.
func TestMovedFields(t *testing.T) {
	for _, c := range []struct{ name, frame, want string }{
		{"spot depth", `{"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":1723161255208,"s":"BTCUSDT","U":50093239189,"u":50093239202,"b":[["61737.63000000","0.00000000"]],"a":[["61837.64000000","1.5"]]}}`,
			"E=1723161255208 U=50093239189 u=50093239202"},
		{"spot trade", `{"stream":"btcusdt@trade","data":{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":3735683259,"p":"61837.63000000","q":"0.02000000","T":1723161255342,"m":true,"M":true}}`,
			"E=1723161255343 t=3735683259 T=1723161255342"},
		{"spot bookTicker", `{"stream":"btcusdt@bookTicker","data":{"u":50093239212,"s":"BTCUSDT","b":"61837.63000000","B":"3.78826000","a":"61837.64000000","A":"1.54698000"}}`,
			"u=50093239212"},
		{"spot snapshot", `{"lastUpdateId":50093239218,"bids":[["61837.63000000","3.78826000"]],"asks":[["61837.64000000","1.5"]]}`,
			"lastUpdateId=50093239218"},
		{"usdm depth", `{"stream":"btcusdt@depth@0ms","data":{"e":"depthUpdate","E":1723161256299,"T":1723161256298,"s":"BTCUSDT","U":5123107832006,"u":5123107837557,"pu":5123107831937,"b":[["58710.20","0.014"]],"a":[["61800.30","1.0"]]}}`,
			"E=1723161256299 T=1723161256298 U=5123107832006 u=5123107837557 pu=5123107831937"},
		{"usdm trade", `{"stream":"btcusdt@trade","data":{"e":"trade","E":1723161256322,"T":1723161256322,"s":"BTCUSDT","t":5266583935,"p":"61800.30","q":"0.006","X":"MARKET","m":false}}`,
			"E=1723161256322 T=1723161256322 t=5266583935"},
		{"usdm bookTicker", `{"stream":"btcusdt@bookTicker","data":{"e":"bookTicker","u":5123107839020,"s":"BTCUSDT","b":"61800.20","B":"2.507","a":"61800.30","A":"2.510","T":1723161256313,"E":1723161256313}}`,
			"u=5123107839020 T=1723161256313 E=1723161256313"},
		{"usdm snapshot", `{"lastUpdateId":5123107852948,"E":1723161256501,"T":1723161256493,"bids":[["61800.20","2.909"]],"asks":[["61800.30","2.5"]]}`,
			"lastUpdateId=5123107852948 E=1723161256501 T=1723161256493"},
		{"aggTrade", `{"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","E":1672515782136,"s":"BTCUSDT","a":12345,"p":"0.001","q":"100","f":100,"l":105,"T":1672515782136,"m":true}}`,
			"E=1672515782136 a=12345 f=100 l=105 T=1672515782136"},
		{"usdm markPrice", `{"stream":"btcusdt@markPrice","data":{"e":"markPriceUpdate","E":1562305380000,"s":"BTCUSDT","p":"11794.15000000","i":"11784.62659091","P":"11784.25641265","r":"0.00038167","T":1562306400000}}`,
			"E=1562305380000 T=1562306400000"},
	} {
		frame := []byte(c.frame)
		m := movedFields(frame)
		var got []string
		for i := 0; i < len(m); i += 3 {
			got = append(got, string(frame[m[i]:m[i+1]-2])+"="+string(frame[m[i+1]:m[i+2]]))
		}
		if g := strings.Join(got, " "); g != c.want {
			t.Errorf("%s: moved %q, want %q", c.name, g, c.want)
		}
	}
}

// TestRSSChild is the child process of TestMemoryFlat: it backtests the file in
// NT_RSS_FILE as the recording NT_RSS_RECORDING ("spot" or "usdm", the configuration
// recordingBacktest gives it), through the event cache in NT_RSS_CACHE if set, and
// prints its peak resident set size with the report's counts.
func TestRSSChild(t *testing.T) {
	file := os.Getenv("NT_RSS_FILE")
	if file == "" {
		t.Skip("run by TestMemoryFlat")
	}
	defer TuneGC()() // as nanotick backtest runs
	rec := os.Getenv("NT_RSS_RECORDING")
	if rec != "spot" && rec != "usdm" {
		t.Fatalf("NT_RSS_RECORDING=%q, want spot or usdm", rec)
	}
	cfg := recordingBacktest(t, rec)
	cfg.Data = []string{file}
	cfg.Prefetch = true // as nanotick backtest runs: read and decoded ahead on a second goroutine
	cfg.Cache = os.Getenv("NT_RSS_CACHE")
	rep, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc: peak RSS cannot be read here")
	}
	for _, line := range strings.Split(string(status), "\n") {
		if kib, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			res := rssResult{Events: rep.Events, Feed: rep.Feed}
			if _, err := fmt.Sscanf(strings.TrimSpace(kib), "%d kB", &res.PeakKiB); err != nil {
				t.Fatalf("VmHWM %q: %v", line, err)
			}
			out, err := json.Marshal(res)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Printf("%s%s\n", rssPrefix, out)
		}
	}
}

// rssResult is what TestRSSChild hands TestMemoryFlat: its peak RSS and the counts
// that say what the run replayed.
type rssResult struct {
	PeakKiB int64
	Events  Events
	Feed    Feed
}

// rssPrefix starts TestRSSChild's result line.
const rssPrefix = "RSS-RESULT "

// memoryRecordings are the shared recordings TestMemoryFlat repeats, by the name
// recordingBacktest configures them under.
var memoryRecordings = []struct{ name, file string }{
	{"spot", spotFile},
	{"usdm", usdmFile},
}

// TestMemoryFlat checks that a backtest streams its data, on each shared recording:
// the peak RSS of one over the recording repeated 20 times stays within maxGrowth of
// that of one over the recording once, and under maxRSS. So does one that builds the
// event cache of the 20 copies, and one that replays it (its file, memory-mapped, is 20
// times the recording's events: the replay releases the pages it has read). Every run
// over the copies must replay each copy as the one-copy run replayed the recording,
// the boundaries between copies being sequence gaps that each copy's snapshot resyncs.
func TestMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("runs backtests in child processes")
	}
	for _, rec := range memoryRecordings {
		t.Run(rec.name, func(t *testing.T) { memoryFlat(t, rec.name, rec.file) })
	}
}

// memoryCopies is how many times TestMemoryFlat repeats a recording (issue 16: 20).
const memoryCopies = 20

func memoryFlat(t *testing.T, rec, file string) {
	src := testdata.SharedData(t, file)
	long := filepath.Join(t.TempDir(), rec+"-x20.gz")
	writeRepeated(t, src, long, memoryCopies)
	once := childRSS(t, rec, src, "")
	if once.Events.Frames == 0 || once.Events.EngineGaps != 0 {
		t.Fatalf("one copy: %d frames with %d sequence gaps, want some frames and no gap", once.Events.Frames, once.Events.EngineGaps)
	}
	// check holds a run over the copies to the one-copy run: everything it counts is
	// the one-copy run's times memoryCopies but the sequence gaps, one per boundary
	// between copies, and it stays under maxRSS.
	check := func(run string, got rssResult) {
		t.Helper()
		t.Logf("%s: peak RSS %d KiB over %d frames (%.2fx the one-copy run's %d KiB)", run, got.PeakKiB, got.Events.Frames, float64(got.PeakKiB)/float64(once.PeakKiB), once.PeakKiB)
		want := scaledCounts(once, memoryCopies)
		if g, w := counts(got), want; g != w {
			t.Fatalf("%s: the copies did not replay as %d times the recording:\n got %+v\nwant %+v", run, memoryCopies, g, w)
		}
		// Each copy's receive times and event times moved together: the smallest
		// local − exchange time is the one copy's. (The feed latencies themselves are
		// not the one copy's: the running clock offset starts each later copy at the
		// smallest of the first, so its early frames read a little slower.)
		if got.Feed.ClockOffsetNs != once.Feed.ClockOffsetNs {
			t.Errorf("%s: clock offset %d ns, want the one copy's %d ns (a time field not moved with the copies?)", run, got.Feed.ClockOffsetNs, once.Feed.ClockOffsetNs)
		}
		if got.PeakKiB > maxRSS {
			t.Errorf("%s: peak RSS %d KiB over %dx the data, want under %d KiB", run, got.PeakKiB, memoryCopies, maxRSS)
		}
	}
	twenty := childRSS(t, rec, long, "")
	check("from the gz", twenty)
	// What may grow with the data is the report's own record of the run (fills, the
	// equity samples): about 10 MB over the 19 extra copies of spot. A bound of 1.5x the
	// one-copy run left a few hundredths of margin, and a loaded machine crossed it (1.51x).
	if twenty.PeakKiB-once.PeakKiB > maxGrowth {
		t.Errorf("peak RSS grew %d KiB with %dx the data (%.2fx), want at most %d KiB", twenty.PeakKiB-once.PeakKiB, memoryCopies, float64(twenty.PeakKiB)/float64(once.PeakKiB), maxGrowth)
	}
	cache := t.TempDir()
	var built os.FileInfo
	for _, run := range []string{"building the event cache", "from the event cache"} {
		got := childRSS(t, rec, long, cache)
		m, _ := filepath.Glob(filepath.Join(cache, "*.ntev"))
		if len(m) != 1 {
			t.Fatalf("%s: cache files %v, want one", run, m)
		}
		st, err := os.Stat(m[0])
		if err != nil {
			t.Fatal(err)
		}
		if built != nil && !st.ModTime().Equal(built.ModTime()) {
			t.Fatalf("%s: the cache file was written again", run)
		}
		built = st
		check(run, got)
	}
}

// maxRSS bounds the peak resident set of a backtest over a shared recording repeated
// 20 times, in KiB (issue 16: 64 MB).
const maxRSS = 64 << 10

// maxGrowth bounds how much more the 20-copy run may hold at its peak than the one-copy
// run, in KiB: a quarter of maxRSS. A backtest that kept its frames would grow by the
// recording's JSON (11 MB spot, 28 MB USD-M) for every copy of it.
const maxGrowth = 16 << 10

// replayCounts are the counts of a run that a run over n copies of its recording must
// repeat n times (the sequence gaps aside).
type replayCounts struct {
	Events                                                 Events
	FramesWithTime, FramesWithout, ClockBackwards, Clamped uint64
	TimeJumps, TimeGaps, BadEventTimes                     uint64
}

func counts(r rssResult) replayCounts {
	f := r.Feed
	// Steps count the order path's messages too, which depend on the strategy's state
	// (its position, its resting orders) at the start of each copy: not a replay count.
	r.Events.Steps = 0
	return replayCounts{r.Events, f.FramesWithTime, f.FramesWithout, f.ClockBackwards, f.LatencyClamped, f.TimeJumps, f.TimeGaps, f.BadEventTimes}
}

// scaledCounts is what a run over n copies of once's recording must count: each of
// once's counts n times, and a sequence gap at each of the n-1 boundaries (the feed's
// and the exchange's book alike), which the next copy's snapshot resyncs.
func scaledCounts(once rssResult, n uint64) replayCounts {
	c := counts(once)
	e := &c.Events
	for _, p := range []*uint64{&e.Frames, &e.Malformed, &e.EngineMalformed, &e.BookUpdates, &e.Trades, &e.StrategyErrors,
		&e.ExchangeMalformed, &c.FramesWithTime, &c.FramesWithout, &c.ClockBackwards, &c.Clamped, &c.TimeJumps, &c.TimeGaps, &c.BadEventTimes} {
		*p *= n
	}
	e.EngineGaps = once.Events.EngineGaps + n - 1
	e.ExchangeGaps = once.Events.ExchangeGaps + n - 1
	return c
}

// childRSS runs TestRSSChild over file as the recording rec, through the event cache in
// cache if it is not empty.
func childRSS(t *testing.T, rec, file, cache string) rssResult {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestRSSChild$", "-test.v")
	cmd.Env = append(os.Environ(), "NT_RSS_RECORDING="+rec, "NT_RSS_FILE="+file, "NT_RSS_CACHE="+cache)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if js, ok := strings.CutPrefix(line, rssPrefix); ok {
			var r rssResult
			if err := json.Unmarshal([]byte(js), &r); err != nil {
				t.Fatalf("child's result %q: %v", js, err)
			}
			return r
		}
	}
	t.Fatalf("child printed no result:\n%s", out)
	return rssResult{}
}
