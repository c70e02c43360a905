package backtest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"syscall"

	"github.com/nanotick/nanotick/backtest/eventcache"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/md"
	"github.com/nanotick/nanotick/orderbook"
)

// Frames is a recording read, inflated, decoded and synced once and held as applied
// events in the event cache's compact encoding (package eventcache): in memory
// (LoadFrames), or memory-mapped from a cache file (LoadFrames with Config.Cache). Many
// runs (the points of a sweep, every later backtest) replay it without reading,
// inflating or decoding the files again: the exchange and the engine both take the
// events (the engine through engine.OnEventAt). It is read-only once loaded: any
// number of runs may replay it at once, each through its own source.
type Frames struct {
	data      []string
	spec      instrument.Spec
	body      []byte // the records, back to back
	index     []byte // record i starts at index[8i:] (little-endian), relative to body
	n         int
	malformed uint64
	err       error // the reader's final error after the last record: io.EOF, or why it stopped
	file      *eventcache.File
}

// ErrTooLarge reports data larger than the limit given to LoadFrames.
var ErrTooLarge = errors.New("backtest: data larger than the memory limit")

// ErrCacheNotWritable reports an event cache directory where the cache file a run needs
// is missing (or cannot be trusted) and cannot be written: a read-only file system, a
// directory of another user. The run has done nothing yet; the same run without the
// cache gives the same results.
var ErrCacheNotWritable = errors.New("the event cache directory cannot be written")

// eventsVersion is the version of what the frames decode into: the feeds' decoding
// and syncing (every venue's md.Feed that the backtester runs), the event decoder's
// rules (which frames become snapshots, the exchange and transaction times it reads)
// and the meaning of the applied events. It is part of every event cache's key,
// beside the cache's format version (eventcache.Version): bump it with any change
// that makes the same frames decode into other events, and every cache is rebuilt;
// nothing else (another build, a change elsewhere) invalidates a cache.
// TestEventsVersion hashes the events of the shared recordings and fails when they
// change while eventsVersion stays. The tops the events carry (decoded.setTop) are
// part of them: a change in how a book's top is read (orderbook) changes them too.
// Version 3 added the tops.
const eventsVersion = 3

// cacheSettings are the settings that decide how frames decode into events, for the
// event cache's key: the instrument as the feed sees it, and the version of the
// decoding. The build's revision is deliberately not in it: a cache survives every
// build that decodes alike (see eventsVersion).
func cacheSettings(spec *instrument.Spec) string {
	return fmt.Sprintf("events=%d instrument=%s price_scale=%d qty_scale=%d contract_size=%d", eventsVersion, spec.ID, spec.PriceScale, spec.QtyScale, spec.ContractSize)
}

// LoadFrames reads the recordings of cfg.Data, decoded as applied events of cfg's
// (one) instrument by its venue's feed (cfg.Engine.NewFeed). Without cfg.Cache they
// are held in memory, and it stops with an error wrapping ErrTooLarge as soon as they
// pass limit bytes (0 means no limit), so that a caller can fall back to streaming.
// With cfg.Cache they come memory-mapped from the directory's cache file of the data,
// which is built first if it is missing, stale or damaged. A reading error that a
// streaming run would meet (a truncated file) is not returned here: the Frames keep
// every record before it and replay the error after them, exactly as Run over the
// files would.
func LoadFrames(cfg Config, limit int64) (*Frames, error) {
	if len(cfg.Data) == 0 {
		return nil, errors.New("backtest: no data to replay")
	}
	table, err := cfg.Engine.InstrumentTable()
	if err != nil {
		return nil, fmt.Errorf("backtest: %w", err)
	}
	if cfg.Cache != "" {
		f, _, err := cachedFrames(&cfg, table.At(0), cfg.Data)
		return f, err
	}
	return loadFrames(&cfg, table.At(0), cfg.Data, limit, nil)
}

