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
	"time"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/backtest"
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

// detectData probes every file (over its head, read once for every probe). Files of
// one instrument must be consecutive: they are segments of one stream, replayed in the
// order given.
func (d *dataHeads) detectData(files []string) ([]dataFile, error) {
	out := make([]dataFile, 0, len(files))
	seen := map[string]bool{}
	for i, f := range files {
		res, err := d.binance(f, 0)
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
func (s *settings) applyData(heads *dataHeads, files []dataFile, haveConfig, strategyGiven bool, stderr io.Writer) int {
	if code, ok := s.applyKrakenData(heads, files, haveConfig, stderr); ok {
		return code
	}
	if code, ok := s.applyBybitData(heads, files, haveConfig, stderr); ok {
		return code
	}
	insts := instruments(files)
	if len(insts) > 1 {
		return s.applyMulti(files, insts, haveConfig, stderr)
	}
	ec := &s.bt.Engine
	if haveConfig {
		if _, ok := binance.VenueOf(ec.Venue); !ok {
			fmt.Fprintf(stderr, "nanotick backtest: the strategy trades %s:%s, and --data holds Binance recordings (%s): a venue without a recorder is backtested from Tardis.dev CSV files\n",
				ec.Venue, ec.Instrument.Symbol, insts[0].Name())
			return 2
		}
		if err := checkDataMatches(files, binanceVenue(ec.Venue), ec.Instrument.Symbol); err != nil {
			fmt.Fprintf(stderr, "nanotick backtest: %v\n", err)
			return 2
		}
		return 0
	}
	if insts[0].Instrument.Symbol == "" {
		if why := noFrames(heads, files[0].path); why != "" {
			// Unreadable data, not a command line to fix: exit 1 (docs/backtesting.md).
			fmt.Fprintf(stderr, "nanotick backtest: --data %s: %s\n", files[0].path, why)
			return 1
		}
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

// knownSpecs are the instruments a backtest without a config knows the rules of.
var knownSpecs = map[string]func() instrument.Spec{
	"binance-spot:BTCUSDT": instrument.BinanceSpotBTCUSDT,
	"binance-usdm:BTCUSDT": instrument.BinanceUSDMBTCUSDT,
}

// applyMulti sets up a backtest of several instruments: the engine's instrument table in
// the order the data names them, each instrument's recordings its own stream.
func (s *settings) applyMulti(files []dataFile, insts []detect.Result, haveConfig bool, stderr io.Writer) int {
	names := make([]string, len(insts))
	for i, in := range insts {
		names[i] = in.Name()
	}
	if haveConfig {
		fmt.Fprintf(stderr, "nanotick backtest: the recordings hold %d instruments (%s), and a config's strategy trades one: give --data without --config\n", len(insts), strings.Join(names, ", "))
		return 2
	}
	specs := make([]instrument.Spec, len(insts))
	for i, name := range names {
		f, ok := knownSpecs[name]
		if !ok {
			fmt.Fprintf(stderr, "nanotick backtest: no trading rules are built in for %s (built in: %s)\n", name, strings.Join(sortedKeys(knownSpecs), ", "))
			return 2
		}
		specs[i] = f()
	}
	table, err := instrument.NewTable(specs...)
	if err != nil {
		fmt.Fprintf(stderr, "nanotick backtest: %v\n", err)
		return 2
	}
	ec := &s.bt.Engine
	ec.Instruments = table
	ec.Venue, ec.Instrument.Symbol = specs[0].ID.Venue, specs[0].ID.Symbol
	ec.Instrument.PriceScale, ec.Instrument.QtyScale = specs[0].PriceScale, specs[0].QtyScale
	s.bt.Instruments = make([]backtest.InstrumentData, len(insts))
	for _, f := range files {
		for i, name := range names {
			if f.det.Name() == name {
				s.bt.Instruments[i].Data = append(s.bt.Instruments[i].Data, f.path)
			}
		}
	}
	return 0
}

// applyVenueFlags reads --venue-latency and --quote-rate into the settings.
func (s *settings) applyVenueFlags(venueLat, quoteRates []string) error {
	for _, v := range venueLat {
		venue, spec, ok := strings.Cut(v, "=")
		if !ok || venue == "" {
			return fmt.Errorf("--venue-latency %q: want VENUE=ENTRY[,RESPONSE]", v)
		}
		es, rs, _ := strings.Cut(spec, ",")
		entry, err := time.ParseDuration(es)
		if err != nil {
			return fmt.Errorf("--venue-latency %q: %v", v, err)
		}
		resp := entry
		if rs != "" {
			if resp, err = time.ParseDuration(rs); err != nil {
				return fmt.Errorf("--venue-latency %q: %v", v, err)
			}
		}
		lat, err := backtest.ConstantLatency(entry, resp)
		if err != nil {
			return fmt.Errorf("--venue-latency %q: %v", v, err)
		}
		found := false
		if t := s.bt.Engine.Instruments; t != nil {
			for i := range s.bt.Instruments {
				if t.At(instrument.Index(i)).ID.Venue == venue {
					s.bt.Instruments[i].Latency, found = lat, true
				}
			}
		} else if s.bt.Engine.Venue == venue {
			s.bt.Latency, found = lat, true
		}
		if !found {
			return fmt.Errorf("--venue-latency %q: no instrument of the data is on %s", v, venue)
		}
		if s.venueLat == nil {
			s.venueLat = map[string]string{}
		}
		s.venueLat[venue] = lat.Describe()
	}
	for _, q := range quoteRates {
		asset, rate, ok := strings.Cut(q, "=")
		d, err := decimal.NewFromString(strings.TrimSpace(rate))
		if !ok || asset == "" || err != nil || d.Sign() <= 0 {
			return fmt.Errorf("--quote-rate %q: want ASSET=RATE, a positive number", q)
		}
		if s.bt.QuoteRates == nil {
			s.bt.QuoteRates = map[string]decimal.Decimal{}
		}
		s.bt.QuoteRates[strings.ToUpper(asset)] = d
	}
	return nil
}

// venueLatencyNote says which venues ran at their own latency, for the report.
func (s *settings) venueLatencyNote() string {
	var parts []string
	for _, v := range sortedKeys(s.venueLat) {
		parts = append(parts, v+": "+s.venueLat[v])
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, "; ") + ")"
}
