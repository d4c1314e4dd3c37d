package maildir

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/vfs"
	"github.com/nfsmail/nfsmail/vfs/memfs"
)

type fixedClock struct{ t time.Time }

func (c *fixedClock) Now() time.Time        { return c.t }
func (c *fixedClock) Sleep(d time.Duration) { c.t = c.t.Add(d) }

func testMailbox(t *testing.T) (*Mailbox, *mailstore.Recorder) {
	t.Helper()
	c := &fixedClock{t: time.Unix(1700000000, 0)}
	log := &mailstore.Recorder{}
	env := mailstore.Env{FS: memfs.New(c.Now), Clock: c, Hostname: "h", PID: 1, Log: log,
		Settings: mailstore.DefaultSettings()}
	m, err := New(env, "u")
	if err != nil {
		t.Fatal(err)
	}
	return m, log
}

const guid = "0123456789abcdef0123456789abcdef"

func TestUidlistRoundTrip(t *testing.T) {
	files := []string{
		"3 V1234 N5 G" + guid + "\n",
		"3 V1234 N5 G" + guid + "\n1 :a,S=1\n4 :b\n",
		"3 V1234 N9 G" + guid + " P%v\n2 G77 W100 :c:2,\n8 S5 :d\n",
	}
	for _, text := range files {
		m, log := testMailbox(t)
		writeUidlist(t, m, text)
		if _, err := m.uidlist.refresh(); err != nil {
			t.Fatal(err)
		}
		want := strings.ReplaceAll(text, ":c:2,", ":c") // ":2,<flags>" is not stored
		if got := string(m.uidlist.format(true, 0)); got != want {
			t.Errorf("round trip:\n got %q\nwant %q", got, want)
		}
		if len(log.Entries) != 0 {
			t.Errorf("log: %v", log.Entries)
		}
	}
}

func TestUidlistVersion1(t *testing.T) {
	m, _ := testMailbox(t)
	writeUidlist(t, m, "1 1234 9\n3 a\n5 b\n")
	if _, err := m.uidlist.refresh(); err != nil {
		t.Fatal(err)
	}
	u := m.uidlist
	if u.uidValidity != 1234 || u.nextUID != 9 || len(u.records) != 2 || u.records[1].name != "b" {
		t.Errorf("v1: uv=%d next=%d records=%d", u.uidValidity, u.nextUID, len(u.records))
	}
	// reading v1 asks for an upgrade: the file is rewritten as v3
	if data, _ := vfs.ReadFile(m.env.FS, u.path); !strings.HasPrefix(string(data), "3 V1234 N9 G") {
		t.Errorf("after upgrade: %q", data)
	}
}

func TestUidlistBroken(t *testing.T) {
	const path = "u/Maildir/dovecot-uidlist"
	hdr := "3 V1 N9 G" + guid + "\n"
	tests := []struct {
		text, log string
		unlinked  bool
	}{
		{"x V1\n", "Broken file " + path + " line 1: Corrupted header (invalid version number)", true},
		{"4 V1 N1\n", "Broken file " + path + " line 1: Unsupported version 4", true},
		{"3 N5 G" + guid + "\n", "Broken file " + path + " line 1: Broken header (uidvalidity = 0, next_uid=5)", true},
		{"3 V1 N5 Gzz\n", "Broken file " + path + " line 1: Invalid mailbox GUID: zz", true},
		{hdr + "2 :a\n1 :b\n", "Broken file " + path + " line 3: UIDs not ordered (1 >= 2)", true},
		{hdr + "abc :x\n", "Broken file " + path + " line 2: Invalid data: abc :x", true},
		{hdr + "1 :a/b\n", "Broken file " + path + " line 2: " + path + ": Broken filename at line 2: a/b", true},
		{hdr + "7 S5 :\n", "Broken file " + path + " line 2: Invalid extended fields: S5 :", true},
		{hdr + "1 x :a\n", "Broken file " + path + " line 2: Invalid extension record, removing: x", false},
		{hdr + "1 :a\n2 :a\n", path + ": Duplicate file entry at line 3: a (uid 1 -> 2)", false},
		{"", "", true}, // an empty file is broken too, silently
	}
	for _, tc := range tests {
		m, log := testMailbox(t)
		writeUidlist(t, m, tc.text)
		exists, err := m.uidlist.readOnce()
		if err != nil {
			t.Fatal(err)
		}
		if exists == tc.unlinked {
			t.Errorf("%q: read ok=%v, want %v", tc.text, exists, !tc.unlinked)
		}
		if _, err := m.env.FS.Stat(path); errors.Is(err, fs.ErrNotExist) != tc.unlinked {
			t.Errorf("%q: unlinked=%v, want %v", tc.text, err != nil, tc.unlinked)
		}
		if tc.log != "" && (len(log.Entries) == 0 || log.Entries[0].Text != tc.log) {
			t.Errorf("%q: log %v\n want %q", tc.text, log.Entries, tc.log)
		}
	}
}

func TestUidlistNextUIDLowered(t *testing.T) {
	m, log := testMailbox(t)
	writeUidlist(t, m, "3 V1 N5 G"+guid+"\n1 :a\n7 :b\n")
	m.uidlist.readOnce()
	writeUidlist(t, m, "3 V1 N6 G"+guid+"\n1 :a\n") // recreated by someone else
	m.uidlist.readOnce()
	want := "u/Maildir/dovecot-uidlist: next_uid was lowered (8 -> 6, hdr=6)"
	if len(log.Entries) != 1 || log.Entries[0].Text != want || m.uidlist.nextUID != 8 {
		t.Errorf("log %v, next_uid %d; want %q, 8", log.Entries, m.uidlist.nextUID, want)
	}
	writeUidlist(t, m, "3 V1 N4 G"+guid+"\n")
	if ok, _ := m.uidlist.readOnce(); ok || !strings.Contains(log.Entries[len(log.Entries)-1].Text, "next_uid header was lowered (6 -> 4)") {
		t.Errorf("header lowered: ok=%v log %v", ok, log.Entries)
	}
}

// writeUidlist replaces the file through a new inode, as a recreate does.
func writeUidlist(t *testing.T, m *Mailbox, text string) {
	t.Helper()
	tmp := m.uidlist.path + ".test"
	if err := vfs.WriteFile(m.env.FS, tmp, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := m.env.FS.Rename(tmp, m.uidlist.path); err != nil {
		t.Fatal(err)
	}
}

// readOnce is refresh without the recreate a missing GUID triggers.
func (u *uidlist) readOnce() (bool, error) {
	if err := u.openLatest(); err != nil {
		return false, err
	}
	ret, _, err := u.updateRead(false)
	return ret > 0, err
}