// loadFrames reads and decodes files, keeping the events in memory; or, when w is not
// nil, writing them to the cache file w is writing instead, so that building the cache
// of a long recording does not hold its events (the Frames returned then hold none,
// only how the reading ended).
func loadFrames(cfg *Config, spec *instrument.Spec, files []string, limit int64, w *eventcache.Writer) (*Frames, error) {
	if cfg.Open == nil {
		return nil, errNoOpen
	}
	dec, err := newEventDecoder(cfg.Engine.NewFeed, spec, cfg.Engine.BookCapacity)
	if err != nil {
		return nil, err
	}
	r, err := cfg.Open(files...)
	if err != nil {
		return nil, fmt.Errorf("backtest: %w", err)
	}
	// Each event that changes the book keeps the top of the book it leaves, so that
	// the replays of these events need no exchange's book (exView), and the cache's
	// reader no book of its own (framesPrefetch).
	dec.tops = true
	// Inflating and decoding run ahead on goroutines of their own, as in a prefetching
	// run (which owns r from here and closes it): a sweep waits for the loading before
	// its points start, and on two cores it takes about half as long.
	src := newPrefetchSource(r, dec)
	defer src.Close()
	f := &Frames{data: slices.Clone(files), spec: *spec}
	var rec eventcache.Record
	// Reading a long recording before its first replay (a sweep's loading, a cache's
	// build) takes as long as a backtest of it: cfg.Progress hears of it as of a
	// replay, the bytes of the recordings read and their total.
	var read int
	for {
		local, _, d, lv, err := src.next()
		if err != nil {
			f.err = err
			break
		}
		if read++; cfg.Progress != nil && read%progressEvery == 0 {
			cfg.Progress(src.Progress())
		}
		if limit > 0 && f.Size() > limit {
			return nil, fmt.Errorf("%w (%d bytes)", ErrTooLarge, limit)
		}
		d.record(&rec, local, lv)
		if w != nil {
			w.Add(&rec)
		} else {
			f.add(&rec)
		}
	}
	f.malformed = src.Malformed()
	return f, nil
}

// cachedFrames returns the events of files from cfg.Cache, memory-mapped, building the
// cache file first when it is missing, stale or damaged; built says it was.
func cachedFrames(cfg *Config, spec *instrument.Spec, files []string) (f *Frames, built bool, err error) {
	key, err := cfg.cacheKey(cacheSettings(spec), files)
	if err != nil {
		return nil, false, fmt.Errorf("backtest: %w", err)
	}
	path := filepath.Join(cfg.Cache, key.Name())
	if f, err := openFrames(path, key, spec, files); err == nil {
		return f, false, nil
	} else if errors.Is(err, eventcache.ErrStale) || errors.Is(err, eventcache.ErrCorrupt) {
		// Never trusted, rebuilt; said, so that a cache that keeps failing its check
		// (a disk that corrupts it) does not pass unseen as a run that takes longer.
		cfg.Engine.Logger.Warn().Str("file", path).Err(err).Msg("event cache refused: rebuilding it from the recordings")
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, false, fmt.Errorf("backtest: event cache: %w", err)
	}
	w, err := eventcache.Create(path, key)
	if errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS) {
		return nil, false, fmt.Errorf("backtest: event cache %s: %w: %w", cfg.Cache, ErrCacheNotWritable, err)
	}
	if err != nil {
		return nil, false, fmt.Errorf("backtest: event cache: %w", err)
	}
	mem, err := loadFrames(cfg, spec, files, 0, w)
	if err != nil {
		w.Abort()
		return nil, false, err
	}
	readErr := ""
	if mem.err != io.EOF {
		readErr = mem.err.Error()
	}
	if err := w.Finish(mem.malformed, readErr); err != nil {
		return nil, false, fmt.Errorf("backtest: event cache: %w", err)
	}
	f, err = openFrames(path, key, spec, files)
	if err != nil {
		return nil, false, fmt.Errorf("backtest: event cache just written: %w", err)
	}
	return f, true, nil
}

// openFrames opens the cache file path, checked against key.
func openFrames(path string, key eventcache.Key, spec *instrument.Spec, files []string) (*Frames, error) {
	cf, err := eventcache.Open(path, key)
	if err != nil {
		return nil, err
	}
	f := &Frames{
		data: slices.Clone(files), spec: *spec, body: cf.Body, n: cf.Len(),
		malformed: cf.Malformed, err: io.EOF, file: cf,
	}
	f.index = cf.Index()
	if cf.ReadErr != "" {
		f.err = errors.New(cf.ReadErr)
	}
	return f, nil
}

