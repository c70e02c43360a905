package backtest

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"unsafe"

	"github.com/nanotick/nanotick/feeds/binance"
	"github.com/nanotick/nanotick/feeds/recording"
	"github.com/nanotick/nanotick/orderbook"
)

// Frames is a recording decompressed and framed once and held in memory, so that many
// runs (the points of a sweep) replay it without reading, inflating and splitting the
// files again, and decoded once for the exchange's side. It is read-only once loaded:
// any number of runs may replay it at once, each through its own Source. Its memory is
// the decompressed size of the data, a few hundred bytes a record and 16 bytes a
// level, bounded by the limit given to LoadFrames.
type Frames struct {
	data      []string
	local     []int64
	end       []int // end offset of each frame in buf
	buf       []byte
	malformed uint64
	err       error // the reader's final error after the last record: io.EOF, or why it stopped

	// inst is the instrument the frames were decoded for, for the exchange: dec[i] is
	// frame i's event, its levels end at lvEnd[i] in lv.
	inst  binance.Instrument
	venue binance.Venue
	dec   []decoded
	lv    []orderbook.Level
	lvEnd []int
}

// ErrTooLarge reports data larger than the limit given to LoadFrames.
var ErrTooLarge = errors.New("backtest: data larger than the memory limit")

// LoadFrames reads the recordings of cfg.Data into memory, and decodes each frame once
// for the exchange of cfg's instrument, so that the runs that replay them decode only
// on the engine's side. It stops with an error wrapping ErrTooLarge as soon as the
// frames and their levels pass limit bytes (0 means no limit), so that a caller can fall
// back to streaming. A reading error that a streaming run would meet (a truncated
// file) is not returned here: the Frames keep every record before it and replay the
// error after them, exactly as Run over the files would.
func LoadFrames(cfg Config, limit int64) (*Frames, error) {
	if len(cfg.Data) == 0 {
		return nil, errors.New("backtest: no data to replay")
	}
	inst := bInstrument(cfg.Engine)
	venue := binance.Spot // an engine without a venue name is on Spot, as RunSource assumes
	if cfg.Engine.Venue != "" {
		v, ok := binance.VenueOf(cfg.Engine.Venue)
		if !ok {
			return nil, fmt.Errorf("backtest: venue %q: only Binance recordings replay", cfg.Engine.Venue)
		}
		venue = v
	}
	pre, err := newPredecoder(inst)
	if err != nil {
		return nil, err
	}
	r, err := recording.Open(cfg.Data...)
	if err != nil {
		return nil, fmt.Errorf("backtest: %w", err)
	}
	defer r.Close()
	_, total := r.Progress()
	f := &Frames{data: slices.Clone(cfg.Data), inst: inst, venue: venue}
	// A gz recording inflates about eight times: start near the size, grow as needed.
	if guess := 8 * total; limit <= 0 || guess <= limit {
		f.buf = make([]byte, 0, guess)
	}
	for {
		rec, err := r.Next()
		if errors.Is(err, recording.ErrMalformed) {
			f.malformed++
			continue
		}
		if err != nil {
			f.err = err
			break
		}
		if limit > 0 && f.memory() > limit {
			return nil, fmt.Errorf("%w (%d bytes)", ErrTooLarge, limit)
		}
		f.add(pre, rec.Local, rec.Frame)
	}
	return f, nil
}

// add appends a record, decoded for the exchange by pre.
func (f *Frames) add(pre *predecoder, local int64, frame []byte) {
	f.local = append(f.local, local)
	f.buf = append(f.buf, frame...)
	f.end = append(f.end, len(f.buf))
	f.dec = append(f.dec, decoded{})
	f.lv = pre.decode(frame, &f.dec[len(f.dec)-1], f.lv)
	f.lvEnd = append(f.lvEnd, len(f.lv))
}

