package maildir_test

import (
	"strings"
	"testing"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/maildir"
	"github.com/nfsmail/nfsmail/mailstore/mailtest"
	"github.com/nfsmail/nfsmail/vfs"
)

// A dovecot-uidlist record whose file is gone is normal once the index has
// expunged the message (the record stays until the uidlist is rewritten),
// and an inconsistency while the index still lists it: the next sync
// would expunge that message silently.
func TestFsckUidlistRecordWithoutFile(t *testing.T) {
	w := mailtest.NewWorld()
	h := newHost(w, "mx1", 100, 0)
	mb := deliverAndSelect(t, w, h, 5)
	if err := mb.Expunge(2); err != nil {
		t.Fatal(err)
	}
	if data, _ := vfs.ReadFile(w.FS, "alice/Maildir/dovecot-uidlist"); !strings.Contains(string(data), "\n2 ") {
		t.Fatalf("the uidlist no longer lists the expunged uid 2, the test covers nothing:\n%s", data)
	}
	if p := maildir.Fsck(w.FS, "alice"); len(p) != 0 {
		t.Fatalf("fsck after an expunge = %q, want nothing", p)
	}
	ents, _ := w.FS.ReadDir("alice/Maildir/cur")
	if len(ents) != 4 {
		t.Fatalf("cur/ holds %d files, want 4", len(ents))
	}
	if err := w.FS.Remove("alice/Maildir/cur/" + ents[0].Name()); err != nil {
		t.Fatal(err)
	}
	p := maildir.Fsck(w.FS, "alice")
	if len(p) != 1 || !strings.Contains(p[0], "uid=1 ") || !strings.Contains(p[0], "has no file but the index still lists it") {
		t.Errorf("fsck after a file vanished = %q", p)
	}
	memory := mailstore.DefaultSettings()
	memory.IndexMemory = true
	if p := maildir.FsckSettings(w.FS, "alice", memory); len(p) != 0 {
		t.Errorf("fsck with INDEX=MEMORY = %q, want nothing (it cannot tell)", p)
	}
}
