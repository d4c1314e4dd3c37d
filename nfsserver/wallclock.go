package nfsserver

import "time"

// WallClock is the clock of `nfsmail serve`: real time, not deterministic.
// It is the only place in this package that reads the wall clock
// (wallclock_test.go enforces that); simulations pass a virtual Clock.
type WallClock struct{ start time.Time }

// NewWallClock returns a wall clock starting now.
func NewWallClock() *WallClock { return &WallClock{start: time.Now()} }

// Now implements Clock: time since the clock was made.
func (c *WallClock) Now() time.Duration { return time.Since(c.start) }

// Charge implements Clock: a delay fault really sleeps.
func (c *WallClock) Charge(d time.Duration) { time.Sleep(d) }

// Time returns the current wall time, for simfs.Options.Now.
func (c *WallClock) Time() time.Time { return time.Now() }

// Epoch returns the wall time the clock started at (Options.Epoch).
func (c *WallClock) Epoch() time.Time { return c.start }
