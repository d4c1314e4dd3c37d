package maildir

import (
	"errors"
	"io"
	"io/fs"
	"slices"

	"github.com/nfsmail/nfsmail/mailstore/dotlock"
	"github.com/nfsmail/nfsmail/vfs"
)

const (
	uidlistName       = "dovecot-uidlist"
	uidlistVersion    = 3
	compressPercent   = 75 // UIDLIST_COMPRESS_PERCENTAGE
	unassigned        = ^uint32(0)
	uidlistStaleSecs  = 120 // MAILDIR_UIDLIST_LOCK_STALE_TIMEOUT
	uidlistTimeoutAdd = 2
)

// recFlag is enum maildir_uidlist_rec_flag: in-memory state per record.
type recFlag uint8

const (
	recNewDir recFlag = 1 << iota
	recMoved
	recRecent
	recNonsynced
	recRacing
)

// record is one dovecot-uidlist line as held in memory.
type record struct {
	uid   uint32 // unassigned until a UID is given
	flags recFlag
	name  string   // filename as last seen (may carry ":2,<flags>")
	ext   []string // extension fields "<key><value>", keys A-Z
}

// uidlist is Dovecot's struct maildir_uidlist: the records read from
// dovecot-uidlist, the open file they came from, and the dotlock.
type uidlist struct {
	m    *Mailbox
	path string

	f              vfs.File
	ino            uint64
	size           int64 // fd_size
	lastReadOffset int64
	readLines      int // read_line_count

	version                              int
	uidValidity, nextUID, hdrNextUID     uint32
	prevReadUID, lastSeenUID             uint32
	hdrExt                               string
	guid                                 [16]byte
	haveGUID                             bool
	records                              []*record // by UID
	files                                map[string]*record
	readRecords                          int
	changeCounter                        int
	recreate, recreateOnChange           bool
	initialRead, initialHdrRead          bool
	retryRewind, lockedRefresh, unsorted bool

	lock      *dotlock.Lock
	lockCount int
}

func newUidlist(m *Mailbox) *uidlist {
	return &uidlist{m: m, path: m.root + "/" + uidlistName, nextUID: 1, files: map[string]*record{}}
}

// close forgets the open file (maildir_uidlist_close).
func (u *uidlist) close() {
	if u.f != nil {
		if err := u.f.Close(); err != nil {
			u.m.critical("close(%s) failed: %s", u.path, strerror(err))
		}
		u.f, u.ino = nil, 0
	}
	u.lastReadOffset, u.readLines = 0, 0
}

// reset drops all records so the file is reread from scratch.
func (u *uidlist) reset() {
	u.close()
	u.lastSeenUID = 0
	u.initialHdrRead = false
	u.readRecords = 0
	u.files = map[string]*record{}
	u.records = nil
}

// lookup finds uid's record, reading the file the first time.
func (u *uidlist) lookup(uid uint32) (*record, error) {
	if !u.initialRead {
		if _, err := u.refresh(); err != nil {
			return nil, err
		}
	}
	i, ok := slices.BinarySearchFunc(u.records, uid, func(r *record, uid uint32) int { return cmpUID(r.uid, uid) })
	if !ok {
		return nil, nil
	}
	return u.records[i], nil
}

func cmpUID(a, b uint32) int { return cmpInt(int64(a), int64(b)) }

func (u *uidlist) sortRecords() {
	slices.SortStableFunc(u.records, func(a, b *record) int { return cmpUID(a.uid, b.uid) })
	u.unsorted = false
}

// deleteRecord removes rec from the records array.
func (u *uidlist) deleteRecord(rec *record) int {
	i := slices.Index(u.records, rec)
	if i >= 0 {
		u.records = slices.Delete(u.records, i, i+1)
	}
	return i
}

func (u *uidlist) addFlags(name string, flags recFlag) {
	if rec := u.files[baseName(name)]; rec != nil {
		rec.flags |= flags
	}
}

// updateFname remembers where a nonsynced record's file was found.
func (u *uidlist) updateFname(name string) {
	if rec := u.files[baseName(name)]; rec != nil {
		rec.flags &^= recNonsynced
		rec.name = name
	}
}

func (u *uidlist) markAll(nonsynced bool) {
	for _, r := range u.records {
		if nonsynced {
			r.flags |= recNonsynced
		} else {
			r.flags &^= recNonsynced
		}
	}
}

func (u *uidlist) setUIDValidity(uv uint32) {
	if uv != u.uidValidity {
		u.uidValidity, u.recreate = uv, true
	}
}

func (u *uidlist) setNextUID(next uint32, force bool) {
	if u.nextUID < next || force {
		u.nextUID, u.recreate = next, true
	}
}

// currentNextUID is maildir_uidlist_get_next_uid: 0 before the header
// was read.
func (u *uidlist) currentNextUID() uint32 {
	if !u.initialHdrRead {
		return 0
	}
	return u.nextUID
}

// updateHdr remembers the file's mtime and size in the (in-memory) index
// header's maildir extension.
func (u *uidlist) updateHdr(fi fs.FileInfo) {
	if u.m.hdr.uidlistMtime.IsZero() && u.version != uidlistVersion {
		u.recreate = true // upgrading from an older version
		return
	}
	u.m.hdr.uidlistMtime = vfs.StatOf(fi).Mtime
	u.m.hdr.uidlistSize = fi.Size()
}

// readAllFrom reads f from off to EOF.
func readAllFrom(f vfs.File, off int64) ([]byte, error) {
	var out []byte
	buf := make([]byte, 8192)
	for {
		n, err := f.ReadAt(buf, off)
		out = append(out, buf[:n]...)
		off += int64(n)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
	}
}
