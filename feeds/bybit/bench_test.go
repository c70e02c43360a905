package bybit

import (
	"encoding/json"
	"fmt"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/nanotick/nanotick/feeds/internal/resub"
	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/orderbook"
)

// benchFrames returns a depth-50 feed synced to a snapshot and a cycle of
// deltas of the shape Bybit documents (linear BTCUSDT, 2 to 20 levels each),
// with the u and seq to rewind to when the cycle starts again.
func benchFrames(b testing.TB) (f *Feed, deltas [][]byte, rewind func()) {
	f = newTestFeed(b, 50)
	m := newMarket(50, 42)
	if _, err := f.Handle(m.snapshot(), 1); err != nil {
		b.Fatal(err)
	}
	deltas = make([][]byte, 256)
	for i := range deltas {
		deltas[i] = m.delta()
	}
	u, seq := f.last, f.seq
	return f, deltas, func() { f.last, f.seq = u, seq }
}

// tradeFrame is a publicTrade message of five trades, as Bybit documents one.
var tradeFrame = []byte(`{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1672304486868,"data":[` +
	`{"T":1672304486865,"s":"BTCUSDT","S":"Buy","v":"0.001","p":"16578.50","L":"PlusTick","i":"20f43950-d8dd-5b31-9112-a178eb6023af","BT":false,"seq":1783284617},` +
	`{"T":1672304486865,"s":"BTCUSDT","S":"Buy","v":"0.120","p":"16578.60","L":"PlusTick","i":"20f43950-d8dd-5b31-9112-a178eb6023b0","BT":false,"seq":1783284617},` +
	`{"T":1672304486866,"s":"BTCUSDT","S":"Sell","v":"0.004","p":"16578.40","L":"MinusTick","i":"20f43950-d8dd-5b31-9112-a178eb6023b1","BT":false,"seq":1783284618},` +
	`{"T":1672304486866,"s":"BTCUSDT","S":"Sell","v":"1.250","p":"16578.30","L":"MinusTick","i":"20f43950-d8dd-5b31-9112-a178eb6023b2","BT":false,"seq":1783284618},` +
	`{"T":1672304486867,"s":"BTCUSDT","S":"Buy","v":"0.033","p":"16578.50","L":"PlusTick","i":"20f43950-d8dd-5b31-9112-a178eb6023b3","BT":false,"seq":1783284619}]}`)

// stdBook is the orderbook message as encoding/json reads it.
type stdBook struct {
	Topic string `json:"topic"`
	Type  string `json:"type"`
	Ts    int64  `json:"ts"`
	Cts   int64  `json:"cts"`
	Data  struct {
		S   string      `json:"s"`
		B   [][2]string `json:"b"`
		A   [][2]string `json:"a"`
		U   int64       `json:"u"`
		Seq int64       `json:"seq"`
	} `json:"data"`
}

// stdTrades is the publicTrade message as encoding/json reads it.
type stdTrades struct {
	Topic string `json:"topic"`
	Type  string `json:"type"`
	Ts    int64  `json:"ts"`
	Data  []struct {
		T   int64  `json:"T"`
		S   string `json:"s"`
		Sd  string `json:"S"`
		V   string `json:"v"`
		P   string `json:"p"`
		L   string `json:"L"`
		I   string `json:"i"`
		BT  bool   `json:"BT"`
		Seq int64  `json:"seq"`
	} `json:"data"`
}

// stdApply is the encoding/json peer of Feed.Handle for a delta: decode,
// check the sequence, parse the decimals into the same fixed point and apply
// them to a book with the same truncation, so that the two differ only in
// how they read the frame.
type stdApply struct {
	book   *orderbook.Book
	msg    stdBook
	last   int64
	seq    int64
	levels []orderbook.Level
}

func (s *stdApply) handle(frame []byte) error {
	s.msg = stdBook{}
	if err := json.Unmarshal(frame, &s.msg); err != nil {
		return err
	}
	d := &s.msg.Data
	if d.U != s.last+1 || d.Seq < s.seq {
		return fmt.Errorf("gap")
	}
	for side, ls := range [2][][2]string{d.B, d.A} {
		for _, l := range ls {
			p, err := fixed.Scale(2).ParseString(l[0])
			if err != nil {
				return err
			}
			q, err := fixed.Scale(3).ParseString(l[1])
			if err != nil {
				return err
			}
			s.book.Set(orderbook.Side(side), p, q)
		}
		resub.Truncate(s.book, orderbook.Side(side), 50)
	}
	s.last, s.seq = d.U, d.Seq
	return nil
}

