// Package dbox is what Dovecot 2.3's single- and multi-dbox storages share
// (src/lib-storage/index/dbox-common), written against vfs.FS for
// mailstore/sdbox and mailstore/mdbox: the dbox file format (§5.1: file
// header line, 30-byte message header, message, metadata block), the
// ".temp.<sec>.P<pid>Q<n>M<usec>.<host>" names new files start under,
// GUIDs, the INBOX directory an open creates, flag updates in the mailbox
// index, the directory fdatasync after a save, and the read-only
// environment the engines' Fsck audits through.
//
// # Usage
//
//	dir, err := dbox.MkInbox(env, "sdbox", user)  // <user>/mailboxes/INBOX/dbox-Mails
//	data := append(dbox.FileHeader(now.Unix()), dbox.EncodeMessage(body, md)...)
//	hdr, err := dbox.ParseFileHeader(data)
//	msgs, err := dbox.ParseFile(data)              // every complete message
//
// # Determinism
//
// Nothing here reads the wall clock or a global random source: stamps come
// from env.Clock, GUIDs from env.Rand (the clock and a caller's counter
// when nil).
//
// # Faults
//
// Parsers return *CorruptError carrying the offset and Dovecot's reason
// ("msg header has bad magic value", "missing end-of-metadata line", ...),
// which the engines log as "Corrupted dbox file %s (around offset=%d): %s".
// Each engine keeps its own texts where Dovecot's sdbox and mdbox code
// paths differ (a short file is "dbox file size too small" to sdbox,
// "EOF while reading message header" to mdbox).
package dbox
