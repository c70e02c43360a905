package kraken

import (
	"math/rand/v2"

	"github.com/nanotick/nanotick/orderbook"
)

// TestExchange exposes the tests' reference exchange to the external test package,
// whose engine benchmark cannot be in this package: the engine's feed registry
// imports it.
type TestExchange struct {
	e   *exchange
	rng *rand.Rand
}

// NewTestExchange returns a BTC/USD exchange (price precision 1, qty precision 8)
// publishing a book of depth levels.
func NewTestExchange(depth int, seed uint64) *TestExchange {
	rng := rand.New(rand.NewPCG(seed, 2))
	return &TestExchange{e: newExchange(depth, 2*depth, rng), rng: rng}
}

// Snapshot returns the exchange's snapshot message.
func (t *TestExchange) Snapshot() []byte { return t.e.snapshot() }

// Step makes random changes until the subscribed range changes and returns the
// update message, checksum included. A third of the steps also take the best level of
// a side away, so that the mid moves and a market maker has something to do.
func (t *TestExchange) Step() []byte {
	for {
		msg := t.e.step(func(r *refBook) {
			mutate(r, t.rng, t.e.depth)
			if t.rng.IntN(3) == 0 {
				s := orderbook.Side(t.rng.IntN(2))
				if top := r.top(s, 1); len(top) > 0 {
					r.set(s, top[0].Price, 0)
				}
			}
		})
		if msg != nil {
			return msg
		}
	}
}
