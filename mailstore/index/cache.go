package index

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"time"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/dotlock"
	"github.com/nfsmail/nfsmail/vfs"
)

// dovecot.index.cache (lib-index/mail-cache*.c): a 32-byte header, one
// field header right after it, then records appended at the end of the
// file. The mailbox index points each message at its record through the
// "cache" extension (a 32-bit offset per record); the extension's reset_id
// must equal the cache header's file_seq, or the offsets mean nothing.
const (
	cacheSuffix        = ".cache"
	extCache           = "cache"
	cacheHdrSize       = 32
	cacheRecHdrSize    = 8 // prev_offset, size
	cacheLockTimeout   = 10 * time.Second
	cacheMajor         = 1
	cacheMinor         = 1
	cacheFieldVariable = 0xffffffff
	cacheTypeString    = 3 // MAIL_CACHE_FIELD_STRING
	cacheDecisionYes   = 2 // MAIL_CACHE_DECISION_YES
)

// CacheField is the one field the engines cache: the Message-ID header of
// each message, as an IMAP FETCH of it makes Dovecot cache a header
// field. It has a name of its own so that real Dovecot, which parses
// header fields in a format of its own, reads it as an opaque string.
const CacheField = "x-nfsmail.message-id"

// cacheHeader is struct mail_cache_header.
type cacheHeader struct {
	indexID, fileSeq, records, deleted, fieldOffset uint32
}

func (h cacheHeader) marshal() []byte {
	b := []byte{cacheMajor, 8, cacheMinor, 0}
	for _, v := range []uint32{h.indexID, h.fileSeq, 0, h.records, 0, h.deleted} {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	return binary.BigEndian.AppendUint32(b, encodeOffset(h.fieldOffset))
}

// encodeOffset is mail_index_uint32_to_offset: a multiple of 4 below
// 2^30 stored as four 7-bit groups with their high bits set, big-endian,
// so a torn write can never look like a valid offset.
func encodeOffset(o uint32) uint32 {
	o >>= 2
	return 0x80808080 | (o & 0x7f) | (o>>7&0x7f)<<8 | (o>>14&0x7f)<<16 | (o>>21&0x7f)<<24
}

// decodeOffset is mail_index_offset_to_uint32 (0: not a valid offset).
func decodeOffset(v uint32) uint32 {
	if v&0x80808080 != 0x80808080 {
		return 0
	}
	return ((v & 0x7f) | (v>>8&0x7f)<<7 | (v>>16&0x7f)<<14 | (v>>24&0x7f)<<21) << 2
}

func parseCacheHeader(b []byte) (cacheHeader, error) {
	if len(b) < cacheHdrSize {
		return cacheHeader{}, errors.New("File too small")
	}
	if b[0] != cacheMajor || b[1] != 8 {
		return cacheHeader{}, errors.New("Unsupported major version or uoff_t size")
	}
	le := binary.LittleEndian
	h := cacheHeader{indexID: le.Uint32(b[4:]), fileSeq: le.Uint32(b[8:]), records: le.Uint32(b[16:]),
		deleted: le.Uint32(b[24:]), fieldOffset: decodeOffset(binary.BigEndian.Uint32(b[28:]))}
	if h.fieldOffset == 0 {
		return h, errors.New("missing header fields")
	}
	return h, nil
}

// fieldHeader is the file's struct mail_cache_header_fields with one
// field, CacheField.
func fieldHeader() []byte {
	name := []byte(CacheField + "\x00")
	size := 12 + 4 + 4 + 1 + 1 + len(name)
	size = (size + 3) &^ 3
	le := binary.LittleEndian
	b := le.AppendUint32(nil, 0) // next_offset
	b = le.AppendUint32(b, uint32(size))
	b = le.AppendUint32(b, 1)                  // fields_count
	b = le.AppendUint32(b, 0)                  // last_used
	b = le.AppendUint32(b, cacheFieldVariable) // size
	b = append(b, cacheTypeString, cacheDecisionYes)
	b = append(b, name...)
	return append(b, make([]byte, size-len(b))...)
}

// cacheRecord encodes a record holding value for the field at index 0.
func cacheRecord(value string) []byte {
	data := []byte(value + "\x00")
	padded := (len(data) + 3) &^ 3
	le := binary.LittleEndian
	b := le.AppendUint32(nil, 0) // prev_offset
	b = le.AppendUint32(b, uint32(cacheRecHdrSize+8+padded))
	b = le.AppendUint32(b, 0) // field index
	b = le.AppendUint32(b, uint32(len(data)))
	b = append(b, data...)
	return append(b, make([]byte, padded-len(data))...)
}

// Cache is one process's handle on the mailbox's dovecot.index.cache
// (struct mail_cache). Lookups read records through the host's NFS client,
// so a record another host appended beyond the size this host has cached
// reads short, as in Dovecot; writes happen under the index lock and the
// cache file's own lock, at the end of the file as fstat reports it then.
type Cache struct {
	ix   *Index
	path string
	f    vfs.File
	ino  uint64 // f's inode
	hdr  cacheHeader
	// lastLockFailed makes the next lock attempt a single try.
	lastLockFailed bool
}

// Cache returns the index's cache handle.
func (ix *Index) Cache() *Cache {
	if ix.cache == nil {
		ix.cache = &Cache{ix: ix, path: ix.path + cacheSuffix}
	}
	return ix.cache
}

// close is mail_cache_file_close: a close whose write-back fails (the
// file another host deleted) is logged.
func (c *Cache) close() {
	if c.f != nil {
		if err := c.f.Close(); err != nil {
			c.ix.errorf("close() failed with file %s: %s", c.path, mailstore.Strerror(err))
		}
		c.f, c.ino = nil, 0
	}
}

// open opens the cache file and reads its header; false when there is
// none (or it cannot be used).
func (c *Cache) open() bool {
	if c.f != nil {
		return true
	}
	f, err := c.ix.env.FS.OpenFile(c.path, vfs.O_RDWR, 0)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			c.ix.errorf("open(%s) failed: %s", c.path, mailstore.Strerror(err))
		}
		return false
	}
	hdr, ioErr, err := readHeader(f)
	var fi fs.FileInfo
	if ioErr == nil && err == nil {
		fi, ioErr = f.Stat()
	}
	if ioErr != nil || err != nil {
		_ = f.Close()
		if err != nil {
			c.corrupted("%v", err)
		} else {
			c.readFailed(ioErr)
		}
		return false
	}
	c.f, c.hdr, c.ino = f, hdr, vfs.StatOf(fi).Ino
	return true
}

