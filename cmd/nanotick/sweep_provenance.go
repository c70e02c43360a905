package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/rs/zerolog"

	"github.com/nanotick/nanotick/backtest"
	"github.com/nanotick/nanotick/backtest/sweep"
	"github.com/nanotick/nanotick/config"
	"github.com/nanotick/nanotick/examples/strategies"
	"github.com/nanotick/nanotick/risk"
	"github.com/nanotick/nanotick/strategy"
)

// sweepSettings is everything but the swept parameters that decides a sweep point's
// result, as every shard line carries it (sweep.Provenance): merge compares it byte for
// byte, so it is encoded canonically (fixed field order, params sorted by name).
type sweepSettings struct {
	Venue          string              `json:"venue"`
	Instrument     strategy.Instrument `json:"instrument"`
	Rules          risk.Instrument     `json:"rules"`
	Risk           risk.Config         `json:"risk"`
	FixedParams    strategy.Params     `json:"fixed_params"`
	TimerInterval  string              `json:"timer_interval"`
	Latency        string              `json:"latency"`
	MakerFeeBps    float64             `json:"maker_fee_bps"`
	TakerFeeBps    float64             `json:"taker_fee_bps"`
	QueueModel     string              `json:"queue_model"`
	QueuePower     float64             `json:"queue_power"`
	PartialFills   bool                `json:"partial_fills"`
	InitialBalance string              `json:"initial_balance"`
	EquityInterval string              `json:"equity_interval"`
	MaxFeedLatency string              `json:"max_feed_latency"`
	// MaxTimeJump is the config's [backtest] max_time_jump, when it sets one.
	MaxTimeJump string `json:"max_time_jump,omitempty"`
	// LatencySamples and LatencySeed decide a latency distribution's draws, which
	// Latency only summarizes: shards run with another file of the same summary, or
	// another --seed, drew other delays. Absent for constant latencies, whose settings
	// read as they did before these fields.
	LatencySamples string  `json:"latency_samples,omitempty"`
	LatencySeed    *uint64 `json:"latency_seed,omitempty"`
}

// provenance returns the settings and the strategy's hash that every result line of a
// sweep carries; the data's hash (dataHash) is set apart, since reading and hashing
// the data takes a few ms that the sweep spends beside its points.
func provenance(base settings, lat *backtest.Latency, c *config.Config, stratName string, inConfig bool) (sweep.Provenance, error) {
	ec, bt := base.bt.Engine, base.bt
	rc := ec.Risk
	rc.Logger = zerolog.Logger{}
	queue := bt.Queue
	if queue == 0 {
		queue = backtest.RiskAverse
	}
	st := sweepSettings{
		Venue: ec.Venue, Instrument: ec.Instrument, Rules: ec.Rules, Risk: rc,
		FixedParams: ec.Params, TimerInterval: ec.TimerInterval.String(),
		Latency:     lat.Describe(),
		MakerFeeBps: bt.MakerFeeBps, TakerFeeBps: bt.TakerFeeBps,
		QueueModel: queue.String(), QueuePower: bt.QueuePower, PartialFills: bt.PartialFills,
		InitialBalance: bt.InitialBalance.String(), EquityInterval: bt.EquityInterval.String(),
		MaxFeedLatency: bt.MaxFeedLatency.String(),
	}
	if bt.MaxTimeJump > 0 {
		st.MaxTimeJump = bt.MaxTimeJump.String()
	}
	if samples, seed, ok := lat.Draws(); ok {
		st.LatencySamples, st.LatencySeed = samples, &seed
	}
	s, err := json.Marshal(st)
	if err != nil {
		return sweep.Provenance{}, fmt.Errorf("settings: %w", err)
	}
	sh, err := strategyHash(c, stratName, inConfig)
	if err != nil {
		return sweep.Provenance{}, err
	}
	return sweep.Provenance{Settings: s, StrategyHash: sh}, nil
}

// hashData starts dataHash of files on a goroutine and returns the function that
// waits for it.
func hashData(files []string) (wait func() (string, error)) {
	type sum struct {
		h   string
		err error
	}
	c := make(chan sum, 1)
	go func() {
		h, err := dataHash(files)
		c <- sum{h, err}
	}()
	var got *sum
	return func() (string, error) {
		if got == nil {
			s := <-c
			got = &s
		}
		return got.h, got.err
	}
}

// dataHash is the SHA-256 of the files' bytes, each preceded by its length, in order.
func dataHash(files []string) (string, error) {
	h := sha256.New()
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return "", err
		}
		fi, err := f.Stat()
		if err == nil {
			fmt.Fprintf(h, "%d\n", fi.Size())
			_, err = io.Copy(h, f)
		}
		f.Close()
		if err != nil {
			return "", fmt.Errorf("hashing %s: %w", name, err)
		}
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

// strategyHash is the SHA-256 of the strategy's source: the script (a file, a builtin),
// or for a Go strategy its name (its code is the binary's).
func strategyHash(c *config.Config, name string, inConfig bool) (string, error) {
	var kind, body string
	switch {
	case inConfig:
		st := &c.Strategies[0]
		for i := range c.Strategies {
			if c.Strategies[i].Name == name {
				st = &c.Strategies[i]
			}
		}
		if st.Language == config.LanguageGo {
			kind, body = "go", st.GoName
		} else if b, ok := st.Builtin(); ok {
			_, src, err := strategies.Script(b)
			if err != nil {
				return "", err
			}
			kind, body = "js", string(src)
		} else {
			src, err := os.ReadFile(st.File)
			if err != nil {
				return "", err
			}
			kind, body = "js", string(src)
		}
	case strings.HasSuffix(name, ".js"):
		src, err := os.ReadFile(name)
		if err != nil {
			return "", err
		}
		kind, body = "js", string(src)
	case name == "":
		name = "market_maker" // the default strategy, as defaultStrategy builds it
		fallthrough
	default:
		if _, ok := goStrategies[name]; ok {
			kind, body = "go", name
			break
		}
		_, src, err := strategies.Script(name)
		if err != nil {
			return "", err
		}
		kind, body = "js", string(src)
	}
	sum := sha256.Sum256([]byte(kind + "\n" + body))
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}
