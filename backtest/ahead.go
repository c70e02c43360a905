package backtest

import (
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/nanotick/nanotick/backtest/eventcache"
	"github.com/nanotick/nanotick/strategy"
)

// StartAhead starts, each on a goroutine of its own, the parts of a run's start that
// depend only on cfg's settings and files, so that they proceed beside whatever comes
// before the replay: building the strategy (NewStrategy: a script's parsing,
// compilation and machine, about a millisecond) and, with an event cache, hashing the
// content of Data, which names the cache file (half a millisecond for the spot
// recording). Run calls it itself, beside the opening of the data; a caller with work
// of its own before Run (the command line's probe of the recordings) calls it first,
// so that all of it proceeds at once on two cores. Calling it again does nothing.
//
// Each goroutine ends on its own once its work is done, whether or not a run asks
// for its result. A run whose Data or NewStrategy changed after StartAhead does that
// part itself, as without it.
func StartAhead(cfg *Config) {
	buildStrategyAhead(cfg)
	if cfg.Cache != "" && len(cfg.Data) > 0 && cfg.dataHash == nil {
		cfg.dataHash = hashAhead(slices.Clone(cfg.Data))
	}
}

// buildStrategyAhead starts building cfg's strategy on a goroutine of its own and
// makes cfg.NewStrategy wait for it; a second call of NewStrategy builds another.
func buildStrategyAhead(cfg *Config) {
	if cfg.Strategy != nil || cfg.NewStrategy == nil || cfg.strategyAhead {
		return
	}
	type built struct {
		s   strategy.Strategy
		err error
	}
	ch := make(chan built, 1)
	newStrategy := cfg.NewStrategy
	go func() {
		var b built
		defer func() {
			if p := recover(); p != nil {
				b = built{err: fmt.Errorf("backtest: panic building the strategy: %v", p)}
			}
			ch <- b
		}()
		b.s, b.err = newStrategy()
	}()
	var taken atomic.Bool
	cfg.NewStrategy = func() (strategy.Strategy, error) {
		if taken.Swap(true) {
			// The strategy built ahead went to an earlier call (a run the caller
			// retried with the same Config): a strategy is never shared.
			return newStrategy()
		}
		b := <-ch
		return b.s, b.err
	}
	cfg.strategyAhead = true
}

// sourceHash is the content hash of files (eventcache.HashFiles without settings:
// its Source and Size do not depend on them), computed on a goroutine of its own.
type sourceHash struct {
	files []string
	done  chan struct{} // closed once key and err are set
	key   eventcache.Key
	err   error
}

// hashFiles is eventcache.HashFiles, a variable so that a test can count the hashing.
var hashFiles = eventcache.HashFiles

func hashAhead(files []string) *sourceHash {
	h := &sourceHash{files: files, done: make(chan struct{})}
	go func() {
		defer close(h.done)
		h.key, h.err = hashFiles("", files...)
	}()
	return h
}

// cacheKey returns the event cache's key of files with settings: the hash StartAhead
// started, when it was of these very files, else one computed now.
func (cfg *Config) cacheKey(settings string, files []string) (eventcache.Key, error) {
	if h := cfg.dataHash; h != nil && slices.Equal(h.files, files) {
		<-h.done
		k := h.key
		k.Settings = settings
		return k, h.err
	}
	return hashFiles(settings, files...)
}
