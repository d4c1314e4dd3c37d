package mdbox

import (
	"errors"
	"io/fs"
	"time"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/dbox"
	"github.com/nfsmail/nfsmail/vfs"
)

// maxBackwardsLookups is MAX_BACKWARDS_LOOKUPS: how many distinct files
// the append path tries, newest first, before starting a new one.
const maxBackwardsLookups = 10

// appendFile is one m.* file (or new temp file) being appended to; its
// flock is held until the append context closes.
type appendFile struct {
	f     vfs.File
	id    uint32 // 0 until a new file gets its id
	tmp   string // a new file's temp path
	alt   bool
	start int64 // size before our appends (rollback point)
	end   int64 // where the next message goes
}

// appendCtx is struct mdbox_map_append_context.
type appendCtx struct {
	s     *storage
	alt   bool // append to alt storage (altmove)
	files []*appendFile
}

func (s *storage) appendBegin(alt bool) *appendCtx { return &appendCtx{s: s, alt: alt} }

// next is mdbox_map_append_next: pick a file with room for size bytes,
// reusing one this context already holds, else an existing m.* file
// (walking the map backwards), else a new temp file.
func (a *appendCtx) next(size int64) (*appendFile, error) {
	rotate := a.s.env.Settings.RotateSize()
	for _, af := range a.files {
		if af.end+size <= rotate {
			return af, nil
		}
	}
	if size < rotate {
		if af := a.findExisting(size, rotate); af != nil {
			a.files = append(a.files, af)
			return af, nil
		}
	}
	af, err := a.create()
	if err != nil {
		return nil, err
	}
	a.files = append(a.files, af)
	return af, nil
}

// findExisting walks the map from the newest record backwards over at
// most maxBackwardsLookups files.
func (a *appendCtx) findExisting(size, rotate int64) *appendFile {
	recs := a.s.records()
	tried := map[uint32]bool{}
	for i := len(recs) - 1; i >= 0 && len(tried) < maxBackwardsLookups; i-- {
		id := recs[i].fileID
		if id == 0 || tried[id] || a.holds(id) {
			continue
		}
		tried[id] = true
		end := a.s.fileEnd(id)
		if end+size > rotate {
			continue
		}
		af, stop := a.tryFile(id, end, size, rotate)
		if af != nil || stop {
			return af
		}
	}
	return nil
}

func (a *appendCtx) holds(id uint32) bool {
	if a.s.purging[id] {
		return true
	}
	for _, af := range a.files {
		if af.id == id {
			return true
		}
	}
	return false
}

// tryFile opens m.<id> in the wanted storage, checks its age, flocks it
// without waiting, and checks that its size is the end the map knows or
// that whatever follows parses as complete messages.
func (a *appendCtx) tryFile(id uint32, end, size, rotate int64) (af *appendFile, stop bool) {
	path := a.s.path(id, a.alt)
	f, err := a.s.env.FS.OpenFile(path, vfs.O_RDWR, 0)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			a.s.critical("open(%s) failed: %s", path, mailstore.Strerror(err))
		}
		return nil, false
	}
	if a.tooOld(f) {
		f.Close()
		return nil, true
	}
	if err := vfs.Lock(f, vfs.WriteLock, false); err != nil {
		if !errors.Is(err, vfs.ErrWouldBlock) {
			a.s.critical("flock(%s) failed: %s", path, mailstore.Strerror(err))
		}
		f.Close()
		return nil, false
	}
	fi, err := f.Stat()
	if err != nil || fi.Size() < end || fi.Size()+size > rotate || !a.okAt(f, fi.Size(), end) {
		f.Close() // vanished (purged), shrunk, full or garbage after end
		return nil, false
	}
	return &appendFile{f: f, id: id, alt: a.alt, start: fi.Size(), end: fi.Size()}, false
}

// okAt is dbox_file_is_ok_at over the bytes after end.
func (a *appendCtx) okAt(f vfs.File, size, end int64) bool {
	if size == end {
		return true
	}
	data := make([]byte, size)
	if n, _ := f.ReadAt(data, 0); int64(n) != size {
		return false
	}
	return dbox.IsOKAt(data, end)
}

// tooOld applies mdbox_rotate_interval to the file's create stamp.
func (a *appendCtx) tooOld(f vfs.File) bool {
	iv := a.s.env.Settings.MdboxRotateInterval
	if iv <= 0 {
		return false
	}
	buf := make([]byte, 64)
	n, _ := f.ReadAt(buf, 0)
	h, err := dbox.ParseMultiHeader(buf[:n])
	if err != nil {
		return true
	}
	unit := time.Hour
	if iv >= 24*time.Hour {
		unit = 24 * time.Hour
	}
	now := a.s.env.Clock.Now()
	boundary := now.Truncate(unit).Add(unit - iv)
	return time.Unix(h.Created, 0).Before(boundary)
}

