// Package records is the seam between the backtester and the files it replays: the
// Reader interface that an opened recording implements, and the Open function type
// that opens one. It holds no code, so that the backtester can name these without
// importing a file format or a venue (package backtest/recorded implements them over
// nanotick's recordings).
package records

// Reader is recordings opened for reading: each record's local receive time and frame,
// in file order, the files read one after the other as one stream.
type Reader interface {
	// Next returns the next record, skipping malformed lines (which Malformed
	// counts). It returns io.EOF after the last record, or the error that stopped the
	// reading. The frame is valid until the next call.
	Next() (local int64, frame []byte, err error)
	// Malformed returns the malformed lines skipped so far.
	Malformed() uint64
	// Progress returns the bytes of the files read so far and their total.
	Progress() (done, total int64)
	// Close closes the open file.
	Close() error
}

// Open opens files as one stream of records.
type Open func(files ...string) (Reader, error)
