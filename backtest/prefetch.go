package backtest

import (
	"fmt"
	"io"

	"github.com/nanotick/nanotick/orderbook"
)

// Prefetching: decompressing a recording is a third of a backtest's CPU time, and it
// does not depend on anything the replay does, so a second goroutine can do it ahead
// of the replay on another core. Records travel in batches through a fixed pool of
// buffers: after the first batches have grown them, nothing is allocated, and memory
// stays bounded by the pool whatever the length of the data. The order of the records
// is untouched, so a prefetched run is identical to a sequential one.

const (
	prefetchBatches = 4         // buffers in the pool
	batchRecords    = 512       // records per batch, at most
	batchBytes      = 256 << 10 // frame bytes per batch, about
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

// prefetchSource is an eventSource fed by a reader goroutine, which also decodes.
type prefetchSource struct {
	r          Records
	dec        *eventDecoder
	full, free chan *batch
	done       chan struct{}
	cur        *batch
	i          int
	malformed  uint64
	finished   bool
	err        error
}

// newPrefetchSource starts reading r ahead, decoding each frame with dec.
func newPrefetchSource(r Records, dec *eventDecoder) *prefetchSource {
	p := &prefetchSource{
		r:    r,
		dec:  dec,
		full: make(chan *batch, prefetchBatches),
		free: make(chan *batch, prefetchBatches),
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
	go p.produce(r)
	return p
}

// Progress reports the bytes of the recordings read so far (ahead of the replay by what
// is buffered) and their total.
func (p *prefetchSource) Progress() (done, total int64) { return p.r.Progress() }

// produce reads records into batches until the reader ends or Close is called. It
// owns r and closes it.
func (p *prefetchSource) produce(r Records) {
	defer r.Close()
	defer func() {
		if v := recover(); v != nil {
			// The reader must not panic; if it does, the replay gets an error.
			select {
			case b := <-p.free:
				b.local, b.end, b.data = b.local[:0], b.end[:0], b.data[:0]
				b.err = fmt.Errorf("backtest: reading data: panic: %v", v)
				p.full <- b
			case <-p.done:
			}
		}
	}()
	for {
		var b *batch
		select {
		case b = <-p.free:
		case <-p.done:
			return
		}
		b.local, b.end, b.data, b.err = b.local[:0], b.end[:0], b.data[:0], nil
		b.dec, b.lv, b.lvEnd = b.dec[:0], b.lv[:0], b.lvEnd[:0]
		for len(b.local) < batchRecords && len(b.data) < batchBytes {
			local, frame, err := r.Next()
			if err != nil {
				b.err = err
				break
			}
			b.local = append(b.local, local)
			b.data = append(b.data, frame...)
			b.end = append(b.end, len(b.data))
			b.dec = append(b.dec, decoded{})
			b.lv = p.dec.decode(frame, local, &b.dec[len(b.dec)-1], b.lv)
			b.lvEnd = append(b.lvEnd, len(b.lv))
		}
		if b.err != nil {
			// The count travels with the last batch, so that reading it is ordered
			// after the reader's goroutine wrote it.
			p.malformed = r.Malformed()
		}
		select {
		case p.full <- b:
		case <-p.done:
			return
		}
		if b.err != nil {
			return
		}
	}
}

// next returns the next record, or the reader's final error (io.EOF at the end).
func (p *prefetchSource) next() (int64, []byte, *decoded, []orderbook.Level, error) {
	for {
		if p.finished {
			return 0, nil, nil, nil, p.err
		}
		if p.cur != nil && p.i < len(p.cur.local) {
			b, i := p.cur, p.i
			p.i++
			start, lvStart := 0, 0
			if i > 0 {
				start, lvStart = b.end[i-1], b.lvEnd[i-1]
			}
			return b.local[i], b.data[start:b.end[i]], &b.dec[i], b.lv[lvStart:b.lvEnd[i]], nil
		}
		if p.cur != nil {
			if p.cur.err != nil {
				p.finished, p.err = true, p.cur.err
				continue
			}
			p.free <- p.cur // the frames of this batch were copied by the caller
		}
		p.cur, p.i = <-p.full, 0
	}
}

// Close stops the reader goroutine. It is safe to call more than once.
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
