package mdbox

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/index"
	"github.com/nfsmail/nfsmail/vfs"
)

// mapRec is a map index record's extensions: "map" {file_id, offset,
// size} and "ref" {refcount}.
type mapRec struct {
	fileID, offset, size uint32
	ref                  uint16
}

// The words of the map's ext (mapLayout).
const (
	mapHdrHighestFileID = iota
	mapHdrRebuildCount
	mapHdrLen
)
const mapRecLen = 4

func (r mapRec) vals() []uint32 { return []uint32{r.fileID, r.offset, r.size, uint32(r.ref)} }

func mapRecOf(v []uint32) mapRec {
	if len(v) < mapRecLen {
		return mapRec{}
	}
	return mapRec{fileID: v[0], offset: v[1], size: v[2], ref: uint16(v[3])}
}

// storage is the user's mdbox storage as one process sees it
// (struct mdbox_storage + struct mdbox_map): <root>/storage with its m.*
// files, the map index and the optional ALT storage.
type storage struct {
	env       mailstore.Env
	user      string
	dir       string // <user>/storage
	altDir    string // <alt>/storage; "" without ALT
	ix        *index.Index
	ext       *ext
	corrupted bool
	purging   map[uint32]bool // file ids this process holds for purging
	tempSeq   int
}

func openStorage(env mailstore.Env, user string, idxRoot string) (*storage, error) {
	s := &storage{env: env, user: user, dir: user + "/storage", purging: map[uint32]bool{}}
	if alt, ok := env.Settings.AltRoot(user); ok {
		s.altDir = alt + "/storage"
	}
	if err := vfs.MkdirAll(env.FS, s.dir, 0o700); err != nil {
		s.critical("mkdir(%s) failed: %s", s.dir, mailstore.Strerror(err))
		return nil, err
	}
	opts := index.Options{Dir: idxRoot + "/storage", Prefix: "dovecot.map.index",
		FsyncMask: index.TxAppend | index.TxExpungeGUID | index.TxHeaderUpdate}
	ix, err := index.Open(env, opts)
	if err != nil {
		return nil, err
	}
	s.ix = ix
	s.loadExt()
	return s, nil
}

func (s *storage) critical(format string, args ...any) {
	s.env.Logf(mailstore.Critical, format, args...)
}

// setCorrupted is mdbox_map_set_corrupted: the storage is rebuilt at the
// next sync.
func (s *storage) setCorrupted(format string, args ...any) {
	s.critical("mdbox map %s corrupted: %s", s.ix.Path(), fmt.Sprintf(format, args...))
	s.corrupted = true
}

// loadExt reads the map's "map" and "ref" extensions (mapLayout).
func (s *storage) loadExt() {
	e, ok := mapLayout.read(s.ix.Map())
	if !ok {
		s.setCorrupted("missing map extension")
	}
	s.ext = e
}

// refresh is mdbox_map_refresh.
func (s *storage) refresh() error {
	if err := s.ix.Refresh(); err != nil {
		return err
	}
	s.loadExt()
	return nil
}

// lookup is mdbox_map_lookup_full: false when map_uid is not in the map.
func (s *storage) lookup(mapUID uint32) (mapRec, bool) {
	if _, ok := s.ix.Map().Find(mailstore.UID(mapUID)); !ok {
		return mapRec{}, false
	}
	r := mapRecOf(s.ext.recs[mapUID])
	if r.fileID == 0 {
		s.setCorrupted("file_id=0 for map_uid=%d", mapUID)
		return r, false
	}
	return r, true
}

type mapEntry struct {
	uid uint32
	mapRec
}

// records lists the map's records in map_uid order.
func (s *storage) records() []mapEntry {
	recs := s.ix.Map().Recs
	out := make([]mapEntry, 0, len(recs))
	for _, r := range recs {
		out = append(out, mapEntry{uint32(r.UID), mapRecOf(s.ext.recs[uint32(r.UID)])})
	}
	return out
}

