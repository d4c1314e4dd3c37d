package index

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/vfs"
)

// Rewrite thresholds (mail_index_rewrite_min/max_log_bytes).
const (
	rewriteMinLogBytes = 8 * 1024
	rewriteMaxLogBytes = 128 * 1024
)

// readIndexFile reads dovecot.index: nil when missing or unusable (the
// log rebuilds the map then, and the file is rewritten). A file another
// host replaced between the lookup and the read (ESTALE) is opened again,
// as mail_index_read_map does, up to NFS_ESTALE_RETRY_COUNT times; after
// that the read fails, it does not pass for a missing file.
func (ix *Index) readIndexFile() (*Map, uint64, error) {
	for try := 1; ; try++ {
		m, ino, err := ix.readIndexFileOnce(try < mailstore.ESTALERetryCount)
		if !errors.Is(err, vfs.ErrStale) || try >= mailstore.ESTALERetryCount {
			return m, ino, err
		}
	}
}

func (ix *Index) readIndexFileOnce(retry bool) (*Map, uint64, error) {
	f, err := ix.env.FS.OpenFile(ix.path, vfs.O_RDONLY, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, nil
	}
	if err != nil {
		if !retry || !errors.Is(err, vfs.ErrStale) {
			ix.errorf("open(%s) failed: %s", ix.path, mailstore.Strerror(err))
		}
		return nil, 0, err
	}
	defer f.Close()
	var ino uint64
	if fi, err := f.Stat(); err == nil {
		ino = vfs.StatOf(fi).Ino
	}
	var data []byte
	if ix.env.Settings.MmapDisable {
		data, err = io.ReadAll(f)
	} else {
		data, err = vfs.Mmap(f)
	}
	if err != nil {
		if !retry || !errors.Is(err, vfs.ErrStale) {
			ix.errorf("read() failed with index file %s: %s", ix.path, mailstore.Strerror(err))
		}
		return nil, 0, err
	}
	m, err := parseIndex(data)
	switch {
	case errors.Is(err, errArchChanged):
		ix.warnf("Rebuilding index file %s: CPU architecture changed", ix.path)
	case err != nil:
		ix.errorf("Corrupted index file %s: %v", ix.path, err)
	}
	if err != nil {
		ix.recreate = true
		return nil, ino, nil
	}
	return m, ino, nil
}

// parseIndex decodes a whole dovecot.index.
func parseIndex(data []byte) (*Map, error) {
	h, err := ParseHeader(data)
	if err != nil {
		return nil, err
	}
	if int64(h.HeaderSize) > int64(len(data)) {
		return nil, fmt.Errorf("Header size is larger than file (%d > %d)", h.HeaderSize, len(data))
	}
	exts, err := parseExts(h, data[:h.HeaderSize])
	if err != nil {
		return nil, err
	}
	m := &Map{Hdr: h, Exts: exts}
	data = data[h.HeaderSize:]
	if uint64(h.MessagesCount)*uint64(h.RecordSize) > uint64(len(data)) {
		return nil, fmt.Errorf("messages_count too large (%d > %d)", h.MessagesCount, len(data)/int(h.RecordSize))
	}
	for i := range h.MessagesCount {
		rb := data[i*h.RecordSize : (i+1)*h.RecordSize]
		r := getRecord(rb)
		if r.UID == 0 || r.UID >= mailstore.UID(h.NextUID) || (i > 0 && r.UID <= m.Recs[i-1].UID) {
			return nil, fmt.Errorf("Record UID order broken (uid=%d, next_uid=%d)", r.UID, h.NextUID)
		}
		if len(exts) > 0 && h.RecordSize > RecordSize {
			r.Ext = slices.Clone(rb[RecordSize:])
		}
		m.Recs = append(m.Recs, r)
	}
	m.Hdr.HeaderSize, m.Hdr.BaseHeaderSize = BaseHeaderSize, BaseHeaderSize
	if len(exts) == 0 {
		m.Hdr.RecordSize = RecordSize
	}
	return m, nil
}

