// Package vfstest checks vfs.FS implementations, in the spirit of
// testing/fstest: TestFS is a conformance suite for the POSIX behaviour the
// mail engines rely on, and TestCoherence checks, for two hosts' views of one
// store, exactly the cross-host guarantees an NFS mount-option set promises
// (close-to-open, bounded attribute staleness, negative-lookup staleness) —
// no more, no less. Both return every problem found, joined, instead of
// taking a *testing.T, so they can be run against any implementation and
// tested themselves against deliberately broken file systems.
package vfstest
