package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/nanotick/nanotick/internal/testdata"
)

const spotFile = "binance-spot-btcusdt-20240808.gz"

// field returns the integer after "<label>" followed by spaces in out, the
// way inspect aligns its rows, or fails.
func field(t *testing.T, out, label string) int {
	t.Helper()
	m := regexp.MustCompile(`(?m)` + regexp.QuoteMeta(label) + `\s+(\d+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no %q in output:\n%s", label, out)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

func TestInspectSpot(t *testing.T) {
	path := testdata.SharedData(t, spotFile)
	var stdout, stderr bytes.Buffer
	if code := runInspect([]string{path}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr.String())
	}
	out := stdout.String()
	t.Log("\n" + out)
	for label, want := range map[string]int{
		"btcusdt@depth@100ms": 3451,
		"btcusdt@trade":       9757,
		"btcusdt@bookTicker":  28040,
		"(snapshot)":          1,
		"records":             41249,
		"applied":             3449,
		"dropped":             2,
		"gaps":                0,
		"resyncs":             0,
		"crossed":             0,
	} {
		if got := field(t, out, label); got != want {
			t.Errorf("%s = %d, want %d", label, got, want)
		}
	}
	for _, want := range []string{"venue            spot, symbol BTCUSDT, price scale 8, qty scale 8", "(0 malformed", "state live", "p99"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	// The spot recording's clock runs about 1.3 s behind the exchange.
	if !regexp.MustCompile(`p50\s+-12\d\d\.\d{3} ms`).MatchString(out) {
		t.Errorf("p50 latency is not about -1.27 s")
	}
}

// TestBookFirstLine checks that the first line of "nanotick book" is the
// book right after the bridging event (the third depth event, applied when
// the snapshot arrives), computed here independently of the feed: the
// snapshot's levels as text, updated with that event's levels.
func TestBookFirstLine(t *testing.T) {
	path := testdata.SharedData(t, spotFile)
	lines := readLines(t, path, 8)

	// Independent model: maps of price text -> qty text.
	var snap struct {
		ID   uint64      `json:"lastUpdateId"`
		Bids [][2]string `json:"bids"`
		Asks [][2]string `json:"asks"`
	}
	var third struct {
		Data struct {
			U    uint64      `json:"u"`
			Bids [][2]string `json:"b"`
			Asks [][2]string `json:"a"`
		} `json:"data"`
	}
	mustJSON(t, lines[7].frame, &snap)
	mustJSON(t, lines[5].frame, &third)
	bids, asks := levelMap(snap.Bids), levelMap(snap.Asks)
	update(bids, third.Data.Bids)
	update(asks, third.Data.Asks)
	const depth = 3
	want := []string{lines[7].local, strconv.FormatUint(third.Data.U, 10), "true"}
	want = append(want, top(bids, depth, true)...)
	want = append(want, top(asks, depth, false)...)

	var stdout, stderr bytes.Buffer
	if code := runBook([]string{path, "--depth", strconv.Itoa(depth)}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	sc := bufio.NewScanner(&stdout)
	sc.Scan()
	if got := sc.Text(); got != "local_ns,update_id,valid,bid_px_1,bid_qty_1,bid_px_2,bid_qty_2,bid_px_3,bid_qty_3,ask_px_1,ask_qty_1,ask_px_2,ask_qty_2,ask_px_3,ask_qty_3" {
		t.Errorf("header %q", got)
	}
	sc.Scan()
	if got := sc.Text(); got != strings.Join(want, ",") {
		t.Errorf("first line\n got %s\nwant %s", got, strings.Join(want, ","))
	}
	n := 2
	for sc.Scan() {
		n++
	}
	if n != 1+3449 {
		t.Errorf("%d lines, want a header and one per applied depth event (3449)", n)
	}
}

func TestBookJSONL(t *testing.T) {
	path := testdata.SharedData(t, spotFile)
	var stdout, stderr bytes.Buffer
	if code := runBook([]string{"--format", "jsonl", "--depth", "2", path}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	line, _, _ := bytes.Cut(stdout.Bytes(), []byte("\n"))
	var got struct {
		Local int64       `json:"local"`
		U     uint64      `json:"u"`
		Valid bool        `json:"valid"`
		Bids  [][2]string `json:"bids"`
		Asks  [][2]string `json:"asks"`
	}
	mustJSON(t, line, &got)
	if got.U != 50093239224 || !got.Valid || len(got.Bids) != 2 || len(got.Asks) != 2 || got.Bids[0] != [2]string{"61837.63", "3.78826"} {
		t.Errorf("first JSONL line %s decodes to %+v", line, got)
	}
}

// TestInspectDamaged checks malformed frames (counted, skipped, reported
// with file:line) and a truncated file (summary printed, then the error
// naming file:line, exit status 1).
func TestInspectDamaged(t *testing.T) {
	path := testdata.SharedData(t, spotFile)
	lines := readLines(t, path, 300)
	var text bytes.Buffer
	for i, l := range lines {
		switch i {
		case 100:
			text.WriteString(`1723161254000000000 {"stream":"btcusdt@trade","data":{"e":"trade","t":1,"p":"x","q":"1"}}` + "\n")
		case 200:
			text.WriteString("not a record\n")
		}
		text.WriteString(l.local + " " + string(l.frame) + "\n")
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "damaged.gz")
	writeGzip(t, good, text.Bytes())

	var stdout, stderr bytes.Buffer
	if code := runInspect([]string{good}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"(2 malformed", `damaged.gz:101: binance: trade: field "p"`, "damaged.gz:202: malformed line"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	// Cut the compressed file in the middle: every complete record is
	// processed, then the error names the file and the line.
	gz, _ := os.ReadFile(path)
	cut := filepath.Join(dir, "cut.gz")
	if err := os.WriteFile(cut, gz[:len(gz)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	stdout.Reset()
	stderr.Reset()
	code := runInspect([]string{cut}, &stdout, &stderr)
	if code == 0 {
		t.Error("exit 0 for a truncated file")
	}
	if !strings.Contains(stdout.String(), "records ") || field(t, stdout.String(), "records") < 1000 {
		t.Errorf("no summary before the error:\n%s", stdout.String())
	}
	if !regexp.MustCompile(`cut\.gz:\d+: `).MatchString(stderr.String()) {
		t.Errorf("stderr %q does not name file:line", stderr.String())
	}
	// The line named is the one after the last complete record.
	m := regexp.MustCompile(`cut\.gz:(\d+): `).FindStringSubmatch(stderr.String())
	if n, _ := strconv.Atoi(m[1]); n != field(t, stdout.String(), "records")+1 {
		t.Errorf("error at line %d after %d records", n, field(t, stdout.String(), "records"))
	}
}

func TestArgs(t *testing.T) {
	var stdout, stderr bytes.Buffer
	for _, args := range [][]string{{}, {"--venue", "kraken", "x.gz"}, {"--format", "xml", "x.gz"}} {
		cmd := runInspect
		if len(args) > 0 && args[0] == "--format" {
			cmd = runBook
		}
		if code := cmd(args, &stdout, &stderr); code == 0 {
			t.Errorf("%v: exit 0", args)
		}
	}
	if code := runInspect([]string{filepath.Join(t.TempDir(), "missing.gz")}, &stdout, &stderr); code == 0 {
		t.Error("missing file: exit 0")
	}
}

// TestLatencyPercentiles checks the two-sided histogram against sorting,
// on latencies of both signs.
func TestLatencyPercentiles(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	l := newLatency()
	var all []int64
	for range 10000 {
		v := int64(rng.NormFloat64()*5e6) - 2e6 // ns, centred on -2 ms
		l.record(v)
		all = append(all, v)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	for _, q := range []float64{1, 10, 50, 90, 99, 100} {
		want := all[int(math.Ceil(q/100*float64(len(all))))-1]
		got := l.at(q)
		// Three significant digits, plus one bucket of slack.
		if tol := float64(abs64(want))*2e-3 + 1e3; math.Abs(float64(got-want)) > tol {
			t.Errorf("p%v = %d, want %d ± %.0f", q, got, want, tol)
		}
	}
	if l.min != all[0] || l.max != all[len(all)-1] {
		t.Errorf("min/max %d/%d, want %d/%d", l.min, l.max, all[0], all[len(all)-1])
	}
}

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

type line struct {
	local string
	frame []byte
}

func readLines(t *testing.T, path string, n int) []line {
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
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 1<<20)
	var out []line
	for len(out) < n && sc.Scan() {
		local, frame, _ := strings.Cut(sc.Text(), " ")
		out = append(out, line{local, []byte(frame)})
	}
	return out
}

func writeGzip(t *testing.T, path string, data []byte) {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(data)
	zw.Close()
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func mustJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%v: %.200s", err, b)
	}
}

func levelMap(ls [][2]string) map[string]string {
	m := make(map[string]string)
	update(m, ls)
	return m
}

func update(m map[string]string, ls [][2]string) {
	for _, l := range ls {
		if q, _ := strconv.ParseFloat(l[1], 64); q == 0 {
			delete(m, l[0])
		} else {
			m[l[0]] = l[1]
		}
	}
}

// top returns the best n levels of a side as trimmed text, price then qty.
func top(m map[string]string, n int, bids bool) []string {
	prices := make([]string, 0, len(m))
	for p := range m {
		prices = append(prices, p)
	}
	f := func(s string) float64 { v, _ := strconv.ParseFloat(s, 64); return v }
	sort.Slice(prices, func(i, j int) bool {
		if bids {
			return f(prices[i]) > f(prices[j])
		}
		return f(prices[i]) < f(prices[j])
	})
	trim := func(s string) string { return strings.TrimSuffix(strings.TrimRight(s, "0"), ".") }
	var out []string
	for _, p := range prices[:n] {
		out = append(out, trim(p), trim(m[p]))
	}
	return out
}

// BenchmarkInspect times "nanotick inspect" over the spot recording, from
// the compressed file to the summary. One op is the whole file.
func BenchmarkInspect(b *testing.B) {
	path := testdata.SharedData(b, spotFile)
	var stderr bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		if code := runInspect([]string{path}, io.Discard, &stderr); code != 0 {
			b.Fatal(stderr.String())
		}
	}
}

// TestInspectGap removes one depth event from the real recording: inspect
// must report the gap and the book invalid at the end, and book must print
// nothing after the gap (the recording has no second snapshot).
func TestInspectGap(t *testing.T) {
	path := testdata.SharedData(t, spotFile)
	lines := readLines(t, path, 5000)
	var text bytes.Buffer
	depth := 0
	for _, l := range lines {
		if bytes.Contains(l.frame, []byte(`"depthUpdate"`)) {
			depth++
			if depth == 100 {
				continue
			}
		}
		text.WriteString(l.local + " " + string(l.frame) + "\n")
	}
	gap := filepath.Join(t.TempDir(), "gap.gz")
	writeGzip(t, gap, text.Bytes())

	var stdout, stderr bytes.Buffer
	if code := runInspect([]string{gap}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	out := stdout.String()
	if field(t, out, "gaps") != 1 || field(t, out, "resyncs") != 1 || !strings.Contains(out, "book INVALID at the end") {
		t.Errorf("gap not reported:\n%s", out)
	}
	// Depth events 3..99 are applied (1 and 2 are covered by the snapshot).
	if got := field(t, out, "applied"); got != 97 {
		t.Errorf("applied %d, want 97", got)
	}
	stdout.Reset()
	if code := runBook([]string{gap}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if n := bytes.Count(stdout.Bytes(), []byte("\n")); n != 1+97 {
		t.Errorf("book printed %d lines, want a header and 97", n)
	}
	if bytes.Contains(stdout.Bytes(), []byte(",false,")) {
		t.Error("book printed an invalid book")
	}
}

// TestInspectUSDM checks detection on the futures recording: venue from
// "pu", scales 2 and 3 from the snapshot, and a clean sync.
func TestInspectUSDM(t *testing.T) {
	path := testdata.SharedData(t, "binance-usdm-btcusdt-20240808.gz")
	var stdout, stderr bytes.Buffer
	if code := runInspect([]string{path}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr.String())
	}
	out := stdout.String()
	for label, want := range map[string]int{
		"btcusdt@depth@0ms":  6551,
		"btcusdt@trade":      21313,
		"btcusdt@bookTicker": 66089,
		"(snapshot)":         1,
		"applied":            6547,
		"dropped":            4,
		"gaps":               0,
		"resyncs":            0,
	} {
		if got := field(t, out, label); got != want {
			t.Errorf("%s = %d, want %d", label, got, want)
		}
	}
	if !strings.Contains(out, "venue            usdm, symbol BTCUSDT, price scale 2, qty scale 3") {
		t.Errorf("venue not detected:\n%s", out)
	}
}
