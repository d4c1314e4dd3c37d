package mdbox_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/mailtest"
	"github.com/nfsmail/nfsmail/mailstore/mdbox"
	"github.com/nfsmail/nfsmail/vfs"
)

// run plays a fixed workload and returns every file's content and the log.
func run(t *testing.T) string {
	w := mailtest.NewWorld()
	h := w.Host("mx1", 7, 0)
	log, env := h.Log, h.Env
	env.Settings.MdboxRotateSize = 400
	env.Settings.AltDir = "alt/%u"
	mb, err := mdbox.New(env, "alice")
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 8; i++ {
		if _, err := mb.Deliver(mailtest.Message(i)); err != nil {
			t.Fatal(err)
		}
		if i%3 == 0 {
			_ = mb.Expunge(mailstore.UID(i - 1))
			_ = mb.Store(mailstore.UID(i), mailstore.Seen, []string{"$Label1"})
		}
	}
	_ = mb.Purge()
	_ = mb.AltMove()
	var b strings.Builder
	for _, root := range []string{"alice", "alt"} {
		walk(w.FS, root, func(p string) {
			data, _ := vfs.ReadFile(w.FS, p)
			fmt.Fprintf(&b, "%s %q\n", p, data)
		})
	}
	for _, e := range log.Entries {
		fmt.Fprintln(&b, e)
	}
	return b.String()
}

// walk calls fn for every file under dir, in name order.
func walk(fsys vfs.FS, dir string, fn func(path string)) {
	ents, _ := fsys.ReadDir(dir)
	for _, e := range ents {
		if p := dir + "/" + e.Name(); e.IsDir() {
			walk(fsys, p, fn)
		} else {
			fn(p)
		}
	}
}

func TestDeterministic(t *testing.T) {
	first := run(t)
	if !strings.Contains(first, "alt/alice/storage/m.") {
		t.Fatalf("altmove wrote nothing:\n%s", first)
	}
	for i := 0; i < 3; i++ {
		if again := run(t); again != first {
			t.Fatalf("run %d differs", i+2)
		}
	}
}
