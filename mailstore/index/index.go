package index

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/vfs"
)

// Options say which index to open.
type Options struct {
	// Dir holds the files; created when missing, unless DirMustExist
	// (the mailbox's own directory, which opening it must not bring
	// back): then a missing Dir fails the open with fs.ErrNotExist.
	Dir          string
	DirMustExist bool
	// Prefix is the base file name: "dovecot.index" (a mailbox),
	// "dovecot.list.index" (the mailbox list), "dovecot.map.index" (mdbox).
	Prefix string
	// FsyncMask lists the record types whose log appends are fdatasync'd
	// with mail_fsync=optimized (0 for Maildir and the list index;
	// TxAppend|TxExpungeGUID for dbox mailboxes).
	FsyncMask TxType
}

// Index is one process's handle on an on-disk mail index
// (struct mail_index): the map it has read, the open head log, and the
// head lock while a sync or commit holds it.
type Index struct {
	env  mailstore.Env
	opts Options
	path string // Dir/Prefix

	m         *Map
	indexIno  uint64 // dovecot.index we loaded (0: none)
	head      *logFile
	logSeq    uint32 // how far m has applied the log
	logOffset int64
	readSince int64 // log bytes applied since dovecot.index was written
	// idx is the log position dovecot.index on disk was written at, as
	// this process last read or wrote it (main_index_hdr_log_file_seq and
	// _tail_offset); seq 0: no dovecot.index.
	idx      logPos
	recreate bool // rewrite dovecot.index at the next unlock
	// fsckPending: an fsck changed the map; saveFsck writes it.
	fsckPending bool
	// resetPending: this process replaced the head with a reset log while
	// its map still holds the old log's state (it had no dovecot.index).
	// The sync that wrote it goes on with that map; its commit resets the
	// map, as the commit's mail_index_sync_map meets the reset.
	resetPending bool
	dotlock      lockHolder
	cache        *Cache // dovecot.index.cache, opened on first use
	// logHeaders are the headers of the logs this process has had as its
	// head, by file seq: views follow the chain through them
	// (struct mail_transaction_log keeps the files it opened).
	logHeaders map[uint32]LogHeader
}

// Config errors of mail_nfs_index (mail-storage-settings.c).
var (
	ErrNFSNeedsMmapDisable = errors.New("mail_nfs_index=yes requires mmap_disable=yes")
	ErrNFSNeedsFsyncAlways = errors.New("mail_nfs_index=yes requires mail_fsync=always")
)

// CheckSettings applies Dovecot's config checks for index settings.
func CheckSettings(s mailstore.Settings) error {
	switch {
	case s.MailNFSIndex && !s.MmapDisable:
		return ErrNFSNeedsMmapDisable
	case s.MailNFSIndex && s.MailFsync != mailstore.FsyncAlways:
		return ErrNFSNeedsFsyncAlways
	}
	return nil
}

// Open opens (creating when missing) the index opts describes and reads it
// up to the end of its log. It fails on the settings check, on I/O errors
// and when no usable log can be created.
func Open(env mailstore.Env, opts Options) (*Index, error) {
	if err := CheckSettings(env.Settings); err != nil {
		env.Logf(mailstore.Error, "%v", err)
		return nil, fmt.Errorf("index: open %s/%s: %w", opts.Dir, opts.Prefix, err)
	}
	if opts.Prefix == "" {
		opts.Prefix = "dovecot.index"
	}
	ix := &Index{env: env, opts: opts, path: join(opts.Dir, opts.Prefix)}
	if opts.DirMustExist {
		if _, err := env.FS.Stat(opts.Dir); err != nil {
			return nil, fmt.Errorf("index: open %s: %w", ix.path, err)
		}
	} else if err := vfs.MkdirAll(env.FS, opts.Dir, 0o700); err != nil {
		ix.errorf("mkdir(%s) failed: %s", opts.Dir, mailstore.Strerror(err))
		return nil, fmt.Errorf("index: open %s: %w", ix.path, err)
	}
	if err := ix.openFiles(); err != nil {
		ix.Close()
		return nil, fmt.Errorf("index: open %s: %w", ix.path, err)
	}
	return ix, nil
}

func join(dir, name string) string {
	if dir == "" || dir == "." {
		return name
	}
	return dir + "/" + name
}

// Path returns the dovecot.index path (the other files add suffixes).
func (ix *Index) Path() string { return ix.path }

func (ix *Index) logPath() string { return ix.path + ".log" }

