package htmlreport

import (
	"strconv"

	"github.com/nanotick/nanotick/backtest"
)

// instrumentRows are one summary row per instrument of a run of several: the other rows
// are their total.
func instrumentRows(r *backtest.Report) []row {
	if len(r.Instruments) < 2 {
		return nil
	}
	out := make([]row, 0, len(r.Instruments))
	for _, in := range r.Instruments {
		out = append(out, row{
			"Instrument " + in.Name,
			"PnL " + in.PnL.String() + " " + in.Quote + " (realized " + in.Realized.String() + ", unrealized " + in.Unrealized.String() +
				", fees " + in.Fees.String() + "); position " + in.Position.String() + "; " + strconv.FormatUint(in.Fills, 10) +
				" fills, volume " + in.Volume.String(),
		})
	}
	return out
}
