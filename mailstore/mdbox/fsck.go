package mdbox

import (
	"fmt"
	"slices"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/dbox"
	"github.com/nfsmail/nfsmail/mailstore/index"
	"github.com/nfsmail/nfsmail/vfs"
)

// Fsck audits user's mdbox storage (default layout: indexes beside the
// mail, ALT taken from dbox-alt-root) through fsys without changing it,
// and returns the problems found, sorted: index errors, map records
// without file data, map records pointing at missing files or at bytes
// that are not a message of the recorded size, refcounts that differ from
// the mailbox's references, mailbox records whose map_uid is not in the
// map, m.* files with unparseable data, messages and whole files no map
// record points to. A healthy store returns nil.
func Fsck(fsys vfs.FS, user string) []string {
	return FsckAlt(fsys, user, "")
}

// FsckAlt is Fsck with the ALT= directory given ("%u" expands to the
// user), for stores written with NOALTCHECK, which leaves no
// dbox-alt-root behind. "" reads dbox-alt-root as Fsck does.
func FsckAlt(fsys vfs.FS, user, altDir string) []string {
	a := &audit{fsys: fsys, user: user, altDir: altDir}
	st, boxes := a.open()
	if st == nil || len(boxes) == 0 {
		slices.Sort(a.problems)
		return a.problems
	}
	refs := map[uint32]int{}
	for _, box := range boxes {
		a.checkMailbox(st, box, refs)
	}
	a.checkMap(st, refs)
	a.checkFiles(st)
	slices.Sort(a.problems)
	return slices.Compact(a.problems)
}

type audit struct {
	fsys     vfs.FS
	user     string
	altDir   string
	log      mailstore.Recorder
	problems []string
	pointed  map[[2]uint32]uint32 // file id, offset -> map_uid
	files    map[string]fileData  // m.* files read so far, by path
}

type fileData struct {
	data []byte
	err  error
}

// read returns path's content, reading each m.* file once.
func (a *audit) read(path string) ([]byte, error) {
	if f, ok := a.files[path]; ok {
		return f.data, f.err
	}
	data, err := vfs.ReadFile(a.fsys, path)
	if a.files == nil {
		a.files = map[string]fileData{}
	}
	a.files[path] = fileData{data, err}
	return data, err
}

func (a *audit) addf(format string, args ...any) {
	a.problems = append(a.problems, fmt.Sprintf(format, args...))
}

// open reads the map and every mailbox index through a read-only view.
func (a *audit) open() (*storage, []*Mailbox) {
	env := mailstore.AuditEnv(a.fsys, &a.log)
	env.Settings.NoAltCheck = true
	env.Settings.AltDir = a.altDir
	if alt, err := vfs.ReadFile(a.fsys, a.user+"/dbox-alt-root"); err == nil && a.altDir == "" {
		env.Settings.AltDir = string(alt)
	}
	defer func() {
		for _, e := range a.log.Entries {
			a.addf("index: %s", e)
		}
	}()
	if _, err := a.fsys.Stat(a.user + "/storage"); err != nil {
		return nil, nil
	}
	st, err := openStorage(env, a.user, a.user)
	if err != nil {
		a.addf("map index unreadable: %v", err)
		return nil, nil
	}
	defer st.ix.Close()
	var boxes []*Mailbox
	for _, name := range Mailboxes(env, a.user) {
		dir := dbox.MailboxDir(a.user, name)
		ix, err := index.Open(env, index.Options{Dir: dir, Prefix: "dovecot.index"})
		if err != nil {
			a.addf("mailbox %s index unreadable: %v", name, err)
			continue
		}
		mb := &Mailbox{env: env, name: name, dir: dir, st: st, index: ix}
		mb.loadExt()
		ix.Close()
		boxes = append(boxes, mb)
	}
	return st, boxes
}

// checkMailbox adds mb's references per map_uid to refs.
func (a *audit) checkMailbox(st *storage, mb *Mailbox, refs map[uint32]int) {
	for _, r := range mb.index.Map().Recs {
		mu := mb.mapUID(r.UID)
		if _, ok := st.ix.Map().Find(mailstore.UID(mu)); mu == 0 || !ok {
			a.addf("%s uid=%d: map_uid=%d not in map", mb.name, r.UID, mu)
			continue
		}
		refs[mu]++
	}
}

func (a *audit) checkMap(st *storage, refs map[uint32]int) {
	a.pointed = map[[2]uint32]uint32{}
	for _, r := range st.records() {
		if r.fileID == 0 {
			a.addf("map_uid=%d: no file_id", r.uid)
			continue
		}
		if int(r.ref) != refs[r.uid] {
			a.addf("map_uid=%d: refcount %d but %d references", r.uid, r.ref, refs[r.uid])
		}
		k := [2]uint32{r.fileID, r.offset}
		if o, dup := a.pointed[k]; dup {
			a.addf("map_uid=%d and map_uid=%d both point to m.%d:%d", o, r.uid, r.fileID, r.offset)
		}
		a.pointed[k] = r.uid
		data, err := a.read(a.locate(st, r.fileID))
		if err != nil {
			a.addf("map_uid=%d points to missing m.%d", r.uid, r.fileID)
			continue
		}
		if e, err := dbox.ParseMessage(data, int64(r.offset)); err != nil || e.Size != int64(r.size) {
			a.addf("map_uid=%d points to broken data at m.%d:%d", r.uid, r.fileID, r.offset)
		}
	}
}

func (a *audit) locate(st *storage, id uint32) string {
	if st.altDir != "" {
		if _, err := a.fsys.Stat(st.path(id, false)); err != nil {
			return st.path(id, true)
		}
	}
	return st.path(id, false)
}

// checkFiles parses every m.* file.
func (a *audit) checkFiles(st *storage) {
	for _, dir := range []string{st.dir, st.altDir} {
		if dir == "" {
			continue
		}
		ents, _ := a.fsys.ReadDir(dir)
		for _, e := range ents {
			if id, ok := parseFileName(e.Name()); ok {
				a.checkFile(dir, id)
			}
		}
	}
}

func (a *audit) checkFile(dir string, id uint32) {
	path := dir + "/" + fileName(id)
	data, err := a.read(path)
	if err != nil {
		a.addf("%s: unreadable: %s", path, mailstore.Strerror(err))
		return
	}
	ents, err := dbox.ParseFile(data)
	if ce, ok := err.(*dbox.CorruptError); ok {
		a.addf("%s: unparseable data at offset %d: %s", path, ce.Offset, ce.Reason)
	}
	used := 0
	for _, e := range ents {
		if _, ok := a.pointed[[2]uint32{id, uint32(e.Offset)}]; ok {
			used++
			continue
		}
		a.addf("%s:%d: message %s not in map", path, e.Offset, e.Meta.GUID)
	}
	if used == 0 && len(ents) > 0 {
		a.addf("%s: orphaned file", path)
	}
}
