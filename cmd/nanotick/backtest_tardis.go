package main

// Backtests over Tardis.dev CSV files given with --data: the venue and symbol of each
// file come from its rows (package tardis maps Tardis's exchange ids to venue names),
// the instrument's rules from the config's [[instrument]] (or the few built in), and
// the rows replay through tardis.MDFeed, whatever the venue: the format is Tardis's.

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/backtest"
	"github.com/nanotick/nanotick/backtest/records"
	"github.com/nanotick/nanotick/config"
	"github.com/nanotick/nanotick/feeds/tardis"
	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/strategy"
)

// tardisInput is one instrument's Tardis files, in the order given.
type tardisInput struct {
	id       instrument.ID
	exchange string // Tardis's id, as in the files
	book     []string
	trades   []string
	ticker   []string // derivative_ticker: mark price and funding
	snapshot bool     // the book files are book_snapshot_N
}

func (in *tardisInput) files() []string {
	return append(append(append([]string(nil), in.book...), in.trades...), in.ticker...)
}

// stream returns the options of the instrument's tardis.Stream.
func (in *tardisInput) stream(sp *instrument.Spec) tardis.StreamOptions {
	return tardis.StreamOptions{Spec: sp, Book: in.book, Trades: in.trades, Ticker: in.ticker}
}

// tardisInputs probes the --data files. ok is false when none is a Tardis CSV file;
// files of one kind only are accepted, and a Tardis file without rows, or mixing
// incremental_book_L2 with book_snapshot_N for one instrument, is an error. Each
// instrument's book files, and its trades files, are read in the order given.
func tardisInputs(paths []string) (ins []tardisInput, ok bool, err error) {
	return (*dataHeads)(nil).tardisInputs(paths)
}

// tardisInputs is the function tardisInputs, sparing the files whose head is a
// recording's a Tardis probe of their own.
func (d *dataHeads) tardisInputs(paths []string) (ins []tardisInput, ok bool, err error) {
	csv := 0
	infos := make([]tardis.Info, len(paths))
	for i, p := range paths {
		if d.isRecording(p) {
			continue // as tardis.ErrNotTardis
		}
		info, err := tardis.Probe(p)
		if errors.Is(err, tardis.ErrNotTardis) {
			continue
		}
		if err != nil {
			if csv == 0 && i == 0 {
				return nil, false, nil // not a CSV file at all: the recording reader says why
			}
			return nil, false, fmt.Errorf("%s: %w", p, err)
		}
		if info.Symbol == "" {
			return nil, false, fmt.Errorf("%s: a Tardis %s file without rows: its venue and symbol are unknown", p, info.Dataset)
		}
		infos[i] = info
		csv++
	}
	if csv == 0 {
		return nil, false, nil
	}
	if csv != len(paths) {
		return nil, false, errors.New("give either Tardis.dev CSV files or nanotick recordings, not both")
	}
	for i, p := range paths {
		info := infos[i]
		id := instrument.ID{Venue: tardis.VenueOf(info.Exchange, info.Symbol), Symbol: info.Symbol}
		k := -1
		for j := range ins {
			if ins[j].id == id {
				k = j
			}
		}
		if k < 0 {
			ins = append(ins, tardisInput{id: id, exchange: info.Exchange})
			k = len(ins) - 1
		}
		in := &ins[k]
		if info.Dataset == tardis.Trades {
			in.trades = append(in.trades, p)
			continue
		}
		if info.Dataset == tardis.DerivativeTicker {
			in.ticker = append(in.ticker, p)
			continue
		}
		snap := info.Dataset == tardis.BookSnapshot
		if len(in.book) > 0 && snap != in.snapshot {
			return nil, false, fmt.Errorf("%s: %s has incremental_book_L2 and book_snapshot files: give one kind", filepath.Base(p), id)
		}
		in.book, in.snapshot = append(in.book, p), snap
	}
	for i := range ins {
		if len(ins[i].book) == 0 && len(ins[i].trades) == 0 {
			return nil, false, fmt.Errorf("%s: derivative_ticker files of %s replay no market: give its incremental_book_L2 (or book_snapshot_N) or trades files too", filepath.Base(ins[i].ticker[0]), ins[i].id)
		}
	}
	return ins, true, nil
}

