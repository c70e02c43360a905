package backtest

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"unsafe"

	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/md"
	"github.com/nanotick/nanotick/orderbook"
)

// Frames is a recording read, inflated, decoded and synced once and held in memory as
// applied events, so that many runs (the points of a sweep) replay it without reading,
// inflating or decoding the files again: the exchange and the engine both take the
// events (the engine through engine.OnEventAt). It is read-only once loaded: any
// number of runs may replay it at once, each through its own source. Its memory is
// about 200 bytes a record and 16 bytes a level, bounded by the limit given to
// LoadFrames.
type Frames struct {
	data      []string
	local     []int64
	malformed uint64
	err       error // the reader's final error after the last record: io.EOF, or why it stopped

	// spec is the instrument the frames were decoded for: dec[i] is record i's
	// applied event, its levels end at lvEnd[i] in lv.
	spec  instrument.Spec
	dec   []decoded
	lv    []orderbook.Level
	lvEnd []int
}

// ErrTooLarge reports data larger than the limit given to LoadFrames.
var ErrTooLarge = errors.New("backtest: data larger than the memory limit")

// LoadFrames reads the recordings of cfg.Data into memory, decoded as applied events
// of cfg's (one) instrument by its venue's feed (cfg.Engine.NewFeed). It stops with an
// error wrapping ErrTooLarge as soon as the events pass limit bytes (0 means no limit),
// so that a caller can fall back to streaming. A reading error that a streaming run
// would meet (a truncated file) is not returned here: the Frames keep every record
// before it and replay the error after them, exactly as Run over the files would.
func LoadFrames(cfg Config, limit int64) (*Frames, error) {
	if len(cfg.Data) == 0 {
		return nil, errors.New("backtest: no data to replay")
	}
	if cfg.Open == nil {
		return nil, errNoOpen
	}
	table, err := cfg.Engine.InstrumentTable()
	if err != nil {
		return nil, fmt.Errorf("backtest: %w", err)
	}
	spec := table.At(0)
	dec, err := newEventDecoder(cfg.Engine.NewFeed, spec, cfg.Engine.BookCapacity)
	if err != nil {
		return nil, err
	}
	r, err := cfg.Open(cfg.Data...)
	if err != nil {
		return nil, fmt.Errorf("backtest: %w", err)
	}
	defer r.Close()
	f := &Frames{data: slices.Clone(cfg.Data), spec: *spec}
	var d decoded
	var lv []orderbook.Level
	for {
		local, frame, err := r.Next()
		if err != nil {
			f.err = err
			break
		}
		if limit > 0 && f.memory() > limit {
			return nil, fmt.Errorf("%w (%d bytes)", ErrTooLarge, limit)
		}
		lv = dec.decode(frame, local, &d, lv[:0])
		f.add(local, &d, lv)
	}
	f.malformed = r.Malformed()
	return f, nil
}

// add appends a record's event.
func (f *Frames) add(local int64, d *decoded, lv []orderbook.Level) {
	f.local = append(f.local, local)
	f.dec = append(f.dec, *d)
	f.lv = append(f.lv, lv...)
	f.lvEnd = append(f.lvEnd, len(f.lv))
}

// Prefix returns the first n records as Frames that share f's memory, ending cleanly
// after them (successive halving replays prefixes of the data).
func (f *Frames) Prefix(n int) *Frames {
	n = max(0, min(n, len(f.local)))
	p := *f
	p.local, p.dec, p.lvEnd = f.local[:n], f.dec[:n], f.lvEnd[:n]
	if n < len(f.local) {
		p.err = io.EOF
	}
	return &p
}

// Span returns the local times of the first and the last record.
func (f *Frames) Span() (first, last int64) {
	if len(f.local) == 0 {
		return 0, 0
	}
	return f.local[0], f.local[len(f.local)-1]
}

// IndexAt returns the index of the first record received at or after t.
func (f *Frames) IndexAt(t int64) int {
	i, _ := slices.BinarySearch(f.local, t)
	return i
}

