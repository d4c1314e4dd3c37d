package mdbox_test

import (
	"strings"
	"testing"

	"github.com/nfsmail/nfsmail/mailstore/mailtest"
	"github.com/nfsmail/nfsmail/mailstore/mdbox"
	"github.com/nfsmail/nfsmail/vfs"
)

func TestFsckFindsDamage(t *testing.T) {
	tests := []struct {
		name   string
		damage func(w *mailtest.World)
		want   string
	}{
		{"healthy", func(*mailtest.World) {}, ""},
		{"garbage at end", func(w *mailtest.World) {
			f, _ := w.FS.OpenFile("alice/storage/m.1", vfs.O_WRONLY|vfs.O_APPEND, 0)
			f.Write([]byte("xx"))
			f.Close()
		}, "alice/storage/m.1: unparseable data at offset 256: EOF while reading message header"},
		{"file lost", func(w *mailtest.World) { w.FS.Remove("alice/storage/m.1") }, "map_uid=1 points to missing m.1"},
		{"orphan", func(w *mailtest.World) {
			data, _ := vfs.ReadFile(w.FS, "alice/storage/m.1")
			vfs.WriteFile(w.FS, "alice/storage/m.9", data, 0o600)
		}, "alice/storage/m.9: orphaned file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := mailtest.NewWorld()
			mb, err := mdbox.New(w.Host("mx1", 7, 0).Env, "alice")
			if err != nil {
				t.Fatal(err)
			}
			mb.Deliver(mailtest.Message(1))
			mb.Deliver(mailtest.Message(2))
			tc.damage(w)
			got := strings.Join(mdbox.Fsck(w.FS, "alice"), "\n")
			if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
				t.Errorf("Fsck =\n%s\nwant %q", got, tc.want)
			}
		})
	}
}
