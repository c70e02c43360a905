package recording

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"

	// klauspost's gzip writes the same format as compress/gzip at the same level,
	// about twice as fast: a recorder runs beside the engine, so its CPU counts.
	"github.com/klauspost/compress/gzip"
)

// Errors of the Writer.
var (
	// ErrNewline reports a frame that contains a newline, which the format
	// cannot hold: it would end the record early.
	ErrNewline = errors.New("recording: frame contains a newline")
	// ErrWriterClosed reports a Write or Flush after Close.
	ErrWriterClosed = errors.New("recording: writer closed")
)

// Writer writes a gzip-compressed recording that Reader reads back.
// A Writer is not safe for concurrent use.
type Writer struct {
	gz  *gzip.Writer
	buf *bufio.Writer
	ts  [20]byte // room for any int64 in decimal
	err error    // sticky: after a failed write the stream is unusable
}

// NewWriter returns a Writer that writes a gzip stream to w. Close ends the
// stream; it does not close w.
func NewWriter(w io.Writer) *Writer {
	gz := gzip.NewWriter(w)
	return &Writer{gz: gz, buf: bufio.NewWriterSize(gz, 64<<10)}
}

// Write appends a record. A frame with a newline is refused with ErrNewline,
// and nothing is written. Records are buffered: Flush or Close makes them
// reach w.
func (w *Writer) Write(local int64, frame []byte) error {
	if w.err != nil {
		return w.err
	}
	if bytes.IndexByte(frame, '\n') >= 0 {
		return ErrNewline
	}
	w.buf.Write(strconv.AppendInt(w.ts[:0], local, 10))
	w.buf.WriteByte(' ')
	w.buf.Write(frame)
	if err := w.buf.WriteByte('\n'); err != nil {
		// bufio.Writer keeps the first error and reports it on every later
		// call, so checking the last one is enough.
		w.err = fmt.Errorf("recording: write: %w", err)
		return w.err
	}
	return nil
}

// Flush writes the buffered records to w as a complete gzip block, so that a
// reader of the file so far sees them. Flushing often costs compression.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	if err := w.buf.Flush(); err != nil {
		w.err = fmt.Errorf("recording: flush: %w", err)
		return w.err
	}
	if err := w.gz.Flush(); err != nil {
		w.err = fmt.Errorf("recording: flush: %w", err)
		return w.err
	}
	return nil
}

// Close flushes the buffered records and ends the gzip stream. It does not
// close the underlying writer. Write fails after Close; Close again does
// nothing.
func (w *Writer) Close() error {
	if w.err == ErrWriterClosed {
		return nil
	}
	if w.err != nil {
		return w.err
	}
	err := w.buf.Flush()
	if err == nil {
		err = w.gz.Close()
	}
	if err != nil {
		w.err = fmt.Errorf("recording: close: %w", err)
		return w.err
	}
	w.err = ErrWriterClosed
	return nil
}
