// Package detect finds out which venue and instrument a Binance recording holds, and
// the decimal scales of its prices and quantities, from a short probe of its frames.
//
// It owns only that guess: it reads at most ProbeRecords records of one file, never
// decodes a frame fully, never keeps a frame past the Head that read it (the records
// one probe read are kept for the next probes of the same file, within a budget) and
// never decides trading rules (tick, lot, limits): those come from the instrument
// table or a config.
package detect

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/nanotick/nanotick/feeds/binance"
	"github.com/nanotick/nanotick/feeds/recording"
	"github.com/nanotick/nanotick/fixed"
)

// ProbeRecords is how far into a file Probe looks.
const ProbeRecords = 20000

// Result is what a probe found out, or what the caller imposed.
type Result struct {
	Venue      binance.Venue
	Instrument binance.Instrument // symbol and scales
	// How says how venue and scales were decided, for a report.
	How string
	// Guessed says the venue is a default: no depth stream was seen to tell.
	Guessed bool
}

// Name is the instrument's name, venue:SYMBOL (binance-spot:BTCUSDT).
func (r Result) Name() string { return VenueName(r.Venue) + ":" + r.Instrument.Symbol }

// VenueName is the venue's name in configs and instrument names.
func VenueName(v binance.Venue) string {
	switch v {
	case binance.Spot:
		return "binance-spot"
	case binance.USDM:
		return "binance-usdm"
	}
	return v.String()
}

// ParseVenue reads a venue as the command line gives it: spot, usdm, binance-spot,
// binance-usdm; "" means detect.
func ParseVenue(s string) (binance.Venue, error) {
	switch s {
	case "":
		return 0, nil
	case "spot", "binance-spot":
		return binance.Spot, nil
	case "usdm", "binance-usdm":
		return binance.USDM, nil
	}
	return 0, fmt.Errorf("unknown venue %q (want spot or usdm)", s)
}

// File probes the first records of one recording. The venue is venue if it is not
// zero, else the depth stream's: futures depth events carry "pu" and only futures
// have "@depth@0ms". The symbol comes from the first stream name; the scales from the
// most decimals seen in the REST snapshot's (else the first depth event's) prices and
// quantities, else per-venue defaults (spot 8/8, USD-M 2/3).
//
// A file that cannot be opened or has no readable record is an error; a damaged file
// is otherwise left for the replay to report, with its line.
func File(path string, venue binance.Venue) (Result, error) {
	h, err := OpenHead(path)
	if err != nil {
		return Result{}, err
	}
	defer h.Close()
	return h.Binance(venue)
}

// Binance is File's probe of the Head's recording.
func (h *Head) Binance(venue binance.Venue) (Result, error) {
	c := h.records()
	defer c.Close()
	return probe(c, venue)
}

func probe(r recordReader, venue binance.Venue) (Result, error) {
	res := Result{Venue: venue, Instrument: binance.Instrument{PriceScale: 8, QtyScale: 8}}
	if venue == binance.USDM {
		res.Instrument.PriceScale, res.Instrument.QtyScale = 2, 3
	}
	var depth, snap []byte
	n := 0
	var firstErr error
	for n < ProbeRecords && (depth == nil || snap == nil || res.Instrument.Symbol == "") {
		rec, err := r.Next()
		if err != nil {
			if errors.Is(err, recording.ErrMalformed) {
				continue
			}
			if err != io.EOF {
				firstErr = err
			}
			break
		}
		n++
		frame := rec.Frame
		switch {
		case snap == nil && bytes.HasPrefix(frame, []byte(`{"lastUpdateId"`)):
			snap = bytes.Clone(frame)
		case depth == nil && bytes.Contains(frame, []byte(`"depthUpdate"`)):
			depth = bytes.Clone(frame)
		}
		if res.Instrument.Symbol == "" {
			if _, rest, ok := bytes.Cut(frame, []byte(`"stream":"`)); ok {
				if sym, _, ok := bytes.Cut(rest, []byte("@")); ok {
					res.Instrument.Symbol = strings.ToUpper(string(sym))
				}
			}
		}
	}
	if n == 0 && firstErr != nil {
		return res, firstErr
	}
	how := "venue given"
	if res.Venue == 0 {
		switch {
		case depth == nil:
			res.Venue, how = binance.Spot, "no depth stream seen: venue spot by default"
			res.Guessed = true
		case bytes.Contains(depth, []byte(`"pu":`)) || bytes.Contains(depth, []byte("@depth@0ms")):
			res.Venue, how = binance.USDM, `venue from the depth stream's "pu"`
			res.Instrument.PriceScale, res.Instrument.QtyScale = 2, 3
		default:
			res.Venue, how = binance.Spot, `venue from the depth stream (no "pu")`
		}
	}
	src, from := snap, "snapshot"
	if src == nil {
		src, from = depth, "first depth event"
	}
	if ps, qs, ok := levelDecimals(src); ok {
		res.Instrument.PriceScale, res.Instrument.QtyScale = fixed.Scale(ps), fixed.Scale(qs)
		how += ", scales from the " + from
	} else {
		how += ", scales by venue default"
	}
	res.How = how
	return res, nil
}

// levelDecimals returns the most decimals among the ["price","qty"] pairs of a frame.
func levelDecimals(frame []byte) (ps, qs int, ok bool) {
	for {
		i := bytes.Index(frame, []byte(`["`))
		if i < 0 {
			return ps, qs, ok
		}
		frame = frame[i+2:]
		p, rest, found := bytes.Cut(frame, []byte(`","`))
		if !found {
			return ps, qs, ok
		}
		q, _, found := bytes.Cut(rest, []byte(`"`))
		if !found {
			return ps, qs, ok
		}
		ps, qs, ok = max(ps, decimals(p)), max(qs, decimals(q)), true
		frame = rest
	}
}

func decimals(num []byte) int {
	if i := bytes.IndexByte(num, '.'); i >= 0 {
		return min(len(num)-i-1, int(fixed.MaxScale))
	}
	return 0
}
