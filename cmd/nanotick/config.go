package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/nanotick/nanotick/config"
)

// configUsage is printed for a malformed "nanotick config" command line.
const configUsage = "usage: nanotick config check FILE"

// runConfig implements "nanotick config check FILE": it validates a config and prints
// either "FILE: ok" with a summary and any warnings (exit 0), or every error as
// file:line:col: message, one per line (exit 1). A bad command line exits 2.
func runConfig(args []string, stdout, stderr io.Writer) int {
	if asksHelp(args) || len(args) > 1 && args[0] == "check" && asksHelp(args[1:]) {
		helps["config"].write(stderr, nil)
		return 0
	}
	if len(args) == 0 || args[0] != "check" {
		fmt.Fprintln(stderr, configUsage)
		return 2
	}
	if len(args) != 2 || strings.HasPrefix(args[1], "-") && args[1] != "-" {
		fmt.Fprintln(stderr, configUsage)
		return 2
	}
	file := args[1]
	c, ok := loadConfig(file, "nanotick", stderr)
	if !ok {
		return 1
	}
	fmt.Fprintf(stdout, "%s: ok\n", file)
	printConfigSummary(stdout, c)
	for _, w := range c.Warnings {
		fmt.Fprintln(stderr, w.String())
	}
	return 0
}

// printConfigSummary prints what the engine would run with, so that a reviewer sees the
// effective values (defaults included) rather than only what the file spells out.
func printConfigSummary(w io.Writer, c *config.Config) {
	fmt.Fprintf(w, "instruments: %d\n", len(c.Instruments))
	for _, in := range c.Instruments {
		fmt.Fprintf(w, "  %s on %s: tick %s, lot %s, qty %s..%s, min notional %s, decimals %d/%d\n",
			in.Symbol, in.Venue, in.TickSize, in.LotSize, in.MinQty, in.MaxQty, in.MinNotional,
			in.PriceDecimals, in.QtyDecimals)
	}
	fmt.Fprintf(w, "strategies: %d\n", len(c.Strategies))
	for _, s := range c.Strategies {
		what := s.File
		if s.Language == config.LanguageGo {
			what = "go:" + s.GoName
		}
		if len(s.Instruments) > 1 {
			names := make([]string, len(s.Instruments))
			for i, in := range s.Instruments {
				names[i] = in.String()
			}
			fmt.Fprintf(w, "  %s: %s on %s, %d params\n", s.Name, what, strings.Join(names, ", "), len(s.Params))
		} else {
			fmt.Fprintf(w, "  %s: %s on %s (%s), %d params\n", s.Name, what, s.Instrument, s.Venue, len(s.Params))
		}
	}
	r := c.Risk
	fmt.Fprintf(w, "risk: start %s\n", r.StartState)
	fmt.Fprintf(w, "  per order: qty <= %s, notional <= %s, within %s bps of mid\n",
		r.MaxOrderQty, r.MaxOrderNotional, r.PriceBandBps)
	fmt.Fprintf(w, "  position <= %s, open orders <= %d, %s orders/s (burst %d), duplicates within %s\n",
		r.MaxPosition, r.MaxOpenOrders, r.OrdersPerSecond, r.OrderBurst, r.DuplicateWindow)
	fmt.Fprintf(w, "  halt at daily loss %s or drawdown %s\n", r.MaxDailyLoss, r.MaxDrawdown)
	printPerpLimits(w, "perpetual", &r)
	for _, in := range c.Instruments {
		if o := in.Risk; o != nil {
			fmt.Fprintf(w, "  %s:%s own limits: qty <= %s, notional <= %s, position <= %s, open orders <= %d, daily loss %s, drawdown %s\n",
				in.Venue, in.Symbol, o.MaxOrderQty, o.MaxOrderNotional, o.MaxPosition, o.MaxOpenOrders, o.MaxDailyLoss, o.MaxDrawdown)
			printPerpLimits(w, string(in.Venue)+":"+in.Symbol+" perpetual", o)
		}
	}
	if p := r.Portfolio; p.Enabled() {
		fmt.Fprintf(w, "  portfolio: gross notional <= %s, net position per base asset <= %s, total loss %s, drawdown %s (0: none)\n",
			p.MaxGrossNotional, p.MaxNetPosition, p.MaxTotalLoss, p.MaxDrawdown)
	}
	if b := c.Venues.Binance; b != nil {
		if c.Venues.Sim["binance"] {
			fmt.Fprintf(w, "venue binance: the local exchange (sim = true)\n")
		} else {
			fmt.Fprintf(w, "venue binance: %s, key from $%s\n", b.WSURL, b.APIKeyEnv)
		}
	}
	for _, name := range config.VenueTables() {
		if name != "binance" && c.Venues.Sim[name] {
			fmt.Fprintf(w, "venue %s: the local exchange (sim = true)\n", name)
		}
	}
	if b := c.Backtest; b != nil {
		fmt.Fprintf(w, "backtest: %d data files, initial balance %s, queue model %s\n",
			len(b.Data), b.InitialBalance, b.QueueModel)
	}
	if c.Admin.Enabled {
		fmt.Fprintf(w, "admin: listening on %s\n", c.Admin.Listen)
	}
}

// printPerpLimits prints the perpetual limits of r, if any is set, as name's.
func printPerpLimits(w io.Writer, name string, r *config.Risk) {
	if r.Collateral.IsZero() && r.MaxLeverage.IsZero() && r.MinLiquidationDistanceBps.IsZero() &&
		r.MaxFundingPaid.IsZero() && r.MaintMarginRatio.IsZero() {
		return
	}
	fmt.Fprintf(w, "  %s (0: none): collateral %s, leverage <= %s, liquidation distance >= %s bps (maint margin ratio %s), funding paid <= %s\n",
		name, r.Collateral, r.MaxLeverage, r.MinLiquidationDistanceBps, r.MaintMarginRatio, r.MaxFundingPaid)
}

// loadConfig loads a config file for a command, printing every error one per line
// (file:line:col: key: message) to stderr, or the one error prefixed with cmd.
func loadConfig(file, cmd string, stderr io.Writer) (*config.Config, bool) {
	return loadConfigWith(file, cmd, stderr, config.Options{})
}

// loadConfigWith is loadConfig with options, for a command line that replaces part of
// the file (--data).
func loadConfigWith(file, cmd string, stderr io.Writer, o config.Options) (*config.Config, bool) {
	c, err := config.LoadWith(file, o)
	if err == nil {
		return c, true
	}
	var list config.ErrorList
	if errors.As(err, &list) {
		for _, e := range list {
			fmt.Fprintln(stderr, e.Error())
		}
	} else {
		fmt.Fprintf(stderr, "%s: %v\n", cmd, err)
	}
	return nil, false
}