// specOfConfig is an [[instrument]] table as an instrument.Spec.
func specOfConfig(in *config.Instrument) (instrument.Spec, error) {
	sp := instrument.Spec{
		ID:   instrument.ID{Venue: string(in.Venue), Symbol: in.Symbol},
		Kind: instrument.Spot, Base: in.Base, Quote: in.Quote,
		PriceScale: in.PriceDecimals, QtyScale: in.QtyDecimals,
	}
	if in.Perpetual() {
		sp.Kind, sp.Inverse = instrument.Perpetual, in.Kind == config.KindInverse
	}
	for _, f := range []struct {
		key   string
		scale fixed.Scale
		d     decimal.Decimal
		dst   *int64
	}{
		{"tick_size", in.PriceDecimals, in.TickSize, &sp.Tick},
		{"lot_size", in.QtyDecimals, in.LotSize, &sp.Lot},
		{"min_qty", in.QtyDecimals, in.MinQty, &sp.MinQty},
		{"max_qty", in.QtyDecimals, in.MaxQty, &sp.MaxQty},
		{"min_notional", in.PriceDecimals, in.MinNotional, &sp.MinNotional},
		{"contract_size", in.QtyDecimals, in.ContractSize, &sp.ContractSize},
	} {
		v, err := f.scale.FromDecimal(f.d)
		if err != nil {
			return sp, fmt.Errorf("instrument %s: %s %s: %w", sp.ID, f.key, f.d, err)
		}
		*f.dst = v
	}
	return sp, nil
}

// missingRules is the error for data of an instrument nobody gave the rules of: it
// shows the [[instrument]] table to add.
func missingRules(in *tardisInput, haveConfig bool) error {
	where := "give a config (--config FILE) declaring it"
	if haveConfig {
		where = "the config does not declare it; add"
	}
	return fmt.Errorf(`no trading rules for %s (Tardis exchange %q, %s): %s:

  [[instrument]]
  venue = %q
  symbol = %q
  kind = "spot"            # or "perpetual" (linear), "inverse_perpetual" (coin-margined)
  base = "..."             # the base asset
  quote = "..."            # the quote asset
  tick_size = "..."
  lot_size = "..."
  max_qty = "..."
  price_decimals = ...     # decimals of the file's prices
  qty_decimals = ...       # decimals of its amounts (times contract_size)
  # contract_size = "..."  # where the venue counts contracts (OKX swaps: 0.01 BTC;
  #                        # inverse: the contract's value in the quote, BTC-USD-SWAP 100 USD)

(built in: %s)`, in.id, in.exchange, filepath.Base(in.files()[0]), where, in.id.Venue, in.id.Symbol, strings.Join(sortedKeys(knownSpecs), ", "))
}

