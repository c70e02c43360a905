// Package recorded gives the backtester what it must not name itself: the recording
// file format (feeds/recording) and the venues' market-data feeds (venues). The
// backtester takes both as values (backtest.Config.Open = recorded.Open,
// engine.Config.NewFeed = recorded.NewFeed), so that it imports no venue package. It
// owns no state and does no work of its own.
package recorded

import (
	"errors"

	"github.com/nanotick/nanotick/backtest/records"
	"github.com/nanotick/nanotick/feeds/recording"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/md"
	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/venues"
)

// NewFeed builds the market-data feed of spec's venue (venues.NewFeed): an md.NewFeed
// for engine.Config.NewFeed.
func NewFeed(spec *instrument.Spec, book *orderbook.Book, cfg md.Config) (md.Feed, error) {
	return venues.NewFeed(spec, book, cfg)
}

var (
	_ records.Open = Open
	_ md.NewFeed   = NewFeed
)

// Open opens recordings (plain or gzip, see feeds/recording) as one stream of
// records: a records.Open for backtest.Config.Open.
func Open(files ...string) (records.Reader, error) {
	r, err := recording.Open(files...)
	if err != nil {
		return nil, err
	}
	return &reader{r: r}, nil
}

// reader adapts a recording.Reader: it skips the malformed lines, which the reader
// counts.
type reader struct{ r *recording.Reader }

func (r *reader) Next() (int64, []byte, error) {
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

func (r *reader) Malformed() uint64             { return uint64(r.r.Malformed()) }
func (r *reader) Progress() (done, total int64) { return r.r.Progress() }
func (r *reader) Close() error                  { return r.r.Close() }
