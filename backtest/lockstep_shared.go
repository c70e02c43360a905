package backtest

import (
	"fmt"
	"slices"
	"sync"

	"github.com/nanotick/nanotick/orderbook"
)

// A sweep runs its points in several lockstep groups, one per core, and each group
// would read the frames for itself (lockReader): decode every record, guard its
// receive time, stamp its exchange time, order the two sides. A SharedReading does
// that once for all the groups, on a goroutine of its own, and hands each group the
// same events in batches. A batch is recycled once every group has moved past it, and
// the reading stays at most sharedWindow batches ahead of the slowest group, so memory
// is bounded whatever the length of the data.

const (
	sharedBatch  = 1024 // events per batch
	sharedWindow = 8    // batches read ahead of the slowest group, at most
)

// SharedReading reads Frames once for several lockstep groups (RunSharedLockstep),
// each a consumer of its own. Close it when the groups are done.
type SharedReading struct {
	f   *Frames
	key readingKey

	mu    sync.Mutex
	cond  sync.Cond
	queue []*entryBatch // the batches not yet recycled; queue[0] is batch number base
	base  int
	made  int    // batches published
	pos   []int  // each consumer's batch, by number
	on    []bool // whether each consumer still reads
	taken int    // consumers handed out
	free  []*entryBatch
	over  bool // the last batch is published (or the reading was closed)
	done  chan struct{}

	// Set before the first batch is published, and read after it.
	firstOne slot
	// Set before the last batch is published, and read after it: the reader's figures.
	fin *lockReader
}

// entryBatch is a run of events: each with its frame, whose levels are at lvOff in lv;
// marks are where the reading's progress was reported; err ends the data after the
// events.
type entryBatch struct {
	entries []sharedEntry
	lv      []orderbook.Level
	marks   []progressMark
	last    bool
	err     error
}

type sharedEntry struct {
	kind int
	t    int64
	s    slot
}

type progressMark struct {
	at          int // the entry before which it was reported
	done, total int64
}

// NewSharedReading starts reading f for consumers groups of runs that read it as cfg
// does (its exchange time, feed latency cap, time-jump bound and clock offset mode),
// each taking one by a call of RunSharedLockstep. Give the number of groups there
// will be: a consumer never taken keeps every batch from being recycled (memory grows
// with the data, nothing waits for it), and a group beyond the number reads for itself.
func NewSharedReading(cfg Config, f *Frames, consumers int) *SharedReading {
	sr := &SharedReading{
		f: f, key: readingKeyOf(&cfg),
		pos: make([]int, consumers), on: make([]bool, consumers),
		done: make(chan struct{}),
	}
	for i := range sr.on {
		sr.on[i] = true
	}
	sr.cond.L = &sr.mu
	go sr.read()
	return sr
}

// Close stops the reading and waits for its goroutine; consumers still reading get
// the end of the data.
func (sr *SharedReading) Close() {
	sr.mu.Lock()
	sr.over = true
	clear(sr.on)
	sr.cond.Broadcast()
	sr.mu.Unlock()
	<-sr.done
}

// RunSharedLockstep is RunFramesLockstep over the frames of sr, the runs reading them
// through one consumer of sr: the same reports. Runs that read the frames otherwise
// than sr, and all of them when sr has no consumer left, read for themselves.
func RunSharedLockstep(cfgs []Config, sr *SharedReading) ([]*Report, []error) {
	c := sr.consumer()
	if c == nil {
		return RunFramesLockstep(cfgs, sr.f)
	}
	defer c.close()
	var idx, other []int
	for i := range cfgs {
		if readingKeyOf(&cfgs[i]) == sr.key {
			idx = append(idx, i)
		} else {
			other = append(other, i)
		}
	}
	reps, errs := make([]*Report, len(cfgs)), make([]error, len(cfgs))
	if len(idx) > 0 {
		lockstepGroup(cfgs, idx, sr.f, c, reps, errs)
	}
	if len(other) > 0 {
		var oc []Config
		for _, i := range other {
			oc = append(oc, cfgs[i])
		}
		r, e := RunFramesLockstep(oc, sr.f)
		for j, i := range other {
			reps[i], errs[i] = r[j], e[j]
		}
	}
	return reps, errs
}

// read is the reading's goroutine: it publishes the events in batches until the end
// of the data, or until no consumer reads.
func (sr *SharedReading) read() {
	defer close(sr.done)
	rd := newLockReader(sr.key, sr.f)
	var b *entryBatch
	rd.cfg.Progress = func(done, total int64) { // called by rd.next, while b is being filled
		b.marks = append(b.marks, progressMark{at: len(b.entries), done: done, total: total})
	}
	rd.progressOf = rd.clock.Progress
	defer func() {
		if v := recover(); v != nil {
			if b == nil {
				b = &entryBatch{}
			}
			b.err = fmt.Errorf("backtest: reading data: panic: %v", v)
			b.last = true
			sr.publish(b, nil)
		}
	}()
	for {
		if b = sr.batch(); b == nil {
			return
		}
		for len(b.entries) < sharedBatch {
			kind, t, s, lv, err := rd.next()
			if err != nil {
				b.err, b.last = err, true
				break
			}
			if kind == evNone {
				b.last = true
				break
			}
			e := sharedEntry{kind: kind, t: t, s: *s}
			e.s.lvOff = len(b.lv)
			b.lv = append(b.lv, lv...)
			b.entries = append(b.entries, e)
			if sr.made == 0 && len(b.entries) == 1 {
				sr.firstOne = *rd.first() // published with the batch
			}
		}
		if b.last {
			sr.publish(b, rd)
			return
		}
		sr.publish(b, nil)
		b = nil // the consumers' now
	}
}

