package fuseview

import (
	"sync"
	"time"
)

// Serial serialises every call into a view's file system and is the wall
// clock of the nfsclient Mount behind it (it implements nfsclient.Clock).
type Serial struct {
	mu    sync.Mutex
	start time.Time
}

// NewSerial returns a Serial whose time starts now.
func NewSerial() *Serial { return &Serial{start: time.Now()} }

// Now is the wall-clock time since NewSerial.
func (s *Serial) Now() time.Duration { return time.Since(s.start) }

// Charge does nothing: an RPC to the in-process server costs the real time
// it takes, which has already passed.
func (s *Serial) Charge(time.Duration) {}

// Sleep waits d of wall-clock time with the mutex released, so other calls
// into the view proceed meanwhile (another process releasing the lock this
// one waits for). It must only be called by a function running under Do.
func (s *Serial) Sleep(d time.Duration) {
	s.mu.Unlock()
	time.Sleep(d)
	s.mu.Lock()
}

// Do runs fn holding the mutex.
func (s *Serial) Do(fn func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn()
}
