// Package memfs is the reference in-memory vfs.FS: one POSIX file system as
// a single local host sees it, used as the oracle in differential tests and
// as the store behind simple single-host simulations.
//
// It models inodes with real link counts, hard links (vfs.LinkFS), distinct
// atime, mtime and ctime taken from an injected clock (vfs.ChtimesFS),
// rename(2)'s exact replacement rules, unlinked-but-open files that stay
// usable, and whole-file advisory locks (vfs.Locker) shared by every user of
// the same FS. ReadDir is sorted; Stat's Sys() is a *vfs.Stat; every error
// is an *fs.PathError or *vfs.LinkError wrapping an io/fs or vfs sentinel.
//
// # Usage
//
//	fsys := memfs.New(serverClock.Now)
//	err := vfs.WriteFile(fsys, "a", []byte("x"), 0o644)
//
// # Determinism
//
// Inode numbers count up from 1 (the root) in creation order, timestamps
// come only from the clock passed to New, and nothing depends on map order.
//
// # Faults
//
// None: memfs is the fault-free reference. It is safe for concurrent use; a
// blocking Lock waits on a condition variable, so inside a one-at-a-time
// simulation callers should lock without waiting and poll.
package memfs
