package mailstore

import (
	"errors"
	"time"

	"github.com/nfsmail/nfsmail/vfs"
)

// A blocked fcntl or flock request (Dovecot's F_SETLKW) is asked again
// after LockPoll, doubling up to MaxLockPoll: the NFS client of the
// simulation polls the lock server as harness/nfsclient does for a
// blocking lock, instead of waiting for the server's GRANTED callback. The
// real tier's waits go through that client too, so both tiers wait alike.
const (
	LockPoll    = 100 * time.Millisecond
	MaxLockPoll = 2 * time.Second
)

// WaitLock runs try, a non-blocking lock request, until it answers
// anything but vfs.ErrWouldBlock, sleeping on clock in between; at
// deadline it returns vfs.ErrWouldBlock.
func WaitLock(clock Clock, deadline time.Time, try func() error) error {
	poll := LockPoll
	for {
		err := try()
		if !errors.Is(err, vfs.ErrWouldBlock) || !clock.Now().Before(deadline) {
			return err
		}
		clock.Sleep(min(poll, deadline.Sub(clock.Now())+time.Millisecond))
		poll = min(2*poll, MaxLockPoll)
	}
}
