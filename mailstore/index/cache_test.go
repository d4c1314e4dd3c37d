package index_test

import (
	"encoding/binary"
	"io/fs"
	"slices"
	"testing"
	"time"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/index"
	"github.com/nfsmail/nfsmail/vfs"
)

func mailsOf(m *index.Map) []mailstore.Mail {
	var out []mailstore.Mail
	for _, r := range m.Recs {
		out = append(out, mailstore.Mail{UID: r.UID, MessageID: "<m" + string(rune('0'+r.UID)) + ">"})
	}
	return out
}

func TestCacheStoreAndLookup(t *testing.T) {
	w := newWorld()
	log := &mailstore.Recorder{}
	a := open(t, w.env(1, log, nil))
	appendUIDs(t, a, 3)
	if err := a.CacheMessageIDs(mailsOf(a.Map())); err != nil {
		t.Fatal(err)
	}
	b := open(t, w.env(2, log, nil))
	for uid := mailstore.UID(1); uid <= 3; uid++ {
		if v, ok := b.Cache().Lookup(uid); !ok || v != "<m"+string(rune('0'+uid))+">" {
			t.Errorf("uid %d: cached %q, %v", uid, v, ok)
		}
	}
	appendUIDs(t, a, 1)
	if err := a.CacheDelivered(4, "<m4>"); err != nil {
		t.Fatal(err)
	}
	if err := b.Refresh(); err != nil {
		t.Fatal(err)
	}
	if v, ok := b.Cache().Lookup(4); !ok || v != "<m4>" {
		t.Errorf("uid 4 cached at delivery: %q, %v", v, ok)
	}
	noLog(t, log)
}

// An index record pointing past the end of the cache file makes the
// reader delete the cache with Dovecot's text; the next write creates a
// new file whose file_seq resets the index's cache offsets.
func TestCacheRecordOutsideFileDeletesCache(t *testing.T) {
	w := newWorld()
	log := &mailstore.Recorder{}
	a := open(t, w.env(1, log, nil))
	appendUIDs(t, a, 2)
	if err := a.CacheMessageIDs(mailsOf(a.Map())); err != nil {
		t.Fatal(err)
	}
	s, err := a.Begin()
	if err != nil {
		t.Fatal(err)
	}
	m := s.Map().Clone()
	if err := m.SetRecordExt(1, "cache", binary.LittleEndian.AppendUint32(nil, 1<<16)); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(m.Diff(s.Map())); err != nil {
		t.Fatal(err)
	}
	b := open(t, w.env(2, log, nil))
	if _, ok := b.Cache().Lookup(2); ok {
		t.Fatal("lookup through a bad offset succeeded")
	}
	if got := log.Find("Deleting corrupted cache: record points outside file"); len(got) != 1 {
		t.Fatalf("log %v", log.Entries)
	}
	if _, err := w.fs.Stat("u/Maildir/dovecot.index.cache"); err == nil {
		t.Fatal("the corrupted cache file was not deleted")
	}
	if err := b.CacheMessageIDs(mailsOf(b.Map())); err != nil {
		t.Fatal(err)
	}
	c := open(t, w.env(3, log, nil))
	for uid := mailstore.UID(1); uid <= 2; uid++ {
		if _, ok := c.Cache().Lookup(uid); !ok {
			t.Errorf("uid %d not cached in the new file", uid)
		}
	}
	if len(log.Entries) != 1 {
		t.Errorf("log %v", log.Entries)
	}
}

// staleFS reads ESTALE from an open file whose path no longer names its
// inode, as an NFS client does once the server dropped the inode (the
// file was replaced by rename or removed). A file moved to another name
// is not followed; these tests do not rotate logs.
type staleFS struct{ vfs.FS }

type staleFile struct {
	vfs.File
	fsys vfs.FS
	name string
	ino  uint64
}

func (s staleFS) OpenFile(name string, flag int, perm fs.FileMode) (vfs.File, error) {
	f, err := s.FS.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	return &staleFile{File: f, fsys: s.FS, name: name, ino: vfs.StatOf(fi).Ino}, nil
}

