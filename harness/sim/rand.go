package sim

import (
	"hash/fnv"
	"math/rand/v2"
)

// Stream returns the random stream of one named consumer under root seed:
// a PCG seeded by (seed, FNV-64a of name). Consumers with different names get
// independent streams, so adding one does not shift the others.
func Stream(seed uint64, name string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(name))
	return rand.New(rand.NewPCG(seed, h.Sum64()))
}

// Chooser picks which of n ready processes runs next (0 <= result < n).
// n is always at least 1.
type Chooser interface {
	Choose(n int) int
}

// RandChooser chooses uniformly from a seeded stream.
type RandChooser struct{ R *rand.Rand }

// Choose implements Chooser.
func (c RandChooser) Choose(n int) int {
	if n == 1 {
		return 0
	}
	return c.R.IntN(n)
}

// ChooserFunc adapts a function (e.g. one drawing from rapid, so rapid can
// shrink interleavings) to Chooser.
type ChooserFunc func(n int) int

// Choose implements Chooser.
func (f ChooserFunc) Choose(n int) int { return f(n) }
