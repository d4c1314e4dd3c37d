package sdbox_test

import (
	"encoding/binary"
	"testing"

	"github.com/nfsmail/nfsmail/mailstore/mailtest"
	"github.com/nfsmail/nfsmail/mailstore/sdbox"
	"github.com/nfsmail/nfsmail/vfs"
)

// An index rebuild ends by purging the cache (index_index_rebuild_deinit):
// an empty file under the next file_seq replaces the old one, and the
// next sync caches the messages again without an error.
func TestRebuildPurgesTheCache(t *testing.T) {
	w := mailtest.NewWorld()
	h := w.Host("imap1", 7, 0)
	mb, err := sdbox.New(h.Env, "alice")
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		if _, err := mb.Deliver(mailtest.Message(i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := mb.Sync(); err != nil { // a FETCH creates the cache
		t.Fatal(err)
	}
	const cache = "alice/mailboxes/INBOX/dbox-Mails/dovecot.index.cache"
	header := func() (fileSeq, records uint32, size int) {
		data, err := vfs.ReadFile(w.FS, cache)
		if err != nil || len(data) < 32 {
			t.Fatalf("%s: %v (%d bytes)", cache, err, len(data))
		}
		return binary.LittleEndian.Uint32(data[8:]), binary.LittleEndian.Uint32(data[16:]), len(data)
	}
	seq, records, _ := header()
	if records != 3 {
		t.Fatalf("cache holds %d records before the rebuild, want 3", records)
	}
	if err := mb.ForceResync(); err != nil {
		t.Fatal(err)
	}
	seq2, records2, size := header()
	if seq2 != seq+1 || records2 != 0 || size > 32+64 {
		t.Errorf("after the rebuild: file_seq %d (was %d), %d records, %d bytes; want an empty file, file_seq+1", seq2, seq, records2, size)
	}
	mails, err := mb.Sync()
	if err != nil || len(mails) != 3 {
		t.Fatalf("sync after the rebuild: %v, %v", mails, err)
	}
	if _, records3, _ := header(); records3 != 3 {
		t.Errorf("the sync after the rebuild cached %d records, want 3", records3)
	}
	for _, e := range h.Log.Entries {
		if e.Text != "sdbox alice/mailboxes/INBOX/dbox-Mails: Rebuilding index" {
			t.Errorf("logged %s", e)
		}
	}
}
