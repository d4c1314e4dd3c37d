// Package host simulates one Dovecot backend machine: its clock (which may
// be skewed against the NFS server's), its NFS mount, and the processes
// (LMTP deliveries, IMAP sessions) it runs under the scheduler.
//
// # Usage
//
// New wraps a mounted file system (a *nfsclient.Mount in simulations) and a
// scheduler. Spawn starts a simulated process on the host; the process gets
// a mailstore.Env whose FS yields to the scheduler before every call, so
// each file operation is a point where another process may run first.
//
// # Determinism
//
// Process ids are handed out in spawn order; clocks are the virtual clock
// plus the host's fixed skew; each process's random stream is derived from
// the run's seed and the process's name.
package host
