// Package simfs is the simulated NFS server's store: an inode-based,
// in-memory POSIX file system with hard links, link counts, and separate
// atime/mtime/ctime taken from a caller-supplied clock.
//
// It models what an NFS server's local file system (ext4, XFS) provides and
// what go-billy's memfs lacks: inode numbers that never change or get reused,
// nlink counted per inode (directories: 2 + subdirectories), rename that
// replaces its target atomically and moves exactly one name, and timestamps
// updated as POSIX specifies (write: mtime+ctime; link, unlink, rename,
// chmod, utimes: ctime of the inode; entries added or removed: mtime+ctime
// of the directory). An inode whose last name is removed is dead: every
// ino-level call on it fails with vfs.ErrStale, exactly like an NFS file
// handle after the last unlink (NFS servers keep no open state, so there is
// no "open but unlinked" file).
//
// # Usage
//
// Two API layers share one store:
//
//   - the ino-level API (Lookup, GetAttr, Create, Mkdir, Link, Rename,
//     Remove, Rmdir, ReadDir, Read, Write, SetAttr, PathOf) for the NFS
//     procedures nfsserver serves itself;
//   - Billy, a go-billy billy.Filesystem + billy.Change + go-nfs
//     nfs.UnixChange adapter, path-based, so go-nfs can serve the store.
//
// WriteTo dumps the tree to a real directory and Load reads one back.
//
// # Determinism
//
// Inode numbers are allocated sequentially from 1 (the root); every
// timestamp comes from Options.Now truncated to Options.Granularity; nothing
// depends on map iteration order (listings are sorted). One mutex guards the
// whole store, so concurrent go-nfs connections are safe, but results only
// stay reproducible when the caller serialises requests (the simulation keeps
// one RPC in flight).
//
// # Errors
//
// Every error is an *fs.PathError (an *os.LinkError from Billy's Rename
// and Link) whose Err is one of fs.ErrNotExist, fs.ErrExist, fs.ErrInvalid,
// fs.ErrPermission, vfs.ErrNotEmpty, vfs.ErrNotDir, vfs.ErrIsDir,
// vfs.ErrNoSpace, vfs.ErrUnsupported or vfs.ErrStale; match with
// errors.Is. Ino-level errors name the object as "ino N" or "ino N/name".
package simfs
