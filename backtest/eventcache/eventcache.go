// Package eventcache owns the event cache's file format: a compact binary file of one
// recording's decoded, venue-neutral events (md applied events, see md.Replay), written
// once by a first backtest and read memory-mapped by every later run and sweep, so
// that they never decode JSON again.
//
// A file is a header, the records, an index of the records' offsets, and a trailer.
// The header names the format version and what the events were decoded from (the
// sources' content hash and size) and how (the settings that affect decoding); the
// trailer holds the record count, what the reading of the sources ended with, and a
// CRC-32C of everything before it. Open checks all of it: a file that is truncated,
// altered or made from other sources or settings is refused with an error wrapping
// ErrStale or ErrCorrupt, never trusted; the caller rebuilds it.
//
// Records are self-contained (the receive time is absolute, the other times relative
// to it, prices delta-coded within a side, everything else varints), so that any
// suffix or prefix of the records is again a valid sequence.
//
// It does no decoding of market data and knows no venue.
package eventcache

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/bits"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/cespare/xxhash/v2"

	"github.com/nanotick/nanotick/md"
	"github.com/nanotick/nanotick/orderbook"
)

// Version is the format version. A file of another version is stale. Version 2 keys
// the sources by their 64-bit xxHash (version 1: SHA-256); version 3 keeps with each
// event that changes the book the top of the book it leaves (Record.Top).
const Version = 3

var magic = [8]byte{'n', 't', 'e', 'v', 'c', 'a', 'c', 'h'}

// Errors wrapped by Open.
var (
	// ErrStale reports a cache file made from other sources, with other settings, or
	// by another format version: rebuild it.
	ErrStale = errors.New("eventcache: stale")
	// ErrCorrupt reports a cache file that is truncated or altered: rebuild it.
	ErrCorrupt = errors.New("eventcache: corrupt")
)

// Key is what a cache file's events were made from: the sources' content hash and
// total size, and the settings that affect decoding (the instrument, its scales, the
// decoder's version), as the caller spells them.
//
// The content hash is xxHash64 (github.com/cespare/xxhash): a cache is keyed by it
// against accidents (another recording, the same one changed), not against an
// adversary, who could as well write the cache file; with the size and the settings
// beside it, two recordings colliding by chance are out of reach. It reads at memory
// speed, where SHA-256 cost a run from the cache 3% to 5% of its time before it began.
type Key struct {
	Source   [sourceSize]byte
	Size     int64
	Settings string
}

// sourceSize is the bytes of a Key's content hash.
const sourceSize = 8

// HashFiles returns the Key of files (their content, in order) with settings. Its
// Source and Size depend on the files alone: a caller may hash them before it knows
// the settings, and set Settings after.
func HashFiles(settings string, files ...string) (Key, error) {
	h := xxhash.New()
	var size int64
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return Key{}, fmt.Errorf("eventcache: %w", err)
		}
		n, err := io.Copy(h, f)
		f.Close()
		if err != nil {
			return Key{}, fmt.Errorf("eventcache: %s: %w", name, err)
		}
		// The boundaries between files are part of the content.
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], uint64(n))
		h.Write(b[:])
		size += n
	}
	k := Key{Size: size, Settings: settings}
	h.Sum(k.Source[:0])
	return k, nil
}

// Name returns the file name of the cache of k: the sources' hash and a hash of the
// settings, so that a cache directory holds one file per recording and settings.
func (k Key) Name() string {
	s := sha256.Sum256([]byte(k.Settings))
	return fmt.Sprintf("%x-%x.ntev", k.Source[:], s[:8])
}

// Record is one frame's event as the cache keeps it.
type Record struct {
	// Local is the frame's receive time, Unix ns.
	Local int64
	// Flags are the caller's, kept as they are.
	Flags uint8
	// E and T are the frame's exchange event and transaction times, when HasE and
	// HasT.
	E, T       int64
	HasE, HasT bool
	// Event is the frame's applied event. Its Instrument is not kept (a cache file
	// holds one instrument's events).
	Event md.Event
	// Top says the record carries the top of the book its event leaves, as the
	// writer's replay of the events up to it has it: TopValid says that book is
	// valid, and then Bid and Ask are its best prices (else they are zero). A reader
	// that needs only the top (the simulated exchange's view) then keeps no book.
	Top, TopValid bool
	Bid, Ask      int64
}