// Close releases a memory-mapped cache file. Nothing replays the Frames after it.
func (f *Frames) Close() error {
	if f.file != nil {
		return f.file.Close()
	}
	return nil
}

// record turns d, received at local with levels lv, into the cache's record, with
// the top of the book it leaves when d carries it.
func (d *decoded) record(rec *eventcache.Record, local int64, lv []orderbook.Level) {
	*rec = eventcache.Record{
		Local: local, Flags: d.flags &^ (decHasE | decHasT | decTop | decValid),
		E: d.e, T: d.t, HasE: d.flags&decHasE != 0, HasT: d.flags&decHasT != 0,
		Top: d.flags&decTop != 0, TopValid: d.flags&decValid != 0, Bid: d.bid, Ask: d.ask,
	}
	d.event(&rec.Event, lv)
}

// fromRecord sets d from the cache's record; its levels stay where rec has them.
func (d *decoded) fromRecord(rec *eventcache.Record) {
	*d = decoded{nb: int32(len(rec.Event.Bids)), na: int32(len(rec.Event.Asks)), flags: rec.Flags, e: rec.E, t: rec.T}
	d.setEvent(&rec.Event)
	if rec.HasE {
		d.flags |= decHasE
	}
	if rec.HasT {
		d.flags |= decHasT
	}
	if rec.Top {
		d.flags |= decTop
		if rec.TopValid {
			d.flags |= decValid
			d.bid, d.ask = rec.Bid, rec.Ask
		}
	}
}

// add appends a record, encoded.
func (f *Frames) add(rec *eventcache.Record) {
	f.index = binary.LittleEndian.AppendUint64(f.index, uint64(len(f.body)))
	f.body = eventcache.AppendRecord(f.body, rec)
	f.n++
}

// offset returns where record i starts in the body; offset(n) is the body's end.
func (f *Frames) offset(i int) int {
	if i >= f.n {
		return len(f.body) // the body holds exactly the records
	}
	return int(binary.LittleEndian.Uint64(f.index[8*i:]))
}

// local returns record i's receive time.
func (f *Frames) local(i int) int64 {
	return int64(binary.LittleEndian.Uint64(f.body[f.offset(i):]))
}

// Prefix returns the first n records as Frames that share f's memory, ending cleanly
// after them (successive halving replays prefixes of the data).
func (f *Frames) Prefix(n int) *Frames {
	n = max(0, min(n, f.n))
	p := *f
	p.body, p.index, p.n = f.body[:f.offset(n)], f.index[:8*n], n
	if n < f.n {
		p.err = io.EOF
	}
	return &p
}

// Span returns the local times of the first and the last record.
func (f *Frames) Span() (first, last int64) {
	if f.n == 0 {
		return 0, 0
	}
	return f.local(0), f.local(f.n - 1)
}

// IndexAt returns the index of the first record received at or after t.
func (f *Frames) IndexAt(t int64) int {
	return sort.Search(f.n, func(i int) bool { return f.local(i) >= t })
}

