// Package recording reads and writes nanotick's recorded-feed files, the
// input of the backtester and the output of the recorder.
//
// A recording is text, usually gzip-compressed, with one record per line:
//
//	<local receive time, decimal ns since the Unix epoch> <raw frame>\n
//
// where the frame is exactly what the venue sent (a websocket message or a
// REST body), so it never contains a newline.
//
// The package owns only this framing: it never parses frames, never
// reorders or drops records silently, and never holds more than one line in
// memory, whatever the size of the files. Reading allocates nothing per
// record once its buffers have grown to the longest line.
package recording

import (
	"bufio"
	"bytes"
	stdflate "compress/flate"
	stdgzip "compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync/atomic"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"

	"github.com/nanotick/nanotick/internal/eight"
)

// Record is one line of a recording.
type Record struct {
	Local int64  // local receive time, ns since the Unix epoch
	Frame []byte // the raw frame; valid only until the next call to Next
	File  string // the path of the file, as given to Open
	Line  int    // the line number in File, from 1
}

// MaxLineSize is the longest line the Reader accepts. A longer line is
// malformed: a corrupt file must not make the Reader hold unbounded memory.
const MaxLineSize = 16 << 20

// Errors wrapped in an *Error. ErrMalformed marks the only errors that Next
// can continue past; every other error ends the reading.
var (
	// ErrMalformed reports a line that is not a record. Calling Next again
	// continues with the next line.
	ErrMalformed = errors.New("malformed line")
	// ErrTruncated reports a file whose last line is cut: it has no newline.
	ErrTruncated = errors.New("truncated file: last line has no newline")
	// ErrClosed reports a call to Next after Close.
	ErrClosed = errors.New("recording: reader closed")
)

// Error reports a problem at a line of a recording. Line is the number of
// the line being read when it happened, so a file cut after 1234 complete
// lines reports line 1235.
type Error struct {
	File string
	Line int
	Err  error
}

func (e *Error) Error() string {
	return "recording: " + e.File + ":" + strconv.Itoa(e.Line) + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Buffer sizes. A line longer than lineBufSize is assembled in a separate
// buffer that grows once to the longest line (a REST depth snapshot is some
// 70 KB).
const (
	fileBufSize = 64 << 10
	lineBufSize = 64 << 10
)

// Reader reads the records of one or more recordings in order, as if they
// were one. It streams: memory does not grow with the size of the files.
// A Reader is not safe for concurrent use.
//
// A malformed line (no space after the timestamp, a timestamp that is not a
// decimal integer, a line longer than MaxLineSize) makes Next return an
// *Error wrapping ErrMalformed; calling Next again continues after it, and
// Malformed counts such lines. Any other error (a file that cannot be
// opened, a truncated or corrupt gzip stream, a last line without newline)
// is final: Next delivers every complete record before it, then returns the
// error, and keeps returning it.
type Reader struct {
	paths []string
	next  int // index in paths of the next file to open

	file *os.File
	name string        // path of the open file
	fbuf *bufio.Reader // over file: detects gzip and feeds the decompressor
	gz   *gzip.Reader  // reused for every gzip file
	// isGzip tells that the open file is gzip; salvaged, that its broken stream is
	// being read again by compress/gzip (see salvage).
	isGzip, salvaged bool
	std              *stdgzip.Reader
	fileBase         int64         // progress before the open file
	lines            *bufio.Reader // over the decompressed or plain text
	line             int           // number of the last line read in the open file

	long      []byte // a line longer than the lines buffer, assembled
	malformed int
	err       error // final error; io.EOF at the end

	// Progress, in bytes of the files as stored: read is updated as the open file is
	// read, and may be read from another goroutine (a progress display).
	counted countingFile
	read    atomic.Int64
	total   int64
}

// countingFile counts the bytes read from the open file into the Reader's progress.
type countingFile struct {
	f    *os.File
	read *atomic.Int64
}

func (c *countingFile) Read(p []byte) (int, error) {
	n, err := c.f.Read(p)
	c.read.Add(int64(n))
	return n, err
}

// Progress returns how many bytes of the files, as stored (compressed), have been read,
// and their total. It is safe from any goroutine.
func (r *Reader) Progress() (done, total int64) {
	return r.read.Load(), r.total
}

// Open returns a Reader of the recordings at paths, read in the given order.
// It checks that every file exists, so that a typo fails at once, but opens
// each one only when the previous one is done. Each file may be gzip or
// plain text: gzip is detected by its first magic byte.
func Open(paths ...string) (*Reader, error) {
	if len(paths) == 0 {
		return nil, errors.New("recording: no files to open")
	}
	var total int64
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("recording: %w", err)
		}
		total += fi.Size()
	}
	r := &Reader{
		paths: append([]string(nil), paths...),
		fbuf:  bufio.NewReaderSize(nil, fileBufSize),
		lines: bufio.NewReaderSize(nil, lineBufSize),
		total: total,
	}
	r.counted.read = &r.read
	return r, nil
}

