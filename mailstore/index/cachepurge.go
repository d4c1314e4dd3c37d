package index

import (
	"encoding/binary"

	"github.com/nfsmail/nfsmail/mailstore"
)

// writeCounts writes the header's record_count and deleted_record_count
// (mail_cache_flush_and_unlock), fdatasync'd only with mail_fsync=always.
func (c *Cache) writeCounts() error {
	if _, err := c.f.WriteAt(c.hdr.marshal()[16:28], 16); err != nil {
		c.ix.errorf("pwrite(%s) failed: %s", c.path, mailstore.Strerror(err))
		return err
	}
	return c.ix.fsyncFile(c.f, c.path, c.ix.env.Settings.MailFsync == mailstore.FsyncAlways)
}

// cachedExpunges counts the messages among c's expunges whose map record
// points into the cache (mail_cache_expunge_handler: a nonzero offset).
func (ix *Index) cachedExpunges(c *Changes) uint32 {
	var n uint32
	for _, e := range c.Expunges {
		if offsetOf(ix.m, e.UID) != 0 {
			n++
		}
	}
	return n
}

// expunged runs under the log lock after a sync expunged n messages that
// had cache records: the cache header counts them as deleted
// (mail_cache_expunge_count), and a cache that now holds too many deleted
// records is purged, as mail_index_sync_commit does. Failures only cost
// the cache, never the sync.
func (c *Cache) expunged(n uint32) {
	if !c.open() {
		return
	}
	unlock, ok := c.lock(c.ix.m, false, true)
	if !ok {
		return
	}
	c.hdr.deleted += n
	c.hdr.records -= min(n, c.hdr.records)
	err := c.writeCounts()
	purge := c.needPurge()
	unlock()
	if err == nil && purge {
		c.purge()
	}
}

// needPurge is mail_cache_update_need_purge for deleted records ("Too
// many deleted records"): at least mail_cache_purge_delete_percentage of
// the records are deleted and the file is at least
// mail_cache_purge_min_size large.
func (c *Cache) needPurge() bool {
	minSize, percentage := c.ix.env.Settings.CachePurge()
	records := c.hdr.records
	if msgs := uint32(len(c.ix.m.Recs)); msgs == 0 {
		records = 1
	} else if records == 0 || records > msgs*2 {
		records = msgs // not a real count (Dovecot <= 2.1 kept a hole offset there)
	}
	if uint64(c.hdr.deleted)*100/uint64(records+c.hdr.deleted) < uint64(percentage) {
		return false
	}
	fi, err := c.f.Stat() // failing with ESTALE is not worth a word
	return err == nil && fi.Size() >= minSize
}

// purge is mail_cache_purge: under the log lock and the cache lock, the
// records of every message the index still has are copied into
// dovecot.index.cache.tmp with a new file_seq, the file is renamed over
// dovecot.index.cache, and a sync transaction resets the "cache"
// extension to that file_seq with the records' new offsets. Another host
// still holding the old file reads ESTALE from it and does without the
// cache until its index map names the new file_seq.
func (c *Cache) purge() {
	ix := c.ix
	m := ix.m
	unlock, ok := c.lock(m, false, false) // a file_seq other than the index's reset_id deletes the cache
	if !ok {
		return
	}
	seq := c.nextFileSeq(m)
	nm := m.Clone()
	if err := setResetID(nm, seq); err != nil {
		unlock()
		return
	}
	body := fieldHeader()
	kept := uint32(0)
	for i, r := range nm.Recs {
		var field []byte
		if off := offsetOf(m, r.UID); off != 0 {
			if value, err := c.readRecord(off); err == nil {
				field = binary.LittleEndian.AppendUint32(nil, uint32(cacheHdrSize+len(body)))
				body = append(body, cacheRecord(value)...)
				kept++
			}
		}
		if err := nm.SetRecordExt(i, extCache, padTo(field, 4)); err != nil {
			unlock()
			return
		}
	}
	hdr := cacheHeader{indexID: m.Hdr.IndexID, fileSeq: seq, records: kept, fieldOffset: cacheHdrSize}
	if !c.replace(hdr, body, unlock) {
		return
	}
	diff := nm.Diff(m)
	diff.External = true
	// a failure is logged; the next process to lock the cache then finds
	// its file_seq ahead of the index's reset_id and deletes it
	_ = ix.appendTx(&diff, true)
}

// PurgeCacheForRebuild is the mail_cache_purge_with_trans an index
// rebuild ends with (index_index_rebuild_deinit), under the index sync
// lock: a transaction that resets the index copies no record, so the
// cache is replaced by an empty file with the next file_seq, and m, the
// rebuilt map about to be committed, points at it (the "cache" extension's
// reset_id set, every offset cleared). Other hosts' handles on the old
// file go stale. Without a cache file there is nothing to do.
func (ix *Index) PurgeCacheForRebuild(m *Map) {
	c := ix.Cache()
	if !c.open() {
		return
	}
	unlock, ok := c.lock(ix.m, false, false)
	if !ok {
		return
	}
	seq := c.nextFileSeq(ix.m)
	hdr := cacheHeader{indexID: m.Hdr.IndexID, fileSeq: seq, fieldOffset: cacheHdrSize}
	if !c.replace(hdr, fieldHeader(), unlock) || setResetID(m, seq) != nil {
		return
	}
	for i := range m.Recs {
		_ = m.SetRecordExt(i, extCache, make([]byte, 4))
	}
}

// nextFileSeq is get_next_file_seq: past both the reset_id m names and
// the open file's file_seq.
func (c *Cache) nextFileSeq(m *Map) uint32 { return max(resetID(m)+1, c.hdr.fileSeq+1) }

// replace writes hdr and body (field header and records) to
// dovecot.index.cache.tmp and renames it over the cache, fdatasync'd only
// with mail_fsync=always; then drops the lock (unlock) and opens the new
// file. False when the file could not be replaced.
func (c *Cache) replace(hdr cacheHeader, body []byte, unlock func()) bool {
	err := c.ix.replaceFile(c.path, append(hdr.marshal(), body...), c.ix.env.Settings.MailFsync == mailstore.FsyncAlways)
	unlock()
	if err != nil {
		return false
	}
	c.close()
	c.open()
	return true
}
