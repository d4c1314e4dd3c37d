package index_test

import (
	"io/fs"
	"testing"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/vfs"
)

// nolockFS is one host of a nolock mount with a single process on it:
// every fcntl lock is granted at once, because the other host's locks are
// invisible. (Page-cache effects need harness/nfsclient.)
type nolockFS struct{ vfs.FS }

type nolockFile struct{ vfs.File }

func (n nolockFS) OpenFile(name string, flag int, perm fs.FileMode) (vfs.File, error) {
	f, err := n.FS.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return nolockFile{f}, nil
}

func (nolockFile) Lock(vfs.LockType, bool) error { return nil }

// Two hosts both "hold" the log lock, both read next_uid=3 and both
// append UID 3: every later reader logs Dovecot's sync error.
func TestTwoAppendersWithoutWorkingLocks(t *testing.T) {
	w := newWorld()
	la, lb, lc := &mailstore.Recorder{}, &mailstore.Recorder{}, &mailstore.Recorder{}
	envA, envB := w.env(1, la, nil), w.env(2, lb, nil)
	envA.FS, envB.FS = nolockFS{w.fs}, nolockFS{w.fs}
	a, b := open(t, envA), open(t, envB)
	appendUIDs(t, a, 2)
	sa, err := a.Begin()
	if err != nil {
		t.Fatal(err)
	}
	sb, err := b.Begin()
	if err != nil {
		t.Fatal(err)
	}
	ma, mb := sa.Map().Clone(), sb.Map().Clone()
	ma.Recs = append(ma.Recs, recordUID(ma.Hdr.NextUID))
	ma.Hdr.NextUID++
	mb.Recs = append(mb.Recs, recordUID(mb.Hdr.NextUID))
	mb.Hdr.NextUID++
	if err := sa.Commit(ma.Diff(sa.Map())); err != nil {
		t.Fatal(err)
	}
	if err := sb.Commit(mb.Diff(sb.Map())); err != nil {
		t.Fatal(err)
	}
	open(t, w.env(3, lc, nil))
	if got := lc.Find("Append with UID 3, but next_uid = 4"); len(got) != 1 {
		t.Errorf("reader log = %v", lc.Entries)
	}
	if got := lc.Find("Log synchronization error at seq=1,offset="); len(got) != 1 {
		t.Errorf("reader log = %v", lc.Entries)
	}
}