// readHeader reads the cache header through f: ioErr when the read
// failed (ESTALE included), err when what it read is no header.
func readHeader(f vfs.File) (hdr cacheHeader, ioErr, err error) {
	buf := make([]byte, cacheHdrSize)
	n, rerr := f.ReadAt(buf, 0)
	if n < len(buf) && rerr != nil && !errors.Is(rerr, io.EOF) {
		return cacheHeader{}, rerr, nil
	}
	hdr, err = parseCacheHeader(buf[:n])
	return hdr, nil, err
}

// corrupted is mail_cache_set_corrupted: unlink the cache and say why.
func (c *Cache) corrupted(format string, args ...any) {
	c.close()
	if err := c.ix.env.FS.Remove(c.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		c.ix.errorf("unlink(%s) failed: %s", c.path, mailstore.Strerror(err))
	}
	c.ix.errorf("Deleting corrupted cache: %s", fmt.Sprintf(format, args...))
}

// resetID is the "cache" extension's reset_id in m (0: no extension).
func resetID(m *Map) uint32 {
	if i, ok := m.ExtIndex(extCache); ok {
		return m.Exts[i].ResetID
	}
	return 0
}

// setResetID registers the "cache" extension in m when missing and sets
// its reset_id to the cache file's file_seq.
func setResetID(m *Map, fileSeq uint32) error {
	if err := m.Register(extCache, 0, 4, 4); err != nil {
		return err
	}
	x, _ := m.ExtIndex(extCache)
	m.Exts[x].ResetID = fileSeq
	return nil
}

// offsetOf is uid's cache record offset in m (0: none).
func offsetOf(m *Map, uid mailstore.UID) uint32 {
	i, ok := m.Find(uid)
	if !ok {
		return 0
	}
	if f := m.RecordExt(i, extCache); len(f) == 4 {
		return binary.LittleEndian.Uint32(f)
	}
	return 0
}

