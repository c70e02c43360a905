package backtest

import (
	"errors"
	"fmt"
	"io"

	"github.com/nanotick/nanotick/feeds/recording"
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
	// With a predecoder: each frame decoded for the exchange, and its levels, which
	// end at lvEnd in lv.
	dec   []decoded
	lv    []orderbook.Level
	lvEnd []int
}

// prefetchSource is a Source fed by a reader goroutine.
type prefetchSource struct {
	r          *recording.Reader
	pre        *predecoder // nil: frames only
	full, free chan *batch
	done       chan struct{}
	cur        *batch
	i          int
	malformed  uint64
	finished   bool
	err        error
}

// newPrefetchSource starts reading r ahead. With a predecoder, it also decodes each
// frame for the exchange (see predecodedSource).
func newPrefetchSource(r *recording.Reader, pre *predecoder) *prefetchSource {
	p := &prefetchSource{
		r:    r,
		pre:  pre,
		full: make(chan *batch, prefetchBatches),
		free: make(chan *batch, prefetchBatches),
		done: make(chan struct{}),
	}
	for i := 0; i < prefetchBatches; i++ {
		b := &batch{
			local: make([]int64, 0, batchRecords),
			end:   make([]int, 0, batchRecords),
			data:  make([]byte, 0, batchBytes+4096),
		}
		if pre != nil {
			b.dec = make([]decoded, 0, batchRecords)
			b.lvEnd = make([]int, 0, batchRecords)
			b.lv = make([]orderbook.Level, 0, 8192)
		}
		p.free <- b
	}
	go p.produce(r)
	return p
}

// Progress reports the bytes of the recordings read so far (ahead of the replay by what
// is buffered) and their total.
func (p *prefetchSource) Progress() (done, total int64) { return p.r.Progress() }

// produce reads records into batches until the reader ends or Close is called. It
// owns r and closes it.
func (p *prefetchSource) produce(r *recording.Reader) {
	defer r.Close()
	var malformed uint64
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
			rec, err := r.Next()
			if errors.Is(err, recording.ErrMalformed) {
				malformed++
				continue
			}
			if err != nil {
				b.err = err
				break
			}
			b.local = append(b.local, rec.Local)
			b.data = append(b.data, rec.Frame...)
			b.end = append(b.end, len(b.data))
			if p.pre != nil {
				b.dec = append(b.dec, decoded{})
				b.lv = p.pre.decode(rec.Frame, &b.dec[len(b.dec)-1], b.lv)
				b.lvEnd = append(b.lvEnd, len(b.lv))
			}
		}
		if b.err != nil {
			// The count travels with the last batch, so that reading it is ordered
			// after the reader's goroutine wrote it.
			p.malformed = malformed
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

// Next returns the next record, or the reader's final error (io.EOF at the end).
func (p *prefetchSource) Next() (int64, []byte, error) {
	for {
		if p.finished {
			return 0, nil, p.err
		}
		if p.cur != nil && p.i < len(p.cur.local) {
			b, i := p.cur, p.i
			p.i++
			start := 0
			if i > 0 {
				start = b.end[i-1]
			}
			return b.local[i], b.data[start:b.end[i]], nil
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

func (p *prefetchSource) decodes() bool { return p.pre != nil }

// lastDecoded returns the exchange's event of the frame Next last returned.
func (p *prefetchSource) lastDecoded() (*decoded, []orderbook.Level) {
	b, i := p.cur, p.i-1
	start := 0
	if i > 0 {
		start = b.lvEnd[i-1]
	}
	return &b.dec[i], b.lv[start:b.lvEnd[i]]
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

var _ Source = (*prefetchSource)(nil)
var _ = io.EOF