// Next returns the next record. It returns io.EOF after the last record of
// the last file, and an error as described on Reader.
func (r *Reader) Next() (Record, error) {
	for r.err == nil {
		if r.file == nil {
			if r.next == len(r.paths) {
				r.err = io.EOF
				break
			}
			if err := r.openNext(); err != nil {
				r.fail(err)
				break
			}
		}
		line, err := r.readLine()
		switch {
		case err == nil:
		case err == io.EOF && len(line) == 0:
			r.closeFile() // end of this file; on to the next
			continue
		case err == io.EOF:
			r.fail(ErrTruncated)
			continue
		case errors.Is(err, ErrMalformed):
			r.malformed++
			return Record{}, &Error{File: r.name, Line: r.line, Err: err}
		default:
			if r.salvage() {
				continue
			}
			r.fail(err)
			continue
		}
		local, frame, err := parseLine(line)
		if err != nil {
			r.malformed++
			return Record{}, &Error{File: r.name, Line: r.line, Err: err}
		}
		return Record{Local: local, Frame: frame, File: r.name, Line: r.line}, nil
	}
	return Record{}, r.err
}

// Malformed returns the number of malformed lines Next has reported.
func (r *Reader) Malformed() int { return r.malformed }

// Close closes the open file. Next returns ErrClosed after it.
func (r *Reader) Close() error {
	err := r.closeFile()
	r.err = ErrClosed
	return err
}

// openNext opens paths[next] and sets up the line reader over it.
func (r *Reader) openNext() error {
	r.name = r.paths[r.next]
	r.next++
	r.line = 0
	f, err := os.Open(r.name)
	if err != nil {
		return err
	}
	r.file = f
	r.counted.f = f
	r.fbuf.Reset(&r.counted)
	r.isGzip, r.salvaged, r.fileBase = false, false, r.read.Load()
	// The first byte of gzip's magic, 0x1f, is a control character that
	// never starts a text line: even alone, as in a file cut after one
	// byte, it means gzip.
	if magic, _ := r.fbuf.Peek(1); len(magic) == 1 && magic[0] == 0x1f {
		if r.gz == nil {
			r.gz, err = gzip.NewReader(r.fbuf)
		} else {
			err = r.gz.Reset(r.fbuf)
		}
		r.isGzip = true
		if err != nil {
			// A header klauspost refuses may be one compress/gzip reads (the fuzzer
			// found one): read it as salvage does, from the start.
			if r.salvage() {
				return nil
			}
			return gzipError(err)
		}
		r.lines.Reset(r.gz)
	} else {
		r.lines.Reset(r.fbuf)
	}
	return nil
}

// salvage is called when the decompressor fails: on a truncated or corrupt stream,
// klauspost's inflater (used for its speed) stops up to a few hundred bytes before
// the point where compress/gzip stops, so a record that compress/gzip delivers whole
// would be lost. The file is read again from its start by compress/gzip, the lines
// already delivered are skipped, and reading goes on from there: every complete
// record that compress/gzip can recover is delivered, and the error reported is
// compress/gzip's. Only a broken file pays for the second pass. It reports false when
// there is nothing to salvage (a plain file, or a second failure).
func (r *Reader) salvage() bool {
	if !r.isGzip || r.salvaged || r.file == nil {
		return false
	}
	r.salvaged = true
	if _, err := r.file.Seek(0, io.SeekStart); err != nil {
		return false
	}
	r.read.Store(r.fileBase)
	r.fbuf.Reset(&r.counted)
	var err error
	if r.std == nil {
		r.std, err = stdgzip.NewReader(r.fbuf)
	} else {
		err = r.std.Reset(r.fbuf)
	}
	if err != nil {
		return false
	}
	r.lines.Reset(r.std)
	for skipped := 0; skipped < r.line; {
		_, err := r.lines.ReadSlice('\n')
		switch {
		case err == nil:
			skipped++
		case err == bufio.ErrBufferFull:
		default:
			// compress/gzip fails before the point klauspost reached: report its error
			// at the line where reading stopped.
			r.fail(gzipError(err))
			return true
		}
	}
	return true
}

