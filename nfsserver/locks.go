package nfsserver

import (
	"math"

	"github.com/nfsmail/nfsmail/nfs3"
)

// lockOwner identifies an NLM lock owner: the calling host's name, the
// owner handle and the process id (svid) on that host.
type lockOwner struct {
	host string
	oh   string
	svid int32
}

// byteLock is one granted byte-range lock; end is exclusive
// (math.MaxUint64 = to end of file).
type byteLock struct {
	owner      lockOwner
	excl       bool
	start, end uint64
}

// lockTable holds granted locks per file handle and the blocked requests
// waiting for them. The caller holds Server.exec.
type lockTable struct {
	files   map[string][]byteLock
	blocked map[blockKey]bool
}

type blockKey struct {
	fh    string
	owner lockOwner
}

func newLockTable() lockTable {
	return lockTable{files: make(map[string][]byteLock), blocked: make(map[blockKey]bool)}
}

// reset forgets everything (a server restart).
func (t *lockTable) reset() {
	clear(t.files)
	clear(t.blocked)
}

// rangeOf converts an NLM offset and length (0 = to EOF) to [start, end).
func rangeOf(off, n uint64) (uint64, uint64) {
	if n == 0 || n > math.MaxUint64-off {
		return off, math.MaxUint64
	}
	return off, off + n
}

func ownerOf(l nfs3.NLMLock) lockOwner {
	return lockOwner{host: l.CallerName, oh: string(l.OH), svid: l.SVID}
}

// conflict returns a lock of another owner that overlaps [start, end) and
// excludes the request.
func (t *lockTable) conflict(fh string, o lockOwner, excl bool, start, end uint64) (byteLock, bool) {
	for _, l := range t.files[fh] {
		if l.owner != o && l.start < end && start < l.end && (excl || l.excl) {
			return l, true
		}
	}
	return byteLock{}, false
}

// grant records a lock, replacing the owner's locks in the range (POSIX
// semantics: a new lock converts and splits the owner's old ones).
func (t *lockTable) grant(fh string, l byteLock) {
	t.release(fh, l.owner, l.start, l.end)
	t.files[fh] = append(t.files[fh], l)
	delete(t.blocked, blockKey{fh, l.owner})
}

// release unlocks [start, end) for owner o, splitting ranges as needed.
func (t *lockTable) release(fh string, o lockOwner, start, end uint64) {
	var kept []byteLock
	for _, l := range t.files[fh] {
		if l.owner != o || l.end <= start || end <= l.start {
			kept = append(kept, l)
			continue
		}
		if l.start < start {
			kept = append(kept, byteLock{owner: o, excl: l.excl, start: l.start, end: start})
		}
		if end < l.end {
			kept = append(kept, byteLock{owner: o, excl: l.excl, start: end, end: l.end})
		}
	}
	if len(kept) == 0 {
		delete(t.files, fh)
		return
	}
	t.files[fh] = kept
}

// freeHost drops every lock and blocked request of host (FREE_ALL).
func (t *lockTable) freeHost(host string) {
	for fh, ls := range t.files {
		var kept []byteLock
		for _, l := range ls {
			if l.owner.host != host {
				kept = append(kept, l)
			}
		}
		if len(kept) == 0 {
			delete(t.files, fh)
		} else {
			t.files[fh] = kept
		}
	}
	for k := range t.blocked {
		if k.owner.host == host {
			delete(t.blocked, k)
		}
	}
}

// holder converts a lock to the nlm4_holder TEST reports.
func (l byteLock) holder() nfs3.NLMHolder {
	n := l.end - l.start
	if l.end == math.MaxUint64 {
		n = 0
	}
	return nfs3.NLMHolder{Exclusive: l.excl, SVID: l.owner.svid, OH: []byte(l.owner.oh), Offset: l.start, Len: n}
}

// Locks returns the number of NLM locks currently granted.
func (s *Server) Locks() int {
	s.exec.Lock()
	defer s.exec.Unlock()
	n := 0
	for _, ls := range s.locks.files {
		n += len(ls)
	}
	return n
}