// applyTardis sets up a backtest of Tardis files: one instrument per venue and symbol
// in the files, with the config's rules (or the built-in ones), the config's strategy
// trading its instrument first. It returns an exit status, 0 to go on.
func (s *settings) applyTardis(ins []tardisInput, c *config.Config, strategyGiven bool, stderr io.Writer) int {
	fail := func(err error) int {
		fmt.Fprintf(stderr, "nanotick backtest: %v\n", err)
		return 2
	}
	if c != nil {
		// The strategy's instrument goes first: it is the one a script's book and
		// orders mean.
		var st *config.Strategy
		for i := range c.Strategies {
			if c.Strategies[i].Name == s.bt.StrategyName {
				st = &c.Strategies[i]
			}
		}
		if st != nil && !strategyGiven {
			k := -1
			for i := range ins {
				if ins[i].id.Venue == string(st.Venue) && strings.EqualFold(ins[i].id.Symbol, st.Instrument) {
					k = i
				}
			}
			if k < 0 {
				names := make([]string, len(ins))
				for i := range ins {
					names[i] = ins[i].id.String()
				}
				return fail(fmt.Errorf("the data holds %s, but strategy %q trades %s:%s", strings.Join(names, ", "), st.Name, st.Venue, st.Instrument))
			}
			ins[0], ins[k] = ins[k], ins[0]
		}
	}
	specs := make([]instrument.Spec, len(ins))
	for i := range ins {
		in := &ins[i]
		found := false
		if c != nil {
			for j := range c.Instruments {
				ci := &c.Instruments[j]
				if string(ci.Venue) == in.id.Venue && strings.EqualFold(ci.Symbol, in.id.Symbol) {
					sp, err := specOfConfig(ci)
					if err != nil {
						return fail(err)
					}
					sp.ID.Symbol = in.id.Symbol // as the files spell it
					specs[i], found = sp, true
				}
			}
		}
		if !found {
			f, ok := knownSpecs[in.id.String()]
			if !ok {
				return fail(missingRules(in, c != nil))
			}
			specs[i] = f()
		}
	}
	table, err := instrument.NewTable(specs...)
	if err != nil {
		return fail(err)
	}
	ec := &s.bt.Engine
	sp := table.At(0)
	ec.Instruments = table
	ec.Venue = sp.ID.Venue
	ec.Instrument = strategy.Instrument{Symbol: sp.ID.Symbol, PriceScale: sp.PriceScale, QtyScale: sp.QtyScale, Tick: sp.Tick, Lot: sp.Lot}
	ec.NewFeed = tardis.NewMDFeed
	// Funding from the data is a derivative_ticker's, not a mark price stream's.
	s.bt.Funding.Recorded, s.bt.Funding.RecordedHint = "derivative_ticker", " (give the instrument's derivative_ticker files with --data)"
	if c == nil && !strategyGiven {
		// The market maker's default 0.001 may be below the instrument's smallest order
		// (an OKX swap's lot is 0.01 BTC).
		if _, set := ec.Params["size"]; !set {
			minQty := max(sp.MinQty, sp.Lot)
			if q, _ := sp.QtyScale.Decimal(minQty).Float64(); q > 0.001 {
				ec.Params["size"] = q
			}
		}
	}
	s.bt.Data = nil
	s.bt.Instruments = make([]backtest.InstrumentData, len(ins))
	for i := range ins {
		s.bt.Instruments[i].Data = ins[i].files()
		s.bt.Data = append(s.bt.Data, ins[i].files()...)
	}
	s.tardis = ins
	return 0
}

// runTardis replays the Tardis files of the settings, one stream per instrument,
// through backtest.Run: the files are opened by a records.Open that makes each
// instrument's files a tardis.Stream, so that the event cache (--cache), the prefetch
// and the whole-file clock offset work as for recordings.
func (s *settings) runTardis(stderr io.Writer) (*backtest.Report, error) {
	var opened []*tardis.Stream
	s.bt.Open = s.tardisOpen(&opened)
	rep, err := backtest.Run(s.bt)
	for _, st := range opened {
		if errs := st.Errors(); len(errs) > 0 {
			fmt.Fprintf(stderr, "nanotick backtest: %d malformed rows skipped, the first: %v\n", st.Malformed(), errs[0])
		}
	}
	return rep, err
}

// tardisOpen returns the records.Open of the settings' Tardis files: the files of one
// instrument, in any order, become that instrument's tardis.Stream. Each stream opened
// is appended to *opened when it is not nil.
func (s *settings) tardisOpen(opened *[]*tardis.Stream) records.Open {
	table := s.bt.Engine.Instruments
	ins := s.tardis
	return func(files ...string) (records.Reader, error) {
		for i := range ins {
			in := &ins[i]
			all := in.files()
			if len(files) != len(all) || !slices.ContainsFunc(all, func(f string) bool { return f == files[0] }) {
				continue
			}
			st, err := tardis.OpenStream(in.stream(table.At(instrument.Index(i))))
			if err != nil {
				return nil, err
			}
			if opened != nil {
				*opened = append(*opened, st)
			}
			return st, nil
		}
		return nil, fmt.Errorf("tardis: no instrument has the files %s", strings.Join(files, ", "))
	}
}

// applyTardisErr is applyTardis for a caller that wants the refusal as an error
// (nanotick sweep), with a fresh copy of ins, since applyTardis orders it.
func (s *settings) applyTardisErr(ins []tardisInput, c *config.Config, strategyGiven bool) error {
	var msg strings.Builder
	if code := s.applyTardis(slices.Clone(ins), c, strategyGiven, &msg); code != 0 {
		return errors.New(strings.TrimPrefix(strings.TrimSpace(msg.String()), "nanotick backtest: "))
	}
	s.bt.Open = s.tardisOpen(nil)
	return nil
}
