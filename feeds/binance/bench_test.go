package binance

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/internal/testdata"
	"github.com/nanotick/nanotick/orderbook"
)

// replay holds one recording split the way the benchmarks and allocation
// tests need it: the frames up to and including the snapshot (enough to
// bring a Sync to Live), the depth frames after it, and trade and
// bookTicker frames.
type replay struct {
	recs    []record
	prefix  []record // depth frames and the snapshot, up to the snapshot
	depth   []record // depth frames after the snapshot, in order
	trades  []record
	tickers []record
}

func splitRecording(tb testing.TB, name string, inst Instrument) *replay {
	tb.Helper()
	r := &replay{recs: loadRecording(tb, name)}
	dec, err := NewDecoder(inst)
	if err != nil {
		tb.Fatal(err)
	}
	seenSnapshot := false
	for _, rec := range r.recs {
		ev, err := dec.Decode(rec.frame)
		if err != nil {
			tb.Fatalf("%s:%d: %v", name, rec.line, err)
		}
		switch ev.Kind {
		case KindDepth:
			if seenSnapshot {
				r.depth = append(r.depth, rec)
			} else {
				r.prefix = append(r.prefix, rec)
			}
		case KindSnapshot:
			r.prefix = append(r.prefix, rec)
			seenSnapshot = true
		case KindTrade:
			r.trades = append(r.trades, rec)
		case KindBookTicker:
			r.tickers = append(r.tickers, rec)
		}
	}
	return r
}

// restart brings f back to Live at the snapshot, as at the start of the
// recording.
func (r *replay) restart(tb testing.TB, f *Feed) {
	f.Sync().Reset()
	for _, rec := range r.prefix {
		if _, err := f.Handle(rec.frame, rec.local); err != nil {
			tb.Fatal(err)
		}
	}
	if s := f.Sync().State(); s != Live {
		tb.Fatalf("state %v after the snapshot, want live", s)
	}
}

// cpuClock accumulates the CPU time of the calling thread over the timed
// parts of a benchmark and reports it per op as cpu-ns/op. On a machine
// shared with other work, wall-clock ns/op includes waiting for a core; CPU
// time does not. (It misses work on other threads: the garbage collection
// of the encoding/json peer, which allocates.)
type cpuClock struct {
	t     testdata.CPUTimer
	total time.Duration
	ok    bool
}

func (c *cpuClock) start() { c.t = testdata.StartCPUTimer() }

func (c *cpuClock) stop() {
	d, ok := c.t.Stop()
	c.total += d
	c.ok = ok
}

