package detect

import (
	"errors"

	"github.com/nanotick/nanotick/feeds/recording"
)

// headBudget bounds the frame bytes a Head keeps. The probes of a Binance, Kraken or
// Bybit recording stop within its first hundred records (some 70 KB: the depth events
// before the REST snapshot, and the snapshot); a file that makes a probe read on to
// ProbeRecords is read on without keeping what is past the budget.
const headBudget = 4 << 20

// Head is the head of one recording, read and inflated once for every probe of it:
// Binance's (Head.Binance), Kraken's (Head.Kraken) and Bybit's (Head.Bybit) each read
// its records from the first, and the records the first probe read are kept for the
// next ones. File, Kraken and Bybit are each one probe over a Head of their own; a
// command that asks a file several questions opens one Head and asks it.
//
// A Head keeps copies of the records read, at most headBudget bytes of frames; a probe
// that needs a record past what is kept while another has read further reads the
// file again on its own. A Head is not safe for concurrent use.
type Head struct {
	path   string
	r      *recording.Reader
	items  []headItem // the records (and malformed-line errors) read, in order
	frames []byte     // the frames of items
	pos    int        // how many items r has returned (items holds the first len(items))
	end    error      // the error that ended r (io.EOF at the end), once seen
	budget int        // headBudget, smaller in tests
	opens  int        // how many times the file was opened, for tests
}

// headItem is one result of recording.Reader.Next: a record, or the malformed line a
// reader continues past.
type headItem struct {
	local    int64
	line     int
	off, end int // the frame is Head.frames[off:end]
	err      error
}

// OpenHead returns the Head of the recording at path. Like recording.Open it fails
// at once when the file does not exist; it reads nothing until a probe asks.
func OpenHead(path string) (*Head, error) {
	r, err := recording.Open(path)
	if err != nil {
		return nil, err
	}
	return &Head{path: path, r: r, budget: headBudget, opens: 1}, nil
}

// Close closes the file. The records kept stay readable.
func (h *Head) Close() error {
	if h.r == nil {
		return nil
	}
	err := h.r.Close()
	h.r = nil
	return err
}

// First returns the first record of the file, or the error that stands in its
// place (a malformed first line, a file that cannot be read, io.EOF for an empty
// file).
func (h *Head) First() (recording.Record, error) {
	c := h.records()
	return c.Next()
}

// records returns a reader of the Head's records from the first.
func (h *Head) records() *headCursor { return &headCursor{h: h} }

// recordReader is what the probes read: recording.Reader's Next.
type recordReader interface {
	Next() (recording.Record, error)
}

// headCursor reads a Head's records from the first, as a recording.Reader of the
// file would: the kept ones, then on from the shared reader, or from a reader of its
// own once the shared one is past what is kept.
type headCursor struct {
	h   *Head
	i   int               // the index of the next item
	own *recording.Reader // a reader of its own, once needed
}

// Next returns the next record, like recording.Reader.Next.
func (c *headCursor) Next() (recording.Record, error) {
	if c.own != nil {
		return c.own.Next()
	}
	h := c.h
	switch {
	case c.i < len(h.items):
		c.i++
		return h.kept(c.i - 1)
	case c.i == h.pos:
		if h.end != nil {
			return recording.Record{}, h.end
		}
		if h.r == nil {
			return recording.Record{}, recording.ErrClosed
		}
		rec, err := h.r.Next()
		if err != nil && !errors.Is(err, recording.ErrMalformed) {
			h.end = err
			return rec, err
		}
		h.pos++
		c.i++
		if h.keep(rec, err) {
			return c.h.kept(c.i - 1)
		}
		return rec, err
	}
	// The shared reader is past the records kept: read the file again, up to here.
	r, err := recording.Open(h.path)
	if err != nil {
		return recording.Record{}, err
	}
	h.opens++
	c.own = r
	for range c.i {
		if _, err := r.Next(); err != nil && !errors.Is(err, recording.ErrMalformed) {
			return recording.Record{}, err
		}
	}
	return r.Next()
}

// keep appends the record the shared reader just returned to the kept ones, while
// every record before it is kept and the budget allows. It reports whether it did.
func (h *Head) keep(rec recording.Record, err error) bool {
	if len(h.items) != h.pos-1 || len(h.frames)+len(rec.Frame) > h.budget {
		return false
	}
	off := len(h.frames)
	h.frames = append(h.frames, rec.Frame...)
	h.items = append(h.items, headItem{local: rec.Local, line: rec.Line, off: off, end: len(h.frames), err: err})
	return true
}

// kept returns kept item i as Next does. The frame is the Head's copy, valid as long
// as the Head: a later read does not overwrite it.
func (h *Head) kept(i int) (recording.Record, error) {
	it := &h.items[i]
	if it.err != nil {
		return recording.Record{}, it.err
	}
	return recording.Record{Local: it.local, Frame: h.frames[it.off:it.end:it.end], File: h.path, Line: it.line}, nil
}

// Close closes a reader of its own; the shared one is the Head's.
func (c *headCursor) Close() error {
	if c.own == nil {
		return nil
	}
	return c.own.Close()
}

// Records hands the Head's file over to a reader of all its records from the first:
// the kept ones, then on from where the probes stopped. The run that follows the
// probes then neither opens nor inflates the file's head again. ok is false, and the
// Head unchanged, when the Head did not keep every record it read, is closed, or was
// handed over already. After it, the reader owns the file (close the reader, not the
// Head) and the Head's probes read no further than what it kept.
func (h *Head) Records() (r *HeadRecords, ok bool) {
	if h.r == nil || len(h.items) != h.pos {
		return nil, false
	}
	r = &HeadRecords{h: h, r: h.r}
	h.r = nil
	return r, true
}

// HeadRecords reads a recording as recording.Reader does, from a Head's kept records
// on (see Head.Records).
type HeadRecords struct {
	h *Head // nil once its records are all read
	i int   // the next kept item
	r *recording.Reader
}

// Next returns the next record, or error, as recording.Reader.Next would.
func (hr *HeadRecords) Next() (recording.Record, error) {
	if hr.h != nil {
		if hr.i < len(hr.h.items) {
			hr.i++
			return hr.h.kept(hr.i - 1)
		}
		hr.h = nil // the kept records can go
	}
	return hr.r.Next()
}

// Malformed counts the malformed lines of the file read so far, those the probes read
// included: at the end of the file, the malformed lines Next returned.
func (hr *HeadRecords) Malformed() int { return hr.r.Malformed() }

// Progress is recording.Reader.Progress: the bytes of the file read, from the start
// (the probes' reading included), and its size.
func (hr *HeadRecords) Progress() (done, total int64) { return hr.r.Progress() }

// Close closes the file.
func (hr *HeadRecords) Close() error { return hr.r.Close() }