// Lookup returns CacheField's value for uid from the cache, as the index
// map this process has read points to it (mail_cache_lookup_field); false
// when it is not cached. A record that cannot be read deletes the cache.
func (c *Cache) Lookup(uid mailstore.UID) (string, bool) {
	m := c.ix.m
	off := offsetOf(m, uid)
	if off == 0 || !c.open() {
		return "", false
	}
	if c.hdr.fileSeq != resetID(m) {
		// purged or recreated since: reopen once, as mail_cache_reopen
		c.close()
		if !c.open() || c.hdr.fileSeq != resetID(m) {
			return "", false
		}
	}
	value, err := c.readRecord(off)
	if err != nil {
		c.readFailed(err)
		return "", false
	}
	return value, true
}

// readFailed reacts to a record that could not be read: a file error
// makes the cache unusable until reopened, silently for ESTALE (the file
// was purged or deleted by another host: the caller does without), and
// anything else is corruption, which deletes the file.
func (c *Cache) readFailed(err error) {
	var ce corruptRecord
	if errors.As(err, &ce) {
		c.corrupted("%s", ce)
		return
	}
	if !errors.Is(err, vfs.ErrStale) {
		c.ix.errorf("read() failed with file %s: %s", c.path, mailstore.Strerror(err))
	}
	c.close()
}

// corruptRecord is a cache record whose bytes make no sense.
type corruptRecord string

func (e corruptRecord) Error() string { return string(e) }

// readRecord is mail_cache_get_record plus the field walk.
func (c *Cache) readRecord(off uint32) (string, error) {
	if off%4 != 0 {
		return "", corruptRecord("invalid record offset")
	}
	head := make([]byte, cacheRecHdrSize)
	if n, err := c.f.ReadAt(head, int64(off)); n < len(head) && err != nil && !errors.Is(err, io.EOF) {
		return "", err
	} else if n < len(head) {
		return "", corruptRecord("record points outside file")
	}
	size := binary.LittleEndian.Uint32(head[4:])
	if size < cacheRecHdrSize+8 || size > 1<<20 {
		return "", corruptRecord("invalid record size")
	}
	rec := make([]byte, size)
	if n, err := c.f.ReadAt(rec, int64(off)); n < len(rec) && (err == nil || errors.Is(err, io.EOF)) {
		return "", corruptRecord("record points outside file")
	} else if n < len(rec) {
		return "", err
	}
	le := binary.LittleEndian
	if field := le.Uint32(rec[8:]); field != 0 {
		return "", corruptRecord(fmt.Sprintf("field index too large (%d >= 1)", field))
	}
	dlen := le.Uint32(rec[12:])
	if 16+uint64(dlen) > uint64(size) || dlen == 0 {
		return "", corruptRecord("record has invalid size")
	}
	return string(rec[16 : 16+dlen-1]), nil
}

// CacheMessageIDs looks every mail's Message-ID up in the cache, as an
// IMAP FETCH of the header does, and caches those it did not find.
func (ix *Index) CacheMessageIDs(mails []mailstore.Mail) error {
	c := ix.Cache()
	missing := map[mailstore.UID]string{}
	for _, ml := range mails {
		if _, ok := c.Lookup(ml.UID); !ok && ml.MessageID != "" {
			missing[ml.UID] = ml.MessageID
		}
	}
	return c.Store(missing)
}

// CacheDelivered caches a new message's Message-ID at save time when the
// mailbox has a cache file, as LMTP does for fields clients have been
// fetching (their caching decision is "yes").
func (ix *Index) CacheDelivered(uid mailstore.UID, messageID string) error {
	c := ix.Cache()
	if uid == 0 || !c.open() {
		return nil
	}
	return c.Store(map[mailstore.UID]string{uid: messageID})
}

