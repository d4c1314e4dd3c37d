package sdbox

import (
	"errors"
	"fmt"
	"slices"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/dbox"
	"github.com/nfsmail/nfsmail/mailstore/index"
	"github.com/nfsmail/nfsmail/vfs"
)

// Fsck audits user's sdbox INBOX (default layout: index beside the mail)
// through fsys without changing it and returns the problems found,
// sorted: index errors, index records without a u.<uid> file, u.* files
// the index does not have (at or above next_uid: not yet committed; below:
// lost from the index), files that do not parse, leftover names. A
// healthy mailbox returns nil.
func Fsck(fsys vfs.FS, user string) []string {
	dir := dbox.InboxDir(user)
	if _, err := fsys.Stat(dir); err != nil {
		return nil
	}
	var log mailstore.Recorder
	var out []string
	addf := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	ix, err := index.Open(mailstore.AuditEnv(fsys, &log), index.Options{Dir: dir, Prefix: "dovecot.index"})
	for _, e := range log.Entries {
		addf("index: %s", e)
	}
	if err != nil {
		addf("index unreadable: %v", err)
		slices.Sort(out)
		return out
	}
	defer ix.Close()
	m := ix.Map()
	files := map[uint32]bool{}
	ents, _ := fsys.ReadDir(dir)
	for _, e := range ents {
		name := e.Name()
		n, isMail, ok := parseFileName(name)
		if !isMail {
			continue
		}
		if !ok {
			addf("%s/%s: invalid filename", dir, name)
			continue
		}
		files[n] = true
		var ce *dbox.CorruptError
		if data, err := vfs.ReadFile(fsys, dir+"/"+name); err != nil {
			addf("%s/%s: unreadable: %s", dir, name, mailstore.Strerror(err))
		} else if _, err := decodeFile(data); errors.As(err, &ce) {
			addf("%s/%s: corrupted: %s", dir, name, ce.Reason)
		}
		if _, ok := m.Find(mailstore.UID(n)); !ok {
			addf("%s/%s: not in index (next_uid=%d)", dir, name, m.Hdr.NextUID)
		}
	}
	for _, r := range m.Recs {
		if !files[uint32(r.UID)] {
			addf("index uid=%d: no file u.%d", r.UID, r.UID)
		}
	}
	slices.Sort(out)
	return out
}
