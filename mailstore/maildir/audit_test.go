package maildir_test

import (
	"errors"
	"io/fs"
	"strconv"
	"strings"

	"pgregory.net/rapid"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/mailtest"
	"github.com/nfsmail/nfsmail/vfs"
)

// diskFiles maps each Message-ID found in new/ and cur/ to its filename.
func (m *machine) diskFiles(t *rapid.T) map[string]string {
	files := map[string]string{}
	for _, dir := range []string{"alice/Maildir/new", "alice/Maildir/cur"} {
		ents, err := m.w.FS.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			data, err := vfs.ReadFile(m.w.FS, dir+"/"+e.Name())
			if err != nil {
				t.Fatal(err)
			}
			id := headerValue(string(data), "Message-ID")
			if old, dup := files[id]; dup {
				t.Fatalf("disk: %s stored twice: %s and %s", id, old, e.Name())
			}
			files[id] = e.Name()
		}
	}
	return files
}

func headerValue(msg, name string) string {
	for _, line := range strings.Split(msg, "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// readUidlist parses dovecot-uidlist independently of the engine: base
// filename -> UID, and the effective next_uid.
func readUidlist(t *rapid.T, w *mailtest.World) (map[string]mailstore.UID, mailstore.UID) {
	data, err := vfs.ReadFile(w.FS, "alice/Maildir/dovecot-uidlist")
	if err != nil {
		return nil, 0
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	var next mailstore.UID
	for _, f := range strings.Fields(lines[0])[1:] {
		if f[0] == 'N' {
			n, _ := strconv.Atoi(f[1:])
			next = mailstore.UID(n)
		}
	}
	recs := map[string]mailstore.UID{}
	var prev mailstore.UID
	for _, line := range lines[1:] {
		uidStr, rest, _ := strings.Cut(line, " ")
		_, name, ok := strings.Cut(rest, ":")
		n, err := strconv.Atoi(uidStr)
		uid := mailstore.UID(n)
		if err != nil || !ok || uid <= prev {
			t.Fatalf("dovecot-uidlist: bad line %q after UID %d", line, prev)
		}
		prev = uid
		recs[name] = uid
	}
	return recs, max(next, prev+1)
}

func baseOf(name string) string {
	base, _, _ := strings.Cut(name, ":")
	return base
}

// readKeywords reads alice's dovecot-keywords: letter index -> name.
func readKeywords(t *rapid.T, w *mailtest.World) map[int]string {
	data, err := vfs.ReadFile(w.FS, "alice/Maildir/dovecot-keywords")
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	out := map[int]string{}
	for line := range strings.SplitSeq(strings.TrimSuffix(string(data), "\n"), "\n") {
		n, name, ok := strings.Cut(line, " ")
		i, err := strconv.Atoi(n)
		if !ok || err != nil {
			t.Fatalf("dovecot-keywords line %q", line)
		}
		out[i] = name
	}
	return out
}

// keywordsOfName names a filename's keyword letters, sorted.
func keywordsOfName(name string, letters map[int]string) []string {
	_, info, _ := strings.Cut(name, ":2,")
	var out []string
	for _, c := range info {
		if c >= 'a' && c <= 'z' {
			out = append(out, letters[int(c-'a')])
		}
	}
	return mailstore.SortKeywords(out)
}

func flagsOfName(name string) mailstore.Flags {
	_, info, ok := strings.Cut(name, ":2,")
	if !ok {
		return 0
	}
	var f mailstore.Flags
	for _, c := range info {
		f |= map[rune]mailstore.Flags{'D': mailstore.Draft, 'F': mailstore.Flagged,
			'R': mailstore.Answered, 'S': mailstore.Seen, 'T': mailstore.Deleted}[c]
	}
	return f
}
