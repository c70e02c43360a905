package detect

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/nanotick/nanotick/feeds/bybit"
	"github.com/nanotick/nanotick/feeds/recording"
	"github.com/nanotick/nanotick/instrument"
)

// BybitScale is the scale a Bybit recording is read at, prices and quantities alike:
// Bybit prints at most 8 decimals in any market, so every number is exact at it, and
// the config default of bybit-spot and bybit-linear instruments is the same.
const BybitScale = 8

// BybitResult is what a probe of a Bybit v5 recording found: the instrument (venue
// bybit-spot or bybit-linear, its symbol, the scales it is read at) and how.
type BybitResult struct {
	Spec instrument.Spec
	How  string
}

// IsBybit reports whether frame is a Bybit v5 public message: a topic of Bybit's
// (orderbook, publicTrade, tickers) or an op answer with Bybit's "ret_msg".
func IsBybit(frame []byte) bool {
	for _, t := range [...]string{"orderbook.", "publicTrade.", "tickers."} {
		if bytes.Contains(frame, []byte(`"topic":"`+t)) {
			return true
		}
	}
	return bytes.Contains(frame, []byte(`"ret_msg":`)) && bytes.Contains(frame, []byte(`"op":`))
}

// Bybit probes the first records of a recording made by "nanotick record --venue
// bybit-spot|bybit-linear". ok is false when the file is not a Bybit recording (its
// first readable record is not a Bybit message). The symbol is the orderbook topic's;
// the category is linear when a tickers message carries a mark price or a funding rate
// (the linear recorder subscribes to tickers, and only a derivative's ticker has them),
// spot otherwise.
func Bybit(path string) (res BybitResult, ok bool, err error) {
	h, err := OpenHead(path)
	if err != nil {
		return res, false, err
	}
	defer h.Close()
	return h.Bybit()
}

// Bybit is Bybit's probe of the Head's recording.
func (h *Head) Bybit() (res BybitResult, ok bool, err error) {
	r := h.records()
	defer r.Close()
	return bybitProbe(h.path, r)
}

// bybitProbe probes the records r reads of the recording at path.
func bybitProbe(path string, r recordReader) (res BybitResult, ok bool, err error) {
	symbol, linear := "", false
	for n := 0; n < ProbeRecords && !(symbol != "" && linear); n++ {
		rec, err := r.Next()
		if err != nil {
			if errors.Is(err, recording.ErrMalformed) {
				continue
			}
			if err == io.EOF {
				break
			}
			return res, ok, err
		}
		if !ok {
			if !IsBybit(rec.Frame) {
				return res, false, nil
			}
			ok = true
		}
		f := rec.Frame
		if _, rest, found := bytes.Cut(f, []byte(`"topic":"orderbook.`)); found && symbol == "" {
			if _, rest, found = bytes.Cut(rest, []byte(".")); found {
				if s, _, found := bytes.Cut(rest, []byte(`"`)); found {
					symbol = string(s)
				}
			}
		}
		if bytes.Contains(f, []byte(`"topic":"tickers.`)) && (bytes.Contains(f, []byte(`"markPrice"`)) || bytes.Contains(f, []byte(`"fundingRate"`))) {
			linear = true
		}
	}
	switch {
	case !ok:
		return res, false, nil
	case symbol == "":
		return res, ok, fmt.Errorf("%s: a Bybit recording without an orderbook message in its first %d records", path, ProbeRecords)
	}
	venue, how := bybit.VenueSpot, "bybit-spot: no ticker with a mark price"
	if linear {
		venue, how = bybit.VenueLinear, "bybit-linear: its tickers carry a mark price"
	}
	base, quote, _ := instrument.SplitSymbol(symbol)
	kind := instrument.Spot
	if linear {
		kind = instrument.Perpetual
	}
	res.Spec = instrument.Spec{ID: instrument.ID{Venue: venue, Symbol: symbol}, Kind: kind, Base: base, Quote: quote,
		PriceScale: BybitScale, QtyScale: BybitScale}
	res.How = fmt.Sprintf("venue %s, symbol from the orderbook topic, scales %d/%d (every Bybit number is exact at 8 decimals)", how, BybitScale, BybitScale)
	return res, ok, nil
}