// openFiles reads dovecot.index, opens or creates the head log and
// applies the log to the map.
func (ix *Index) openFiles() error {
	m, ino, err := ix.readIndexFile()
	if err != nil {
		return err
	}
	head, err := ix.openLog(ix.logPath())
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, ErrCorrupted) {
		id := uint32(0)
		var from *logPos
		if m != nil {
			id = m.Hdr.IndexID
			from = &logPos{m.Hdr.LogFileSeq, int64(m.Hdr.LogFileHeadOffset)}
		}
		head, err = ix.createLog(id, nil, false, from)
	}
	if err != nil {
		return err
	}
	ix.head = head
	ix.sawLog(head)
	if resetAhead(head, m) {
		ix.installReset(m != nil && m.Hdr.Flags&HdrFsckd != 0, m, ino)
	} else {
		ix.install(m, ino)
	}
	if err := ix.syncMap(); err != nil {
		return err
	}
	ix.saveFsck()
	return nil
}

// sawLog remembers lf's header for views.
func (ix *Index) sawLog(lf *logFile) {
	if ix.logHeaders == nil {
		ix.logHeaders = map[uint32]LogHeader{}
	}
	ix.logHeaders[lf.hdr.FileSeq] = lf.hdr
}

// resetAhead reports whether lf is a reset log (prev_file_seq 0, past the
// first) that m, read from dovecot.index, predates: the map must start
// again from lf (mail_transaction_log_view_set finds the reset, and
// mail_index_sync_map resets the map).
func resetAhead(lf *logFile, m *Map) bool {
	return lf.hdr.PrevFileSeq == 0 && lf.hdr.FileSeq > 1 && (m == nil || m.Hdr.LogFileSeq < lf.hdr.FileSeq)
}

// installReset starts the map again at the head, a reset log: empty but
// for the indexid and the fsck flag of the map it replaces
// (mail_index_sync_map's reset). file is the dovecot.index this process
// read (nil: none); its position decides when it is rewritten.
func (ix *Index) installReset(fsckd bool, file *Map, ino uint64) {
	ix.install(nil, 0)
	if fsckd {
		ix.m.Hdr.Flags |= HdrFsckd
	}
	ix.indexIno, ix.resetPending = ino, false
	if file != nil && ino != 0 {
		ix.idx = logPos{file.Hdr.LogFileSeq, int64(file.Hdr.LogFileHeadOffset)}
	}
}

// install makes m (nil: none on disk) the starting point of the map,
// checking it against the head log. ino is the inode of the dovecot.index
// m was read from; the position that file's header names is where this
// process believes dovecot.index stands (main_index_hdr_log_file_seq).
func (ix *Index) install(m *Map, ino uint64) {
	h := ix.head.hdr
	idx := logPos{}
	if m != nil && ino != 0 {
		idx = logPos{m.Hdr.LogFileSeq, int64(m.Hdr.LogFileHeadOffset)}
	}
	if m != nil && m.Hdr.IndexID != h.IndexID {
		ix.errorf("Transaction log file %s: invalid indexid (%d != %d)", ix.head.path, h.IndexID, m.Hdr.IndexID)
		m = nil
	}
	if m != nil && (m.Hdr.LogFileSeq != h.FileSeq || int64(m.Hdr.LogFileHeadOffset) < int64(h.HdrSize)) {
		if m.Hdr.LogFileSeq != h.PrevFileSeq || m.Hdr.LogFileHeadOffset != h.PrevFileOffset {
			ix.errorf("Index %s: Lost log for seq=%d offset=%d: log file seq %d", ix.path,
				m.Hdr.LogFileSeq, m.Hdr.LogFileHeadOffset, h.FileSeq)
			ix.fsckLogged("log_file_seq %d -> %d", m.Hdr.LogFileSeq, h.FileSeq)
			m.Hdr.Flags |= HdrFsckd // dbox storages rebuild when they see it
		}
		m.Hdr.LogFileSeq, m.Hdr.LogFileHeadOffset = h.FileSeq, uint32(h.HdrSize)
	}
	if m == nil {
		m = newMap(h.IndexID)
		m.Hdr.LogFileSeq, m.Hdr.LogFileHeadOffset = h.FileSeq, uint32(h.HdrSize)
		if h.PrevFileSeq != 0 {
			// no dovecot.index to start from, and a head that continues
			// an earlier log: a fresh map wants the log's beginning
			ix.errorf("Index %s: Lost log for seq=1 offset=0: log file seq %d continues seq %d", ix.path, h.FileSeq, h.PrevFileSeq)
			ix.fsckLogged("log_file_seq 1 -> %d", h.FileSeq)
			m.Hdr.Flags |= HdrFsckd
		}
	}
	ix.m, ix.indexIno, ix.idx = m, ino, idx
	ix.logSeq, ix.logOffset = m.Hdr.LogFileSeq, int64(m.Hdr.LogFileHeadOffset)
}

