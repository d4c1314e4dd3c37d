// Package mdbox is Dovecot 2.3's multi-dbox storage
// (src/lib-storage/index/dbox-multi) written against vfs.FS: messages
// appended back to back to <user>/storage/m.<file_id> files (the dbox file
// and message format of §5.1, each message's metadata carrying its GUID
// and `B` original mailbox), the map index storage/dovecot.map.index
// (mailstore/index; map_uid = its UID) locating each message as {file_id,
// offset, size} with a refcount, and the mailbox index
// mailboxes/INBOX/dbox-Mails/dovecot.index whose records carry a map_uid.
//
// Deliver follows mdbox_map_append_next (§6.2): the map is walked from its
// newest record backwards over at most 10 files; each candidate is opened,
// checked against mdbox_rotate_interval, flocked without waiting (busy:
// next), fstat'ed (gone: next) and accepted when its size is the end the
// map knows or the bytes after it parse as whole messages; otherwise a
// ".temp.*" file is started. The message is written at the size fstat
// returned and fdatasync'd; then under the map lock and the mailbox index
// lock new files are stat-checked ("mdbox: %s already exists, rebuilding
// index") and renamed to m.<highest_file_id+1>, the map record (refcount
// 1) and the mailbox record committed. Expunge drops the refcount; Purge
// (doveadm purge, §6.3) copies live messages out of files with refcount-0
// messages and unlinks them; AltMove (doveadm altmove ALL, §6.4) moves
// every message whose references are all in INBOX to ALT storage.
//
// The map's {file_id, offset, size} and refcount live in its "map" and
// "ref" record extensions (with {highest_file_id, rebuild_count} in the
// "map" header), the mailbox's map_uid and message GUID in its "mdbox"
// and "guid" record extensions and map_uid_validity in "mdbox-hdr", as
// Dovecot keeps them (ext.go): they travel in the same log transaction as
// the records, and real Dovecot reads them. A record whose extension data
// was never written reads as Dovecot's "file_id=0 for map_uid=%d".
// vfs has no symlinks, so dbox-alt-root is a file holding the ALT path.
//
// # Usage
//
//	mb, err := mdbox.New(env, "alice")   // or mdbox.Open as a mailstore.Opener
//	uid, err := mb.Deliver(msg)
//	mails, err := mb.Sync()
//	err = mb.Purge()                     // doveadm purge
//	problems := mdbox.Fsck(fsys, "alice") // the auditor's raw view
//
// # Determinism
//
// File names, create stamps and the map's uidvalidity come from env.Clock,
// mailbox uidvalidities from dovecot-uidvalidity, GUIDs
// from env.Rand (clock and a counter when nil).
//
// # Faults
//
// Detected and logged with Dovecot's text: "mdbox map %s corrupted: %s"
// ("file_id=0 for map_uid=%d", "missing map extension", "refcount update
// lost map_uid=%d", "map_uid=%d refcount too low", "Purging unexpectedly
// lost map_uid=%d", "Unexpectedly lost %s uid=%d map_uid=%d"), "mdbox:
// map uid lost for uid %d", "mdbox: map uidvalidity mismatch (%d vs %d)",
// "Corrupted dbox file %s (around offset=%d): %s" (incl. "purging found
// mismatched offsets (%d vs %d, %d/%d)", "more messages available than in
// map (%d < %d)", "truncated message at EOF"), "dbox %s: Original ALT=%s,
// but currently ALT=%s". A corrupted storage is rebuilt at the next Sync
// ("mdbox %s: rebuilding indexes", "Duplicate GUID"), every mailbox of the
// user locked and kept, orphans restored into INBOX (Dovecot uses the
// message's original-mailbox field).
//
// # Mailboxes
//
// NewMailbox opens any mailbox ("<user>/mailboxes/<name>"); all share the
// storage. CopyTo (what mailstore.Move uses) is mdbox_copy: the
// destination gets a record with the same map_uid and the map's refcount
// grows by one; no message data is written. With INDEX=MEMORY only INBOX
// exists (each process's map is its own).
//
// Not modelled: external attachments, mdbox_preallocate_space, open-file
// caching, the "Storage keeps breaking" limit.
package mdbox
