package main

// What nanotick record does alike for every venue whose market-data connection is a
// session.MarketData reading one instrument (Bybit, Kraken): the output directory, the
// log and the context of a recording, rotating files that each replay on their own, the
// book kept by the venue's md.Feed as the recording goes (to resubscribe when it breaks,
// exactly as the engine would), and the closing report. The venue's files hold what is
// the venue's: its flags, its feed and connection, and what heads each file.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/md"
	livesession "github.com/nanotick/nanotick/session"
)

// startRecording makes the output directory, the log and the context of a recording,
// which SIGINT, SIGTERM and the end of duration (when positive) end; stop releases
// them. A non-zero code is the exit status of a recording that could not start.
func startRecording(out string, verbose bool, duration time.Duration, stderr io.Writer) (ctx context.Context, log zerolog.Logger, stop func(), code int) {
	if err := os.MkdirAll(out, 0o755); err != nil {
		fmt.Fprintf(stderr, "nanotick record: %v\n", err)
		return nil, log, nil, 1
	}
	level := zerolog.InfoLevel
	if verbose {
		level = zerolog.DebugLevel
	}
	log = zerolog.New(zerolog.ConsoleWriter{Out: stderr, NoColor: true, TimeFormat: time.RFC3339}).Level(level).With().Timestamp().Logger()
	ctx, stopSignals := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	cancel := context.CancelFunc(func() {})
	if duration > 0 {
		ctx, cancel = context.WithTimeout(ctx, duration)
	}
	return ctx, log, func() { cancel(); stopSignals() }, 0
}

// venueRecorder writes one instrument's frames from a session.MarketData connection
// into rotating files. It is the connection's session.Sink, so everything runs on the
// connection's Run goroutine.
type venueRecorder struct {
	recorder
	conn  livesession.MarketData
	feed  md.Feed
	head  []byte // written at the top of every file (Kraken's instrument snapshot), or nil
	resub bool   // a rotation wants a fresh book snapshot
}

// record opens the first file and records until ctx ends or a write fails. A last file
// that holds nothing but its head is removed: a rotation just before the end.
func (r *venueRecorder) record(ctx context.Context, url string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r.cancel = cancel
	if err := r.openFile(time.Now()); err != nil {
		return err
	}
	r.log.Info().Str("url", url).Str("dir", r.dir).Msg("recording")
	runErr := r.conn.Run(ctx, r, livesession.RunOptions{IdleInterval: 10 * time.Millisecond})
	closeErr := r.close()
	headOnly := uint64(0)
	if r.head != nil {
		headOnly = 1
	}
	if closeErr == nil && r.fileRecords <= headOnly && len(r.files) > 1 {
		last := r.files[len(r.files)-1]
		if err := os.Remove(last); err == nil {
			r.files = r.files[:len(r.files)-1]
		}
	}
	return errors.Join(runErr, r.err, closeErr)
}

// report prints the files, then the error or the counters; it returns the exit status.
func (r *venueRecorder) report(err error, stdout, stderr io.Writer) int {
	for _, f := range r.files {
		fmt.Fprintln(stdout, f)
	}
	if err != nil {
		fmt.Fprintf(stderr, "nanotick record: %v\n", err)
		return 1
	}
	var k livesession.Counters
	if r.conn != nil {
		k = r.conn.Counters()
	}
	st := r.feed.Counters()
	fmt.Fprintf(stdout, "records %d  frames %d  snapshots %d  reconnects %d  resyncs %d  malformed %d  files %d\n",
		r.records, k.Frames, st.Snapshots, k.Reconnects, k.Resyncs, st.Malformed+k.Malformed, len(r.files))
	return 0
}

// openFile opens a file and writes the head at its top.
func (r *venueRecorder) openFile(now time.Time) error {
	if err := r.open(now); err != nil {
		return err
	}
	if r.head == nil {
		return nil
	}
	if err := r.w.Write(now.UnixNano(), r.head); err != nil {
		return fmt.Errorf("write %s: %w", r.file.Name(), err)
	}
	r.records++
	r.fileRecords++
	return nil
}

// Frame implements session.Sink: write the frame, then let the feed keep the book.
func (r *venueRecorder) Frame(i instrument.Index, frame []byte, local int64) error {
	if !r.write(frame, local) {
		return nil
	}
	ev, err := r.feed.Decode(frame)
	if err != nil {
		return err
	}
	if ev != nil && ev.Kind == md.Snapshot {
		r.fileSnap = true
	}
	return r.feed.Apply(local)
}

// Snapshot implements session.Sink. It is never called: these venues' snapshots come
// as frames of a new subscription.
func (r *venueRecorder) Snapshot(i instrument.Index, body []byte, local int64) error {
	return errors.New("record: a snapshot body from a connection that sends none")
}

// NeedSnapshot implements session.Sink: after the book broke, and after a rotation, so
// that each file starts with a book snapshot.
func (r *venueRecorder) NeedSnapshot(i instrument.Index) bool {
	if r.resub {
		r.resub = false
		return true
	}
	return r.feed.NeedSnapshot()
}

// Reset implements session.Sink.
func (r *venueRecorder) Reset(i instrument.Index) { r.feed.Reset() }

// State implements session.Sink: the connection logs its changes itself.
func (r *venueRecorder) State(livesession.State, error, int64) {}

// Idle implements session.Sink: flush every second, rotate when the file is big or old,
// and resubscribe the book then, so that the new file starts with a snapshot.
func (r *venueRecorder) Idle(now int64) {
	if r.rotate(now, r.openFile) {
		r.resub = true
	}
}
