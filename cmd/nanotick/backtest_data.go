package main

// What the backtest's recordings hold: each --data file's venue and symbol are found
// from its streams (package detect, as inspect does), so that a run without a config
// trades the instrument the data is about, and a config whose instrument the data
// does not hold is refused before anything runs.

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/nanotick/nanotick/feeds/binance"
	"github.com/nanotick/nanotick/feeds/detect"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/risk"
	"github.com/nanotick/nanotick/strategy"
)

// dataFile is one recording and what its streams say it holds.
type dataFile struct {
	path string
	det  detect.Result
}

// detectData probes every file. Files of one instrument must be consecutive: they are
// segments of one stream, replayed in the order given.
func detectData(files []string) ([]dataFile, error) {
	out := make([]dataFile, 0, len(files))
	seen := map[string]bool{}
	for i, f := range files {
		res, err := detect.File(f, 0)
		if err != nil {
			return nil, fmt.Errorf("--data %s: %w", f, err)
		}
		name := res.Name()
		if seen[name] && out[i-1].det.Name() != name {
			return nil, fmt.Errorf("--data %s: files of %s must be given one after the other (they are consecutive segments of one stream)", filepath.Base(f), name)
		}
		seen[name] = true
		out = append(out, dataFile{path: f, det: res})
	}
	return out, nil
}

// instruments lists the distinct instruments of the files, in order of appearance.
func instruments(files []dataFile) []detect.Result {
	var out []detect.Result
	for _, f := range files {
		if len(out) == 0 || out[len(out)-1].Name() != f.det.Name() {
			out = append(out, f.det)
		}
	}
	return out
}

// usdmRules is BTCUSDT on Binance USD-M futures: tick 0.1, step 0.001, min notional
// 100 USDT, at the 2 and 3 decimals its feed sends.
func usdmRules() (strategy.Instrument, risk.Instrument) {
	return strategy.Instrument{Symbol: "BTCUSDT", PriceScale: 2, QtyScale: 3, Tick: 10, Lot: 1},
		risk.Instrument{PriceScale: 2, QtyScale: 3, Tick: 10, Lot: 1, MinQty: 1, MaxQty: 1000_000, MinNotional: 100_00}
}

// knownRules returns the trading rules of an instrument nanotick knows without a
// config: BTCUSDT on Binance Spot and on USD-M.
func knownRules(res detect.Result) (strategy.Instrument, risk.Instrument, error) {
	if res.Instrument.Symbol == "BTCUSDT" {
		switch res.Venue {
		case binance.Spot:
			si, ri := spotRules()
			return si, ri, nil
		case binance.USDM:
			si, ri := usdmRules()
			return si, ri, nil
		}
	}
	if res.Instrument.Symbol == "" {
		return strategy.Instrument{}, risk.Instrument{}, fmt.Errorf("no stream name in the first %d records: the symbol is unknown; give a config (--config) naming the instrument", detect.ProbeRecords)
	}
	return strategy.Instrument{}, risk.Instrument{}, fmt.Errorf("no trading rules are built in for %s: give a config (--config) declaring the instrument", res.Name())
}

// checkDataMatches refuses recordings that do not hold the configured instrument.
func checkDataMatches(files []dataFile, venue binance.Venue, symbol string) error {
	for _, f := range files {
		d := f.det
		if d.Instrument.Symbol != "" && !strings.EqualFold(d.Instrument.Symbol, symbol) || !d.Guessed && d.Venue != venue {
			return fmt.Errorf("--data %s holds %s (%s), but the strategy trades %s:%s",
				filepath.Base(f.path), d.Name(), d.How, detect.VenueName(venue), symbol)
		}
	}
	return nil
}

// applyData fits the settings to the recordings: without a config the instrument is
// the data's (and the default market maker quotes the USD-M minimum notional); with one,
// data that does not hold the configured instrument is refused. It returns an exit
// status, 0 to go on.
func (s *settings) applyData(files []dataFile, haveConfig, strategyGiven bool, stderr io.Writer) int {
	insts := instruments(files)
	if len(insts) > 1 {
		names := make([]string, len(insts))
		for i, in := range insts {
			names[i] = in.Name()
		}
		fmt.Fprintf(stderr, "nanotick backtest: the recordings hold %d instruments (%s): a backtest replays one instrument\n", len(insts), strings.Join(names, ", "))
		return 2
	}
	ec := &s.bt.Engine
	if haveConfig {
		if err := checkDataMatches(files, binanceVenue(ec.Venue), ec.Instrument.Symbol); err != nil {
			fmt.Fprintf(stderr, "nanotick backtest: %v\n", err)
			return 2
		}
		return 0
	}
	si, ri, err := knownRules(insts[0])
	if err != nil {
		fmt.Fprintf(stderr, "nanotick backtest: %s: %v\n", filepath.Base(files[0].path), err)
		return 2
	}
	ec.Venue, ec.Instrument, ec.Rules = insts[0].Venue.InstrumentVenue(), si, ri
	if ec.Venue == instrument.VenueBinanceUSDM && !strategyGiven {
		if _, ok := ec.Params["size"]; !ok {
			// The market maker's default 0.001 BTC is under USD-M's 100 USDT minimum.
			ec.Params["size"] = 0.002
		}
	}
	return 0
}