// From returns the records from index i on as new Frames that start with a snapshot
// of the book the records before i built, received with record i: a replay of the
// later part of a recording (walk-forward testing) starts from the book as it was,
// not from a book that waits for a snapshot the recording took only at its start. It
// fails if the book is not valid at i (not yet synced, or lost to a gap).
func (f *Frames) From(i int) (*Frames, error) {
	if i <= 0 || i >= len(f.local) {
		return nil, fmt.Errorf("backtest: split at record %d of %d: nothing before or after it", i, len(f.local))
	}
	book := orderbook.New(eventBookCapacity)
	var ev md.Event
	for k := 0; k < i; k++ {
		md.Replay(book, f.dec[k].event(&ev, f.levels(k)), f.local[k])
	}
	if !book.Valid() {
		return nil, fmt.Errorf("backtest: split at record %d (%s): the book is not valid there (not synced, or a gap)", i, stamp(f.local[i]))
	}
	lv := book.AppendLevels(nil, orderbook.Bid, book.Len(orderbook.Bid))
	nb := len(lv)
	lv = book.AppendLevels(lv, orderbook.Ask, book.Len(orderbook.Ask))
	snap := decoded{ev: md.Event{Kind: md.Snapshot, Applied: 1, Status: md.Valid}, nb: int32(nb), na: int32(len(lv) - nb)}
	out := &Frames{data: f.data, spec: f.spec, err: f.err}
	out.add(f.local[i], &snap, lv)
	for k := i; k < len(f.local); k++ {
		out.add(f.local[k], &f.dec[k], f.levels(k))
	}
	return out, nil
}

// levels returns record i's levels.
func (f *Frames) levels(i int) []orderbook.Level {
	start := 0
	if i > 0 {
		start = f.lvEnd[i-1]
	}
	return f.lv[start:f.lvEnd[i]]
}

// memory is about the bytes the frames hold.
func (f *Frames) memory() int64 {
	return int64(len(f.local))*int64(16+unsafe.Sizeof(decoded{})) + int64(len(f.lv))*int64(unsafe.Sizeof(orderbook.Level{}))
}

// Len returns the number of records.
func (f *Frames) Len() int { return len(f.local) }

// Size returns the bytes the frames hold in memory.
func (f *Frames) Size() int64 { return f.memory() }

// framesSource replays Frames: an eventSource of events without frame bytes.
type framesSource struct {
	f *Frames
	i int
}

func (s *framesSource) next() (int64, []byte, *decoded, []orderbook.Level, error) {
	f := s.f
	if s.i == len(f.local) {
		return 0, nil, nil, nil, f.err
	}
	i := s.i
	s.i++
	return f.local[i], nil, &f.dec[i], f.levels(i), nil
}

// Progress reports the records replayed and their total.
func (s *framesSource) Progress() (done, total int64) {
	return int64(s.i), int64(len(s.f.local))
}

// RunFrames is Run over frames already in memory: the same report as Run over the
// files they were loaded from, which replace cfg.Data. The frames must have been
// loaded for cfg's instrument.
func RunFrames(cfg Config, f *Frames) (*Report, error) {
	cfg.Data = f.data
	table, err := cfg.Engine.InstrumentTable()
	if err != nil {
		return nil, fmt.Errorf("backtest: %w", err)
	}
	if table.Len() != 1 || !sameDecoding(table.At(0), &f.spec) {
		return nil, fmt.Errorf("backtest: the frames were decoded for %s, not for this run's instruments", f.spec.ID)
	}
	rep, err := runEvents(cfg, &framesSource{f: f})
	if rep != nil {
		rep.Events.Malformed = f.malformed
	}
	return rep, err
}

// sameDecoding reports whether a feed decodes the frames of a and b alike: the same
// venue, symbol and scales.
func sameDecoding(a, b *instrument.Spec) bool {
	return a.ID == b.ID && a.PriceScale == b.PriceScale && a.QtyScale == b.QtyScale
}

var _ = io.EOF

// ProgressEvery is how many frames pass between calls of Config.Progress, so that a
// progress display can count the events replayed.
const ProgressEvery = progressEvery