// Marshal encodes m as dovecot.index content.
func (m *Map) Marshal() []byte {
	h := m.Hdr
	h.BaseHeaderSize, h.RecordSize = BaseHeaderSize, uint32(RecordSize+m.extLen())
	h.Flags &^= HdrCorrupted
	out := m.marshalExts(nil)
	h.HeaderSize = uint32(BaseHeaderSize + len(out))
	out = append(h.Marshal(), out...)
	rec := make([]byte, h.RecordSize)
	for _, r := range m.Recs {
		clear(rec)
		putRecord(rec, r)
		copy(rec[RecordSize:], r.Ext)
		out = append(out, rec...)
	}
	return out
}

// writeIndex rewrites dovecot.index through dovecot.index.tmp + rename
// (mail_index_write), holding the log lock. A file someone else replaced
// since we read it is left alone.
func (ix *Index) writeIndex() error {
	if fi, err := ix.env.FS.Stat(ix.path); err == nil && ix.indexIno != 0 && vfs.StatOf(fi).Ino != ix.indexIno {
		return nil // another process rewrote it; we reopen it at the next refresh
	}
	m := ix.m.Clone()
	m.Hdr.LogFileSeq, m.Hdr.LogFileHeadOffset = ix.logSeq, uint32(ix.logOffset)
	m.Hdr.LogFileTailOffset = uint32(ix.logOffset)
	if err := ix.replaceFile(ix.path, m.Marshal(), ix.env.Settings.MailFsync != mailstore.FsyncNever); err != nil {
		return err
	}
	if fi, err := ix.env.FS.Stat(ix.path); err == nil {
		ix.indexIno = vfs.StatOf(fi).Ino
	}
	ix.readSince, ix.recreate, ix.fsckPending = 0, false, false
	ix.idx = logPos{ix.logSeq, ix.logOffset}
	return nil
}

// wantIndexWrite is mail_index_sync_want_index_write: dovecot.index is
// rewritten when it points to an older log, when the log has grown more
// than 128 KiB past it, or more than 8 KiB once this process had to read
// that much of it (index_min_write). Without one, the log counts from its
// start. Rotations and recreates write it regardless.
func (ix *Index) wantIndexWrite() bool {
	if ix.idx.seq != 0 && ix.idx.seq != ix.logSeq {
		return true
	}
	diff := ix.logOffset - ix.idx.offset
	return diff > rewriteMaxLogBytes || (ix.readSince > rewriteMinLogBytes && diff > rewriteMinLogBytes)
}

// replaceFile writes data to path.tmp (a stale one is removed first, as
// mail_index_create_tmp_file does), fdatasyncs it when fsync is set, and
// renames it over path.
func (ix *Index) replaceFile(path string, data []byte, fsync bool) error {
	tmp := path + ".tmp"
	_ = ix.env.FS.Remove(tmp)
	f, err := ix.env.FS.OpenFile(tmp, vfs.O_WRONLY|vfs.O_CREATE|vfs.O_EXCL, 0o600)
	if err != nil {
		ix.errorf("open(%s) failed: %s", tmp, mailstore.Strerror(err))
		return err
	}
	_, err = f.Write(data)
	if err != nil {
		ix.errorf("write(%s) failed: %s", tmp, mailstore.Strerror(err))
	} else {
		err = ix.fsyncFile(f, tmp, fsync)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		if err = ix.env.FS.Rename(tmp, path); err != nil {
			ix.errorf("rename(%s, %s) failed: %s", tmp, path, mailstore.Strerror(err))
		}
	}
	if err != nil {
		_ = ix.env.FS.Remove(tmp)
	}
	return err
}

// reopenIfChanged reloads dovecot.index when another process replaced it
// and it is ahead of (or we cannot trust) our map.
func (ix *Index) reopenIfChanged() error {
	if ix.env.Settings.MailNFSIndex {
		ix.flushAttrCache(ix.path)
	}
	fi, err := ix.env.FS.Stat(ix.path)
	if err != nil || vfs.StatOf(fi).Ino == ix.indexIno {
		return nil
	}
	m, ino, err := ix.readIndexFile()
	if err != nil || m == nil {
		return err
	}
	ix.indexIno = ino
	if m.Hdr.IndexID == ix.m.Hdr.IndexID && (m.Hdr.LogFileSeq < ix.logSeq ||
		(m.Hdr.LogFileSeq == ix.logSeq && int64(m.Hdr.LogFileHeadOffset) <= ix.logOffset)) {
		return nil // our map is newer
	}
	ix.install(m, ino)
	return nil
}
