package perp

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Schedule is a symbol's funding grid: funding happens at every multiple of Interval
// after Offset, in Unix time (BTCUSDT: every 8 hours from 00:00 UTC).
type Schedule struct {
	Interval time.Duration
	Offset   time.Duration
}

// DefaultSchedule is USD-M's usual grid: 00:00, 08:00 and 16:00 UTC.
var DefaultSchedule = Schedule{Interval: 8 * time.Hour}

// Next returns the first funding time strictly after t (Unix ns).
func (s Schedule) Next(t int64) int64 {
	iv := int64(s.Interval)
	if iv <= 0 {
		iv = int64(DefaultSchedule.Interval)
	}
	off := int64(s.Offset) % iv
	k := (t - off) / iv
	if t-off < 0 && (t-off)%iv != 0 {
		k-- // floor division for times before the offset
	}
	return off + (k+1)*iv
}

// Rate is one funding event: at Time (Unix ns) positions pay Rate of their notional at
// Mark (zero Mark: the caller's own mark price at that time).
type Rate struct {
	Time int64
	Rate decimal.Decimal
	Mark decimal.Decimal
}

// Rates are funding events in ascending time.
type Rates []Rate

// At returns the event at exactly t, if there is one.
func (r Rates) At(t int64) (Rate, bool) {
	i := sort.Search(len(r), func(i int) bool { return r[i].Time >= t })
	if i < len(r) && r[i].Time == t {
		return r[i], true
	}
	return Rate{}, false
}

// Between returns the events in (from, to], in order.
func (r Rates) Between(from, to int64) Rates {
	i := sort.Search(len(r), func(i int) bool { return r[i].Time > from })
	j := sort.Search(len(r), func(i int) bool { return r[i].Time > to })
	return r[i:j]
}

// maxRateRows bounds a funding CSV: three a day for a century is about 110,000 rows.
const maxRateRows = 1 << 20

// ReadRatesCSV reads funding rates from CSV with a header row naming a time column
// (fundingTime, calc_time, time or timestamp: Unix milliseconds, or RFC 3339) and a rate
// column (fundingRate, last_funding_rate or rate), and optionally markPrice. Binance's
// GET /fapi/v1/fundingRate fields and its downloadable funding files both fit. Rows must
// ascend in time. Errors name the line.
func ReadRatesCSV(r io.Reader) (Rates, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	line := 0
	timeCol, rateCol, markCol := -1, -1, -1
	var out Rates
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		fields := strings.Split(text, ",")
		if timeCol < 0 {
			for i, f := range fields {
				switch strings.Trim(strings.TrimSpace(f), `"`) {
				case "fundingTime", "calc_time", "time", "timestamp":
					timeCol = i
				case "fundingRate", "last_funding_rate", "rate":
					rateCol = i
				case "markPrice", "mark_price":
					markCol = i
				}
			}
			if timeCol < 0 || rateCol < 0 {
				return nil, fmt.Errorf("line %d: header needs a time column (fundingTime, calc_time, time, timestamp) and a rate column (fundingRate, last_funding_rate, rate), got %q", line, text)
			}
			continue
		}
		if len(out) >= maxRateRows {
			return nil, fmt.Errorf("line %d: more than %d funding rows", line, maxRateRows)
		}
		need := max(timeCol, rateCol, markCol)
		if len(fields) <= need {
			return nil, fmt.Errorf("line %d: %d fields, want at least %d", line, len(fields), need+1)
		}
		t, err := parseTime(strings.Trim(strings.TrimSpace(fields[timeCol]), `"`))
		if err != nil {
			return nil, fmt.Errorf("line %d: time: %w", line, err)
		}
		rate, err := decimal.NewFromString(strings.Trim(strings.TrimSpace(fields[rateCol]), `"`))
		if err != nil {
			return nil, fmt.Errorf("line %d: rate %q: not a decimal number", line, fields[rateCol])
		}
		if rate.Abs().GreaterThan(decimal.NewFromInt(1)) {
			return nil, fmt.Errorf("line %d: rate %s is beyond ±1 (100%%): a rate is a fraction, not a percentage", line, rate)
		}
		var mark decimal.Decimal
		if markCol >= 0 && strings.TrimSpace(fields[markCol]) != "" {
			if mark, err = decimal.NewFromString(strings.Trim(strings.TrimSpace(fields[markCol]), `"`)); err != nil || mark.Sign() < 0 {
				return nil, fmt.Errorf("line %d: markPrice %q: not a non-negative decimal", line, fields[markCol])
			}
		}
		if n := len(out); n > 0 && t <= out[n-1].Time {
			return nil, fmt.Errorf("line %d: time %s does not come after the row before (%s)", line,
				time.Unix(0, t).UTC().Format(time.RFC3339), time.Unix(0, out[n-1].Time).UTC().Format(time.RFC3339))
		}
		out = append(out, Rate{Time: t, Rate: rate, Mark: mark})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", line+1, err)
	}
	if timeCol < 0 {
		return nil, errors.New("empty funding file: no header")
	}
	return out, nil
}

// parseTime reads Unix milliseconds or RFC 3339 into Unix ns.
func parseTime(s string) (int64, error) {
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		if ms < 0 || ms > 1<<53 {
			return 0, fmt.Errorf("%q is out of range for Unix milliseconds", s)
		}
		return ms * int64(time.Millisecond), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return 0, fmt.Errorf("%q is neither Unix milliseconds nor RFC 3339", s)
	}
	return t.UnixNano(), nil
}
