//go:build !race

package risk

// raceEnabled is true under -race; see race_test.go.
const raceEnabled = false