// BenchmarkDecodeApply is the hot path per message, decode and apply, for
// this package and for encoding/json on the same frames. Run the sub-
// benchmarks alternately (-count) or read BenchmarkVsJSON for the ratio.
func BenchmarkDecodeApply(b *testing.B) {
	b.Run("nanotick", func(b *testing.B) {
		f, deltas, rewind := benchFrames(b)
		i := 0
		loop(b, func() {
			if i == len(deltas) {
				i = 0
				rewind()
			}
			if _, err := f.Handle(deltas[i], 1); err != nil {
				b.Fatal(err)
			}
			i++
		})
	})
	b.Run("encoding_json", func(b *testing.B) {
		f, deltas, _ := benchFrames(b)
		s := &stdApply{book: f.Book(), last: f.last, seq: f.seq}
		u, seq := s.last, s.seq
		i := 0
		loop(b, func() {
			if i == len(deltas) {
				i, s.last, s.seq = 0, u, seq
			}
			if err := s.handle(deltas[i]); err != nil {
				b.Fatal(err)
			}
			i++
		})
	})
}

// BenchmarkVsJSON runs this package and encoding/json over the same frames
// in alternating chunks of one run and reports each one's median time per
// message and the ratio of the medians (x-json: how many times faster this
// package is), for deltas and for publicTrade messages. The issue asks for
// at least 5.
func BenchmarkVsJSON(b *testing.B) {
	b.Run("delta", func(b *testing.B) {
		f, deltas, rewind := benchFrames(b)
		g, _, _ := benchFrames(b)
		s := &stdApply{book: g.Book(), last: g.last, seq: g.seq}
		u, seq := s.last, s.seq
		ours := func() {
			rewind()
			for _, d := range deltas {
				if _, err := f.Handle(d, 1); err != nil {
					b.Fatal(err)
				}
			}
		}
		theirs := func() {
			s.last, s.seq = u, seq
			for _, d := range deltas {
				if err := s.handle(d); err != nil {
					b.Fatal(err)
				}
			}
		}
		versus(b, len(deltas), ours, theirs)
	})
	b.Run("trade", func(b *testing.B) {
		f := newTestFeed(b, 50)
		var st stdTrades
		const n = 64
		ours := func() {
			for range n {
				if ev, err := f.Handle(tradeFrame, 1); ev != EventTrade || err != nil {
					b.Fatal(ev, err)
				}
			}
		}
		theirs := func() {
			for range n {
				st = stdTrades{}
				if err := json.Unmarshal(tradeFrame, &st); err != nil {
					b.Fatal(err)
				}
				for _, t := range st.Data {
					if _, err := fixed.Scale(2).ParseString(t.P); err != nil {
						b.Fatal(err)
					}
					if _, err := fixed.Scale(3).ParseString(t.V); err != nil {
						b.Fatal(err)
					}
				}
			}
		}
		versus(b, n, ours, theirs)
	})
}

// versus times ours and theirs, n messages each, alternately once per
// iteration and reports the medians per message and their ratio.
func versus(b *testing.B, n int, ours, theirs func()) {
	b.ReportAllocs()
	var a, c []float64
	for b.Loop() {
		t0 := time.Now()
		ours()
		t1 := time.Now()
		theirs()
		t2 := time.Now()
		a = append(a, float64(t1.Sub(t0))/float64(n))
		c = append(c, float64(t2.Sub(t1))/float64(n))
	}
	ma, mc := median(a), median(c)
	b.ReportMetric(ma, "ns/msg")
	b.ReportMetric(mc, "json-ns/msg")
	b.ReportMetric(mc/ma, "x-json")
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	slices.Sort(v)
	return v[len(v)/2]
}

// cpuClock reports the process's CPU time, user and system, in
// nanoseconds: on a shared machine wall time counts the moments another
// process holds the core, CPU time does not.
func cpuClock() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// loop runs body under b.Loop and reports cpu-ns/op.
func loop(b *testing.B, body func()) {
	b.ReportAllocs()
	start, n := cpuClock(), 0
	for b.Loop() {
		body()
		n++
	}
	if n > 0 {
		b.ReportMetric(float64(cpuClock()-start)/float64(n), "cpu-ns/op")
	}
}
