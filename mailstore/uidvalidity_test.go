package mailstore_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/mailtest"
	"github.com/nfsmail/nfsmail/vfs"
)

// uidValidityFiles lists the dovecot-uidvalidity* files under root.
func uidValidityFiles(t *testing.T, fsys vfs.FS, root string) []string {
	t.Helper()
	entries, err := fsys.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	slices.Sort(out)
	return out
}

// The first value comes from the clock and leaves the main file and one
// empty .<value> file; each later one is the next number, whichever
// process asks, and the .<value> file moves along with it.
func TestNextUIDValidity(t *testing.T) {
	w := mailtest.NewWorld()
	a, b := w.Host("a", 1, 0), w.Host("b", 2, 0)
	first := mailstore.NextUIDValidity(a.Env, "u")
	if want := uint32(a.Env.Clock.Now().Unix()); first != want {
		t.Fatalf("first = %d, want the clock's %d", first, want)
	}
	got := []uint32{first}
	for _, h := range []*mailtest.Host{b, a, b} {
		got = append(got, mailstore.NextUIDValidity(h.Env, "u"))
	}
	for i := range got[1:] {
		if got[i+1] != got[i]+1 {
			t.Fatalf("values %v: not consecutive", got)
		}
	}
	last := got[len(got)-1]
	want := []string{"dovecot-uidvalidity", fmt.Sprintf("dovecot-uidvalidity.%08x", last)}
	if files := uidValidityFiles(t, w.FS, "u"); !slices.Equal(files, want) {
		t.Errorf("files %v, want %v", files, want)
	}
	data, err := vfs.ReadFile(w.FS, "u/dovecot-uidvalidity")
	if err != nil || string(data) != fmt.Sprintf("%08x", last) {
		t.Errorf("dovecot-uidvalidity holds %q (%v), want %08x", data, err, last)
	}
	for _, h := range []*mailtest.Host{a, b} {
		for _, e := range h.Log.Entries {
			t.Errorf("logged %s", e)
		}
	}
}

// A broken or missing main file is rebuilt from the highest .<value>
// file; a lower duplicate is deleted.
func TestNextUIDValidityRescans(t *testing.T) {
	w := mailtest.NewWorld()
	h := w.Host("a", 1, 0)
	if err := vfs.MkdirAll(w.FS, "u", 0o700); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"dovecot-uidvalidity.00000010", "dovecot-uidvalidity.00000020"} {
		if err := vfs.WriteFile(w.FS, "u/"+name, nil, 0o444); err != nil {
			t.Fatal(err)
		}
	}
	if err := vfs.WriteFile(w.FS, "u/dovecot-uidvalidity", []byte("garbage!"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := mailstore.NextUIDValidity(h.Env, "u"); got != 0x21 {
		t.Fatalf("after a rescan = %#x, want 0x21", got)
	}
	want := []string{"dovecot-uidvalidity", "dovecot-uidvalidity.00000021"}
	if files := uidValidityFiles(t, w.FS, "u"); !slices.Equal(files, want) {
		t.Errorf("files %v, want %v", files, want)
	}
	if got := mailstore.NextUIDValidity(h.Env, "u"); got != 0x22 {
		t.Errorf("next = %#x, want 0x22 from the rewritten file", got)
	}
}
