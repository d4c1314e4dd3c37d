// Package bench measures an NFSv3 server over TCP with one small client
// of its own, so nfsmail's server and nfs-ganesha are driven by exactly
// the same calls: a small-file mail workload (CREATE, 4 KiB UNSTABLE
// WRITE, COMMIT, RENAME into place, READDIRPLUS of the mailbox
// directory, READ back, REMOVE of the oldest message) and the listing of
// a 10,000-entry directory.
//
// # Usage
//
//	t := bench.Target{NFS: "127.0.0.1:20490", Mount: "127.0.0.1:20490", Export: "/"}
//	res, err := bench.Run(ctx, t, bench.Config{Messages: 2000, ListEntries: 10000})
//
// StartGanesha runs nfs-ganesha (FSAL_VFS on a temporary directory, with
// rpcbind, which NFSv3 needs) for comparison.
//
// # Determinism
//
// None: this is a wall-clock measurement of real servers. File names are
// fixed, so the calls made are the same on every run.
//
// # Faults
//
// None injected; an NFS error status aborts the run with an error naming
// the procedure.
package bench
