package mailboxlist

import (
	"encoding/binary"
	"errors"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/index"
	"github.com/nfsmail/nfsmail/mailstore/mailtest"
	"github.com/nfsmail/nfsmail/vfs"
)

var formats = []string{"maildir", "sdbox", "mdbox"}

func open(t *testing.T, h *mailtest.Host, format string) *List {
	t.Helper()
	l, err := Open(h.Env, format, "u")
	if err != nil {
		t.Fatalf("Open: %v (log %v)", err, h.Log.Entries)
	}
	t.Cleanup(l.Close)
	return l
}

func names(t *testing.T, l *List) []string {
	t.Helper()
	got, err := l.Names()
	if err != nil {
		t.Fatalf("Names: %v", err)
	}
	return got
}

func want(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("%s = %q, want %q", what, got, want)
	}
}

func TestCreateDeleteList(t *testing.T) {
	for _, format := range formats {
		t.Run(format, func(t *testing.T) {
			w := mailtest.NewWorld()
			h := w.Host("a", 1, 0)
			l := open(t, h, format)
			want(t, "empty list", names(t, l), "INBOX")
			for _, n := range []string{"Work", "Archive"} {
				if err := l.Create(n); err != nil {
					t.Fatalf("Create(%s): %v", n, err)
				}
			}
			if err := l.Create("Work"); !errors.Is(err, ErrExists) {
				t.Fatalf("second Create = %v, want ErrExists", err)
			}
			want(t, "LIST", names(t, l), "INBOX", "Archive", "Work")
			if err := l.Delete("Work"); err != nil {
				t.Fatalf("Delete: %v", err)
			}
			if err := l.Delete("Work"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("second Delete = %v, want ErrNotFound", err)
			}
			for _, bad := range []string{"", "INBOX", "inbox", "a/b", ".x"} {
				if err := l.Create(bad); !errors.Is(err, ErrInvalidName) {
					t.Errorf("Create(%q) = %v, want ErrInvalidName", bad, err)
				}
			}
			want(t, "LIST after delete", names(t, l), "INBOX", "Archive")
			disk, err := Scan(w.FS, format, "u", h.Env.Settings)
			if err != nil {
				t.Fatal(err)
			}
			want(t, "Scan", disk, "INBOX", "Archive")
			if _, err := w.FS.Stat("u/" + map[bool]string{true: "Maildir/", false: ""}[format == "maildir"] + "mailboxes.lock"); err == nil {
				t.Error("mailboxes.lock left behind after unlock")
			}
			if lines := h.Log.Entries; len(lines) > 0 {
				t.Errorf("logged %q", lines)
			}
		})
	}
}

// Two hosts sharing the list index on NFS see each other's CREATE and
// DELETE through the refresh flag.
func TestSharedListIndexFollowsOtherHost(t *testing.T) {
	w := mailtest.NewWorld()
	a, b := open(t, w.Host("a", 1, 0), "maildir"), open(t, w.Host("b", 2, 0), "maildir")
	want(t, "a", names(t, a), "INBOX")
	if err := b.Create("Work"); err != nil {
		t.Fatal(err)
	}
	want(t, "a after b's CREATE", names(t, a), "INBOX", "Work")
	if err := b.Delete("Work"); err != nil {
		t.Fatal(err)
	}
	want(t, "a after b's DELETE", names(t, a), "INBOX")
}

// deleteRacing runs DELETE name in one session while, just after the
// DELETE opened the folder, another session on the same host runs other.
func deleteRacing(t *testing.T, format string, setup, other func(*List) error, name string) (*List, error) {
	t.Helper()
	w := mailtest.NewWorld()
	h := w.Host("a", 1, 0)
	first := open(t, h, format)
	if err := setup(first); err != nil {
		t.Fatal(err)
	}
	h2 := w.Host("a", 2, 0)
	// the other session's step comes just after the DELETE's first stat of
	// the folder's mailbox path: between opening it and mailboxes.lock
	path, ran := newLayoutFor(t, format).openPath(name), false
	h2.Env.FS = &mailtest.StatFS{FS: w.FS, AfterStat: func(stated string) {
		if stated == path && !ran {
			ran = true
			if err := other(first); err != nil {
				t.Fatalf("the other session: %v", err)
			}
		}
	}}
	second := open(t, h2, format)
	err := second.Delete(name)
	if !ran {
		t.Fatal("DELETE never opened the folder")
	}
	return first, err
}

