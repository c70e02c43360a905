package main

// The heads of the --data files, read once for every probe a command asks of them.
// Before a backtest (or inspect, or book) reads a file, it asks up to four questions of
// its head: is it a Tardis CSV file, a Binance recording (which venue, symbol, scales),
// a Kraken one, a Bybit one. Each probe opening and inflating the file again cost every
// run four gzip readers and their buffers; a dataHeads opens each file once
// (detect.Head) and hands the records read to every probe.

import (
	"errors"
	"sync"

	"github.com/nanotick/nanotick/backtest"
	"github.com/nanotick/nanotick/feeds/binance"
	"github.com/nanotick/nanotick/feeds/detect"
	"github.com/nanotick/nanotick/feeds/recording"
)

// dataHeads holds the heads of the files a command probes, opened on first use. A nil
// *dataHeads is valid: each probe then reads the file on its own. Close it once the
// probes are done: the heads keep the records read.
type dataHeads struct {
	mu    sync.Mutex // opener's function may be called from any goroutine
	heads map[string]*detect.Head
}

func newDataHeads() *dataHeads { return &dataHeads{heads: map[string]*detect.Head{}} }

// head returns the Head of path, opening it on first use.
func (d *dataHeads) head(path string) (*detect.Head, error) {
	if h, ok := d.heads[path]; ok {
		return h, nil
	}
	h, err := detect.OpenHead(path)
	if err != nil {
		return nil, err
	}
	d.heads[path] = h
	return h, nil
}

// close closes every head and forgets it (a later probe opens the file again).
func (d *dataHeads) close() {
	if d == nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, h := range d.heads {
		h.Close()
	}
	clear(d.heads)
}

// opener returns open, except that the first open of a single file whose head d holds
// reads on from that head (detect.Head.Records): the run after the probes neither
// opens nor inflates the file's head again. A head that cannot be handed over is
// closed and the file opened by open.
func (d *dataHeads) opener(open backtest.OpenFunc) backtest.OpenFunc {
	return func(files ...string) (backtest.Records, error) {
		if len(files) == 1 {
			d.mu.Lock()
			h, ok := d.heads[files[0]]
			delete(d.heads, files[0])
			d.mu.Unlock()
			if ok {
				if r, ok := h.Records(); ok {
					return headRecords{r}, nil
				}
				h.Close()
			}
		}
		return open(files...)
	}
}

// headRecords is backtest.Records over a head handed over: like backtest/recorded's
// reader, it skips the malformed lines, which Malformed counts.
type headRecords struct{ r *detect.HeadRecords }

func (r headRecords) Next() (int64, []byte, error) {
	for {
		rec, err := r.r.Next()
		if err == nil {
			return rec.Local, rec.Frame, nil
		}
		if !errors.Is(err, recording.ErrMalformed) {
			return 0, nil, err
		}
	}
}

func (r headRecords) Malformed() uint64             { return uint64(r.r.Malformed()) }
func (r headRecords) Progress() (done, total int64) { return r.r.Progress() }
func (r headRecords) Close() error                  { return r.r.Close() }

// binance is detect.File over path's head.
func (d *dataHeads) binance(path string, venue binance.Venue) (detect.Result, error) {
	if d == nil {
		return detect.File(path, venue)
	}
	h, err := d.head(path)
	if err != nil {
		return detect.Result{}, err
	}
	return h.Binance(venue)
}

// kraken is detect.Kraken over path's head.
func (d *dataHeads) kraken(path string) (detect.KrakenResult, bool, error) {
	if d == nil {
		return detect.Kraken(path)
	}
	h, err := d.head(path)
	if err != nil {
		return detect.KrakenResult{}, false, err
	}
	return h.Kraken()
}

// bybit is detect.Bybit over path's head.
func (d *dataHeads) bybit(path string) (detect.BybitResult, bool, error) {
	if d == nil {
		return detect.Bybit(path)
	}
	h, err := d.head(path)
	if err != nil {
		return detect.BybitResult{}, false, err
	}
	return h.Bybit()
}

// isRecording reports whether the first line of path is a record of a recording
// (a decimal timestamp, a space, a frame). A Tardis CSV file's first line, its
// header, never is, so tardisInputs need not open such a file again to read its
// header. It is false for a nil *dataHeads, and whenever the head cannot say.
func (d *dataHeads) isRecording(path string) bool {
	if d == nil {
		return false
	}
	h, err := d.head(path)
	if err != nil {
		return false
	}
	rec, err := h.First()
	return err == nil && rec.Line == 1
}
