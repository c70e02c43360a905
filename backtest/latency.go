package backtest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"time"
)

// Latency is the model of the two order-path delays: entry (from the strategy's
// Place or Cancel to the exchange's matching engine) and response (from the exchange's
// ack, fill, cancel or reject back to the strategy). The feed's delay is not modelled:
// it is what the recording shows.
//
// A Latency is either constant or draws each delay from a recorded distribution with a
// PRNG seeded by the caller, so a run is reproducible. It belongs to the replay's
// goroutine.
type Latency struct {
	entry, response int64      // constant delays, ns
	samples         [][2]int64 // recorded (entry, response) pairs, ns; nil when constant
	seed            uint64
	rng             *rand.Rand
}

// fresh returns a copy with its PRNG back at the seed: each run draws the same
// sequence, and concurrent runs (a parameter sweep) never share a generator.
func (l *Latency) fresh() *Latency {
	c := *l
	if l.samples != nil {
		c.rng = newRNG(l.seed)
	}
	return &c
}

func newRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x6e616e6f7469636b)) }

// ConstantLatency returns a model with fixed entry and response delays.
func ConstantLatency(entry, response time.Duration) (*Latency, error) {
	if entry < 0 || response < 0 {
		return nil, errors.New("backtest: latencies must not be negative")
	}
	return &Latency{entry: int64(entry), response: int64(response)}, nil
}

// LoadLatencyFile reads a latency distribution file (see ParseLatency) and returns a
// model drawing from it with a PRNG seeded by seed.
func LoadLatencyFile(path string, seed uint64) (*Latency, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("backtest: latency file: %w", err)
	}
	defer f.Close()
	l, err := ParseLatency(f, seed)
	if err != nil {
		return nil, fmt.Errorf("backtest: latency file %s: %w", path, err)
	}
	return l, nil
}

// maxLatencySamples bounds a latency file: a distribution does not need more.
const maxLatencySamples = 1 << 20

// ParseLatency reads a latency distribution: one measurement per line, as a Go
// duration ("850us", "1.2ms", "3ms"). A line may hold two durations separated by
// spaces, tabs or a comma: the entry delay and the response delay measured together;
// a single duration is used for both legs. Blank lines and lines starting with # are
// ignored. Every delay must be non-negative and below one minute.
//
// Each order or cancel draws a line uniformly and uses its entry delay; each response
// draws a line and uses its response delay. The PRNG (PCG) is seeded with seed, so the
// same file and seed give the same draws.
func ParseLatency(r io.Reader, seed uint64) (*Latency, error) {
	sc := bufio.NewScanner(r)
	var samples [][2]int64
	line := 0
	for sc.Scan() {
		line++
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 || text[0] == '#' {
			continue
		}
		fields := bytes.FieldsFunc(text, func(c rune) bool { return c == ' ' || c == '\t' || c == ',' })
		if len(fields) > 2 {
			return nil, fmt.Errorf("line %d: want one or two durations, got %d fields", line, len(fields))
		}
		var pair [2]int64
		for i, f := range fields {
			d, err := time.ParseDuration(string(f))
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", line, err)
			}
			if d < 0 || d >= time.Minute {
				return nil, fmt.Errorf("line %d: latency %v out of range [0, 1m)", line, d)
			}
			pair[i] = int64(d)
		}
		if len(fields) == 1 {
			pair[1] = pair[0]
		}
		if len(samples) >= maxLatencySamples {
			return nil, fmt.Errorf("line %d: more than %d samples", line, maxLatencySamples)
		}
		samples = append(samples, pair)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(samples) == 0 {
		return nil, errors.New("no latencies in file")
	}
	return &Latency{samples: samples, seed: seed, rng: newRNG(seed)}, nil
}

// Entry returns the delay of the next order or cancel, ns.
func (l *Latency) Entry() int64 {
	if l.samples == nil {
		return l.entry
	}
	return l.samples[l.rng.IntN(len(l.samples))][0]
}

// Response returns the delay of the next response, ns.
func (l *Latency) Response() int64 {
	if l.samples == nil {
		return l.response
	}
	return l.samples[l.rng.IntN(len(l.samples))][1]
}

// Describe returns a deterministic one-line description for reports.
func (l *Latency) Describe() string {
	if l.samples == nil {
		return fmt.Sprintf("constant entry %v, response %v", time.Duration(l.entry), time.Duration(l.response))
	}
	var se, sr, me, mr int64
	for _, p := range l.samples {
		se += p[0]
		sr += p[1]
		me, mr = max(me, p[0]), max(mr, p[1])
	}
	n := int64(len(l.samples))
	return fmt.Sprintf("distribution of %d samples: entry mean %v max %v, response mean %v max %v",
		n, time.Duration(se/n), time.Duration(me), time.Duration(sr/n), time.Duration(mr))
}