// fail makes err, which happened at the line being read, final.
func (r *Reader) fail(err error) {
	r.err = &Error{File: r.name, Line: r.line + 1, Err: err}
	r.closeFile()
}

func (r *Reader) closeFile() error {
	if r.file == nil {
		return nil
	}
	err := r.file.Close()
	r.file = nil
	return err
}

// readLine returns the next line without its newline, and counts it. At the
// end of the file it returns what it read of a last line without newline,
// maybe nothing, and io.EOF; such a line is not counted, since the error
// names the line being read. Errors of the decompressor are returned as
// gzipError describes them.
func (r *Reader) readLine() ([]byte, error) {
	line, err := r.lines.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		line, err = r.readLongLine(line)
	}
	switch {
	case err == nil:
		r.line++
		return line[:len(line)-1], nil
	case errors.Is(err, ErrMalformed):
		r.line++
		return nil, err
	case err == io.EOF:
		return line, err
	}
	return nil, gzipError(err)
}

// readLongLine assembles a line longer than the lines buffer in r.long, of
// which first is the beginning. A line longer than MaxLineSize is skipped
// up to its newline and reported as malformed.
func (r *Reader) readLongLine(first []byte) ([]byte, error) {
	r.long = append(r.long[:0], first...)
	for {
		part, err := r.lines.ReadSlice('\n')
		if len(r.long)+len(part) > MaxLineSize {
			for err == bufio.ErrBufferFull {
				_, err = r.lines.ReadSlice('\n')
			}
			if err == io.EOF {
				return nil, ErrTruncated
			}
			if err != nil {
				return nil, err
			}
			return nil, fmt.Errorf("%w: longer than %d bytes", ErrMalformed, MaxLineSize)
		}
		r.long = append(r.long, part...)
		if err != bufio.ErrBufferFull {
			return r.long, err
		}
	}
}

// gzipError describes an error of the decompressor, or of reading the file
// under it.
func gzipError(err error) error {
	var corrupt flate.CorruptInputError
	var stdCorrupt stdflate.CorruptInputError
	switch {
	case err == io.ErrUnexpectedEOF:
		return fmt.Errorf("truncated gzip stream: %w", err)
	case errors.Is(err, gzip.ErrChecksum), errors.Is(err, gzip.ErrHeader), errors.As(err, &corrupt),
		errors.Is(err, stdgzip.ErrChecksum), errors.Is(err, stdgzip.ErrHeader), errors.As(err, &stdCorrupt):
		return fmt.Errorf("corrupt gzip stream: %w", err)
	}
	return err
}

// parseLine splits a line into its timestamp and its frame.
func parseLine(line []byte) (int64, []byte, error) {
	ts, frame, ok := bytes.Cut(line, []byte{' '})
	if !ok {
		return 0, nil, fmt.Errorf("%w: no space after the timestamp", ErrMalformed)
	}
	local, ok := parseInt(ts)
	if !ok {
		return 0, nil, fmt.Errorf("%w: timestamp %q is not a decimal integer of nanoseconds", ErrMalformed, excerpt(ts))
	}
	return local, frame, nil
}

// parseInt parses an optionally negative decimal int64 without allocating,
// unlike strconv.ParseInt on a []byte converted to a string.
func parseInt(b []byte) (int64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 {
		return 0, false
	}
	// The first 18 digits cannot overflow (10^18 < 2^63): they are read without the
	// bound's check, eight at a time where there are eight. It is every record's
	// timestamp (19 digits today): the digit-by-digit loop with the check was 3% of a
	// backtest's instructions.
	head := b[:min(len(b), 18)]
	var u uint64
	for len(head) >= 8 {
		v, ok := eight.Digits(binary.LittleEndian.Uint64(head))
		if !ok {
			return 0, false
		}
		u = u*1e8 + v
		head = head[8:]
	}
	for _, c := range head {
		d := c - '0'
		if d > 9 {
			return 0, false
		}
		u = u*10 + uint64(d)
	}
	for _, c := range b[min(len(b), 18):] {
		if c < '0' || c > '9' || u > (1<<63)/10 {
			return 0, false
		}
		u = u*10 + uint64(c-'0')
	}
	switch {
	case neg && u <= 1<<63:
		return int64(-u), true // -(1<<63) wraps to itself: MinInt64
	case !neg && u < 1<<63:
		return int64(u), true
	}
	return 0, false
}

// excerpt shortens b for an error message.
func excerpt(b []byte) []byte {
	const n = 32
	if len(b) > n {
		return b[:n]
	}
	return b
}