// Prefix returns the first n records as Frames that share f's memory, ending cleanly
// after them (successive halving replays prefixes of the data).
func (f *Frames) Prefix(n int) *Frames {
	n = max(0, min(n, len(f.local)))
	p := *f
	p.local, p.end, p.dec, p.lvEnd = f.local[:n], f.end[:n], f.dec[:n], f.lvEnd[:n]
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

// From returns the records from index i on as new Frames that start with a synthetic
// REST depth snapshot of the book the records before i built, received with record i:
// a replay of the later part of a recording (walk-forward testing) starts from the
// book as it was, not from a book that waits for a snapshot the recording took only at
// its start. The snapshot's lastUpdateId bridges to the next depth event by the
// venue's own rule, so the sync applies it as it would after a real snapshot. It fails
// if the book is not valid at i (not yet synced, or lost to a gap).
func (f *Frames) From(i int) (*Frames, error) {
	venue := f.venue
	if i <= 0 || i >= len(f.local) {
		return nil, fmt.Errorf("backtest: split at record %d of %d: nothing before or after it", i, len(f.local))
	}
	book := orderbook.New(8192)
	feed, err := binance.NewFeed(venue, f.inst, book, binance.SyncConfig{})
	if err != nil {
		return nil, fmt.Errorf("backtest: %w", err)
	}
	for k := 0; k < i; k++ {
		_, _ = feed.Handle(f.frame(k), f.local[k])
	}
	if !book.Valid() {
		return nil, fmt.Errorf("backtest: split at record %d (%s): the book is not valid there (not synced, or a gap)", i, stamp(f.local[i]))
	}
	// The next depth event's first update id decides lastUpdateId: spot applies an
	// event with U <= lastUpdateId+1 <= u, futures one with U <= lastUpdateId <= u.
	last := book.UpdateID()
	for k := i; k < len(f.local); k++ {
		if d := &f.dec[k]; d.state == frameDecoded && d.ev.Kind == binance.KindDepth {
			last = d.ev.Depth.First - 1
			if venue == binance.USDM {
				last = d.ev.Depth.First
			}
			break
		}
	}
	snap := []byte(`{"lastUpdateId":` + strconv.FormatUint(last, 10))
	for _, side := range []orderbook.Side{orderbook.Bid, orderbook.Ask} {
		if side == orderbook.Bid {
			snap = append(snap, `,"bids":[`...)
		} else {
			snap = append(snap, `],"asks":[`...)
		}
		for k := 0; ; k++ {
			lv, ok := book.Level(side, k)
			if !ok {
				break
			}
			if k > 0 {
				snap = append(snap, ',')
			}
			snap = append(snap, `["`...)
			snap = f.inst.PriceScale.Append(snap, lv.Price)
			snap = append(snap, `","`...)
			snap = f.inst.QtyScale.Append(snap, lv.Qty)
			snap = append(snap, `"]`...)
		}
	}
	snap = append(snap, "]}"...)

	pre, err := newPredecoder(f.inst)
	if err != nil {
		return nil, err
	}
	out := &Frames{data: f.data, inst: f.inst, venue: f.venue, err: f.err}
	out.add(pre, f.local[i], snap)
	for k := i; k < len(f.local); k++ {
		out.add(pre, f.local[k], f.frame(k))
	}
	return out, nil
}

func (f *Frames) frame(i int) []byte {
	start := 0
	if i > 0 {
		start = f.end[i-1]
	}
	return f.buf[start:f.end[i]]
}

// memory is about the bytes the frames hold.
func (f *Frames) memory() int64 {
	return int64(len(f.buf)) + int64(len(f.local))*int64(24+unsafe.Sizeof(decoded{})) + int64(len(f.lv))*int64(unsafe.Sizeof(orderbook.Level{}))
}

// Len returns the number of records.
func (f *Frames) Len() int { return len(f.local) }

// Size returns the bytes of the frames.
func (f *Frames) Size() int64 { return int64(len(f.buf)) }

// Source returns a new Source over the frames, from the first. It hands the exchange
// the frames' decoded events if inst is the instrument they were decoded for.
func (f *Frames) Source(inst binance.Instrument) *FramesSource {
	return &FramesSource{f: f, decoded: inst == f.inst}
}

// FramesSource replays Frames. It is a Source, with the Progress and Malformed of the
// others.
type FramesSource struct {
	f       *Frames
	i       int
	decoded bool
}

func (s *FramesSource) decodes() bool { return s.decoded }

func (s *FramesSource) lastDecoded() (*decoded, []orderbook.Level) {
	i, start := s.i-1, 0
	if i > 0 {
		start = s.f.lvEnd[i-1]
	}
	return &s.f.dec[i], s.f.lv[start:s.f.lvEnd[i]]
}

// Next returns the next record; the frame is a view of the shared memory and must not
// be modified.
func (s *FramesSource) Next() (int64, []byte, error) {
	f := s.f
	if s.i == len(f.local) {
		return 0, nil, f.err
	}
	i := s.i
	s.i++
	start := 0
	if i > 0 {
		start = f.end[i-1]
	}
	return f.local[i], f.buf[start:f.end[i]:f.end[i]], nil
}

// Progress reports the bytes of frames replayed and their total.
func (s *FramesSource) Progress() (done, total int64) {
	if s.i == 0 {
		return 0, int64(len(s.f.buf))
	}
	return int64(s.f.end[s.i-1]), int64(len(s.f.buf))
}

// Malformed returns the malformed lines the loading skipped.
func (s *FramesSource) Malformed() uint64 { return s.f.malformed }

// RunFrames is Run over frames already in memory: the same report as Run over the
// files they were loaded from, which replace cfg.Data.
func RunFrames(cfg Config, f *Frames) (*Report, error) {
	cfg.Data = f.data
	src := f.Source(bInstrument(cfg.Engine))
	rep, err := RunSource(cfg, src)
	if rep != nil {
		rep.Events.Malformed = src.Malformed()
	}
	return rep, err
}

var _ Source = (*FramesSource)(nil)
var _ = io.EOF

// ProgressEvery is how many frames pass between calls of Config.Progress, so that a
// progress display can count the events replayed.
const ProgressEvery = progressEvery
