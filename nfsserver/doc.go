// Package nfsserver is the simulated NFSv3 server: MOUNT v3, NFSv3 and
// NLM v4 on one connection, over a simfs store, with faults injected by a
// harness/fault plan.
//
// What it simulates: a Linux-like knfsd + lockd. File handles name inodes
// (8-byte inode number + 8-byte generation): they survive rename, answer
// NFS3ERR_STALE after the last unlink and stay valid across Restart
// (persistent handles); a forged handle names no live inode, LOOKUP ".."
// of the root is the root and symlinks are never followed, so nothing
// leaves the export. Attributes are real: fileid = inode, exact nlink,
// distinct atime/mtime/ctime at the store's granularity, POSIX mode bits
// with the type in its own field. Every modifying procedure returns
// wcc_data with pre-op attributes, so a client tells its own changes from
// others'. UNSTABLE writes stay in server memory until COMMIT; Restart
// loses them and changes the write verifier.
//
// The dispatcher (conn.go, dispatch.go) sits between each client
// connection and github.com/willscott/go-nfs. It reads RPC records
// (multi-fragment joined), counts every call per host and procedure,
// answers RPC errors per RFC 5531 (RPC version, auth flavor, program,
// version with PROG_MISMATCH range, procedure), applies faults, and
// serves the calls below itself, one file per procedure, against the
// simfs inode-level API; go-nfs keeps what it gets right:
//
//	program  procedure          served by   why
//	NFS      NULL               go-nfs      correct as is
//	NFS      GETATTR..COMMIT    nfsserver   go-nfs sends atime=mtime=ctime, drops pre-op
//	         (all 21 others)                attributes (CREATE/MKDIR/LINK/COMMIT),
//	                                        answers WRITE FILE_SYNC always, COMMIT is a
//	                                        no-op, EXCLUSIVE create is NOTSUPP, GUARDED
//	                                        and MKDIR are check-then-act, LINK is
//	                                        mis-decoded, RMDIR removes files, READDIR is
//	                                        quadratic and uses path-based handles
//	MOUNT    NULL, MNT, UMNT    go-nfs      correct (MNT calls our Handler.Mount and
//	                                        ToHandle, so the root handle is ours)
//	MOUNT    DUMP, UMNTALL,     nfsserver   missing in go-nfs; libnfs calls EXPORT
//	         EXPORT
//	NLM      NULL, TEST, LOCK,  nfsserver   go-nfs has no NLM
//	         CANCEL, UNLOCK,
//	         FREE_ALL
//	NLM      _MSG, _RES,        (none)      PROC_UNAVAIL: no callbacks; blocked LOCKs
//	         GRANTED, SHARE...              are polled (see nlm_lock.go)
//
// Replies go-nfs writes pass back through the dispatcher, which fixes its
// off-by-one accept_stat numbering.
//
// # Usage
//
//	store := simfs.New(simfs.Options{Now: func() time.Time { return epoch.Add(clock.Now()) }})
//	srv := nfsserver.New(store, nfsserver.Options{WriteVerifier: verf, Clock: clock,
//		Epoch: epoch, Faults: fault.New(plan, seed), DRC: false})
//	defer srv.Close()
//	conn, err := srv.Dial("host1") // in-memory; speak ONC RPC on it
//	...
//	srv.Restart()
//	fmt.Println(srv.Stats().Count("host1", "NFS", "WRITE"))
//
// Serve(l) accepts real connections (TCP) for `nfsmail serve`, which uses
// NewWallClock; that is the only wall-clock code in the package.
//
// # Determinism
//
// Handles, file ids and timestamps come from simfs (sequential inode
// numbers, the caller's clock); write verifiers from Options.WriteVerifier
// and the restart count; readdir cookies are the store's entry sequence
// numbers; fault probabilities from the engine's seeded stream; statistics
// are sorted. Calls the dispatcher serves run one at a time (Server.exec),
// so pre-op and post-op attributes bracket exactly one change. Replies are
// reproducible when the caller keeps one RPC in flight, as the simulation
// does.
//
// # Faults
//
// For every call the dispatcher asks Options.Faults (host, "NFS.WRITE",
// the target's path, virtual time) and applies: Delay (Clock.Charge),
// DropReply (executed, reply never sent; on a Dial connection the client's
// next Read fails at once with a timeout error, errors.Is(err,
// os.ErrDeadlineExceeded), so it retransmits without waiting), Duplicate
// (executed twice, both replies sent), Status (answered without
// executing; the error wraps fault.ErrInjected), Restart, LoseLock and
// DoubleGrant (NLM LOCK). Without Options.DRC a retransmitted
// non-idempotent call is executed again (REMOVE -> NOENT, GUARDED CREATE
// or LINK -> EXIST after success); with it the cached reply is replayed
// (key: host, XID, program, version, procedure, checksum of the first 256
// bytes; bounded, cleared by Restart). A plan's granularity sets the
// store's timestamp granularity (1s like old servers).
package nfsserver
