//go:build race

package wire

// raceEnabled: the race detector changes what the compiler allocates
// (e.g. append(s, make([]T, n)...) allocates twice), so allocation
// measurements are not checked under it.
const raceEnabled = true
