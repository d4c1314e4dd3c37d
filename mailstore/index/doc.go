// Package index is Dovecot 2.3's mail index (src/lib-index) as one process
// uses it, written against vfs.FS: dovecot.index (a snapshot, rewritten
// through dovecot.index.tmp + rename) and dovecot.index.log (the
// transaction log, rotated to dovecot.index.log.2). The same code serves a
// mailbox's index, the mailbox list index (dovecot.list.index) and, later,
// mdbox's map index.
//
// The formats are Dovecot's on x86, and Dovecot 2.3.19 reads what this
// package writes (realdovecot's TestRealIMAPReadsSimulatedStores): the
// 120-byte mail_index_header and 8-byte records; the 40-byte log header;
// transactions of two or more records framed by a BOUNDARY record (always
// flagged EXTERNAL), each record's size in the 7-bit self-describing
// encoding stored big-endian, so that zero-filled tails read as "not yet
// written". A sync's changes (Sync.Commit) are EXTERNAL — the backend
// already has them — and end with the log_file_tail_offset header update
// Dovecot appends to sync transactions; Index.Commit writes changes as
// given, and a non-external expunge is only a request (not applied).
//
// Writers lock the head log by lock_method (fcntl/flock through vfs.Lock,
// or the dotlock "<log>.lock"; 180 s), read it to the end, append one
// transaction in one O_APPEND write and unlock. Readers never lock: they
// follow the log from their last offset. Over NFS the append lands at the
// end this host's client believes in, so two hosts whose locks do not
// exclude each other (nolock) overwrite each other's transactions; the
// next lock holder that finds bytes it cannot parse logs "Unexpected
// garbage at EOF", marks the log corrupted (indexid=0, written through
// that log's own handle) and starts a new one.
//
// dovecot.index is written when Dovecot writes it
// (mail_index_sync_want_index_write): at a rotation, when the map needs
// recreating, or at a sync once the process has had to read more than
// 8 KiB of log since the index it started from, never just because it
// is missing; a small mailbox has only its log, as with Dovecot. A
// process without one that replaces a broken log writes a reset log
// (mail_transaction_log_file_create2 with index->fd == -1): every map
// then starts again from that log, and what it no longer lists comes
// back only from the mail files: a dbox rebuild, Maildir's uidlist.
//
// # Usage
//
//	ix, err := index.Open(env, index.Options{Dir: "alice/Maildir", Prefix: "dovecot.index"})
//	s, err := ix.Begin()          // sync lock
//	m := s.Map().Clone()          // change m ...
//	err = s.Commit(m.Diff(s.Map()))
//	err = ix.Refresh()            // reader
//
// # Settings
//
// mmap_disable=no reads dovecot.index and the log through vfs.Mmap (the
// host's cached pages; Dovecot itself preads logs smaller than a page and
// index files below 64 KiB, which this model does not), mmap_disable=yes
// by pread of the part not read yet. mail_fsync follows the §7.2 table
// with Options.FsyncMask. mail_nfs_index adds the attribute-cache flush
// (open+close) before stats and unlocked reads and the fcntl read-lock
// flush of trailing partial data; Open refuses it without mmap_disable=yes
// and mail_fsync=always ("mail_nfs_index=yes requires ...").
//
// # Determinism
//
// Time (create stamps, indexids, lock waits) comes from env.Clock; nothing
// else varies.
//
// # Faults
//
// Detected as Dovecot detects them and logged with its text:
// "Corrupted transaction log file %s seq %d: %s (sync_offset=%d)" (reasons
// "Unexpected garbage at EOF", "hdr.size too small", "log file shrank",
// "Invalid transaction log size"), "Transaction log file %s: marked
// corrupted", "Log synchronization error at seq=%d,offset=%d for %s: %s"
// (e.g. "Append with UID %d, but next_uid = %d"), "duplicate transaction
// log sequence", "was recreated while we had it locked - locking is
// broken", "Corrupted index file", lock timeouts, and for the cache
// "Deleting corrupted cache: %s" ("record points outside file", "invalid
// record size", "reset_id mismatch even after locking (...)", "reset_id
// mismatch during sync"). Keywords
// are kept as Dovecot keeps them: KEYWORD_UPDATE (and KEYWORD_RESET)
// records in the log, and in dovecot.index the "keywords" extension —
// the names in its header (struct mail_index_keyword_header), one bit per
// keyword in each record, the field grown as keywords_ext_register does.
// Not modelled: the other extensions Dovecot itself keeps (modseq,
// maildir's per-record data), moving the index to memory after a write
// error (the error is returned instead) and .log.2 expiry.
//
// # Resets and views
//
// A new log continues the old one: a rotation from the old log's end, the
// replacement of a missing or corrupted log from the map's position. Only
// Sync.Reset (an sdbox or mdbox rebuild, doveadm force-resync of either,
// a Maildir whose dovecot-uidlist changed UIDVALIDITY) starts afresh,
// prev_file_seq 0, its records in one transaction after the header: a
// process whose map or dovecot.index predates a reset log starts again
// from that log, as does the process that wrote a reset log because it
// had no dovecot.index, once its sync commits. A View is what an
// IMAP session holds between commands (box->view): each command ends with
// View.End, and a reset between the view's position and the head, found
// through .log.2 as mail_transaction_log_view_set finds it, makes the view
// inconsistent for good: "%s reset, view is now inconsistent", and the
// session ends with mailstore.ErrInconsistent after its change was made.
//
// # dovecot.index.cache
//
// Cache holds one field per message, CacheField (the Message-ID header,
// under a name of its own so real Dovecot reads it as an opaque string):
// the 32-byte header with file_seq, record_count, deleted_record_count and
// the encoded field-header offset, one field header, and records appended
// at the end of the file under the index lock and the cache file's own
// lock (after a failed attempt the next one tries once: F_SETLK); the
// "cache" extension points each index record at its record and carries
// file_seq as its reset_id. IMAP SELECTs look every message up (a FETCH of
// the header) and cache the misses; LMTP caches at save time once the file
// exists. A record that reads short or malformed deletes the file; a read
// failing with ESTALE (the file was replaced) is silent and the file is
// reopened, as mail_cache_map_with_read does, but with mmap_disable=yes
// the field-header read each cache transaction starts with is logged
// ("pread() failed", as Dovecot's pread of it is); a lock is retaken on the
// file the path names now when it changed (mail_cache_need_reopen). A sync
// that expunges cached messages counts them as deleted, and once
// mail_cache_purge_delete_percentage of the records are deleted in a file
// of at least mail_cache_purge_min_size the sync purges it: the live
// records copied into dovecot.index.cache.tmp under the next file_seq,
// renamed over, the extension reset in a sync transaction. An index
// rebuild purges it too, to an empty file (PurgeCacheForRebuild). Not
// modelled: other fields and caching decisions, continued records, the
// other purge triggers (field header growth, unused fields).
//
// # Extensions
//
// Map.Register adds a named extension (header size, record size,
// alignment) as mail_index_ext_register plus an intro does. dovecot.index
// stores each after the base header as struct mail_index_ext_header, name
// and header data, 64-bit aligned, and its record field after the 8-byte
// uid/flags at the offset sync_ext_reorder chooses (largest alignment
// first; Record.Ext holds the bytes after the base record). Map.Diff
// writes EXT_INTRO (by name for a new extension, by map position for a
// known one, flag NO_SHRINK), EXT_HDR_UPDATE (EXT_HDR_UPDATE32 past 64
// KiB) before the appends and the intro again with EXT_REC_UPDATE after
// them, in mail-index-transaction-export.c's order; readers apply
// EXT_INTRO, EXT_RESET, EXT_HDR_UPDATE(32), EXT_REC_UPDATE and
// EXT_ATOMIC_INC as mail-index-sync-ext.c does, with its errors ("Extension
// introduction for unknown id %d", "Extension header update points
// outside header size", "Extension record inc drops number below zero
// ...") reported as log synchronization errors.
package index