// create starts a new file as ".temp.<sec>.P<pid>Q<n>M<usec>.<host>" in
// storage/ (or the alt storage/), flocked, with its file header.
func (a *appendCtx) create() (*appendFile, error) {
	s := a.s
	dir := s.dir
	if a.alt {
		dir = s.altDir
		if err := vfs.MkdirAll(s.env.FS, dir, 0o700); err != nil {
			s.critical("mkdir(%s) failed: %s", dir, mailstore.Strerror(err))
			return nil, err
		}
	}
	now := s.env.Clock.Now()
	s.tempSeq++
	tmp := dbox.TempPath(s.env, dir, now, s.tempSeq)
	f, err := s.env.FS.OpenFile(tmp, vfs.O_RDWR|vfs.O_CREATE|vfs.O_TRUNC, 0o600)
	if err != nil {
		s.critical("open(%s) failed: %s", tmp, mailstore.Strerror(err))
		return nil, err
	}
	_ = vfs.Lock(f, vfs.WriteLock, false) // nobody else knows the name yet
	hdr := dbox.FileHeader(now.Unix())
	if _, err := f.WriteAt(hdr, 0); err != nil {
		s.critical("write(%s) failed: %s", tmp, mailstore.Strerror(err))
		f.Close()
		_ = s.env.FS.Remove(tmp)
		return nil, err
	}
	return &appendFile{f: f, tmp: tmp, alt: a.alt, start: int64(len(hdr)), end: int64(len(hdr))}, nil
}

// write appends data to af at its end (a pwrite at the size fstat gave).
func (a *appendCtx) write(af *appendFile, data []byte) (int64, error) {
	off := af.end
	if _, err := af.f.WriteAt(data, off); err != nil {
		a.s.critical("write(%s) failed: %s", af.f.Name(), mailstore.Strerror(err))
		return 0, err
	}
	af.end += int64(len(data))
	return off, nil
}

// flush fdatasyncs every file unless mail_fsync=never.
func (a *appendCtx) flush() error {
	if a.s.env.Settings.MailFsync == mailstore.FsyncNever {
		return nil
	}
	for _, af := range a.files {
		if err := af.f.Sync(); err != nil {
			a.s.critical("fdatasync(%s) failed: %s", af.f.Name(), mailstore.Strerror(err))
			return err
		}
	}
	return nil
}

// assignFileIDs gives new files their ids under the map lock
// (mdbox_map_assign_file_ids): highest_file_id+1, a stat check, rename.
func (a *appendCtx) assignFileIDs(l *mapLock) error {
	for _, af := range a.files {
		if af.id != 0 {
			continue
		}
		id := l.ext.hdr[mapHdrHighestFileID]
		if id == 0 {
			id = a.s.highestFileID()
		}
		id++
		path := a.s.path(id, af.alt)
		if _, err := a.s.env.FS.Stat(path); err == nil {
			a.s.critical("mdbox: %s already exists, rebuilding index", path)
			a.s.corrupted = true
			return errCorrupted
		}
		if err := a.s.env.FS.Rename(af.tmp, path); err != nil {
			a.s.critical("rename(%s, %s) failed: %s", af.tmp, path, mailstore.Strerror(err))
			return err
		}
		af.id, af.tmp = id, ""
		l.ext.hdr[mapHdrHighestFileID] = id
	}
	return nil
}

// highestFileID scans storage/ (and alt) for the highest m.* id, for a
// map that does not know it yet.
func (s *storage) highestFileID() uint32 {
	var hi uint32
	for _, dir := range []string{s.dir, s.altDir} {
		if dir == "" {
			continue
		}
		ents, _ := s.env.FS.ReadDir(dir)
		for _, e := range ents {
			if id, ok := parseFileName(e.Name()); ok {
				hi = max(hi, id)
			}
		}
	}
	return hi
}

// rollback undoes the appends: existing files are truncated back, new
// ones unlinked (dbox_file_append_rollback).
func (a *appendCtx) rollback() {
	for _, af := range a.files {
		switch {
		case af.tmp != "":
			_ = a.s.env.FS.Remove(af.tmp)
		case af.id != 0 && af.end > af.start:
			if err := af.f.Truncate(af.start); err != nil {
				a.s.critical("ftruncate(%s) failed: %s", af.f.Name(), mailstore.Strerror(err))
			}
		}
	}
	a.close()
}

// close closes the files, which releases their flocks.
func (a *appendCtx) close() {
	for _, af := range a.files {
		af.f.Close()
	}
	a.files = nil
}
