package backtest

import (
	"fmt"
	"io"

	"github.com/nanotick/nanotick/orderbook"
)

// Prefetching: reading a recording (inflating, splitting lines) and decoding it through
// the venue's feed into applied events do not depend on anything the replay does, so
// they run ahead of the replay, each on a goroutine of its own: inflate, decode and
// replay are three stages of about equal cost, which the Go scheduler spreads over the
// cores there are (on two cores the whole run takes about half its CPU time). Records
// travel in batches through a fixed pool of buffers, a few channel operations per
// batch of hundreds of frames: after the first batches have grown them, nothing is
// allocated, and memory stays bounded by the pool whatever the length of the data. The
// order of the records is untouched, so a prefetched run is identical to a sequential
// one. The replay gets the applied events only, not the frames: the engine takes them
// (engine.OnEventAt) instead of decoding every frame a second time.

const (
	// prefetchBatches is the buffers in the pool: one for each of the three stages and one
	// queued ahead of the slowest. Each batch's buffers are pages the run touches once
	// (about 80 of 4 KiB on spot, a page fault each, some 4-5 µs on a virtual machine), and
	// whichever stage is slowest has its next batch waiting with four as with six: six
	// (two a stage) took about 150 page faults more a run, for no CPU saved.
	prefetchBatches = 4
	batchRecords    = 512       // records per batch, at most
	batchBytes      = 256 << 10 // frame bytes per batch, about
	// firstRecords is the first batch's records, at most: the replay waits for the first
	// batch to be inflated and decoded, so a short one starts it sooner.
	firstRecords = 32
)

type batch struct {
	local []int64
	end   []int // end offset of each frame in data
	data  []byte
	err   error // after the last record of the batch: the reader's final error (io.EOF at the end)
	// Each frame's applied event, and its levels, which end at lvEnd in lv.
	dec   []decoded
	lv    []orderbook.Level
	lvEnd []int
}

// prefetchSource is an eventSource fed by two goroutines: a reader, which inflates and
// splits the recordings into frames, and a decoder, which turns the frames into applied
// events.
type prefetchSource struct {
	r               Records
	dec             *eventDecoder
	free, raw, full chan *batch
	done            chan struct{}
	cur             *batch
	i               int
	malformed       uint64
	finished        bool
	err             error
}

// newPrefetchSource starts reading r ahead, decoding each frame with dec.
func newPrefetchSource(r Records, dec *eventDecoder) *prefetchSource {
	p := &prefetchSource{
		r:    r,
		dec:  dec,
		free: make(chan *batch, prefetchBatches),
		raw:  make(chan *batch, prefetchBatches),
		full: make(chan *batch, prefetchBatches),
		done: make(chan struct{}),
	}
	for i := 0; i < prefetchBatches; i++ {
		p.free <- &batch{
			local: make([]int64, 0, batchRecords),
			end:   make([]int, 0, batchRecords),
			data:  make([]byte, 0, batchBytes+4096),
			dec:   make([]decoded, 0, batchRecords),
			lvEnd: make([]int, 0, batchRecords),
			lv:    make([]orderbook.Level, 0, 8192),
		}
	}
	go p.read(r)
	go p.decode()
	return p
}

// Progress reports the bytes of the recordings read so far (ahead of the replay by what
// is buffered) and their total.
func (p *prefetchSource) Progress() (done, total int64) { return p.r.Progress() }

// read reads records into batches until the reader ends or Close is called, and hands
// each batch to the decoder. It owns r and closes it.
func (p *prefetchSource) read(r Records) {
	defer r.Close()
	var b *batch
	defer func() {
		if v := recover(); v != nil {
			// The reader must not panic; if it does, the replay gets an error.
			p.fail(p.raw, b, fmt.Errorf("backtest: reading data: panic: %v", v))
		}
	}()
	for limit := firstRecords; ; limit = batchRecords {
		select {
		case b = <-p.free:
		case <-p.done:
			return
		}
		b.local, b.end, b.data, b.err = b.local[:0], b.end[:0], b.data[:0], nil
		for len(b.local) < limit && len(b.data) < batchBytes {
			local, frame, err := r.Next()
			if err != nil {
				b.err = err
				break
			}
			b.local = append(b.local, local)
			b.data = append(b.data, frame...)
			b.end = append(b.end, len(b.data))
		}
		if b.err != nil {
			// The count travels with the last batch, so that reading it is ordered
			// after the reader's goroutine wrote it.
			p.malformed = r.Malformed()
		}
		select {
		case p.raw <- b:
		case <-p.done:
			return
		}
		if b.err != nil {
			return
		}
	}
}

// decode turns the frames of each batch the reader hands it into applied events, in
// order, and hands the batch to the replay.
func (p *prefetchSource) decode() {
	var b *batch
	defer func() {
		if v := recover(); v != nil {
			// A feed must not panic; if it does, the replay gets an error.
			p.fail(p.full, b, fmt.Errorf("backtest: decoding data: panic: %v", v))
		}
	}()
	for {
		select {
		case b = <-p.raw:
		case <-p.done:
			return
		}
		b.dec, b.lv, b.lvEnd = b.dec[:0], b.lv[:0], b.lvEnd[:0]
		start := 0
		for i, end := range b.end {
			b.dec = append(b.dec, decoded{})
			b.lv = p.dec.decode(b.data[start:end], b.local[i], &b.dec[i], b.lv)
			b.lvEnd = append(b.lvEnd, len(b.lv))
			start = end
		}
		last := b.err != nil // b is the replay's, and then the reader's, once handed on
		select {
		case p.full <- b:
		case <-p.done:
			return
		}
		if last {
			return
		}
	}
}

// fail hands the next stage, on out, batch b (the one the panicking stage held),
// emptied, ending the data with err.
func (p *prefetchSource) fail(out chan *batch, b *batch, err error) {
	b.local, b.end, b.data = b.local[:0], b.end[:0], b.data[:0]
	b.dec, b.lv, b.lvEnd = b.dec[:0], b.lv[:0], b.lvEnd[:0]
	b.err = err
	select {
	case out <- b:
	case <-p.done:
	}
}

// next returns the next record's applied event, or the reader's final error (io.EOF at
// the end). The frame is always nil: the event is all the replay needs.
func (p *prefetchSource) next() (int64, []byte, *decoded, []orderbook.Level, error) {
	for {
		if p.finished {
			return 0, nil, nil, nil, p.err
		}
		if p.cur != nil && p.i < len(p.cur.dec) {
			b, i := p.cur, p.i
			p.i++
			lvStart := 0
			if i > 0 {
				lvStart = b.lvEnd[i-1]
			}
			return b.local[i], nil, &b.dec[i], b.lv[lvStart:b.lvEnd[i]], nil
		}
		if p.cur != nil {
			if p.cur.err != nil {
				p.finished, p.err = true, p.cur.err
				continue
			}
			p.free <- p.cur // the events of this batch were copied by the caller
		}
		p.cur, p.i = <-p.full, 0
	}
}

// providesTops reports whether every event that changes the book carries its top
// (eventDecoder.tops).
func (p *prefetchSource) providesTops() bool { return p.dec.tops }

// Close stops the reader and decoder goroutines. It is safe to call more than once.
func (p *prefetchSource) Close() {
	select {
	case <-p.done:
	default:
		close(p.done)
	}
}

// Malformed returns the malformed lines skipped; final once Next has returned an error.
func (p *prefetchSource) Malformed() uint64 {
	if !p.finished {
		return 0
	}
	return p.malformed
}

var _ eventSource = (*prefetchSource)(nil)
var _ = io.EOF
