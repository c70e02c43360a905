package binance

import (
	"errors"

	"github.com/nanotick/nanotick/md"
)

// errZeroMark rejects a mark price of zero: no perpetual trades at zero, and a zero mark
// would value every position at nothing.
var errZeroMark = errors.New("zero mark price")

// Required-field bits of a mark price event, in the order of markFields.
const (
	mE = 1 << iota
	mp
	mi
	mr
	mT
)

var markFields = []string{"E", "p", "i", "r", "T"}

// markPrice reads a USD-M mark price event, as Binance's "Mark Price Stream" documents
// it: {"e":"markPriceUpdate","E":1562305380000,"s":"BTCUSDT","p":"11794.15000000",
// "i":"11784.62659091","P":"11784.25641265","r":"0.00038167","T":1562306400000}. The
// estimated settle price P is not read. Delivery contracts send "" for r and 0 for T.
func (d *Decoder) markPrice(b []byte, i int) (int, error) {
	ev := &d.ev.Mark
	*ev = MarkPrice{}
	var seen uint32
	end, err := members(KindMarkPrice, b, i, func(k []byte, i int) (int, error) {
		var err error
		switch string(k) {
		case "e":
			i, err = eventType(b, i, KindMarkPrice)
		case "E":
			ev.EventTime, i, err = intValue(b, i)
			seen |= mE
		case "s":
			i, err = d.symbol(b, i)
		case "p":
			ev.Price, i, err = decimal(b, i, md.MarkPriceScale)
			seen |= mp
		case "i":
			ev.Index, i, err = decimal(b, i, md.MarkPriceScale)
			seen |= mi
		case "r":
			// A rate may be negative, which prices never are: read it with the
			// signed parser. Delivery contracts send "".
			var raw []byte
			if raw, i, err = str(b, i); err == nil && len(raw) > 0 {
				ev.FundingRate, err = md.RateScale.Parse(raw)
			}
			seen |= mr
		case "T":
			ev.NextFunding, i, err = intValue(b, i)
			seen |= mT
		default:
			i, err = skipValue(b, i)
		}
		if err != nil {
			return i, fieldErr(KindMarkPrice, k, i, err)
		}
		return i, nil
	})
	if err == nil {
		err = missing(KindMarkPrice, seen, mE|mp|mi|mr|mT, markFields, end)
	}
	if err == nil && (ev.Price < 0 || ev.Index < 0 || ev.NextFunding < 0) {
		err = &Error{Kind: KindMarkPrice, Offset: i, Err: errNegative}
	}
	if err == nil && ev.Price == 0 {
		err = &Error{Kind: KindMarkPrice, Field: "p", Offset: i, Err: errZeroMark}
	}
	return end, err
}
