package backtest

import (
	"github.com/nanotick/nanotick/orderbook"
)

// framesPrefetch decodes a Frames' records (the event cache's encoding) on a goroutine
// of its own, ahead of the replay, in batches: a backtest from the cache then decodes
// on the second core while the first runs the exchange, the engine and the strategy.
// The events are the same as framesSource's, in the same order. A sweep does not use
// it: its points already keep every core busy.
//
// The goroutine belongs to the framesPrefetch: it ends after the last record, or when
// Close is called, which waits for it.
type framesPrefetch struct {
	full chan *framesBatch // decoded batches, in order
	free chan *framesBatch // batches the replay is done with
	done chan struct{}     // closed by Close
	exit chan struct{}     // closed by the goroutine as it returns
	cur  *framesBatch      // the batch being replayed
	i    int               // its next record
	err  error             // the error after the last record, once reached
	// total is the bytes of records, for Progress; cur.pos is how far the batches
	// replayed so far reach.
	total int64
}

// framesBatchLen is the records in one batch: enough that handing a batch over costs
// nothing per record. The goroutine decodes faster than the replay replays, so it
// fills the pool and waits for a batch at every batch: each wait parks it and wakes it
// again, which costs both goroutines scheduler work, so the fewer the better.
// framesFirstLen is the first batch's, so that the replay starts at once.
const (
	framesBatchLen = 1024
	framesFirstLen = 64
	// framesBatchLevels is the levels a batch has room for before it grows: USD-M's
	// records carry 4.7 levels on average, their depth updates about 70.
	framesBatchLevels = 16 << 10
)

// framesBatch is up to framesBatchLen decoded records: record i's levels are
// lv[lvEnd[i-1]:lvEnd[i]].
type framesBatch struct {
	local [framesBatchLen]int64
	d     [framesBatchLen]decoded
	lvEnd [framesBatchLen]int32
	lv    []orderbook.Level
	n     int
	err   error // the source's error after the n records (io.EOF at the end), or nil
	pos   int64 // bytes of records read up to the batch's last
}

// newFramesPrefetch starts decoding src's records ahead. Close must be called.
func newFramesPrefetch(src *framesSource) *framesPrefetch {
	const batches = 4
	p := &framesPrefetch{
		full: make(chan *framesBatch, batches), free: make(chan *framesBatch, batches),
		done: make(chan struct{}), exit: make(chan struct{}), total: int64(len(src.f.body)),
	}
	for range batches {
		// Room for the levels of most batches at once: grown by appending, a batch's
		// levels would leave a trail of outgrown arrays, each page of them written
		// once (a page fault) and dropped. Pages of the room never used are never
		// touched.
		p.free <- &framesBatch{lv: make([]orderbook.Level, 0, framesBatchLevels)}
	}
	go p.decode(src)
	return p
}

// decode is the goroutine: it fills free batches from src and hands them over, until
// src ends or Close.
func (p *framesPrefetch) decode(src *framesSource) {
	defer close(p.exit)
	first := true
	for {
		var b *framesBatch
		select {
		case b = <-p.free:
		case <-p.done:
			return
		}
		b.n, b.lv, b.err = 0, b.lv[:0], nil
		n := framesBatchLen
		if first {
			n, first = framesFirstLen, false
		}
		for b.n < n {
			local, lv, err := src.nextInto(&b.d[b.n], b.lv)
			b.lv = lv
			if err != nil {
				b.err = err
				break
			}
			b.local[b.n] = local
			b.lvEnd[b.n] = int32(len(b.lv))
			b.n++
		}
		b.pos = int64(src.pos)
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

// providesTops reports that every event that changes the book carries its top, as
// the records keep it (framesSource).
func (p *framesPrefetch) providesTops() bool { return true }

func (p *framesPrefetch) next() (int64, []byte, *decoded, []orderbook.Level, error) {
	if p.err != nil {
		return 0, nil, nil, nil, p.err
	}
	if p.cur == nil || p.i == p.cur.n {
		if p.cur != nil {
			if p.cur.err != nil {
				p.err = p.cur.err
				return 0, nil, nil, nil, p.err
			}
			p.free <- p.cur // the records handed out before are no longer used
		}
		p.cur, p.i = <-p.full, 0
		if p.cur.n == 0 {
			p.err = p.cur.err
			return 0, nil, nil, nil, p.err
		}
	}
	b, i := p.cur, p.i
	p.i++
	from := int32(0)
	if i > 0 {
		from = b.lvEnd[i-1]
	}
	return b.local[i], nil, &b.d[i], b.lv[from:b.lvEnd[i]], nil
}

// Progress reports the bytes of records decoded up to the batch being replayed, and
// their total.
func (p *framesPrefetch) Progress() (done, total int64) {
	if p.cur == nil {
		return 0, p.total
	}
	return p.cur.pos, p.total
}

// Close stops the goroutine and waits for it to return.
func (p *framesPrefetch) Close() {
	select {
	case <-p.done:
	default:
		close(p.done)
	}
	<-p.exit
}
