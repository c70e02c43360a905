package main

// inspect, book and backtest over Bybit v5 recordings (nanotick record --venue
// bybit-spot|bybit-linear): the frames replay through feeds/bybit's md.Feed, as the
// engine reads them, every delta checked against the book's u sequence, at the scales
// and venue feeds/detect.Bybit finds.

import (
	"fmt"
	"io"

	"github.com/nanotick/nanotick/feeds/bybit"
	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/md"
	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/risk"
	"github.com/nanotick/nanotick/strategy"
)

// bybitRecordings are Bybit's recordings to inspect, book and backtest. A linear file
// among spot ones (a spot probe that saw no ticker) counts as the linear instrument's.
var bybitRecordings = recordingVenue{
	name: "Bybit",
	probe: func(d *dataHeads, path string) (instrument.Spec, bool, error) {
		res, ok, err := d.bybit(path)
		return res.Spec, ok, err
	},
	merge: func(have, got instrument.Spec, file, first string) (instrument.Spec, error) {
		switch {
		case got.ID.Symbol != have.ID.Symbol:
			return have, fmt.Errorf("%s holds %s, %s holds %s", file, got.ID, first, have.ID)
		case got.ID.Venue == bybit.VenueLinear:
			return got, nil
		}
		return have, nil
	},
	newFeed: func(sp *instrument.Spec, book *orderbook.Book) (md.Feed, error) {
		return bybit.NewMDFeedDepth(sp, book, md.Config{}, bybit.DefaultDepth)
	},
	instrument: func(sp *instrument.Spec) string {
		return fmt.Sprintf("%s, price scale %d, qty scale %d", sp.ID, sp.PriceScale, sp.QtyScale)
	},
	frames: func(k *[md.Mark + 1]uint64) string {
		return fmt.Sprintf("%d snapshots, %d deltas, %d trades, %d tickers with reference prices, %d other (answers, spot tickers)",
			k[md.Snapshot], k[md.Depth], k[md.Trade], k[md.Mark], k[md.None])
	},
	book: func(feed md.Feed) string {
		c := feed.Counters()
		return fmt.Sprintf("applied %d (snapshots %d), gaps %d, resubscriptions %d, ignored before a snapshot %d, malformed %d",
			c.Applied, c.Snapshots, c.Gaps, c.Resyncs, c.Dropped, c.Malformed)
	},
	configScales: bybitConfigScales,
	rules:        bybitRules,
}

// bybitInputs reports whether files are Bybit recordings, and their instrument.
func (d *dataHeads) bybitInputs(files []string) (*instrument.Spec, bool, error) {
	return d.venueInputs(&bybitRecordings, files)
}

// inspectBybit is nanotick inspect over Bybit recordings.
func inspectBybit(files []string, sp *instrument.Spec, stdout, stderr io.Writer) int {
	return inspectVenue(&bybitRecordings, files, sp, stdout, stderr)
}

// bookBybit is nanotick book over Bybit recordings: the book after every applied
// snapshot or delta.
func bookBybit(files []string, sp *instrument.Spec, p *bookPrinter, stderr io.Writer) int {
	return bookVenue(&bybitRecordings, files, sp, p, stderr)
}

// applyBybitData fits the settings to Bybit recordings (applyVenueData).
func (s *settings) applyBybitData(heads *dataHeads, files []dataFile, haveConfig bool, stderr io.Writer) (code int, ok bool) {
	return s.applyVenueData(&bybitRecordings, heads, files, haveConfig, stderr)
}

// bybitConfigScales refuses fewer decimals than Bybit may print: they would refuse
// frames (ErrPrecision).
func bybitConfigScales(ps, qs fixed.Scale, sp *instrument.Spec) string {
	if ps < sp.PriceScale || qs < sp.QtyScale {
		return fmt.Sprintf("; a Bybit recording is read at %d/%d", sp.PriceScale, sp.QtyScale)
	}
	return ""
}

// bybitRules are the rules of Bybit's BTCUSDT at the recording's scales (tick 0.01
// spot, 0.1 linear; lot 0.000001 spot, 0.001 linear): Bybit's instrument rules are not
// in the recording, so any other symbol needs a config.
func bybitRules(sp *instrument.Spec) (strategy.Instrument, risk.Instrument, string) {
	if sp.ID.Symbol != "BTCUSDT" {
		return strategy.Instrument{}, risk.Instrument{}, fmt.Sprintf("--data holds %s, whose rules (tick, lot) the recording does not give", sp.ID)
	}
	tick, lot, minNotional := int64(1_000_000), int64(100), int64(5)
	if sp.ID.Venue == bybit.VenueLinear {
		tick, lot, minNotional = 10_000_000, 100_000, 5
	}
	minNotional *= sp.PriceScale.Unit()
	return strategy.Instrument{Symbol: sp.ID.Symbol, PriceScale: sp.PriceScale, QtyScale: sp.QtyScale, Tick: tick, Lot: lot},
		risk.Instrument{PriceScale: sp.PriceScale, QtyScale: sp.QtyScale, Tick: tick, Lot: lot, MinQty: lot, MaxQty: 1 << 62, MinNotional: minNotional}, ""
}