const (
	fHasE = 1 << iota
	fHasT
	fHasExchange
	fHasTradeTime
	fTop
	fTopValid
)

// header: magic, version, settings length, key size, source hash, settings.
const fixedHeader = 8 + 4 + 4 + 8 + sourceSize

// trailer: records, malformed, error length, index offset, body CRC, then the error
// text before it; trailerSize is the fixed part at the end.
const trailerSize = 8 + 8 + 4 + 8 + 4

// Writer writes a cache file: Add every record, then Finish. Until Finish the file is
// a temporary one beside its final path, so that no reader ever sees half a file.
type Writer struct {
	path string
	tmp  *os.File
	w    *bytes.Buffer // records and index, flushed in chunks
	crc  uint32
	off  uint64 // offset of the next record from the start of the body
	// The records' offsets go to a second temporary file beside the first until
	// Finish copies them after the records: held in memory they were 8 bytes a
	// record, 15 MB for USD-M's day repeated 20 times, and the cache of a long
	// recording must be built in flat memory like any run over it.
	idx  *os.File
	idxW *bufio.Writer
	ob   [8]byte // an offset on its way to idxW
	n    uint64  // records added
	buf  []byte
	err  error
}

// flushAt is the buffered size at which the writer writes to the file.
const flushAt = 1 << 20

// Create starts the cache file path for k.
func Create(path string, k Key) (*Writer, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("eventcache: %w", err)
	}
	removeAbandoned(path)
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return nil, fmt.Errorf("eventcache: %w", err)
	}
	idx, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".idx*")
	if err == nil {
		err = errors.Join(lockWriting(tmp), lockWriting(idx))
	}
	if err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		if idx != nil {
			idx.Close()
			os.Remove(idx.Name())
		}
		return nil, fmt.Errorf("eventcache: %w", err)
	}
	w := &Writer{path: path, tmp: tmp, w: bytes.NewBuffer(make([]byte, 0, flushAt+64<<10)), idx: idx, idxW: bufio.NewWriterSize(idx, 64<<10)}
	h := make([]byte, 0, fixedHeader+len(k.Settings))
	h = append(h, magic[:]...)
	h = binary.LittleEndian.AppendUint32(h, Version)
	h = binary.LittleEndian.AppendUint32(h, uint32(len(k.Settings)))
	h = binary.LittleEndian.AppendUint64(h, uint64(k.Size))
	h = append(h, k.Source[:]...)
	h = append(h, k.Settings...)
	w.write(h)
	w.off = 0
	return w, nil
}

// removeAbandoned removes the temporary files of earlier builds of the cache file path
// whose writer died (killed, interrupted, the machine stopped) before it could finish
// or abort: each is as large as the cache, and nothing else would ever remove it. A
// file that another process is still writing (a concurrent build) is locked, and kept.
func removeAbandoned(path string) {
	dir, base := filepath.Split(path)
	entries, _ := os.ReadDir(filepath.Clean(dir))
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, base+".tmp") || strings.HasPrefix(name, base+".idx") {
			if f := filepath.Join(dir, name); abandoned(f) {
				os.Remove(f)
			}
		}
	}
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func (w *Writer) write(b []byte) {
	w.crc = crc32.Update(w.crc, castagnoli, b)
	w.w.Write(b)
	if w.w.Len() >= flushAt {
		w.flush()
	}
}

func (w *Writer) flush() {
	if w.err == nil {
		_, w.err = w.tmp.Write(w.w.Bytes())
	}
	w.w.Reset()
}

// Add appends a record.
func (w *Writer) Add(r *Record) {
	binary.LittleEndian.PutUint64(w.ob[:], w.off)
	if _, err := w.idxW.Write(w.ob[:]); err != nil && w.err == nil {
		w.err = err
	}
	w.n++
	w.buf = AppendRecord(w.buf[:0], r)
	w.off += uint64(len(w.buf))
	w.write(w.buf)
}

