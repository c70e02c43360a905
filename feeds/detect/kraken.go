package detect

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/nanotick/nanotick/feeds/kraken"
	"github.com/nanotick/nanotick/feeds/recording"
	"github.com/nanotick/nanotick/instrument"
)

// KrakenResult is what a probe of a Kraken WebSocket v2 recording found: the instrument
// (venue kraken, its symbol, and the scales of Kraken's instrument snapshot, the pair's
// price_precision and qty_precision, at which its book checksum is computed), and how.
type KrakenResult struct {
	Spec instrument.Spec
	How  string
}

// IsKraken reports whether frame is a Kraken WebSocket v2 message: an object with a
// "channel" of Kraken's (instrument, book, trade, status, heartbeat) or a "method"
// answer. Binance frames have neither.
func IsKraken(frame []byte) bool {
	for _, ch := range [...]string{"instrument", "book", "trade", "status", "heartbeat"} {
		if bytes.Contains(frame, []byte(`"channel":"`+ch+`"`)) {
			return true
		}
	}
	return bytes.HasPrefix(frame, []byte(`{"method":"`))
}

// Kraken probes the first records of a recording made by "nanotick record --venue
// kraken". ok is false when the file is not a Kraken recording (its first readable
// record is not a Kraken message). The scales come from the instrument snapshot at the
// head of the file; a recording without one, or whose book is of a pair the snapshot
// does not list, is an error: guessing them would fail every checksum.
func Kraken(path string) (res KrakenResult, ok bool, err error) {
	h, err := OpenHead(path)
	if err != nil {
		return res, false, err
	}
	defer h.Close()
	return h.Kraken()
}

// Kraken is Kraken's probe of the Head's recording.
func (h *Head) Kraken() (res KrakenResult, ok bool, err error) {
	r := h.records()
	defer r.Close()
	return krakenProbe(h.path, r)
}

// krakenProbe probes the records r reads of the recording at path.
func krakenProbe(path string, r recordReader) (res KrakenResult, ok bool, err error) {
	var pairs map[string]kraken.Pair
	symbol := ""
	for n := 0; n < ProbeRecords && (pairs == nil || symbol == ""); n++ {
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
			if !IsKraken(rec.Frame) {
				return res, false, nil
			}
			ok = true
		}
		f := rec.Frame
		switch {
		case pairs == nil && bytes.Contains(f, []byte(`"channel":"instrument"`)) && bytes.Contains(f, []byte(`"type":"snapshot"`)):
			if pairs, err = kraken.ParsePairs(f); err != nil {
				return res, ok, fmt.Errorf("%s:%d: %w", path, rec.Line, err)
			}
		case symbol == "" && bytes.Contains(f, []byte(`"channel":"book"`)):
			if _, rest, found := bytes.Cut(f, []byte(`"symbol":"`)); found {
				if s, _, found := bytes.Cut(rest, []byte(`"`)); found {
					symbol = string(s)
				}
			}
		}
	}
	switch {
	case !ok:
		return res, false, nil
	case symbol == "":
		return res, ok, fmt.Errorf("%s: a Kraken recording without a book message in its first %d records", path, ProbeRecords)
	case pairs == nil:
		return res, ok, fmt.Errorf("%s: a Kraken recording without the instrument snapshot that gives %s's scales (record it with nanotick record --venue kraken)", path, symbol)
	}
	p, listed := pairs[symbol]
	if !listed {
		return res, ok, fmt.Errorf("%s: the instrument snapshot does not list %s, the pair of the book", path, symbol)
	}
	res.Spec = p.Spec
	res.How = fmt.Sprintf("venue kraken from the frames, scales %d/%d from the recorded instrument snapshot", p.Spec.PriceScale, p.Spec.QtyScale)
	return res, ok, nil
}
