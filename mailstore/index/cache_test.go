package index_test

import (
	"encoding/binary"
	"testing"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/index"
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
