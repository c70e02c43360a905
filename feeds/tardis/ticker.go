package tardis

import (
	"github.com/nanotick/nanotick/feeds/binance"
	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/md"
)

// derivative_ticker is Tardis's dataset of a derivative's reference prices
// (https://docs.tardis.dev/downloadable-csv-files, "derivative_ticker"): one row each
// time the venue's ticker, mark price, funding or open interest channel changed any of
//
//	exchange,symbol,timestamp,local_timestamp,funding_timestamp,funding_rate,
//	predicted_funding_rate,open_interest,last_price,index_price,mark_price
//
// Tardis's normalizer (tardis-node, mappers/mapper.ts PendingTickerInfoHelper) keeps
// the last value of each field and writes them all on every row, so a field is empty
// only until the venue first gave it, or always when the venue never gives it:
// Deribit gives no funding_timestamp (its perpetual funds continuously), Binance and
// Bybit no predicted_funding_rate. funding_rate is the rate of the coming funding,
// which settles at funding_timestamp (Binance markPrice "r" and "T", Bybit
// fundingRate and nextFundingTime, OKX funding-rate fundingRate and fundingTime;
// Deribit's current_funding). A row becomes an md.Mark event whose Fields say which of
// mark price, index price, funding rate and next funding time it carried, so that a
// backtest values positions, shows a strategy mark(), fundingRate() and
// nextFundingTime(), and charges funding at funding_timestamp, as it does from a
// Binance USD-M recording's markPrice frames.

// TickerHeader is derivative_ticker's header.
const TickerHeader = "exchange,symbol,timestamp,local_timestamp,funding_timestamp,funding_rate,predicted_funding_rate,open_interest,last_price,index_price,mark_price"

// DerivativeTicker is the derivative_ticker dataset.
const DerivativeTicker Dataset = "derivative_ticker"

// tickerColumns is derivative_ticker's number of columns, the most of the row
// datasets read through common.
const tickerColumns = 11

// TickerRow is one row of derivative_ticker.
type TickerRow struct {
	Time  int64 // exchange time (timestamp), Unix ns
	Local int64 // arrival time (local_timestamp), Unix ns
	// Mark holds the row's mark and index prices (at md.MarkPriceScale), funding rate
	// (at md.RateScale) and funding time (Unix ns); Mark.Fields says which the row
	// had. The other columns are checked to be numbers or empty, and not kept.
	Mark md.PerpMark
}

// TickerReader streams derivative_ticker rows.
type TickerReader struct {
	common
	row TickerRow
}

// OpenTicker returns a reader of the derivative_ticker files at paths, read in order,
// keeping the rows of inst.Symbol (all rows if it is empty), like OpenBook. Only the
// symbol of inst matters: the reference prices are read at md's scales.
func OpenTicker(inst binance.Instrument, paths ...string) (*TickerReader, error) {
	return openTicker(inst, nil, paths)
}

func openTicker(inst binance.Instrument, open openFile, paths []string) (*TickerReader, error) {
	l, err := newLines(TickerHeader, paths, open)
	if err != nil {
		return nil, err
	}
	return &TickerReader{common: common{l: l, inst: inst, width: tickerColumns}}, nil
}

// Next returns the next row, valid until the next call, or io.EOF after the last.
func (r *TickerReader) Next() (*TickerRow, error) {
	for {
		ts, local, _, err := r.common.row()
		if err != nil {
			return nil, err
		}
		row := TickerRow{Time: ts, Local: local}
		if what, v := parseTicker(r.cols(), &row.Mark); what != "" {
			if err := r.malformed(r.bad(what, v)); err != nil {
				return nil, err
			}
			continue
		}
		r.c.Rows++
		r.row = row
		return &r.row, nil
	}
}

