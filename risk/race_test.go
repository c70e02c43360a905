//go:build race

package risk

// raceEnabled is true under -race, where sync.Pool (and so zerolog's event
// pool) drops items on purpose, which makes allocation counts meaningless.
const raceEnabled = true