// Store caches values (uid → CacheField value) for messages whose map
// record carries no cache offset yet (mail_cache_add and the cache part of
// the transaction commit): under the index lock, the cache file's lock is
// taken, the file created when missing (with a new file_seq that becomes
// the extension's reset_id), the records appended at its end, and the
// index records pointed at them. A cache lock not granted within 10 s
// skips caching, as Dovecot does.
func (c *Cache) Store(values map[mailstore.UID]string) error {
	if len(values) == 0 {
		return nil
	}
	c.refreshDecisions()
	s, err := c.ix.Begin()
	if err != nil {
		return err
	}
	m := s.Map().Clone()
	unlock, ok := c.lockOrCreate(m)
	if !ok {
		s.Rollback()
		return nil
	}
	defer unlock()
	// offsets into another file (a deleted or replaced cache) are void:
	// the reset below zeroes them
	current := resetID(m) == c.hdr.fileSeq
	var uids []mailstore.UID
	for _, r := range m.Recs {
		if _, ok := values[r.UID]; ok && (!current || offsetOf(m, r.UID) == 0) {
			uids = append(uids, r.UID)
		}
	}
	if len(uids) == 0 {
		s.Rollback()
		return nil
	}
	fi, err := c.f.Stat()
	if err != nil {
		s.Rollback()
		c.ix.errorf("fstat(%s) failed: %s", c.path, mailstore.Strerror(err))
		return nil
	}
	end := uint32(fi.Size())
	var buf []byte
	offsets := map[mailstore.UID]uint32{}
	for _, uid := range uids {
		offsets[uid] = end + uint32(len(buf))
		buf = append(buf, cacheRecord(values[uid])...)
	}
	if _, err := c.f.WriteAt(buf, int64(end)); err != nil {
		s.Rollback()
		c.ix.errorf("pwrite(%s) failed: %s", c.path, mailstore.Strerror(err))
		return nil
	}
	c.hdr.records += uint32(len(uids))
	if err := c.writeCounts(); err != nil {
		s.Rollback()
		return nil
	}
	if err := setResetID(m, c.hdr.fileSeq); err != nil {
		s.Rollback()
		return err
	}
	for _, uid := range uids {
		i, _ := m.Find(uid)
		if err := m.SetRecordExt(i, extCache, binary.LittleEndian.AppendUint32(nil, offsets[uid])); err != nil {
			s.Rollback()
			return err
		}
	}
	return s.Commit(m.Diff(s.Map()))
}

// refreshDecisions is the read mail_cache_transaction_refresh_decisions
// makes once per cache transaction: the latest field header, through the
// open file. With mmap_disable=yes Dovecot reads records through its file
// cache, silent on ESTALE, but the field headers by pread, and logs its
// failure: through the handle of a file another process replaced (a purge,
// a rebuild) it is "pread() failed ... Stale file handle". The caching
// decisions it reads are fixed in this model.
func (c *Cache) refreshDecisions() {
	if c.f == nil || !c.ix.env.Settings.MmapDisable || c.hdr.fieldOffset == 0 {
		return
	}
	buf := make([]byte, 8) // next_offset and size
	if _, err := c.f.ReadAt(buf, int64(c.hdr.fieldOffset)); err != nil && !errors.Is(err, io.EOF) {
		c.ix.errorf("pread() failed with file %s: %s", c.path, mailstore.Strerror(err))
	}
}

// lockOrCreate opens (creating when missing) and locks the cache file;
// m is the locked index map.
func (c *Cache) lockOrCreate(m *Map) (unlock func(), ok bool) {
	created := false
	if !c.open() {
		if !c.create(m) {
			return nil, false
		}
		created = c.hdr.fileSeq != resetID(m)
	}
	return c.lock(m, created, false)
}

// lock locks the open cache file (mail_cache_lock): lock the file, and
// when its path names another file by now (purged or recreated by someone
// else, as this host's stat sees it), reopen and lock that one instead;
// then check under the lock that the file_seq of a file it did not just
// create is the one the index map m names. syncing says the caller counts
// expunges during an index sync, where a mismatch has its own text.
func (c *Cache) lock(m *Map, created, syncing bool) (unlock func(), ok bool) {
	for {
		if unlock, ok = c.lockFile(); !ok {
			return nil, false
		}
		if !c.needReopen() {
			break
		}
		unlock()
		c.close()
		if !c.open() {
			return nil, false
		}
	}
	// the lock flushed this host's cached attributes: re-read the header
	hdr, ioErr, err := readHeader(c.f)
	switch {
	case ioErr != nil:
		unlock()
		c.readFailed(ioErr)
		return nil, false
	case err != nil:
		unlock()
		c.corrupted("%v", err)
		return nil, false
	}
	c.hdr = hdr
	switch want := resetID(m); {
	case created || want == 0 || hdr.fileSeq == want:
		return unlock, true
	case syncing: // counting expunges while the index is being mapped
		unlock()
		c.corrupted("reset_id mismatch during sync")
	default:
		unlock()
		c.corrupted("reset_id mismatch even after locking (file_seq=%d != reset_id=%d)", hdr.fileSeq, want)
	}
	return nil, false
}

