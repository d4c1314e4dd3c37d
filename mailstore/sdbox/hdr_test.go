package sdbox_test

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/nfsmail/nfsmail/mailstore/dbox"
	"github.com/nfsmail/nfsmail/mailstore/index"
	"github.com/nfsmail/nfsmail/mailstore/mailtest"
	"github.com/nfsmail/nfsmail/mailstore/sdbox"
)

// dboxHdr reads struct sdbox_index_header from alice's index as another
// process would.
func dboxHdr(t *testing.T, h *mailtest.Host) (count uint32, guid []byte) {
	t.Helper()
	ix, err := index.Open(h.Env, dbox.MailboxIndex(dbox.InboxDir("alice")))
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	b, ok := ix.Map().ExtHeader("dbox-hdr")
	if !ok || len(b) != 24 {
		t.Fatalf("dbox-hdr = %v, %v", b, ok)
	}
	return binary.LittleEndian.Uint32(b), bytes.Clone(b[4:20])
}

// Creating the mailbox writes Dovecot's "dbox-hdr" with a mailbox GUID
// (else real Dovecot rebuilds the index it opens); a rebuild keeps the
// GUID and counts itself in rebuild_count.
func TestDboxHeader(t *testing.T) {
	w := mailtest.NewWorld()
	h := w.Host("mx1", 7, 0)
	mb, err := sdbox.New(h.Env, "alice")
	if err != nil {
		t.Fatal(err)
	}
	defer mb.Close()
	for i := 1; i <= 2; i++ {
		if _, err := mb.Deliver(mailtest.Message(i)); err != nil {
			t.Fatal(err)
		}
	}
	n, guid := dboxHdr(t, h)
	if n != 0 || bytes.Equal(guid, make([]byte, 16)) {
		t.Fatalf("after create: rebuild_count %d guid % x", n, guid)
	}
	if err := w.FS.Remove(dbox.InboxDir("alice") + "/u.1"); err != nil {
		t.Fatal(err)
	}
	for range 2 { // the first notices the lost file, the second rebuilds
		if _, err := mb.Sync(); err != nil {
			t.Fatal(err)
		}
	}
	n2, guid2 := dboxHdr(t, h)
	if n2 != 1 || !bytes.Equal(guid2, guid) {
		t.Errorf("after rebuild: rebuild_count %d guid % x, want 1 % x", n2, guid2, guid)
	}
}