// parseTicker reads the columns after local_timestamp of a derivative_ticker row into
// m. It returns the name and text of the first bad column, or "" when the row is good.
// An empty column is a field the venue did not give; prices must be positive.
func parseTicker(f [][]byte, m *md.PerpMark) (what string, v []byte) {
	*m = md.PerpMark{}
	if len(f[4]) > 0 {
		t, ok := micros(f[4])
		if !ok {
			return "funding_timestamp", f[4]
		}
		if t > 0 {
			m.NextFunding, m.Fields = t, m.Fields|md.HasNextFunding
		}
	}
	if len(f[5]) > 0 {
		r, ok := parseRef(f[5], md.RateScale)
		if !ok {
			return "funding_rate", f[5]
		}
		m.FundingRate, m.Fields = r, m.Fields|md.HasFundingRate
	}
	for i, name := range [...]string{6: "predicted_funding_rate", 7: "open_interest", 8: "last_price"} {
		if i >= 6 && len(f[i]) > 0 && !numberSyntax(f[i]) {
			return name, f[i]
		}
	}
	if len(f[9]) > 0 {
		p, ok := parseRef(f[9], md.MarkPriceScale)
		if !ok || p <= 0 {
			return "index_price", f[9]
		}
		m.Index, m.Fields = p, m.Fields|md.HasIndexPrice
	}
	if len(f[10]) > 0 {
		p, ok := parseRef(f[10], md.MarkPriceScale)
		if !ok || p <= 0 {
			return "mark_price", f[10]
		}
		m.Price, m.Fields = p, m.Fields|md.HasMarkPrice
	}
	return "", nil
}

// number is a decimal number's text split into its parts: the digits of the
// mantissa (the point skipped), where the point stands among them, the exponent and
// the sign.
type number struct {
	mant    []byte // mantissa text, digits with at most one '.'
	neg     bool
	exp     int // the e/E exponent
	digits  int // digits in mant
	intPart int // digits before the point
}

// scan splits text of the form [-+]digits[.digits][(e|E)[-+]digits] (or .digits)
// into n, reporting false for anything else.
func (n *number) scan(b []byte) bool {
	*n = number{}
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		n.neg = b[0] == '-'
		b = b[1:]
	}
	end := len(b)
	for i, c := range b {
		if c == 'e' || c == 'E' {
			end = i
			break
		}
	}
	mant, exp := b[:end], b[end:]
	point := false
	for _, c := range mant {
		switch {
		case c >= '0' && c <= '9':
			n.digits++
			if !point {
				n.intPart++
			}
		case c == '.' && !point:
			point = true
		default:
			return false
		}
	}
	if n.digits == 0 {
		return false
	}
	n.mant = mant
	if len(exp) > 0 {
		exp = exp[1:]
		eneg := false
		if len(exp) > 0 && (exp[0] == '-' || exp[0] == '+') {
			eneg = exp[0] == '-'
			exp = exp[1:]
		}
		if len(exp) == 0 || len(exp) > 4 {
			return false
		}
		for _, c := range exp {
			if c < '0' || c > '9' {
				return false
			}
			n.exp = n.exp*10 + int(c-'0')
		}
		if eneg {
			n.exp = -n.exp
		}
	}
	return true
}

// digit returns the i-th mantissa digit (from 0), 0 past the last.
func (n *number) digit(i int) int64 {
	if i < 0 {
		return 0
	}
	for _, c := range n.mant {
		if c == '.' {
			continue
		}
		if i == 0 {
			return int64(c - '0')
		}
		i--
	}
	return 0
}

// numberSyntax reports whether b is a number parseRef's grammar accepts, whatever its
// size.
func numberSyntax(b []byte) bool {
	var n number
	return n.scan(b)
}

// parseRef reads a reference value (a mark or index price, a funding rate) at scale,
// rounding half away from zero: unlike a book's prices and amounts, which must be
// exact, these come from the venue with more decimals than any scale of ours
// (Deribit's funding rates, a JavaScript number such as 1.5e-7 as Tardis writes it),
// and a 10^-scale of them changes nothing anyone charges. It accepts an exponent. It
// reports false for bad text or a value that does not fit in an int64 at scale.
func parseRef(b []byte, scale fixed.Scale) (int64, bool) {
	var n number
	if !n.scan(b) {
		return 0, false
	}
	// The value is 0.d0 d1 d2 ... × 10^(intPart+exp): its integer at scale is the
	// first k digits, and digit k rounds it.
	k := n.intPart + n.exp + int(scale)
	if k < 0 {
		return 0, true
	}
	// Leading zeros add nothing but length: skip them so that "0000.5" fits.
	lead := 0
	for lead < n.digits && lead < k && n.digit(lead) == 0 {
		lead++
	}
	if k-lead > 18 {
		return 0, false
	}
	var v int64
	for i := lead; i < k; i++ {
		v = v*10 + n.digit(i)
	}
	if n.digit(k) >= 5 {
		v++
	}
	if n.neg {
		v = -v
	}
	return v, true
}
