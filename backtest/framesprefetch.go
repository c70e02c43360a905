package backtest

import (
	"time"

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
	// st, if set, stamps each event's times on the goroutine, as replay.read would
	// (see newStampingPrefetch); the goroutine owns it until it hands over the last
	// batch.
	st *stamper
}

// frameStamps is how a run stamps its frames' times (replay.read): its exchange time,
// time-jump bound (MaxTimeJump), feed latency cap (MaxFeedLatency) and whole-data
// clock offset, all with their defaults applied.
type frameStamps struct {
	et       ExchangeTime
	bound    int64
	maxFeed  int64
	whole    int64
	hasWhole bool
}

// stampsOf returns how a run of cfg stamps instrument i's frames, as newReplay and
// newLanes set it up.
func stampsOf(cfg *Config, i int) frameStamps {
	fs := frameStamps{et: cfg.ExchangeTime, bound: int64(cfg.MaxTimeJump), maxFeed: int64(cfg.MaxFeedLatency)}
	if fs.bound <= 0 {
		fs.bound = int64(DefaultMaxTimeJump)
	}
	if fs.maxFeed <= 0 {
		fs.maxFeed = int64(time.Second)
	}
	if cfg.hasWholeOffset {
		fs.whole, fs.hasWhole = cfg.wholeOffset, true
		if i < len(cfg.wholeOffsets) {
			fs.whole = cfg.wholeOffsets[i]
		}
	}
	return fs
}

// stamper is the replay's reading of one instrument's times, done on a
// framesPrefetch's goroutine: the clock guard, the clamp of times going backwards,
// the feed clock, and their counts.
type stamper struct {
	frameStamps
	guard     clockGuard // its decisions only: no source
	readAny   bool
	lastLocal int64
	lane      laneClock
	feed      feedStats
}

// stamp returns the receive and exchange times of the event d received at local,
// the next record's receive time being peek's (ok false: none), as the clock guard
// and replay.read would give them.
func (st *stamper) stamp(local int64, d *decoded, peek func() (int64, bool)) (int64, int64) {
	if !st.guard.passes(local) {
		next, ok := peek()
		local = st.guard.leap(local, next, ok)
	}
	if st.readAny && local < st.lastLocal {
		st.feed.backwards++
		local = st.lastLocal
	}
	st.readAny, st.lastLocal = true, local
	return local, st.lane.stamp(&st.feed, d, local, st.et, st.bound, st.maxFeed)
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
	// With a stamper, each record's guarded receive time and its exchange time.
	slocal [framesBatchLen]int64
	exch   [framesBatchLen]int64
	d      [framesBatchLen]decoded
	lvEnd  [framesBatchLen]int32
	lv     []orderbook.Level
	n      int
	err    error // the source's error after the n records (io.EOF at the end), or nil
	pos    int64 // bytes of records read up to the batch's last
}

// newFramesPrefetch starts decoding src's records ahead. Close must be called.
func newFramesPrefetch(src *framesSource) *framesPrefetch {
	return newStampingPrefetch(src, nil)
}

// newStampingPrefetch is newFramesPrefetch that, with fs, also stamps each event's
// receive and exchange times on its goroutine as a run reading only these events
// would (replay.read over the clock guard): that run's replay then takes them as
// they are (nextStamped), and its goroutine, the backtest's critical path, is spared
// the work.
func newStampingPrefetch(src *framesSource, fs *frameStamps) *framesPrefetch {
	const batches = 4
	p := &framesPrefetch{
		full: make(chan *framesBatch, batches), free: make(chan *framesBatch, batches),
		done: make(chan struct{}), exit: make(chan struct{}), total: int64(len(src.f.body)),
	}
	if fs != nil {
		p.st = &stamper{frameStamps: *fs, guard: clockGuard{bound: fs.bound}}
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
			if st := p.st; st != nil {
				b.slocal[b.n], b.exch[b.n] = st.stamp(local, &b.d[b.n], src.peekLocal)
			}
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
	b, i, err := p.advance()
	if err != nil {
		return 0, nil, nil, nil, err
	}
	return b.local[i], nil, &b.d[i], b.levels(i), nil
}

// nextStamped returns the next event with its receive and exchange times as the
// stamper gave them; only for a framesPrefetch made with stamps.
func (p *framesPrefetch) nextStamped() (local, exch int64, d *decoded, lv []orderbook.Level, err error) {
	b, i, err := p.advance()
	if err != nil {
		return 0, 0, nil, nil, err
	}
	return b.slocal[i], b.exch[i], &b.d[i], b.levels(i), nil
}

// advance moves to the next record: its batch and index there.
func (p *framesPrefetch) advance() (*framesBatch, int, error) {
	if p.err != nil {
		return nil, 0, p.err
	}
	if p.cur == nil || p.i == p.cur.n {
		if p.cur != nil {
			if p.cur.err != nil {
				p.err = p.cur.err
				return nil, 0, p.err
			}
			p.free <- p.cur // the records handed out before are no longer used
		}
		p.cur, p.i = <-p.full, 0
		if p.cur.n == 0 {
			p.err = p.cur.err
			return nil, 0, p.err
		}
	}
	i := p.i
	p.i++
	return p.cur, i, nil
}

// levels returns record i's levels.
func (b *framesBatch) levels(i int) []orderbook.Level {
	from := int32(0)
	if i > 0 {
		from = b.lvEnd[i-1]
	}
	return b.lv[from:b.lvEnd[i]]
}

// stamped returns the stamper's state once nextStamped has returned the end of the
// data (the goroutine handed it over with the last batch): what the replay's reading
// would have counted and set.
func (p *framesPrefetch) stamped() *stamper { return p.st }

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