// Finish writes the index and the trailer, with the sources' malformed lines and the
// error their reading ended with ("" for a clean end), and moves the file into place.
func (w *Writer) Finish(malformed uint64, readErr string) error {
	defer w.Abort() // after a rename, only the index's file is left to remove
	indexAt := w.off
	w.copyIndex()
	b := append(w.buf[:0], readErr...)
	b = binary.LittleEndian.AppendUint64(b, w.n)
	b = binary.LittleEndian.AppendUint64(b, malformed)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(readErr)))
	b = binary.LittleEndian.AppendUint64(b, indexAt)
	w.write(b)
	w.w.Write(binary.LittleEndian.AppendUint32(nil, w.crc))
	w.flush()
	if w.err == nil {
		w.err = w.tmp.Close()
	}
	if w.err != nil {
		return fmt.Errorf("eventcache: writing %s: %w", w.path, w.err)
	}
	if err := os.Rename(w.tmp.Name(), w.path); err != nil {
		return fmt.Errorf("eventcache: %w", err)
	}
	w.tmp = nil
	return nil
}

// copyIndex appends the records' offsets, from the index's temporary file, to the
// cache file.
func (w *Writer) copyIndex() {
	if w.err != nil {
		return
	}
	if w.err = w.idxW.Flush(); w.err != nil {
		return
	}
	if _, w.err = w.idx.Seek(0, io.SeekStart); w.err != nil {
		return
	}
	chunk := make([]byte, 64<<10)
	var copied uint64
	for {
		n, err := w.idx.Read(chunk)
		w.write(chunk[:n])
		copied += uint64(n)
		if err == io.EOF {
			break
		}
		if err != nil {
			w.err = err
			return
		}
	}
	if copied != 8*w.n {
		w.err = fmt.Errorf("index: read back %d bytes of %d", copied, 8*w.n)
	}
}

// Abort discards the files being written.
func (w *Writer) Abort() {
	if w.tmp != nil {
		w.tmp.Close()
		os.Remove(w.tmp.Name())
		w.tmp = nil
	}
	if w.idx != nil {
		w.idx.Close()
		os.Remove(w.idx.Name())
		w.idx = nil
	}
}

// AppendRecord appends r's encoding to b.
func AppendRecord(b []byte, r *Record) []byte {
	ev := &r.Event
	var f uint8
	if r.HasE {
		f |= fHasE
	}
	if r.HasT {
		f |= fHasT
	}
	if ev.Exchange != 0 {
		f |= fHasExchange
	}
	if ev.Kind == md.Trade && ev.Trade.Time != 0 {
		f |= fHasTradeTime
	}
	if r.Top {
		f |= fTop
		if r.TopValid {
			f |= fTopValid
		}
	}
	b = binary.LittleEndian.AppendUint64(b, uint64(r.Local))
	b = append(b, byte(ev.Kind), byte(ev.Status), f, r.Flags)
	if r.HasE {
		b = binary.AppendVarint(b, r.Local-r.E)
	}
	if r.HasT {
		b = binary.AppendVarint(b, r.Local-r.T)
	}
	if f&fHasExchange != 0 {
		b = binary.AppendVarint(b, r.Local-ev.Exchange)
	}
	switch ev.Kind {
	case md.Depth, md.Snapshot, md.StatusChange:
		b = binary.AppendUvarint(b, uint64(ev.Applied))
		b = appendLevels(b, ev.Bids)
		b = appendLevels(b, ev.Asks)
	case md.Trade:
		t := &ev.Trade
		b = binary.AppendVarint(b, t.Price)
		b = binary.AppendVarint(b, t.Qty)
		b = append(b, byte(t.Aggressor))
		if f&fHasTradeTime != 0 {
			b = binary.AppendVarint(b, r.Local-t.Time)
		}
	case md.Mark:
		m := &ev.Mark
		b = binary.AppendVarint(b, m.Price)
		b = binary.AppendVarint(b, m.Index)
		b = binary.AppendVarint(b, m.FundingRate)
		b = binary.AppendVarint(b, m.NextFunding)
		b = append(b, m.Fields)
	}
	if f&fTopValid != 0 {
		// The best bid from the event's first level (usually near it, so a short
		// varint; the record stays self-contained), the ask from the bid.
		b = binary.AppendVarint(b, r.Bid-topRef(ev))
		b = binary.AppendVarint(b, r.Ask-r.Bid)
	}
	return b
}

