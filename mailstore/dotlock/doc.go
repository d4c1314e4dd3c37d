// Package dotlock takes lock files exactly as Dovecot 2.3's file-dotlock.c
// does: "<path>.lock" created with O_EXCL (or a temp file hard-linked into
// place with nfs_safe_link), containing "<pid>:<hostname>", polled by
// waiters that override it once nothing changed for the stale timeout.
//
// Staleness is judged by the waiter's host clock, except on first sight,
// when the lock file's own server-stamped mtime or ctime is taken: a host
// whose clock runs ahead of the NFS server by the stale timeout overrides a
// live lock at once (dovecot-internals.md 2.2). PIDs are checked only for
// locks naming our own hostname, through Env.Alive (kill(pid, 0)).
//
// # Usage
//
//	l, err := dotlock.Create(env, "Maildir/dovecot-uidlist", set, 0)
//	if errors.Is(err, dotlock.ErrTimeout) { ... }
//	defer l.Release()
//
// # Determinism
//
// Time is env.Clock (whole seconds, like time_t); waiting is
// env.Clock.Sleep with Dovecot's 100–200 ms jitter drawn from env.Rand
// (150 ms when nil), growing by half each second up to 3 s.
//
// # Faults
//
// Dovecot logs nothing when it overrides a lock; the evidence is the
// owner's "Our dotlock file ... was overridden/deleted" warning at Release
// and, with clocks 30 s apart, "Created dotlock file's timestamp is
// different than current time". Both are logged here with Dovecot's text.
// Not modelled: the parent-directory file-handle flush of mail_nfs_* (a
// chmod trick vfs cannot express), inotify wakeups, the IMAP "will override
// in N seconds" notifications, and file_dotlock_open/replace.
package dotlock
