// Package maildir is Dovecot 2.3's Maildir storage (maildir-save.c,
// maildir-sync.c, maildir-sync-index.c, maildir-uidlist.c) written against
// vfs.FS: messages as files in new/ and cur/ named
// "<sec>.M<usec>P<pid>.<host>,S=<size>,W=<vsize>[:2,<flags>]", UIDs kept in
// dovecot-uidlist (version 3) under the dovecot-uidlist.lock dotlock.
//
// The index is Dovecot's dovecot.index* (mailstore/index) in the Maildir
// root or the INDEX= directory, taken under its sync lock after the
// uidlist lock; with INDEX=MEMORY it is in memory per Mailbox. The
// uidlist is reconciled against it as maildir_sync_index does, so an
// expunged file that comes back is logged as "Expunged message reappeared"
// and gets a new UID. The maildir extension header (directory check times
// and mtimes) stays in memory per Mailbox, so a new session starts with a
// full scan.
//
// # Usage
//
//	mb, err := maildir.New(env, "alice") // alice/Maildir/{new,cur,tmp}
//	uid, err := mb.Deliver(mailstore.Message{ID: id, Body: body})
//	mails, err := mb.Sync()
//
//	ar, err := maildir.NewMailbox(env, "alice", "Archive") // alice/Maildir/.Archive
//	to, _, err := mailstore.Move(mb, ar, mails[0])
//
// Deliver behaves as an LMTP process (blocking lock, UIDs assigned); Sync,
// Store, Expunge and Body as an IMAP session that SELECTed the mailbox
// (new/ mail is moved to cur/). A folder is a Maildir++ directory with its
// own dovecot-uidlist, dovecot-keywords and index (under INDEX= in
// ".<name>"). CopyTo (and so mailstore.Move) hard-links the file into the
// destination's tmp/ and saves it there under the source's base name
// (maildir_copy_hardlink); FsckSettings audits a Maildir read-only,
// comparing dovecot-uidlist with the files and the index.
//
// # Determinism
//
// Names and check times come from env.Clock, new uidvalidities from
// dovecot-uidvalidity (mailstore.NextUIDValidity); the mailbox GUID
// from env.Rand; directory listings are taken in name order.
//
// # Faults
//
// The engine reacts to what the file system returns as Dovecot does and
// logs Dovecot's text: broken or unexpectedly changed uidlists
// ("Broken file ... line N: ..."), "next_uid was lowered", "Duplicate file
// entry", "Maildir uidlist dotlock overridden", "changed UID",
// "Expunged message reappeared", "Filename keeps changing", duplicates and
// broken names in new/ and cur/.
//
// # Keywords
//
// A keyword is a letter a-z after the system flags of ":2,", named by
// line "<n> <name>" of dovecot-keywords (maildir-keywords.c). The file is
// re-read when its mtime changed, extended only under the uidlist lock
// (without it a new keyword gets no letter), rewritten whole through
// dovecot-keywords.lock + rename with an mtime pushed past the last one
// read, and fsync'd whatever mail_fsync says. A letter the file does not
// name becomes a keyword "unknown-<n>" that the sync adds to the file.
// The index carries the keywords in its "keywords" extension.
//
// Not modelled yet: index extensions besides keywords and the cache,
// maildir_very_dirty_syncs and maildir_empty_new (both "no"), tmp/ cleanup,
// the index-header fast path of the uidlist refresh, and POP3 extensions.
package maildir
