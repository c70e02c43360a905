package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/backtest"
	"github.com/nanotick/nanotick/perp"
)

// fundingFlags are backtest's funding options for perpetuals (see backtest.Funding).
type fundingFlags struct {
	file     *string
	rate     *string
	interval *time.Duration
	off      *bool
}

func addFundingFlags(fs *flag.FlagSet) fundingFlags {
	return fundingFlags{
		file:     fs.String("funding-file", "", "perpetuals: CSV of funding rates (fundingTime,fundingRate[,markPrice], as GET /fapi/v1/fundingRate) charged at their times, instead of the recording's mark price stream"),
		rate:     fs.String("funding-rate", "", "perpetuals: one funding rate (0.0001 = 0.01%) charged every --funding-interval at the book's mid, instead of the recording's mark price stream"),
		interval: fs.Duration("funding-interval", 8*time.Hour, "perpetuals: the funding grid of --funding-rate, from 00:00 UTC"),
		off:      fs.Bool("no-funding", false, "perpetuals: charge no funding"),
	}
}

// apply sets f's choices on cfg.
func (f fundingFlags) apply(cfg *backtest.Config) error {
	if *f.file != "" && *f.rate != "" {
		return fmt.Errorf("--funding-file and --funding-rate are two sources of the same rates: give one")
	}
	fund := backtest.Funding{Disabled: *f.off}
	if *f.file != "" {
		fh, err := os.Open(*f.file)
		if err != nil {
			return fmt.Errorf("--funding-file: %w", err)
		}
		defer fh.Close()
		rates, err := perp.ReadRatesCSV(fh)
		if err != nil {
			return fmt.Errorf("--funding-file %s: %w", *f.file, err)
		}
		fund.Rates, fund.RatesName = rates, filepath.Base(*f.file)
	}
	if *f.rate != "" {
		r, err := decimal.NewFromString(*f.rate)
		if err != nil || r.Abs().GreaterThan(decimal.NewFromInt(1)) {
			return fmt.Errorf("--funding-rate %q: want a fraction such as 0.0001 (0.01%%)", *f.rate)
		}
		if *f.interval < time.Minute {
			return fmt.Errorf("--funding-interval %s: want at least a minute", *f.interval)
		}
		fund.Constant, fund.HasConstant = r, true
		fund.Schedule = perp.Schedule{Interval: *f.interval}
	}
	cfg.Funding = fund
	return nil
}
