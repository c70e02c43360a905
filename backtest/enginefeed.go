package backtest

// The engine's own market-data feed. Engine.OnFrameAt decodes a frame with the feed
// the engine builds for each instrument (Config.Engine.NewFeed); a replay of applied
// events (OnEventAt: prefetched reading, the event cache) never does. Building that
// feed anyway cost every such run a Binance feed's decoder and its 4 MB sync arena,
// memory that brings the first garbage collections forward at start-up.

// eventsOnly is implemented by the sources that hand the replay applied events and
// never a frame: the replay calls OnEventAt for each, never OnFrameAt.
type eventsOnly interface{ eventsOnly() }

func (*prefetchSource) eventsOnly() {}
func (*framesSource) eventsOnly()   {}
func (*framesPrefetch) eventsOnly() {}

// engineConfig is the Config newEngine builds the run's engine from: cfg, without the
// engine's feed constructor when every source hands events only. A run over shared
// books (a lockstep sweep) keeps it: the feed's construction marks the shared book
// unsynced, and those runs are left as they are.
func engineConfig(cfg Config, shared *sharedBooks, srcs []eventSource) Config {
	if shared != nil {
		return cfg
	}
	for _, s := range srcs {
		if _, ok := s.(eventsOnly); !ok {
			return cfg
		}
	}
	cfg.Engine.NewFeed = nil
	return cfg
}
