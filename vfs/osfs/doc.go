// Package osfs presents a directory of the real file system as a vfs.FS,
// so the vfstest suites can check what real programs see — for example a
// FUSE view of a simulated host (realdovecot/fuseview) against the
// conformance suite the in-process file systems pass.
//
// It is not used by simulations (it touches the real file system and the
// wall clock through the kernel): only by the real-component tier and its
// tests.
//
// # Usage
//
//	err := vfstest.TestFS(osfs.New("/mnt/backend1"), "conf")
//
// # Determinism
//
// None: it is the host's real file system.
package osfs