func (f *staleFile) Lock(typ vfs.LockType, wait bool) error { return vfs.Lock(f.File, typ, wait) }

func (f *staleFile) ReadAt(p []byte, off int64) (int, error) {
	if fi, err := f.fsys.Stat(f.name); err != nil || vfs.StatOf(fi).Ino != f.ino {
		return 0, vfs.ErrStale
	}
	return f.File.ReadAt(p, off)
}

// cacheCounts reads file_seq, record_count and deleted_record_count from
// the cache file's header.
func cacheCounts(t *testing.T, w *world) (fileSeq, records, deleted uint32) {
	t.Helper()
	b, err := vfs.ReadFile(w.fs, "u/Maildir/dovecot.index.cache")
	if err != nil || len(b) < 28 {
		t.Fatalf("cache header: %v (%d bytes)", err, len(b))
	}
	le := binary.LittleEndian
	return le.Uint32(b[8:]), le.Uint32(b[16:]), le.Uint32(b[24:])
}

// expungeUIDs expunges uids in a sync, as a backend does once it removed
// their mail.
func expungeUIDs(t *testing.T, ix *index.Index, uids ...mailstore.UID) {
	t.Helper()
	s, err := ix.Begin()
	if err != nil {
		t.Fatal(err)
	}
	m := s.Map().Clone()
	m.Recs = slices.DeleteFunc(m.Recs, func(r index.Record) bool { return slices.Contains(uids, r.UID) })
	if err := s.Commit(m.Diff(s.Map())); err != nil {
		t.Fatal(err)
	}
}

// Expunging a fifth of the cached messages counts them as deleted in the
// cache header; with mail_cache_purge_min_size under the file's size the
// sync then purges the cache (mail_cache_purge): a new file under a new
// file_seq holding only the live records, the index's offsets reset to
// it. Another host reading the old file through its open handle gets
// ESTALE, does without the cache silently, and finds the values again
// once its index map names the new file.
func TestCachePurgeAfterExpunges(t *testing.T) {
	for _, minSize := range []int64{0, 1} {
		w := newWorld()
		log := &mailstore.Recorder{}
		a := open(t, w.env(1, log, func(s *mailstore.Settings) { s.CachePurgeMinSize = minSize }))
		appendUIDs(t, a, 10)
		if err := a.CacheMessageIDs(mailsOf(a.Map())); err != nil {
			t.Fatal(err)
		}
		envB := w.env(2, log, nil)
		envB.FS = staleFS{w.fs}
		b := open(t, envB)
		if _, ok := b.Cache().Lookup(5); !ok {
			t.Fatal("b: uid 5 not cached")
		}
		seq0, _, _ := cacheCounts(t, w)
		expungeUIDs(t, a, 1)
		if seq, records, deleted := cacheCounts(t, w); seq != seq0 || records != 9 || deleted != 1 {
			t.Fatalf("after 1 of 10 expunged: file_seq %d (was %d), records %d, deleted %d; want 9 and 1", seq, seq0, records, deleted)
		}
		expungeUIDs(t, a, 2, 3)
		seq, records, deleted := cacheCounts(t, w)
		if minSize == 0 { // the default, 32 KiB, is far above this file's size
			if seq != seq0 || records != 7 || deleted != 3 {
				t.Errorf("default min size: file_seq %d (was %d), records %d, deleted %d; want no purge", seq, seq0, records, deleted)
			}
			noLog(t, log)
			continue
		}
		if seq != seq0+1 || records != 7 || deleted != 0 {
			t.Fatalf("purged cache: file_seq %d (was %d), records %d, deleted %d; want %d, 7, 0", seq, seq0, records, deleted, seq0+1)
		}
		c := open(t, w.env(3, log, nil))
		for uid := mailstore.UID(1); uid <= 10; uid++ {
			v, ok := c.Cache().Lookup(uid)
			if want := "<m" + string(rune('0'+uid)) + ">"; (uid > 3) != ok || (ok && v != want) {
				t.Errorf("after the purge uid %d: cached %q, %v", uid, v, ok)
			}
		}
		if _, ok := b.Cache().Lookup(5); ok {
			t.Error("b read uid 5 through the purged file's stale handle")
		}
		if err := b.Refresh(); err != nil {
			t.Fatal(err)
		}
		if v, ok := b.Cache().Lookup(5); !ok || v != "<m5>" {
			t.Errorf("b after refreshing: uid 5 cached %q, %v", v, ok)
		}
		noLog(t, log)
	}
}

