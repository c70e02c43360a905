package bybit

// TestMarket exposes the tests' exchange model to the external test package, whose
// engine benchmark cannot be in this package: the engine's feed registry imports it.
type TestMarket struct{ m *market }

// NewTestMarket returns a test exchange of depth levels per side.
func NewTestMarket(depth int, seed uint64) *TestMarket {
	return &TestMarket{newMarket(depth, seed)}
}

// Snapshot returns the exchange's next snapshot message.
func (t *TestMarket) Snapshot() []byte { return t.m.snapshot() }

// Delta moves the exchange and returns the delta message.
func (t *TestMarket) Delta() []byte { return t.m.delta() }
