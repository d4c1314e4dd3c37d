// Package mailstore is the engine-neutral interface the workload drives: one
// user's INBOX as an LMTP delivery agent and an IMAP session see it. Mail
// engines (mailstore/maildir, mailstore/sdbox, mailstore/mdbox) implement Mailbox by
// following Dovecot 2.3's on-disk algorithms against a vfs.FS, so a simulated
// host can run them over its model of an NFS mount.
//
// Env carries everything an engine may take from its host: the file system,
// the host's (possibly skewed) clock, hostname and PID, the logger that
// receives Dovecot's own error text, the Dovecot settings and a seeded random
// stream. Engines use nothing else: no wall clock, no global randomness, no
// goroutines.
//
// # Usage
//
// A host builds one Env per simulated process and opens the user's mailbox
// through an engine's Opener (for example maildir.Open). The workload then
// calls Deliver, Sync, Store and Expunge; the checker compares what Sync
// returns with what each call acknowledged, and matches the Logger's lines
// against Dovecot's own error text.
//
// # Determinism
//
// Time comes only from Env.Clock, randomness only from Env.Rand, and file
// access only through Env.FS, so the same Env replays the same run.
//
// # Faults
//
// Engines do not inject faults; they react to what the vfs returns (stale
// handles, lost locks, skewed timestamps) the way Dovecot does, and log it.
package mailstore