// A cache lock not granted within 10 s skips caching; the next attempt
// tries once without waiting (mail_cache_lock_file's last_lock_failed),
// and one that succeeds makes waiting normal again.
func TestCacheLockAfterAFailureTriesOnce(t *testing.T) {
	w := newWorld()
	log := &mailstore.Recorder{}
	a := open(t, w.env(1, log, nil))
	appendUIDs(t, a, 4)
	if err := a.CacheDelivered(1, "<m1>"); err != nil {
		t.Fatal(err)
	}
	if err := a.CacheMessageIDs(mailsOf(a.Map())[:1]); err != nil {
		t.Fatal(err)
	}
	holder, err := w.fs.OpenFile("u/Maildir/dovecot.index.cache", vfs.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := vfs.Lock(holder, vfs.WriteLock, false); err != nil {
		t.Fatal(err)
	}
	cacheOne := func(uid mailstore.UID) time.Duration {
		t.Helper()
		start := w.t
		if err := a.CacheMessageIDs(mailsOf(a.Map())[uid-1 : uid]); err != nil {
			t.Fatal(err)
		}
		return w.t.Sub(start)
	}
	if waited := cacheOne(2); waited < 10*time.Second {
		t.Errorf("first attempt against a held lock waited %v, want 10 s", waited)
	}
	if waited := cacheOne(3); waited != 0 {
		t.Errorf("attempt after a failure waited %v, want a single try", waited)
	}
	_ = vfs.Lock(holder, vfs.Unlock, false)
	if waited := cacheOne(3); waited != 0 {
		t.Errorf("free lock: waited %v", waited)
	}
	if _, ok := a.Cache().Lookup(3); !ok {
		t.Error("uid 3 not cached once the lock was free")
	}
	if _, ok := a.Cache().Lookup(2); ok {
		t.Error("uid 2 cached although its lock timed out")
	}
	noLog(t, log)
}

// With mmap_disable=yes a cache transaction first reads the latest field
// header by pread through the open file. After another host purged the
// cache that handle is stale and Dovecot logs the failure ("pread()
// failed"), though its record reads stay silent.
func TestCacheTransactionReadsFieldHeaderThroughStaleHandle(t *testing.T) {
	for _, mmapDisable := range []bool{false, true} {
		w := newWorld()
		log := &mailstore.Recorder{}
		a := open(t, w.env(1, log, func(s *mailstore.Settings) { s.CachePurgeMinSize = 1 }))
		appendUIDs(t, a, 10)
		if err := a.CacheMessageIDs(mailsOf(a.Map())); err != nil {
			t.Fatal(err)
		}
		envB := w.env(2, log, func(s *mailstore.Settings) { s.MmapDisable = mmapDisable })
		envB.FS = staleFS{w.fs}
		b := open(t, envB)
		if _, ok := b.Cache().Lookup(5); !ok {
			t.Fatal("b: uid 5 not cached")
		}
		expungeUIDs(t, a, 1, 2, 3) // purges the cache
		if err := b.Cache().Store(map[mailstore.UID]string{5: "<m5>"}); err != nil {
			t.Fatal(err)
		}
		got := log.Find("pread() failed with file u/Maildir/dovecot.index.cache: Stale file handle")
		if want := map[bool]int{false: 0, true: 1}[mmapDisable]; len(got) != want {
			t.Errorf("mmap_disable=%v: log = %v, want %d pread failure", mmapDisable, log.Entries, want)
		}
	}
}