// topRef is the price a record's best bid is coded from: its event's first level's
// (the levels it is encoded with), else 0.
func topRef(ev *md.Event) int64 {
	switch {
	case ev.Kind != md.Depth && ev.Kind != md.Snapshot && ev.Kind != md.StatusChange:
	case len(ev.Bids) > 0:
		return ev.Bids[0].Price
	case len(ev.Asks) > 0:
		return ev.Asks[0].Price
	}
	return 0
}

func appendLevels(b []byte, lv []orderbook.Level) []byte {
	b = binary.AppendUvarint(b, uint64(len(lv)))
	var prev int64
	for _, l := range lv {
		b = binary.AppendVarint(b, l.Price-prev)
		b = binary.AppendVarint(b, l.Qty)
		prev = l.Price
	}
	return b
}

// errShort is a record that ends before its fields do.
var errShort = fmt.Errorf("%w: a record runs past the end of the data", ErrCorrupt)

// DecodeRecord decodes the record at the start of b into r, with its levels appended
// to lv[:0] (r.Event.Bids and Asks are views of the result), and returns the record's
// length and the levels. A malformed record is an error wrapping ErrCorrupt; nothing
// in b can make it panic or allocate more than the levels b holds.
func DecodeRecord(b []byte, r *Record, lv []orderbook.Level) (int, []orderbook.Level, error) {
	return DecodeRecordAppend(b, r, lv[:0])
}

// DecodeRecordAppend is DecodeRecord with the record's levels appended to lv as it is,
// so that a reader can gather many records' levels in one buffer without copying them
// again. After an error it returns lv as it was.
func DecodeRecordAppend(b []byte, r *Record, lv []orderbook.Level) (int, []orderbook.Level, error) {
	d := decoder{b: b}
	local := int64(d.u64())
	kind, status, f, flags := d.byte(), d.byte(), d.byte(), d.byte()
	*r = Record{Local: local, Flags: flags}
	ev := &r.Event
	ev.Kind, ev.Status = md.Kind(kind), md.Status(status)
	if f&fHasE != 0 {
		r.E, r.HasE = local-d.varint(), true
	}
	if f&fHasT != 0 {
		r.T, r.HasT = local-d.varint(), true
	}
	if f&fHasExchange != 0 {
		ev.Exchange = local - d.varint()
	}
	start := len(lv)
	switch ev.Kind {
	case md.None:
	case md.Depth, md.Snapshot, md.StatusChange:
		ev.Applied = int(d.uvarint())
		lv = d.levels(lv)
		nb := len(lv)
		lv = d.levels(lv)
		ev.Bids, ev.Asks = lv[start:nb:nb], lv[nb:]
	case md.Trade:
		t := &ev.Trade
		t.Price, t.Qty, t.Aggressor = d.varint(), d.varint(), orderbook.Side(d.byte())
		if f&fHasTradeTime != 0 {
			t.Time = local - d.varint()
		}
	case md.Mark:
		m := &ev.Mark
		m.Price, m.Index, m.FundingRate, m.NextFunding = d.varint(), d.varint(), d.varint(), d.varint()
		m.Fields = d.byte()
	default:
		return 0, lv[:start], fmt.Errorf("%w: event kind %d", ErrCorrupt, kind)
	}
	if f&(fTop|fTopValid) == fTopValid {
		return 0, lv[:start], fmt.Errorf("%w: a valid top that is not there", ErrCorrupt)
	}
	if f&fTop != 0 {
		r.Top = true
		if f&fTopValid != 0 {
			r.TopValid = true
			r.Bid = topRef(ev) + d.varint()
			r.Ask = r.Bid + d.varint()
		}
	}
	if d.bad {
		return 0, lv[:start], errShort
	}
	return d.i, lv, nil
}

// decoder reads a record's fields; a read past the end sets bad and returns zero.
type decoder struct {
	b   []byte
	i   int
	bad bool
}