// fsckLogged logs an fsck of the map (mail_index_fsck), which Dovecot
// writes to dovecot.index at once: saveFsck does, at the end of the
// refresh or sync that found it.
func (ix *Index) fsckLogged(format string, args ...any) {
	ix.warnf("fscking index file %s", ix.path)
	ix.warnf("Fixed index file %s: %s", ix.path, fmt.Sprintf(format, args...))
	ix.recreate, ix.fsckPending = true, true
}

// saveFsck writes dovecot.index after an fsck, taking the log lock when
// this process does not hold it (mail_index_fsck's "fscking" lock). A lock
// that cannot be had leaves the write to the next sync.
func (ix *Index) saveFsck() {
	if !ix.fsckPending {
		return
	}
	h := ix.head
	if !h.locked {
		if err := ix.lockLog(h); err != nil {
			return
		}
		defer ix.unlockLog(h)
	}
	if ix.writeIndex() == nil {
		ix.fsckPending = false
	}
}

// Close releases the lock (if held) and the files.
func (ix *Index) Close() {
	if ix.head != nil {
		ix.head.close()
		ix.head = nil
	}
	if ix.cache != nil {
		ix.cache.close()
	}
}

// Map returns the current map; callers must not modify it (Clone first).
func (ix *Index) Map() *Map { return ix.m }

func (ix *Index) errorf(format string, args ...any) { ix.env.Logf(mailstore.Error, format, args...) }

func (ix *Index) warnf(format string, args ...any) { ix.env.Logf(mailstore.Warning, format, args...) }

// corruptLog is mail_transaction_log_file_set_corrupted: log Dovecot's
// error and write indexid=0 into the file's header, so every process
// (on every host) stops trusting it and the next writer recreates it.
// The write goes through the file's own handle, without fsync
// (mail_transaction_log_mark_corrupted): a log that was replaced
// meanwhile is not the one marked, and over NFS its handle may be stale.
func (ix *Index) corruptLog(lf *logFile, format string, args ...any) {
	lf.corrupted = true
	ix.errorf("Corrupted transaction log file %s seq %d: %s (sync_offset=%d)",
		lf.path, lf.hdr.FileSeq, fmt.Sprintf(format, args...), lf.syncOffset)
	if lf.hdr.IndexID == 0 || lf.f == nil {
		return
	}
	// the log was opened O_APPEND, which pwrite would obey (on Linux)
	if err := vfs.SetAppend(lf.f, false); err != nil && !errors.Is(err, vfs.ErrUnsupported) {
		ix.errorf("fcntl(F_SETFL) failed with file %s: %s", lf.path, mailstore.Strerror(err))
		return
	}
	if _, err := lf.f.WriteAt(make([]byte, 4), 4); err != nil {
		ix.errorf("pwrite() failed with file %s: %s", lf.path, mailstore.Strerror(err))
	}
}

// flushAttrCache is nfs_flush_attr_cache_unlocked: open+close revalidates.
func (ix *Index) flushAttrCache(path string) {
	if f, err := ix.env.FS.OpenFile(path, vfs.O_RDONLY, 0); err == nil {
		f.Close()
	}
}

// flushReadCache is mail_index_flush_read_cache for an unlocked file: with
// mail_nfs_index, a read lock taken and dropped makes the NFS client drop
// cached pages.
func (ix *Index) flushReadCache(lf *logFile) {
	if !ix.env.Settings.MailNFSIndex || lf.locked {
		return
	}
	if err := vfs.Lock(lf.f, vfs.ReadLock, true); err == nil {
		_ = vfs.Lock(lf.f, vfs.Unlock, false)
	}
}

// fsyncFile fdatasyncs f when want, logging failures.
func (ix *Index) fsyncFile(f vfs.File, path string, want bool) error {
	if !want {
		return nil
	}
	if err := f.Sync(); err != nil {
		ix.errorf("fdatasync(%s) failed: %s", path, mailstore.Strerror(err))
		return err
	}
	return nil
}
