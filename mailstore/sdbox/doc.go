// Package sdbox is Dovecot 2.3's single-dbox storage
// (src/lib-storage/index/dbox-single) written against vfs.FS: one message
// per file <user>/mailboxes/INBOX/dbox-Mails/u.<uid>, with the dbox file
// header, message header and metadata block (§5.1), and the mailbox index
// (mailstore/index) as the only record of UIDs and flags.
//
// Saving writes a ".temp.<sec>.P<pid>Q<n>M<usec>.<host>" file, fdatasyncs
// it, takes the index sync lock, reads next_uid, stat()s u.<next_uid> —
// an existing file is "sdbox: %s already exists, rebuilding index" and the
// save fails — renames the temp file into place and commits the append
// (the dbox fsync mask makes appends and expunges fdatasync the log with
// mail_fsync=optimized). Expunge commits to the index, then unlinks the
// file. Flags live only in the index. Creating the mailbox (its first
// save or sync) registers Dovecot's "dbox-hdr" index header extension
// (struct sdbox_index_header: rebuild_count, a mailbox GUID, flags), which
// real Dovecot requires before it trusts the index; a rebuild keeps the
// GUID and increments rebuild_count.
//
// # Usage
//
//	mb, err := sdbox.New(env, "alice")
//	uid, err := mb.Deliver(msg)
//	mails, err := mb.Sync()
//	ar, err := sdbox.NewMailbox(env, "alice", "Archive") // alice/mailboxes/Archive/dbox-Mails
//
// # Determinism
//
// File names and create stamps come from env.Clock, uidvalidity from
// dovecot-uidvalidity (mailstore.NextUIDValidity), GUIDs
// from env.Rand (a counter when nil); the mailbox GUID is a hash of the
// directory, host, PID and clock, so it draws nothing from env.Rand.
//
// # Faults
//
// A mailbox marked corrupted (a u.N that already exists, an index record
// whose file is gone, an index the log reset), or whose index header
// carries the FSCKD flag an index fsck set, is rebuilt at the next sync
// (a save's sync included)
// under the index lock as sdbox_sync_index_rebuild does: "sdbox %s:
// Rebuilding index", every u.* file listed, flags kept where the index
// still has the UID, "sdbox %s: Ignoring invalid filename %s",
// "Corrupted dbox file %s (around offset=%d): %s". Not modelled: ALT
// storage, dovecot.index.backup, copies, .temp cleanup, the "Index keeps
// breaking" limit.
package sdbox