// lockFile is mail_cache_lock_file: the cache's own dotlock with
// lock_method=dotlock, else a write lock on the open file, given up after
// 10 s. After a failed attempt the next one tries once without waiting
// (last_lock_failed), and logs its failure as F_SETLK.
func (c *Cache) lockFile() (unlock func(), ok bool) {
	nonblock := c.lastLockFailed
	unlock, ok = c.lockFileOnce(nonblock)
	c.lastLockFailed = !ok
	return unlock, ok
}

func (c *Cache) lockFileOnce(nonblock bool) (unlock func(), ok bool) {
	env := c.ix.env
	timeout := env.Settings.LockTimeout(cacheLockTimeout)
	if env.Settings.LockMethod == mailstore.LockDotlock {
		set := c.ix.logDotlockSettings(".lock")
		set.Timeout = timeout
		var flags dotlock.Flags
		if nonblock {
			flags = dotlock.NonBlock
		}
		l, err := dotlock.Create(env, c.path, set, flags)
		if err != nil {
			return nil, false
		}
		return func() { _ = l.Release() }, true
	}
	deadline := env.Clock.Now()
	if !nonblock {
		deadline = deadline.Add(timeout)
	}
	err := mailstore.WaitLock(env.Clock, deadline, func() error { return vfs.Lock(c.f, vfs.WriteLock, false) })
	if errors.Is(err, vfs.ErrWouldBlock) {
		return nil, false
	}
	if err != nil {
		// e.g. ESTALE: another host replaced the cache under us. The
		// file stays open, as in Dovecot: the next attempt fails
		// again (F_SETLK) until a lookup finds it unusable and reopens.
		c.ix.errorf("%s", c.ix.lockFailure(c.path, err, !nonblock))
		return nil, false
	}
	f := c.f
	return func() { _ = vfs.Lock(f, vfs.Unlock, false) }, true
}

// needReopen is mail_cache_need_reopen: the cache path, as this host's
// stat sees it, names another file than the open one. With
// mail_nfs_index the path is revalidated first (Dovecot flushes the
// parent directory's handle cache, which vfs cannot express; open+close
// is the nearest call) and an fstat failing with ESTALE counts too.
func (c *Cache) needReopen() bool {
	if c.f == nil {
		return true
	}
	nfs := c.ix.env.Settings.MailNFSIndex
	if nfs {
		c.ix.flushAttrCache(c.path)
	}
	fi, err := c.ix.env.FS.Stat(c.path)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			c.ix.errorf("stat() failed with file %s: %s", c.path, mailstore.Strerror(err))
		}
		return true
	}
	if vfs.StatOf(fi).Ino != c.ino {
		return true
	}
	if nfs {
		if _, err := c.f.Stat(); errors.Is(err, vfs.ErrStale) {
			return true
		}
	}
	return false
}

// create writes a new cache file under the "dovecot.index.cache.lock"
// dotlock and renames it into place (the purge that creates the first
// file): file_seq is the extension's reset_id + 1, or the host's clock for
// the first file.
func (c *Cache) create(m *Map) bool {
	env := c.ix.env
	set := c.ix.logDotlockSettings(".lock")
	set.Timeout = env.Settings.LockTimeout(cacheLockTimeout)
	l, err := dotlock.Create(env, c.path, set, 0)
	if err != nil {
		return false
	}
	if c.open() { // another process created it while we waited
		_ = l.Release()
		return true
	}
	seq := resetID(m) + 1
	if seq == 1 {
		seq = uint32(env.Clock.Now().Unix())
	}
	hdr := cacheHeader{indexID: m.Hdr.IndexID, fileSeq: seq, fieldOffset: cacheHdrSize}
	if err := l.Replace(append(hdr.marshal(), fieldHeader()...), env.Settings.MailFsync == mailstore.FsyncAlways); err != nil {
		_ = l.Release()
		return false
	}
	return c.open()
}
