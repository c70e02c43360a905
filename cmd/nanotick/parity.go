package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/nanotick/nanotick/backtest"
	"github.com/nanotick/nanotick/config"
	"github.com/nanotick/nanotick/parity"
)

const parityUsage = `usage: nanotick parity [flags] SESSION

Backtests the strategy of a recorded live session (nanotick run --record-session SESSION)
over the market data that session received, with the same strategy and parameters, and
reports event by event where the backtest's orders and fills leave the live ones: the
first divergence, matched and unmatched orders, fill and ack time differences, fills
only one side made, and which model (latency, queue, book state) would explain them.

The backtest's order and response latency default to half the session's median
order-to-ack time each, so that its acks arrive when the live ones did.

examples:
  nanotick run --duration 30s --record-session session/
  nanotick parity session/
  nanotick parity --order-latency 1ms --response-latency 1ms --json parity.json session/

Exit status: 0 compared, 1 the session could not be read or backtested, 2 a bad command line.`

// runParity implements "nanotick parity".
func runParity(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("parity", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, parityUsage); fs.PrintDefaults() }
	orderLat := fs.Duration("order-latency", -1, "the backtest's order entry latency (default: half the session's median order-to-ack)")
	respLat := fs.Duration("response-latency", -1, "the backtest's response latency (default: as --order-latency)")
	queue := fs.String("queue-model", "risk_averse", "the backtest's queue model: risk_averse | power_law")
	jsonFile := fs.String("json", "", "also write the comparison as JSON to FILE")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	fail := func(code int, format string, a ...any) int {
		fmt.Fprintf(stderr, "nanotick parity: "+format+"\n", a...)
		return code
	}
	if len(pos) != 1 {
		return fail(2, "want one SESSION directory, got %d", len(pos))
	}
	q, err := backtest.ParseQueueModel(*queue)
	if err != nil {
		return fail(2, "%v", err)
	}
	sess, err := parity.ReadSession(pos[0])
	if err != nil {
		return fail(1, "%v", err)
	}
	bt, err := parityBacktest(sess)
	if err != nil {
		return fail(1, "%v", err)
	}
	entry, resp := *orderLat, *respLat
	if entry < 0 {
		entry = sessionAckLatency(sess) / 2
	}
	if resp < 0 {
		resp = entry
	}
	if bt.Latency, err = backtest.ConstantLatency(entry, resp); err != nil {
		return fail(2, "%v", err)
	}
	bt.Queue = q
	rep, err := backtest.Run(bt)
	if err != nil {
		return fail(1, "backtest: %v", err)
	}
	res := parity.Compare(sess, rep)
	fmt.Fprintf(stdout, "parity of %s: %s on %s %s; backtest latency entry %v, response %v, queue %s\n",
		pos[0], sess.Meta.Strategy, sess.Meta.Venue, sess.Meta.Symbol, entry, resp, q)
	if err := res.Write(stdout); err != nil {
		return fail(1, "%v", err)
	}
	if *jsonFile != "" {
		b, err := json.MarshalIndent(res, "", "  ")
		if err == nil {
			err = os.WriteFile(*jsonFile, append(b, '\n'), 0o644)
		}
		if err != nil {
			return fail(1, "%v", err)
		}
	}
	return 0
}

// parityBacktest is the backtest of the session's strategy: its config (the file it
// ran, else the built-in default), its [[strategy]], the parameters it ran with, over
// the market data it received, keeping the order log.
func parityBacktest(sess *parity.Session) (backtest.Config, error) {
	c := config.Default()
	if sess.Meta.Config != "" {
		var err error
		if c, err = config.Load(sess.Meta.Config); err != nil {
			return backtest.Config{}, fmt.Errorf("the session's config: %w", err)
		}
	}
	// The local exchange speaks Binance spot: its recording replays as one.
	for i := range c.Strategies {
		if c.Strategies[i].Venue == config.VenueSim {
			c.Strategies[i].Venue = config.VenueBinanceSpot
		}
	}
	for i := range c.Instruments {
		if c.Instruments[i].Venue == config.VenueSim {
			c.Instruments[i].Venue = config.VenueBinanceSpot
		}
	}
	s, err := fromConfig(c, sess.Meta.Strategy)
	if err != nil {
		return backtest.Config{}, err
	}
	s.bt.Data = []string{sess.MarketData()}
	s.bt.OrderLog = true
	return s.bt, nil
}

// sessionAckLatency is the session's median time from sending an order to its ack.
func sessionAckLatency(s *parity.Session) time.Duration {
	sent := map[uint64]int64{}
	var d []int64
	for _, e := range s.Events {
		switch e.Kind {
		case "order":
			sent[e.ID] = e.T
		case "ack":
			if t, ok := sent[e.ID]; ok {
				d = append(d, e.T-t)
				delete(sent, e.ID)
			}
		}
	}
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return time.Duration(max(d[(len(d)-1)/2], 0))
}
