package mdbox_test

import (
	"strings"
	"testing"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/mdbox"
	"github.com/nfsmail/nfsmail/vfs"
)

func TestFsckFindsDamage(t *testing.T) {
	tests := []struct {
		name   string
		damage func(w *world)
		want   string
	}{
		{"healthy", func(*world) {}, ""},
		{"garbage at end", func(w *world) {
			f, _ := w.fs.OpenFile("alice/storage/m.1", vfs.O_WRONLY|vfs.O_APPEND, 0)
			f.Write([]byte("xx"))
			f.Close()
		}, "alice/storage/m.1: unparseable data at offset 256: EOF while reading message header"},
		{"file lost", func(w *world) { w.fs.Remove("alice/storage/m.1") }, "map_uid=1 points to missing m.1"},
		{"orphan", func(w *world) {
			data, _ := vfs.ReadFile(w.fs, "alice/storage/m.1")
			vfs.WriteFile(w.fs, "alice/storage/m.9", data, 0o600)
		}, "alice/storage/m.9: orphaned file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld()
			mb, err := mdbox.New(w.env(w.fs, "mx1", 7, &mailstore.Recorder{}), "alice")
			if err != nil {
				t.Fatal(err)
			}
			mb.Deliver(message(1))
			mb.Deliver(message(2))
			tc.damage(w)
			got := strings.Join(mdbox.Fsck(w.fs, "alice"), "\n")
			if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
				t.Errorf("Fsck =\n%s\nwant %q", got, tc.want)
			}
		})
	}
}