// fileEnd returns where the last known message of file id ends.
func (s *storage) fileEnd(id uint32) int64 {
	var end int64
	for _, r := range s.records() {
		if r.fileID == id {
			end = max(end, int64(r.offset)+int64(r.size))
		}
	}
	return end
}

func (s *storage) path(id uint32, alt bool) string {
	if alt {
		return s.altDir + "/" + fileName(id)
	}
	return s.dir + "/" + fileName(id)
}

// openFile opens m.<id> from primary storage, then alt.
func (s *storage) openFile(id uint32, flag int) (vfs.File, string, error) {
	path := s.path(id, false)
	f, err := s.env.FS.OpenFile(path, flag, 0)
	if errors.Is(err, fs.ErrNotExist) && s.altDir != "" {
		path = s.path(id, true)
		f, err = s.env.FS.OpenFile(path, flag, 0)
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		s.critical("open(%s) failed: %s", path, mailstore.Strerror(err))
	}
	return f, path, err
}

// isAlt reports whether m.<id> exists only in alt storage.
func (s *storage) isAlt(id uint32) bool {
	if s.altDir == "" {
		return false
	}
	if _, err := s.env.FS.Stat(s.path(id, false)); err == nil {
		return false
	}
	_, err := s.env.FS.Stat(s.path(id, true))
	return err == nil
}

// mapLock is mdbox_map_atomic: the map index sync lock with the map
// read to its end.
type mapLock struct {
	s    *storage
	sync *index.Sync
	m    *index.Map // the map being changed
	ext  *ext
}

func (s *storage) lock() (*mapLock, error) {
	sy, err := s.ix.Begin()
	if err != nil {
		return nil, err
	}
	s.loadExt()
	return &mapLock{s: s, sync: sy, m: sy.Map().Clone(), ext: s.ext.clone()}, nil
}

// commit writes the map index transaction, extension records included;
// it unlocks.
func (l *mapLock) commit() error {
	if err := mapLayout.write(l.ext, l.m); err != nil {
		l.sync.Rollback()
		return err
	}
	if err := l.sync.Commit(l.m.Diff(l.sync.Map())); err != nil {
		return err
	}
	l.s.ext = l.ext
	return nil
}

func (l *mapLock) rollback() { l.sync.Rollback() }

// add appends a map record with refcount 1 and returns its map_uid.
func (l *mapLock) add(r mapRec) uint32 {
	if l.m.Hdr.UIDValidity == 0 {
		l.m.Hdr.UIDValidity = uint32(l.s.env.Clock.Now().Unix())
	}
	uid := l.m.Hdr.NextUID
	l.m.Recs = append(l.m.Recs, index.Record{UID: mailstore.UID(uid)})
	l.m.Hdr.NextUID = uid + 1
	l.ext.recs[uid] = r.vals()
	return uid
}

// get returns the locked view of map_uid.
func (l *mapLock) get(uid uint32) (mapRec, bool) {
	if _, ok := l.m.Find(mailstore.UID(uid)); !ok {
		return mapRec{}, false
	}
	return mapRecOf(l.ext.recs[uid]), true
}

func (l *mapLock) set(uid uint32, r mapRec) { l.ext.recs[uid] = r.vals() }

// expunge removes map_uid's record.
func (l *mapLock) expunge(uid uint32) {
	if i, ok := l.m.Find(mailstore.UID(uid)); ok {
		l.m.Recs = slices.Delete(l.m.Recs, i, i+1)
	}
	delete(l.ext.recs, uid)
}

// updateRef applies a refcount change (mdbox_map_update_refcount).
func (l *mapLock) updateRef(uid uint32, diff int) error {
	r, ok := l.get(uid)
	if !ok {
		l.s.setCorrupted("refcount update lost map_uid=%d", uid)
		return errCorrupted
	}
	if int(r.ref)+diff < 0 {
		l.s.setCorrupted("map_uid=%d refcount too low", uid)
		return errCorrupted
	}
	r.ref = uint16(int(r.ref) + diff)
	l.set(uid, r)
	return nil
}

// errCorrupted: the storage was found corrupted and will be rebuilt.
var errCorrupted = errors.New("mdbox: storage corrupted")