// batch returns an empty batch to fill, once the reading is less than sharedWindow
// batches ahead of every consumer still reading; nil when none reads.
func (sr *SharedReading) batch() *entryBatch {
	sr.mu.Lock()
	defer sr.mu.Unlock()
	for {
		if sr.over || !slices.Contains(sr.on, true) {
			return nil
		}
		if sr.made-sr.slowestTaken() < sharedWindow {
			break
		}
		sr.cond.Wait()
	}
	if n := len(sr.free); n > 0 {
		b := sr.free[n-1]
		sr.free = sr.free[:n-1]
		b.entries, b.lv, b.marks = b.entries[:0], b.lv[:0], b.marks[:0]
		return b
	}
	return &entryBatch{entries: make([]sharedEntry, 0, sharedBatch)}
}

// publish hands the consumers batch b; fin, with the last, is the reader.
func (sr *SharedReading) publish(b *entryBatch, fin *lockReader) {
	sr.mu.Lock()
	sr.queue = append(sr.queue, b)
	sr.made++
	if b.last {
		sr.fin, sr.over = fin, true
	}
	sr.cond.Broadcast()
	sr.mu.Unlock()
}

// slowest is the lowest batch number a consumer still reads, or may read once taken
// (made when none does): the batches before it are recycled.
func (sr *SharedReading) slowest() int {
	low := sr.made
	for i, on := range sr.on {
		if on {
			low = min(low, sr.pos[i])
		}
	}
	return low
}

// slowestTaken is the lowest batch number a consumer handed out still reads (0 while
// none is): the reading keeps within sharedWindow batches of it. A consumer never
// taken holds no one up; the batches it would read are kept for it instead.
func (sr *SharedReading) slowestTaken() int {
	low := sr.made
	if sr.taken == 0 {
		return 0
	}
	for i, on := range sr.on[:sr.taken] {
		if on {
			low = min(low, sr.pos[i])
		}
	}
	return low
}

// recycle takes the batches every consumer has moved past out of the queue.
func (sr *SharedReading) recycle() {
	for low := sr.slowest(); sr.base < low && len(sr.queue) > 0; sr.base++ {
		sr.free = append(sr.free, sr.queue[0])
		sr.queue[0] = nil
		sr.queue = sr.queue[1:]
	}
}

// consumer hands out the next consumer, or nil when all are taken.
func (sr *SharedReading) consumer() *sharedConsumer {
	sr.mu.Lock()
	defer sr.mu.Unlock()
	if sr.taken == len(sr.on) {
		return nil
	}
	sr.taken++
	return &sharedConsumer{sr: sr, id: sr.taken - 1}
}

// sharedConsumer is one group's reading of a SharedReading: an entrySource.
type sharedConsumer struct {
	sr     *SharedReading
	id     int
	b      *entryBatch // the batch being read, and the next entry and mark in it
	i, m   int
	fns    []func(done, total int64)
	ended  bool
	closed bool
}

func (c *sharedConsumer) progress(fns []func(done, total int64)) { c.fns = fns }

func (c *sharedConsumer) next() (kind int, t int64, s *slot, lv []orderbook.Level, err error) {
	for c.b == nil || c.i == len(c.b.entries) {
		if c.b != nil && c.b.last || c.ended {
			c.ended = true
			if c.b != nil {
				err = c.b.err
			}
			return evNone, 0, nil, nil, err
		}
		if !c.move() {
			c.ended = true
			return evNone, 0, nil, nil, nil
		}
	}
	b := c.b
	for ; c.m < len(b.marks) && b.marks[c.m].at <= c.i; c.m++ {
		for _, fn := range c.fns {
			fn(b.marks[c.m].done, b.marks[c.m].total)
		}
	}
	e := &b.entries[c.i]
	c.i++
	return e.kind, e.t, &e.s, b.lv[e.s.lvOff : e.s.lvOff+int(e.s.d.nb+e.s.d.na)], nil
}

// move takes the next batch, leaving the one read; false when there is none (the
// reading was closed).
func (c *sharedConsumer) move() bool {
	sr := c.sr
	sr.mu.Lock()
	defer sr.mu.Unlock()
	if !sr.on[c.id] {
		return false // the reading was closed
	}
	if c.b != nil {
		sr.pos[c.id]++
		sr.recycle()
		sr.cond.Broadcast()
	}
	for sr.pos[c.id] >= sr.made {
		if sr.over {
			return false
		}
		sr.cond.Wait()
	}
	c.b, c.i, c.m = sr.queue[sr.pos[c.id]-sr.base], 0, 0
	return true
}

func (c *sharedConsumer) first() *slot { return &c.sr.firstOne }

func (c *sharedConsumer) finish(r *replay) {
	c.sr.mu.Lock()
	fin := c.sr.fin
	c.sr.mu.Unlock()
	if fin != nil {
		fin.finish(r)
	}
}

// close ends the consumer's reading: the reading no longer waits for it.
func (c *sharedConsumer) close() {
	if c.closed {
		return
	}
	c.closed = true
	sr := c.sr
	sr.mu.Lock()
	sr.on[c.id] = false
	sr.recycle()
	sr.cond.Broadcast()
	sr.mu.Unlock()
}