func (c *cpuClock) report(b *testing.B) {
	if c.ok && b.N > 0 {
		b.ReportMetric(float64(c.total.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

func newSpotFeed(tb testing.TB) *Feed {
	f, err := NewFeed(Spot, spotBTC, orderbook.New(2048), SyncConfig{})
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

// BenchmarkDepth times decoding one real spot depth frame and applying it to
// the book (about 1.3 KB and 25 levels). Every iteration applies the next
// frame of the recording in sequence; at the end of the recording the feed
// is brought back to the snapshot outside the timer.
func BenchmarkDepth(b *testing.B) {
	r := splitRecording(b, spotFile, spotBTC)
	f := newSpotFeed(b)
	r.restart(b, f)
	var bytes int
	for _, rec := range r.depth {
		bytes += len(rec.frame)
	}
	b.SetBytes(int64(bytes / len(r.depth)))
	applied := f.Sync().Counters().Applied
	b.ReportAllocs()
	b.ResetTimer()
	var cpu cpuClock
	cpu.start()
	for i := 0; i < b.N; i++ {
		k := i % len(r.depth)
		if k == 0 && i > 0 {
			b.StopTimer()
			cpu.stop()
			applied -= f.Sync().Counters().Applied
			r.restart(b, f)
			applied += f.Sync().Counters().Applied
			cpu.start()
			b.StartTimer()
		}
		if _, err := f.Handle(r.depth[k].frame, r.depth[k].local); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	cpu.stop()
	cpu.report(b)
	if got := f.Sync().Counters().Applied - applied; got != uint64(b.N) {
		b.Fatalf("applied %d of %d depth frames", got, b.N)
	}
}

// BenchmarkDepthApply times the other half of BenchmarkDepth: the sync
// checks and the book updates of one depth event, decoded beforehand.
func BenchmarkDepthApply(b *testing.B) {
	r := splitRecording(b, spotFile, spotBTC)
	dec, _ := NewDecoder(spotBTC)
	ups := make([]DepthUpdate, len(r.depth))
	for k, rec := range r.depth {
		ev, err := dec.Decode(rec.frame)
		if err != nil {
			b.Fatal(err)
		}
		ups[k] = ev.Depth
		ups[k].Bids = slices.Clone(ev.Depth.Bids)
		ups[k].Asks = slices.Clone(ev.Depth.Asks)
	}
	f := newSpotFeed(b)
	r.restart(b, f)
	s := f.Sync()
	applied := s.Counters().Applied
	b.ReportAllocs()
	b.ResetTimer()
	var cpu cpuClock
	cpu.start()
	for i := 0; i < b.N; i++ {
		k := i % len(ups)
		if k == 0 && i > 0 {
			b.StopTimer()
			cpu.stop()
			applied -= s.Counters().Applied
			r.restart(b, f)
			applied += s.Counters().Applied
			cpu.start()
			b.StartTimer()
		}
		if err := s.OnDepth(&ups[k], r.depth[k].local); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	cpu.stop()
	cpu.report(b)
	if got := s.Counters().Applied - applied; got != uint64(b.N) {
		b.Fatalf("applied %d of %d depth events", got, b.N)
	}
}

// BenchmarkDepthDecode times decoding alone, the like-for-like peer of
// BenchmarkDepthEncodingJSON.
func BenchmarkDepthDecode(b *testing.B) {
	r := splitRecording(b, spotFile, spotBTC)
	dec, _ := NewDecoder(spotBTC)
	b.ReportAllocs()
	b.ResetTimer()
	levels := 0
	var cpu cpuClock
	cpu.start()
	for i := 0; i < b.N; i++ {
		ev, err := dec.Decode(r.depth[i%len(r.depth)].frame)
		if err != nil {
			b.Fatal(err)
		}
		levels += len(ev.Depth.Bids) + len(ev.Depth.Asks)
	}
	cpu.stop()
	cpu.report(b)
	b.ReportMetric(float64(levels)/float64(b.N), "levels/op")
}

// jsonDepth is the depth frame as encoding/json sees it.
type jsonDepth struct {
	Stream string `json:"stream"`
	Data   struct {
		Type      string      `json:"e"`
		EventTime int64       `json:"E"`
		Symbol    string      `json:"s"`
		First     uint64      `json:"U"`
		Final     uint64      `json:"u"`
		Bids      [][2]string `json:"b"`
		Asks      [][2]string `json:"a"`
	} `json:"data"`
}

// BenchmarkDepthEncodingJSON is the same decode with encoding/json into a
// struct, plus the conversion of its strings to fixed-point that our decoder
// does in the same pass, so that both produce the same numbers.
func BenchmarkDepthEncodingJSON(b *testing.B) {
	r := splitRecording(b, spotFile, spotBTC)
	var v jsonDepth
	var out []orderbook.Level
	b.ReportAllocs()
	b.ResetTimer()
	var cpu cpuClock
	cpu.start()
	for i := 0; i < b.N; i++ {
		v.Data.Bids, v.Data.Asks = v.Data.Bids[:0], v.Data.Asks[:0]
		if err := json.Unmarshal(r.depth[i%len(r.depth)].frame, &v); err != nil {
			b.Fatal(err)
		}
		out = out[:0]
		for _, side := range [][][2]string{v.Data.Bids, v.Data.Asks} {
			for _, l := range side {
				p, err1 := fixed.Scale(8).ParseString(l[0])
				q, err2 := fixed.Scale(8).ParseString(l[1])
				if err1 != nil || err2 != nil {
					b.Fatal(err1, err2)
				}
				out = append(out, orderbook.Level{Price: p, Qty: q})
			}
		}
	}
	cpu.stop()
	cpu.report(b)
}

func benchFrames(b *testing.B, frames []record) {
	f := newSpotFeed(b)
	var n int
	for _, rec := range frames {
		n += len(rec.frame)
	}
	b.SetBytes(int64(n / len(frames)))
	b.ReportAllocs()
	b.ResetTimer()
	var cpu cpuClock
	cpu.start()
	for i := 0; i < b.N; i++ {
		rec := frames[i%len(frames)]
		if _, err := f.Handle(rec.frame, rec.local); err != nil {
			b.Fatal(err)
		}
	}
	cpu.stop()
	cpu.report(b)
}

// BenchmarkTrade times decoding one real spot trade frame through a Feed.
func BenchmarkTrade(b *testing.B) {
	benchFrames(b, splitRecording(b, spotFile, spotBTC).trades)
}

// BenchmarkBookTicker times decoding one real spot bookTicker frame.
func BenchmarkBookTicker(b *testing.B) {
	benchFrames(b, splitRecording(b, spotFile, spotBTC).tickers)
}

// BenchmarkFile times a whole pass over the spot recording from its
// compressed bytes in memory: gunzip, split lines, parse the local time,
// decode, sync and apply. One op is the whole file.
func BenchmarkFile(b *testing.B) {
	gz, err := os.ReadFile(testdata.SharedData(b, spotFile))
	if err != nil {
		b.Fatal(err)
	}
	f := newSpotFeed(b)
	zr := new(gzip.Reader)
	br := bufio.NewReaderSize(nil, 1<<20)
	src := bytes.NewReader(gz)
	frames := 0
	b.SetBytes(int64(len(gz)))
	b.ReportAllocs()
	b.ResetTimer()
	var cpu cpuClock
	cpu.start()
	for i := 0; i < b.N; i++ {
		f.Sync().Reset()
		src.Reset(gz)
		if err := zr.Reset(src); err != nil {
			b.Fatal(err)
		}
		br.Reset(zr)
		frames = 0
		for {
			line, err := br.ReadSlice('\n')
			if err == io.EOF && len(line) == 0 {
				break
			}
			if err != nil && err != io.EOF {
				b.Fatal(err)
			}
			line = bytes.TrimSuffix(line, []byte{'\n'})
			sp := bytes.IndexByte(line, ' ')
			local, _, perr := intValue(line, 0)
			if perr != nil || sp < 0 {
				b.Fatal("bad local time", perr)
			}
			if _, err := f.Handle(line[sp+1:], local); err != nil {
				b.Fatal(err)
			}
			frames++
		}
	}
	b.StopTimer()
	cpu.stop()
	cpu.report(b)
	if c := f.Counters(); c.Gaps != 0 || c.Applied == 0 {
		b.Fatalf("counters %+v", c)
	}
	b.ReportMetric(float64(frames)*float64(b.N)/b.Elapsed().Seconds(), "frames/s")
}
