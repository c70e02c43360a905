package main

// inspect and book over Kraken WebSocket v2 recordings (nanotick record --venue
// kraken): the frames replay through feeds/kraken's md.Feed, as the engine reads them,
// every book message verified by its checksum, at the scales of the instrument snapshot
// recorded at the head of each file (feeds/detect.Kraken).

import (
	"fmt"
	"io"

	"github.com/nanotick/nanotick/feeds/kraken"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/md"
	"github.com/nanotick/nanotick/orderbook"
)

// krakenRecordings are Kraken's recordings to inspect, book and backtest: files read
// together must be of one pair at the same scales, the checksum's precisions.
var krakenRecordings = recordingVenue{
	name: "Kraken",
	probe: func(d *dataHeads, path string) (instrument.Spec, bool, error) {
		res, ok, err := d.kraken(path)
		return res.Spec, ok, err
	},
	merge: func(have, got instrument.Spec, file, first string) (instrument.Spec, error) {
		if got.ID != have.ID || got.PriceScale != have.PriceScale || got.QtyScale != have.QtyScale {
			return have, fmt.Errorf("%s holds %s at scales %d/%d, %s holds %s at %d/%d", file, got.ID,
				got.PriceScale, got.QtyScale, first, have.ID, have.PriceScale, have.QtyScale)
		}
		return have, nil
	},
	newFeed: func(sp *instrument.Spec, book *orderbook.Book) (md.Feed, error) {
		return kraken.NewMDFeed(sp, book, md.Config{})
	},
	instrument: func(sp *instrument.Spec) string {
		return fmt.Sprintf("%s, price scale %d, qty scale %d (Kraken's price_precision and qty_precision, from the recorded instrument snapshot)",
			sp.ID, sp.PriceScale, sp.QtyScale)
	},
	frames: func(k *[md.Mark + 1]uint64) string {
		return fmt.Sprintf("%d snapshots, %d updates, %d trades, %d book invalidations, %d other (instrument, heartbeats, answers)",
			k[md.Snapshot], k[md.Depth], k[md.Trade], k[md.StatusChange], k[md.None])
	},
	book: func(feed md.Feed) string {
		st := feed.(*kraken.MDFeed).Kraken().Stats()
		return fmt.Sprintf("checksums verified %d, mismatches %d, resubscriptions %d, malformed %d, ignored while not live %d",
			st.Snapshots+st.Updates, st.ChecksumMismatches, st.Resubscribes, st.Malformed, st.Ignored)
	},
	configScales: krakenConfigScales,
	rules:        krakenRules,
}

// krakenInputs reports whether files are Kraken recordings, and their instrument.
func (d *dataHeads) krakenInputs(files []string) (*instrument.Spec, bool, error) {
	return d.venueInputs(&krakenRecordings, files)
}

// inspectKraken is nanotick inspect over Kraken recordings.
func inspectKraken(files []string, sp *instrument.Spec, stdout, stderr io.Writer) int {
	return inspectVenue(&krakenRecordings, files, sp, stdout, stderr)
}

// bookKraken is nanotick book over Kraken recordings: the book after every verified
// snapshot or update.
func bookKraken(files []string, sp *instrument.Spec, p *bookPrinter, stderr io.Writer) int {
	return bookVenue(&krakenRecordings, files, sp, p, stderr)
}
