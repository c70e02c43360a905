package backtest

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
)

// Draws returns what decides a distribution's delays beyond what Describe says: the
// SHA-256 of its samples in file order (a draw picks a sample by its index) and the
// seed of the draws. Two models that agree in Describe but not here draw other delays:
// a reordered or edited file with the same count, means and maxima, or another seed.
// ok is false for a constant model, which Describe describes whole.
func (l *Latency) Draws() (samples string, seed uint64, ok bool) {
	if l.samples == nil {
		return "", 0, false
	}
	h := sha256.New()
	var b [16]byte
	for _, p := range l.samples {
		binary.LittleEndian.PutUint64(b[:8], uint64(p[0]))
		binary.LittleEndian.PutUint64(b[8:], uint64(p[1]))
		h.Write(b[:])
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), l.seed, true
}