// From returns the records from index i on as new Frames, in memory, that start with a
// snapshot of the book the records before i built, received with record i: a replay of
// the later part of a recording (walk-forward testing) starts from the book as it was,
// not from a book that waits for a snapshot the recording took only at its start. It
// fails if the book is not valid at i (not yet synced, or lost to a gap).
func (f *Frames) From(i int) (*Frames, error) {
	if i <= 0 || i >= f.n {
		return nil, fmt.Errorf("backtest: split at record %d of %d: nothing before or after it", i, f.n)
	}
	book := orderbook.New(eventBookCapacity)
	src := &framesSource{f: f.Prefix(i)}
	for {
		local, _, d, lv, err := src.next()
		if err != nil {
			break
		}
		var ev md.Event
		md.Replay(book, d.event(&ev, lv), local)
	}
	at := f.local(i)
	if !book.Valid() {
		return nil, fmt.Errorf("backtest: split at record %d (%s): the book is not valid there (not synced, or a gap)", i, stamp(at))
	}
	lv := book.AppendLevels(nil, orderbook.Bid, book.Len(orderbook.Bid))
	nb := len(lv)
	lv = book.AppendLevels(lv, orderbook.Ask, book.Len(orderbook.Ask))
	snap := eventcache.Record{Local: at, Event: md.Event{Kind: md.Snapshot, Applied: 1, Status: md.Valid, Bids: lv[:nb], Asks: lv[nb:]}}
	var top decoded // the snapshot's top, as every other record's
	top.status = md.Valid
	top.setTop(book)
	snap.Top, snap.TopValid, snap.Bid, snap.Ask = true, top.flags&decValid != 0, top.bid, top.ask
	out := &Frames{data: f.data, spec: f.spec, err: f.err, malformed: f.malformed}
	out.add(&snap)
	base := f.offset(i)
	shift := len(out.body) - base
	for k := i; k < f.n; k++ {
		out.index = binary.LittleEndian.AppendUint64(out.index, uint64(f.offset(k)+shift))
	}
	out.body = append(out.body, f.body[base:]...)
	out.n += f.n - i
	return out, nil
}

// Len returns the number of records.
func (f *Frames) Len() int { return f.n }

// Size returns the bytes of the encoded events.
func (f *Frames) Size() int64 { return int64(len(f.body) + len(f.index)) }

// framesSource replays Frames: an eventSource of events without frame bytes.
type framesSource struct {
	f   *Frames
	i   int
	pos int
	rec eventcache.Record
	d   decoded
	lv  []orderbook.Level
	err error
	// release says this source is the mapped file's only reader (one backtest, not
	// a sweep's points): it releases the pages behind it every releaseEvery bytes
	// (eventcache.File.Release), so that a replay keeps a few MB of a long cache file
	// resident, not all of it. released is where the next release starts.
	release  bool
	released int
}

// releaseEvery is how many bytes of records a releasing framesSource reads between
// releases.
const releaseEvery = 4 << 20

func (s *framesSource) next() (int64, []byte, *decoded, []orderbook.Level, error) {
	local, lv, err := s.nextInto(&s.d, s.lv[:0])
	s.lv = lv
	if err != nil {
		return 0, nil, nil, nil, err
	}
	return local, nil, &s.d, lv, nil
}

// nextInto decodes the next record into d, its levels appended to lv (d's are the
// new ones at its end), and returns its receive time and lv. The framesPrefetch's
// goroutine decodes into its batches so, with no copy of the event or its levels.
func (s *framesSource) nextInto(d *decoded, lv []orderbook.Level) (int64, []orderbook.Level, error) {
	f := s.f
	if s.err != nil {
		return 0, lv, s.err
	}
	if s.i == f.n {
		return 0, lv, f.err
	}
	n, lv, err := eventcache.DecodeRecordAppend(f.body[s.pos:], &s.rec, lv)
	if err != nil {
		// The cache's checksum makes this unreachable for a file; say where, not panic.
		s.err = fmt.Errorf("record %d: %w", s.i, err)
		return 0, lv, s.err
	}
	s.i++
	s.pos += n
	if s.release && s.pos-s.released >= releaseEvery && f.file != nil {
		// Nothing keeps the records read: they were decoded into s.rec and lv.
		f.file.Release(s.released, s.pos)
		s.released = s.pos
	}
	d.fromRecord(&s.rec)
	return s.rec.Local, lv, nil
}

// providesTops reports that every event that changes the book carries its top: the
// Frames keep it (LoadFrames, Frames.From); an event without it would only make the
// replay's exchange keep a book of its own from there (exView).
func (s *framesSource) providesTops() bool { return true }

// Progress reports the bytes of events replayed and their total.
func (s *framesSource) Progress() (done, total int64) {
	return int64(s.pos), int64(len(s.f.body))
}

// RunFrames is Run over frames already loaded: the same report as Run over the files
// they were loaded from, which replace cfg.Data. The frames must have been loaded for
// cfg's instrument.
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

// ProgressEvery is how many frames pass between calls of Config.Progress, so that a
// progress display can count the events replayed.
const ProgressEvery = progressEvery
