package backtest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/nanotick/nanotick/feeds/recording"
	"github.com/nanotick/nanotick/internal/testdata"
)

// idField matches the numbers a repeated recording must move on so that it reads as
// later data: update ids (U, u, pu, lastUpdateId), trade ids and times (E, T).
var idField = regexp.MustCompile(`"(U|u|pu|lastUpdateId|t|E|T)":(\d+)`)

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
	span := recs[len(recs)-1].local - recs[0].local + 1e9
	const idStep = 10_000_000_000 // far beyond the recording's id ranges
	f, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	w := recording.NewWriter(f)
	// The fields to move are found once per frame, not once per copy: the regexp is
	// most of this helper's cost, and the helper most of TestMemoryFlat's.
	fields := make([][]int, len(recs))
	for i, x := range recs {
		fields[i] = flatIndices(idField.FindAllSubmatchIndex(x.frame, -1))
	}
	var frame []byte
	for k := 0; k < n; k++ {
		for i, x := range recs {
			frame = frame[:0]
			last := 0
			for m := 0; m < len(fields[i]); m += 3 {
				name, num, end := fields[i][m], fields[i][m+1], fields[i][m+2]
				v, _ := strconv.ParseInt(string(x.frame[num:end]), 10, 64)
				switch x.frame[name] {
				case 'E', 'T':
					v += int64(k) * span / 1e6 // milliseconds
				default:
					v += int64(k) * idStep
				}
				frame = strconv.AppendInt(append(frame, x.frame[last:num]...), v, 10)
				last = end
			}
			frame = append(frame, x.frame[last:]...)
			if err := w.Write(x.local+int64(k)*span, frame); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// flatIndices turns idField's submatch indices into triples: where the field's name
// starts, where its number starts, where the number ends. The name alone tells E and T
// (times) from the ids, since no other moved field starts with E or T.
func flatIndices(all [][]int) []int {
	out := make([]int, 0, 3*len(all))
	for _, m := range all {
		out = append(out, m[2], m[4], m[5])
	}
	return out
}

// TestRSSChild is the child process of TestMemoryFlat: it backtests the file in
// NT_RSS_FILE, through the event cache in NT_RSS_CACHE if set, and prints its peak
// resident set size.
func TestRSSChild(t *testing.T) {
	file := os.Getenv("NT_RSS_FILE")
	if file == "" {
		t.Skip("run by TestMemoryFlat")
	}
	defer TuneGC()() // as nanotick backtest runs
	cfg := spotBacktest(t)
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
		if strings.HasPrefix(line, "VmHWM:") {
			fmt.Printf("RSS %s frames %d gaps %d\n", strings.TrimSpace(strings.TrimPrefix(line, "VmHWM:")), rep.Events.Frames, rep.Events.EngineGaps)
		}
	}
}

// TestMemoryFlat checks that a backtest streams its data: the peak RSS of one over the spot
// day repeated 20 times stays within maxGrowth of that of one over the day once, and under
// maxRSS. So does one that builds the event cache of the 20 days, and one that replays
// it (its file, memory-mapped, is 20 times the spot day's 2 MB: the replay releases the
// pages it has read).
func TestMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two backtests in child processes")
	}
	src := testdata.SharedData(t, "binance-spot-btcusdt-20240808.gz")
	long := filepath.Join(t.TempDir(), "spot-x20.gz")
	writeRepeated(t, src, long, 20)
	once, framesOnce := childRSS(t, src, "")
	twenty, framesTwenty := childRSS(t, long, "")
	t.Logf("peak RSS: %d KiB over %d frames, %d KiB over %d frames (%.2fx)", once, framesOnce, twenty, framesTwenty, float64(twenty)/float64(once))
	if framesTwenty != 20*framesOnce {
		t.Fatalf("the repeated file replayed %d frames, want %d", framesTwenty, 20*framesOnce)
	}
	if twenty > maxRSS {
		t.Errorf("peak RSS %d KiB over 20x the data, want under %d KiB", twenty, maxRSS)
	}
	// What may grow with the data is the report's own record of the run (fills, the
	// equity samples): about 10 MB over the 19 extra days. A bound of 1.5x the one-day
	// run left a few hundredths of margin, and a loaded machine crossed it (1.51x).
	if twenty-once > maxGrowth {
		t.Errorf("peak RSS grew %d KiB with 20x the data (%.2fx), want at most %d KiB", twenty-once, float64(twenty)/float64(once), maxGrowth)
	}
	cache := t.TempDir()
	var built os.FileInfo
	for _, run := range []string{"building the event cache", "from the event cache"} {
		kib, frames := childRSS(t, long, cache)
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
		t.Logf("%s: peak RSS %d KiB over %d frames", run, kib, frames)
		if frames != framesTwenty {
			t.Fatalf("%s: %d frames, want %d", run, frames, framesTwenty)
		}
		if kib > maxRSS {
			t.Errorf("%s: peak RSS %d KiB over 20x the data, want under %d KiB", run, kib, maxRSS)
		}
	}
}

// maxRSS bounds the peak resident set of a backtest over the spot recording repeated 20
// times, in KiB (issue 16: 64 MB).
const maxRSS = 64 << 10

// maxGrowth bounds how much more the 20-day run may hold at its peak than the one-day
// run, in KiB: a quarter of maxRSS. A backtest that kept its frames would grow by the
// day's 11 MB of JSON for every copy of it.
const maxGrowth = 16 << 10

func childRSS(t *testing.T, file, cache string) (kib, frames int64) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestRSSChild$", "-test.v")
	cmd.Env = append(os.Environ(), "NT_RSS_FILE="+file, "NT_RSS_CACHE="+cache)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var gaps int64
		if n, _ := fmt.Sscanf(sc.Text(), "RSS %d kB frames %d gaps %d", &kib, &frames, &gaps); n == 3 {
			if copies := frames / 41249; gaps != copies-1 {
				t.Fatalf("%s replayed with %d gaps, want one per boundary between copies", file, gaps)
			}
			return kib, frames
		}
	}
	t.Fatalf("child printed no RSS:\n%s", out)
	return 0, 0
}
