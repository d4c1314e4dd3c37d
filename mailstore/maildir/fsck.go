package maildir

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/index"
	"github.com/nfsmail/nfsmail/vfs"
)

// Fsck audits user's Maildir (alice/Maildir with dovecot-uidlist in its
// root) through fsys without changing it and returns the problems found,
// sorted: uidlist lines that do not parse or break UID order, one file
// listed under two UIDs, message files the uidlist does not list, one base
// name present more than once, keyword letters dovecot-keywords does not
// name (Dovecot would call them "unknown-N"). Files in new/ that are
// not listed yet are reported too: the checker decides whether a delivery
// that was never synced matters. The index is looked for in the Maildir
// root; FsckSettings takes mail_location's INDEX= into account. A healthy
// Maildir returns nil.
func Fsck(fsys vfs.FS, user string) []string {
	return FsckSettings(fsys, user, mailstore.DefaultSettings())
}

// FsckSettings is Fsck for a Maildir whose index lives where set puts it.
// With an index on disk it also reports what the index itself logs when
// read, and dovecot-uidlist records whose file is gone while the index
// still lists the message: the next sync expunges such a message without
// a word (compared only while both have the same UIDVALIDITY). Records
// the index no longer lists are normal (Dovecot leaves expunged messages'
// records in the uidlist until it rewrites the file, when a quarter of
// them are expunged); with INDEX=MEMORY the two cannot be told apart, so
// none is reported.
func FsckSettings(fsys vfs.FS, user string, set mailstore.Settings) []string {
	root := user + "/Maildir"
	if _, err := fsys.Stat(root); err != nil {
		return nil
	}
	var out []string
	addf := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	files := map[string][]string{} // base name -> dir/name
	for _, dir := range []string{"new", "cur"} {
		ents, _ := fsys.ReadDir(root + "/" + dir)
		for _, e := range ents {
			if !strings.HasPrefix(e.Name(), ".") {
				b := baseName(e.Name())
				files[b] = append(files[b], dir+"/"+e.Name())
			}
		}
	}
	listed, uidValidity := fsckUidlist(fsys, root, addf)
	kwData, _ := vfs.ReadFile(fsys, root+"/"+keywordsName)
	keywords := parseKeywords(kwData)
	bases := make([]string, 0, len(files))
	for b := range files {
		bases = append(bases, b)
	}
	slices.Sort(bases)
	for _, b := range bases {
		if len(files[b]) > 1 {
			addf("%s: base name %s appears %d times: %s", root, b, len(files[b]), strings.Join(files[b], " "))
		}
		if _, ok := listed[b]; !ok {
			addf("%s/%s: not in dovecot-uidlist", root, files[b][0])
		}
		for _, c := range []byte(keywordLetters(files[b][0])) {
			if i := int(c - keywordFirst); i >= len(keywords) || keywords[i] == "" {
				addf("%s/%s: keyword letter %c not in %s", root, files[b][0], c, keywordsName)
			}
		}
	}
	if m := fsckIndex(fsys, user, root, set, addf); m != nil && m.Hdr.UIDValidity == uidValidity {
		for b, uid := range listed {
			if _, ok := files[b]; !ok {
				if _, ok := m.Find(mailstore.UID(uid)); ok {
					addf("%s/dovecot-uidlist: uid=%d (%s) has no file but the index still lists it", root, uid, b)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// fsckIndex reads the INBOX index read-only, reporting what opening it
// logs; nil when there is none on disk.
func fsckIndex(fsys vfs.FS, user, root string, set mailstore.Settings, addf func(string, ...any)) *index.Map {
	dir, ok := set.IndexRoot(user, root)
	if !ok {
		return nil
	}
	if _, err := fsys.Stat(dir + "/dovecot.index.log"); err != nil {
		return nil
	}
	var log mailstore.Recorder
	ix, err := index.Open(mailstore.AuditEnv(fsys, &log), index.Options{Dir: dir, Prefix: "dovecot.index"})
	for _, e := range log.Entries {
		addf("index: %s", e)
	}
	if err != nil {
		addf("index unreadable: %v", err)
		return nil
	}
	defer ix.Close()
	return ix.Map()
}

// fsckUidlist parses dovecot-uidlist (version 3) and returns base name ->
// UID, and its UIDVALIDITY.
func fsckUidlist(fsys vfs.FS, root string, addf func(string, ...any)) (listed map[string]uint32, uidValidity uint32) {
	listed = map[string]uint32{}
	data, err := vfs.ReadFile(fsys, root+"/dovecot-uidlist")
	if err != nil {
		return listed, 0
	}
	lines := strings.Split(string(data), "\n")
	if !strings.HasPrefix(lines[0], "3 ") {
		addf("%s/dovecot-uidlist: unsupported header %q", root, lines[0])
		return listed, 0
	}
	for _, f := range strings.Fields(lines[0])[1:] {
		if v, ok := strings.CutPrefix(f, "V"); ok {
			n, _ := strconv.ParseUint(v, 10, 32)
			uidValidity = uint32(n)
		}
	}
	var prev uint64 // records appended later may be >= the header's N
	for i, line := range lines[1:] {
		if line == "" {
			continue
		}
		uidStr, rest, _ := strings.Cut(line, " ")
		uid, err := strconv.ParseUint(uidStr, 10, 32)
		_, name, ok := strings.Cut(rest, ":")
		switch {
		case err != nil || uid == 0 || !ok || name == "":
			addf("%s/dovecot-uidlist line %d: unparseable: %q", root, i+2, line)
			continue
		case uid <= prev:
			addf("%s/dovecot-uidlist line %d: UIDs not ordered (%d <= %d)", root, i+2, uid, prev)
		}
		prev = uid
		b := baseName(name)
		if o, dup := listed[b]; dup {
			addf("%s/dovecot-uidlist: %s listed as uid=%d and uid=%d", root, b, o, uid)
		}
		listed[b] = uint32(uid)
	}
	return listed, uidValidity
}