func newLayoutFor(t *testing.T, format string) layout {
	t.Helper()
	l, err := newLayout(format, "u", mailstore.DefaultSettings())
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// Dovecot opens a folder to DELETE before it takes mailboxes.lock. A
// RENAME onto the name in between makes the DELETE of a folder it found
// missing meet one: dbox's rmdir() answers "has children", Maildir++
// "Mailbox exists". The renamed folder stays. (Seen in real Dovecot's
// sdbox-director-folders: a NO to a DELETE racing a RENAME on one backend.)
func TestDeleteRacingARenameOntoItsName(t *testing.T) {
	for _, format := range formats {
		t.Run(format, func(t *testing.T) {
			first, err := deleteRacing(t, format,
				func(l *List) error { return l.Create("Old") },
				func(l *List) error { return l.Rename("Old", "New") }, "New")
			wantErr := map[bool]error{true: ErrStillExists, false: ErrHasChildren}[format == "maildir"]
			if !errors.Is(err, wantErr) {
				t.Fatalf("DELETE = %v, want %v", err, wantErr)
			}
			want(t, "LIST", names(t, first), "INBOX", "New")
		})
	}
}

// The other way round: a DELETE that opened the folder finds it deleted
// by the time it holds the lock, and answers that it does not exist.
func TestDeleteRacingADelete(t *testing.T) {
	for _, format := range formats {
		t.Run(format, func(t *testing.T) {
			first, err := deleteRacing(t, format,
				func(l *List) error { return l.Create("Work") },
				func(l *List) error { return l.Delete("Work") }, "Work")
			if !errors.Is(err, ErrNotFound) {
				t.Fatalf("DELETE = %v, want ErrNotFound", err)
			}
			want(t, "LIST", names(t, first), "INBOX")
		})
	}
}

// A dbox folder directory without dbox-Mails does not open: DELETE
// rmdir()s it as a \Noselect directory, so one holding anything is refused
// and its contents stay, and an empty one goes with its INDEX= directory.
func TestDeleteOfADirectoryThatDoesNotOpen(t *testing.T) {
	w := mailtest.NewWorld()
	h := w.Host("a", 1, 0)
	h.Env.Settings.IndexDir = "/fast/%u"
	l := open(t, h, "sdbox")
	for _, d := range []string{"u/mailboxes/Bare", "fast/u/mailboxes/Bare", "u/mailboxes/Held"} {
		if err := vfs.MkdirAll(w.FS, d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := vfs.WriteFile(w.FS, "u/mailboxes/Held/u.1", []byte("mail"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := l.Delete("Held"); !errors.Is(err, ErrHasChildren) {
		t.Errorf("DELETE of a directory holding a file = %v, want ErrHasChildren", err)
	}
	if _, err := w.FS.Stat("u/mailboxes/Held/u.1"); err != nil {
		t.Errorf("the refused DELETE removed the file: %v", err)
	}
	if err := l.Delete("Bare"); err != nil {
		t.Fatalf("DELETE of an empty directory = %v", err)
	}
	for _, d := range []string{"u/mailboxes/Bare", "fast/u/mailboxes/Bare"} {
		if _, err := w.FS.Stat(d); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("after DELETE, stat %s = %v", d, err)
		}
	}
}

// openHookFS runs hook once, just before the first OpenFile of a name
// starting with prefix.
type openHookFS struct {
	vfs.FS
	prefix string
	hook   func()
}

func (f *openHookFS) OpenFile(name string, flag int, perm fs.FileMode) (vfs.File, error) {
	if strings.HasPrefix(name, f.prefix) && f.hook != nil {
		hook := f.hook
		f.hook = nil
		hook()
	}
	return f.FS.OpenFile(name, flag, perm)
}

func (f *openHookFS) Link(oldname, newname string) error { return vfs.Link(f.FS, oldname, newname) }

// A DELETE opens the folder's index before it takes mailboxes.lock. If
// another session deletes the folder and creates it again in between,
// the DELETE's sync finds a log of another index: dbox, whose CREATE makes
// the index, marks that log corrupted ("indexid changed", as real Dovecot
// logged in sdbox-director-folders); Maildir, whose CREATE does not, finds
// no log. Either way the DELETE answers that the folder was deleted under
// it, and the new folder stays, its index usable after a new open.
func TestDeleteRacingADeleteAndCreate(t *testing.T) {
	for _, format := range formats {
		t.Run(format, func(t *testing.T) {
			w := mailtest.NewWorld()
			first := open(t, w.Host("a", 1, 0), format)
			if err := first.Create("Work"); err != nil {
				t.Fatal(err)
			}
			h2 := w.Host("b", 2, 0)
			h2.Env.FS = &openHookFS{FS: w.FS, prefix: newLayoutFor(t, format).lockPath(), hook: func() {
				w.Advance(time.Second) // the new index's id is its creation time
				if err := first.Delete("Work"); err != nil {
					t.Fatalf("the other session's DELETE: %v", err)
				}
				if err := first.Create("Work"); err != nil {
					t.Fatalf("the other session's CREATE: %v", err)
				}
			}}
			err := open(t, h2, format).Delete("Work")
			if !errors.Is(err, ErrDeletedUnderUs) || !errors.Is(err, ErrNotFound) {
				t.Fatalf("DELETE = %v, want ErrDeletedUnderUs", err)
			}
			changed := h2.Log.Find("indexid changed")
			if (len(changed) == 1) != (format != "maildir") {
				t.Errorf("log %v", h2.Log.Entries)
			}
			want(t, "LIST", names(t, first), "INBOX", "Work")
			lay := newLayoutFor(t, format)
			if _, err := lay.openIndex(w.Host("c", 3, 0).Env, "Work"); err != nil {
				t.Errorf("opening the new folder's index: %v", err)
			}
		})
	}
}

// localListIndex gives a host its own LISTINDEX directory, as tmpfs does.
func localListIndex(h *mailtest.Host) *mailtest.Host {
	h.Env.Settings.ListIndex = "/shm-" + h.Env.Hostname + "/%u/dovecot.list.index"
	return h
}

// A host-local list index misses another host's CREATE and DELETE: a
// session that has synced it keeps answering with the old folders until
// its own CREATE or DELETE sets the refresh flag; a new session syncs it
// with the disk first, unless mailbox_list_index_very_dirty_syncs is set.
func TestLocalListIndexGoesStale(t *testing.T) {
	w := mailtest.NewWorld()
	a := open(t, localListIndex(w.Host("a", 1, 0)), "sdbox")
	b := open(t, localListIndex(w.Host("b", 2, 0)), "sdbox")
	if err := a.Create("Old"); err != nil {
		t.Fatal(err)
	}
	want(t, "a", names(t, a), "INBOX", "Old")
	// the user moves to b: b has no list index yet and scans the disk
	want(t, "b", names(t, b), "INBOX", "Old")
	if err := b.Create("New"); err != nil {
		t.Fatal(err)
	}
	if err := b.Delete("Old"); err != nil {
		t.Fatal(err)
	}
	want(t, "b", names(t, b), "INBOX", "New")
	// back on a: its list index still says what it said
	want(t, "a after the move back", names(t, a), "INBOX", "Old")
	dirty := localListIndex(w.Host("a", 3, 0))
	dirty.Env.Settings.ListIndexVeryDirtySyncs = true
	a2 := open(t, dirty, "sdbox")
	want(t, "a new process on a with very dirty syncs", names(t, a2), "INBOX", "Old")
	if err := a2.Create("Third"); err != nil {
		t.Fatal(err)
	}
	want(t, "a after its own CREATE", names(t, a), "INBOX", "New", "Third")
	if err := b.Delete("New"); err != nil {
		t.Fatal(err)
	}
	want(t, "a new process on a", names(t, open(t, localListIndex(w.Host("a", 4, 0)), "sdbox")), "INBOX", "Third")
}

// HostChange deletes the local copy when another host served the user.
func TestHostChangeDeletesStaleListIndex(t *testing.T) {
	w := mailtest.NewWorld()
	ha, hb := localListIndex(w.Host("a", 1, 0)), localListIndex(w.Host("b", 2, 0))
	login := func(h *mailtest.Host) (*List, bool) {
		deleted, err := HostChange(h.Env, "maildir", "u")
		if err != nil {
			t.Fatal(err)
		}
		return open(t, h, "maildir"), deleted
	}
	a, _ := login(ha)
	want(t, "a", names(t, a), "INBOX")
	a.Close()
	if _, deleted := login(ha); deleted {
		t.Error("HostChange deleted the list index of the host that served the user last")
	}
	b, _ := login(hb)
	if err := b.Create("Work"); err != nil {
		t.Fatal(err)
	}
	a, deleted := login(ha)
	if !deleted {
		t.Fatal("HostChange kept a's list index after the user was on b")
	}
	want(t, "a after HostChange", names(t, a), "INBOX", "Work")
}

func TestIterIndexListsTheIndexDirectory(t *testing.T) {
	w := mailtest.NewWorld()
	h := w.Host("a", 1, 0)
	h.Env.Settings.IndexDir = "/fast/%u"
	h.Env.Settings.IterIndex = true
	h.Env.Settings.ListIndex = "/shm/%u/dovecot.list.index"
	l := open(t, h, "maildir")
	if err := l.Create("Work"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.FS.Stat("fast/u/.Work"); err != nil {
		t.Fatalf("CREATE made no index directory: %v", err)
	}
	// a folder whose mail directory exists without an index directory is
	// not listed with ITERINDEX
	if err := vfs.MkdirAll(w.FS, "u/Maildir/.Stray/cur", 0o700); err != nil {
		t.Fatal(err)
	}
	if err := l.Create("Other"); err != nil { // sets the refresh flag
		t.Fatal(err)
	}
	want(t, "LIST with ITERINDEX", names(t, l), "INBOX", "Other", "Work")
	disk, _ := Scan(w.FS, "maildir", "u", h.Env.Settings)
	want(t, "Scan of the mail directory", disk, "INBOX", "Other", "Stray", "Work")
}

func TestCheckSettings(t *testing.T) {
	s := mailstore.DefaultSettings()
	s.IterIndex = true
	if err := CheckSettings(s); !errors.Is(err, ErrIterIndexNeedsIndex) {
		t.Errorf("ITERINDEX without INDEX: %v", err)
	}
	s = mailstore.DefaultSettings()
	s.IndexMemory, s.ListIndex = true, "idx/dovecot.list.index"
	if err := CheckSettings(s); !errors.Is(err, ErrListIndexRelativeDir) {
		t.Errorf("relative LISTINDEX dir with INDEX=MEMORY: %v", err)
	}
	w := mailtest.NewWorld()
	h := w.Host("a", 1, 0)
	h.Env.Settings = s
	if _, err := Open(h.Env, "maildir", "u"); err == nil || len(h.Log.Entries) == 0 {
		t.Errorf("Open with a bad mail_location = %v, logged %q", err, h.Log.Entries)
	}
	if _, err := Open(w.Host("a", 2, 0).Env, "mbox", "u"); err == nil {
		t.Error("Open of an unknown format succeeded")
	}
}

func TestVolatileDirLock(t *testing.T) {
	for _, method := range []mailstore.LockMethod{mailstore.LockFcntl, mailstore.LockDotlock} {
		t.Run(method.String(), func(t *testing.T) {
			w := mailtest.NewWorld()
			h := w.Host("a", 1, 0)
			h.Env.Settings.VolatileDir = "/shm/dovecot/%u"
			h.Env.Settings.LockMethod = method
			lay, _ := newLayout("sdbox", "u", h.Env.Settings)
			if p := lay.lockPath(); p != "shm/dovecot/u/mailboxes.lockda39a3ee5e6b4b0d3255bfef95601890afd80709" {
				t.Fatalf("lock path %s", p)
			}
			k, err := lay.lock(h.Env)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.FS.Stat(lay.lockPath()); err != nil {
				t.Errorf("no lock file while held: %v", err)
			}
			// a second process waits for the whole timeout, then fails
			h2 := w.Host("a", 2, 0)
			h2.Env.Settings = h.Env.Settings
			h2.Env.Settings.MailMaxLockTimeout = 2e9
			if _, err := lay.lock(h2.Env); err == nil {
				t.Fatal("second lock succeeded while the first is held")
			} else if len(h2.Log.Find("Couldn't create mailbox list lock")) == 0 {
				t.Errorf("log %q", h2.Log.Entries)
			}
			k.unlock()
			if _, err := w.FS.Stat(lay.lockPath()); err == nil {
				t.Error("lock file left after unlock")
			}
			k2, err := lay.lock(h2.Env)
			if err != nil {
				t.Fatalf("lock after release: %v", err)
			}
			k2.unlock()
		})
	}
}

// A record whose name is missing from the header is reported as Dovecot
// does and the list index is rebuilt from disk.
func TestCorruptListIndexIsRebuilt(t *testing.T) {
	w := mailtest.NewWorld()
	h := w.Host("a", 1, 0)
	l := open(t, h, "maildir")
	if err := l.Create("Work"); err != nil {
		t.Fatal(err)
	}
	want(t, "LIST", names(t, l), "INBOX", "Work")
	ix, err := index.Open(h.Env, index.Options{Dir: "u/Maildir", Prefix: "dovecot.list.index"})
	if err != nil {
		t.Fatal(err)
	}
	s, err := ix.Begin()
	if err != nil {
		t.Fatal(err)
	}
	m := s.Map().Clone()
	m.Recs = append(m.Recs, index.Record{UID: 99})
	m.Hdr.NextUID = 100
	if err := m.SetRecordExt(len(m.Recs)-1, extList, binary.LittleEndian.AppendUint32(nil, 77)); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(m.Diff(s.Map())); err != nil {
		t.Fatal(err)
	}
	ix.Close()
	l2 := open(t, w.Host("a", 2, 0), "maildir")
	want(t, "LIST of the corrupted index", names(t, l2), "INBOX", "Work")
	l3 := open(t, w.Host("a", 3, 0), "maildir")
	want(t, "LIST after the rebuild", names(t, l3), "INBOX", "Work")
	if log := l2.env.Log.(*mailstore.Recorder); len(log.Find("Corrupted mailbox list index u/Maildir/dovecot.list.index: name_id=77 not in index header")) != 1 {
		t.Errorf("log %v", log.Entries)
	}
}

// With one host, any sequence of CREATE, DELETE, RENAME and LIST by
// several processes answers LIST with exactly the folders that exist.
func TestOneHostListIsExact(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		format := rapid.SampledFrom(formats).Draw(rt, "format")
		w := mailtest.NewWorld()
		set := mailstore.DefaultSettings()
		switch rapid.IntRange(0, 3).Draw(rt, "location") {
		case 1:
			set.ListIndex = "/shm/%u/dovecot.list.index"
		case 2:
			set.IndexDir, set.IterIndex = "/fast/%u", true
		case 3:
			set.VolatileDir, set.LockMethod = "/shm/%u", mailstore.LockDotlock
		}
		var procs []*List
		for pid := range 3 {
			h := w.Host("a", pid+1, 0)
			h.Env.Settings = set
			l, err := Open(h.Env, format, "u")
			if err != nil {
				rt.Fatal(err)
			}
			defer l.Close()
			procs = append(procs, l)
		}
		exists := map[string]bool{}
		for range rapid.IntRange(1, 40).Draw(rt, "steps") {
			l := procs[rapid.IntRange(0, len(procs)-1).Draw(rt, "proc")]
			name := rapid.SampledFrom([]string{"A", "B", "C"}).Draw(rt, "name")
			w.Advance(1e9)
			switch rapid.IntRange(0, 3).Draw(rt, "op") {
			case 3:
				to := rapid.SampledFrom([]string{"A", "B", "C"}).Draw(rt, "to")
				err := l.Rename(name, to)
				switch {
				case name == to:
					if !errors.Is(err, ErrInvalidName) {
						rt.Fatalf("Rename(%s, %s) = %v", name, to, err)
					}
				case !exists[name]:
					if !errors.Is(err, ErrNotFound) {
						rt.Fatalf("Rename(%s, %s) = %v without %s", name, to, err, name)
					}
				case exists[to]:
					if !errors.Is(err, ErrTargetExists) {
						rt.Fatalf("Rename(%s, %s) = %v with %s existing", name, to, err, to)
					}
				case err != nil:
					rt.Fatalf("Rename(%s, %s) = %v", name, to, err)
				default:
					delete(exists, name)
					exists[to] = true
				}
			case 0:
				err := l.Create(name)
				if exists[name] != errors.Is(err, ErrExists) || (err != nil && !errors.Is(err, ErrExists)) {
					rt.Fatalf("Create(%s) = %v with exists=%v", name, err, exists[name])
				}
				exists[name] = true
			case 1:
				err := l.Delete(name)
				if exists[name] == errors.Is(err, ErrNotFound) || (err != nil && !errors.Is(err, ErrNotFound)) {
					rt.Fatalf("Delete(%s) = %v with exists=%v", name, err, exists[name])
				}
				delete(exists, name)
			case 2:
				got, err := l.Names()
				if err != nil {
					rt.Fatal(err)
				}
				exp := []string{"INBOX"}
				for _, n := range []string{"A", "B", "C"} {
					if exists[n] {
						exp = append(exp, n)
					}
				}
				if !slices.Equal(got, exp) {
					rt.Fatalf("LIST = %q, want %q", got, exp)
				}
			}
		}
	})
}

// A mailbox's sync or save writes its UIDVALIDITY and GUID into its list
// index record once (index_list_update_mailbox): that is what creates
// dovecot.list.index.log for a user who never ran a folder command. The
// same status again writes nothing, and a later sync of the list with the
// disk keeps the record.
func TestUpdateStatusWritesTheRecordOnce(t *testing.T) {
	for _, format := range formats {
		t.Run(format, func(t *testing.T) {
			w := mailtest.NewWorld()
			h := w.Host("a", 1, 0)
			lay := newLayoutFor(t, format)
			if err := vfs.MkdirAll(w.FS, lay.mailRoot(), 0o700); err != nil {
				t.Fatal(err)
			}
			logPath := lay.mailRoot() + "/dovecot.list.index.log"
			guid := [16]byte{1, 2, 3}
			st := NewStatus(h.Env, format, "u", "INBOX")
			defer st.Close()
			st.Update(1234, guid)
			before, err := vfs.ReadFile(w.FS, logPath)
			if err != nil {
				t.Fatalf("no list index log after the first update: %v", err)
			}
			st.Update(1234, guid)
			if after, _ := vfs.ReadFile(w.FS, logPath); len(after) != len(before) {
				t.Errorf("an unchanged status wrote %d bytes", len(after)-len(before))
			}
			l := open(t, w.Host("a", 2, 0), format)
			if err := l.Create("Work"); err != nil {
				t.Fatal(err)
			}
			want(t, "LIST", names(t, l), "INBOX", "Work")
			m := l.ix.Map()
			tr, err := parse(m)
			if err != nil {
				t.Fatal(err)
			}
			i, ok := tr.find(m, "INBOX")
			if !ok {
				t.Fatal("INBOX not in the list index")
			}
			rec := m.RecordExt(i, extList)
			if binary.LittleEndian.Uint32(rec[recUIDValidity:]) != 1234 || !slices.Equal(rec[recGUID:recGUID+16], guid[:]) {
				t.Errorf("INBOX record after a CREATE and a LIST: % x", rec)
			}
			if len(h.Log.Entries) != 0 {
				t.Errorf("log %v", h.Log.Entries)
			}
		})
	}
}