func (d *decoder) byte() byte {
	if d.i >= len(d.b) {
		d.bad = true
		return 0
	}
	c := d.b[d.i]
	d.i++
	return c
}

func (d *decoder) u64() uint64 {
	if len(d.b)-d.i < 8 {
		d.bad = true
		d.i = len(d.b)
		return 0
	}
	v := binary.LittleEndian.Uint64(d.b[d.i:])
	d.i += 8
	return v
}

// varint reads a zigzag varint, as binary.Varint.
func (d *decoder) varint() int64 { return unzigzag(d.uvarint()) }

// uvarint reads a varint, as binary.Uvarint. Most of a file's bytes are varints of 2
// to 5 bytes (prices and quantities): where 8 bytes are left it reads them at once and
// gathers the 7-bit groups of those up to the first byte without the continuation bit,
// with no loop and no branch per byte.
func (d *decoder) uvarint() uint64 {
	if d.i <= len(d.b)-8 {
		x := binary.LittleEndian.Uint64(d.b[d.i:])
		if stop := ^x & varintStops; stop != 0 {
			n := uint(bits.TrailingZeros64(stop)) + 1
			d.i += int(n / 8)
			return gather(x, n)
		}
	}
	return d.slowUvarint()
}

// varintStops are the continuation bits of 8 bytes read as a little-endian uint64.
const varintStops = 0x8080808080808080

// gather returns the varint whose n bits (8 per byte, n from 8 to 64) start x, 8
// bytes read as a little-endian uint64.
func gather(x uint64, n uint) uint64 {
	x &= (1<<n - 1) & 0x7f7f7f7f7f7f7f7f // 1<<64 is 0: all ones for 8 bytes
	x = x&0x007f007f007f007f | x&0x7f007f007f007f00>>1
	x = x&0x00003fff00003fff | x&0x3fff00003fff0000>>2
	return x&0x000000000fffffff | x&0x0fffffff00000000>>4
}

// unzigzag turns a zigzag-coded varint into its value, as binary.Varint.
func unzigzag(ux uint64) int64 {
	x := int64(ux >> 1)
	if ux&1 != 0 {
		x = ^x
	}
	return x
}

// slowUvarint is uvarint near the end of the data, or of a varint longer than 8 bytes.
func (d *decoder) slowUvarint() uint64 {
	v, n := binary.Uvarint(d.b[min(d.i, len(d.b)):])
	if n <= 0 {
		d.bad = true
		d.i = len(d.b)
		return 0
	}
	d.i += n
	return v
}

func (d *decoder) levels(lv []orderbook.Level) []orderbook.Level {
	n := d.uvarint()
	// Each level takes at least two bytes: a count beyond that is corrupt, and must
	// not make the decoder allocate for it.
	if n > uint64(len(d.b)-d.i)/2 {
		d.bad = true
		return lv
	}
	start := len(lv)
	lv = slices.Grow(lv, int(n))[:start+int(n)]
	out := lv[start:]
	var price int64
	b, i := d.b, d.i
	for k := range out {
		// Most levels are two short varints with 16 bytes or more after them: read
		// each as 8 bytes at once (uvarint's fast path, written out here: a call per
		// varint is a good part of a replay's decoding).
		if i <= len(b)-16 {
			x := binary.LittleEndian.Uint64(b[i:])
			if stop := ^x & varintStops; stop != 0 {
				nx := uint(bits.TrailingZeros64(stop)) + 1
				y := binary.LittleEndian.Uint64(b[i+int(nx/8):])
				if stop := ^y & varintStops; stop != 0 {
					ny := uint(bits.TrailingZeros64(stop)) + 1
					i += int(nx/8 + ny/8)
					price += unzigzag(gather(x, nx))
					out[k] = orderbook.Level{Price: price, Qty: unzigzag(gather(y, ny))}
					continue
				}
			}
		}
		d.i = i
		price += d.varint()
		qty := d.varint()
		if d.bad {
			return lv[:start+k]
		}
		i = d.i
		out[k] = orderbook.Level{Price: price, Qty: qty}
	}
	d.i = i
	return lv
}
