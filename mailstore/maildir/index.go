package maildir

import (
	"slices"

	"github.com/nfsmail/nfsmail/mailstore/index"
	"strings"
	"time"

	"github.com/nfsmail/nfsmail/mailstore"
)

// maildirHdr is the index's maildir extension header, kept in memory:
// check times are host-clock seconds, mtimes are server timestamps.
type maildirHdr struct {
	newCheckTime, curCheckTime int64
	newMtime, curMtime         time.Time
	uidlistMtime               time.Time
	uidlistSize                int64
}

// viewRec is one message in the in-memory index.
type viewRec struct {
	uid      uint32
	flags    mailstore.Flags
	keywords []string // sorted
}

// view is the in-memory index (INDEX=MEMORY): what this session has told
// its client.
type view struct {
	uidValidity, nextUID, firstRecentUID uint32
	recs                                 []viewRec
}

func newView() view { return view{nextUID: 1, firstRecentUID: 1} }

func (v view) clone() view {
	v.recs = slices.Clone(v.recs)
	return v
}

func (v *view) find(uid uint32) (int, bool) {
	return slices.BinarySearchFunc(v.recs, uid, func(r viewRec, uid uint32) int { return cmpUID(r.uid, uid) })
}

// has reports whether the view shows c's message with c's flags and
// keywords already (a STORE that changes nothing).
func (v *view) has(c *change) bool {
	i, ok := v.find(c.uid)
	return ok && !c.expunge && v.recs[i].flags == c.flags && slices.Equal(v.recs[i].keywords, c.keywords)
}

// change is a STORE or EXPUNGE waiting for the next index sync, as
// Dovecot keeps it in the transaction log until maildir_sync_index.
type change struct {
	uid      uint32
	flags    mailstore.Flags
	keywords []string // sorted
	expunge  bool
	seen     bool // the sync reached this UID
	gone     bool // the message turned out to be expunged
}

// indexSync reconciles the uidlist with the view (maildir_sync_index).
type indexSync struct {
	m          *Mailbox
	run        *syncRun // nil when saving
	v          view
	old, out   []viewRec
	seq        int
	hdrNextUID uint32
	firstRec   uint32
	us         *uidlistSync // for "reappeared" records
	fullRescan bool
	failed     bool
	curUpdate  bool
	reset      bool        // the uidlist's UIDVALIDITY changed: the index is reset
	lock       *index.Sync // the on-disk index's sync lock (nil: INDEX=MEMORY)
	kw         *keywordSync
}

// indexSyncBegin starts an index sync: with on-disk indexes it takes the
// index sync lock (after the uidlist lock, Dovecot's order) and starts
// from the index as it is now.
func (m *Mailbox) indexSyncBegin(run *syncRun) (*indexSync, error) {
	ix := &indexSync{m: m, run: run, kw: m.keywordSyncInit()}
	if m.index != nil {
		s, err := m.index.Begin()
		if err != nil {
			return nil, err
		}
		ix.lock = s
		m.view = viewOf(s.Map())
	}
	ix.v = m.view.clone()
	return ix, nil
}

// rollback releases the index sync lock of an abandoned sync.
func (ix *indexSync) rollback() {
	if ix == nil {
		return
	}
	ix.kw.deinit()
	ix.kw = nil
	if ix.lock != nil {
		ix.lock.Rollback()
		ix.lock = nil
	}
}

// sync walks the uidlist records in UID order against the view. ret 0
// asks for a full rescan (a file last seen in new/ is not there).
func (ix *indexSync) sync(partial bool) int {
	m, u := ix.m, ix.m.uidlist
	uv := u.uidValidity
	hdrUV := ix.v.uidValidity
	if uv != hdrUV && uv != 0 && hdrUV != 0 {
		m.warn("Maildir %s: UIDVALIDITY changed (%d -> %d)", m.root, hdrUV, uv)
		ix.v, hdrUV, ix.reset = newView(), 0, true // mail_index_reset
	}
	ix.old, ix.hdrNextUID, ix.firstRec = ix.v.recs, ix.v.nextUID, max(ix.v.firstRecentUID, 1)
	before := m.nowSecs()
	m.syncingCommit = true
	for prev := uint32(0); ; {
		rec := u.nextAfter(prev)
		if rec == nil {
			break
		}
		prev = rec.uid
		ix.record(rec.uid, rec.flags, rec.name)
	}
	if partial {
		ix.out = append(ix.out, ix.old[ix.seq:]...)
	}
	if ix.us != nil && ix.us.deinit(true) != nil {
		ix.failed = true
	}
	m.syncingCommit = false
	ix.curUpdate = true
	m.hdr.curCheckTime = before
	ix.finishHeader(uv, hdrUV)
	switch {
	case ix.failed:
		return -1
	case ix.fullRescan:
		return 0
	}
	return 1
}

func (ix *indexSync) finishHeader(uv, hdrUV uint32) {
	u := ix.m.uidlist
	if uv == 0 {
		uv = hdrUV
		if uv == 0 {
			uv = ix.m.newUIDValidity()
		}
		u.setUIDValidity(uv)
	}
	u.setNextUID(ix.hdrNextUID, false)
	ix.v.uidValidity = uv
	ix.v.nextUID = max(ix.hdrNextUID, u.currentNextUID())
	ix.v.firstRecentUID = max(ix.v.firstRecentUID, ix.firstRec)
	ix.v.recs = ix.out
}

// record syncs one uidlist record.
func (ix *indexSync) record(uid uint32, uflags recFlag, name string) {
	flags, kw := flagsOf(name), ix.kw.names(keywordLetters(name))
	for ix.seq < len(ix.old) && uid > ix.old[ix.seq].uid {
		ix.seq++ // expunged
	}
	if ix.seq >= len(ix.old) {
		if uid < ix.hdrNextUID {
			ix.insertion(uflags, name, uid)
			return
		}
		if uflags&recRecent == 0 && uid >= ix.firstRec {
			ix.firstRec = uid + 1
		}
		ix.hdrNextUID = uid + 1
		ix.out = append(ix.out, viewRec{uid: uid, flags: flags, keywords: kw})
		return
	}
	r := ix.old[ix.seq]
	if uid < r.uid {
		ix.insertion(uflags, name, uid)
		return
	}
	ix.seq++
	if p := ix.m.pending; p != nil && p.uid == uid {
		var keep bool
		if r, keep = ix.apply(p, r); !keep {
			return
		}
		flags, kw = r.flags, r.keywords
	}
	if uflags&recNonsynced != 0 {
		if uflags&recNewDir != 0 {
			ix.fullRescan = true // maybe expunged from new/
		}
		ix.out = append(ix.out, r)
		return
	}
	ix.out = append(ix.out, viewRec{uid: uid, flags: flags, keywords: kw})
}

// apply performs the pending change on the file; keep=false drops the
// message from the index.
func (ix *indexSync) apply(p *change, r viewRec) (viewRec, bool) {
	p.seen = true
	if p.expunge {
		ret, _ := ix.m.fileDo(p.uid, ix.m.expungeFile)
		p.gone = ret == 0
		return r, ret < 0
	}
	letters := ix.kw.letters(p.keywords)
	ret, _ := ix.m.fileDo(p.uid, func(path string) (int, error) { return ix.m.renameFlags(path, p.flags, letters) })
	p.gone = ret == 0
	// the index has them even if the rename failed (dirty)
	r.flags, r.keywords = p.flags, p.keywords
	return r, true
}

// insertion handles a uidlist record below the index's next UID that the
// index does not have: first a race is assumed and a resync requested;
// if it persists, the file gets a new UID.
func (ix *indexSync) insertion(uflags recFlag, name string, uid uint32) {
	m, u := ix.m, ix.m.uidlist
	if uflags&recNonsynced != 0 {
		return // partial syncing
	}
	if uflags&recRacing == 0 {
		m.hdr.curCheckTime = 0
		if ix.run != nil {
			ix.run.racing = true
		}
		u.addFlags(name, recRacing)
		return
	}
	if ix.us == nil {
		us, ok, err := u.syncInit(syncPartial | syncKeepState)
		if !ok || err != nil {
			ix.failed = true
			return
		}
		ix.us = us
	}
	ix.us.remove(name)
	ix.us.next(name, 0, uflags&recNewDir)
	ix.us.finish()
	suffix := ""
	if strings.HasPrefix(name, "msg.") {
		suffix = " (Your MDA is saving MH files into Maildir?)"
	}
	m.warn("Maildir %s: Expunged message reappeared, giving a new UID (old uid=%d, file=%s)%s",
		m.root, uid, name, suffix)
}

// commit installs the synced view; with dropRecent (IMAP SELECT) no
// message stays \Recent.
func (ix *indexSync) commit(dropRecent bool) {
	m := ix.m
	if ix.curUpdate {
		if fi, err := m.env.FS.Stat(m.curDir); err == nil {
			mt := fi.ModTime()
			if m.hdr.curCheckTime < mt.Unix() {
				m.hdr.curCheckTime = mt.Unix()
			}
			m.hdr.curMtime = mt
		}
	}
	ix.kw.deinit()
	ix.kw = nil
	if dropRecent {
		ix.v.firstRecentUID = ix.v.nextUID
	}
	m.view = ix.v
	if ix.lock != nil {
		s := ix.lock
		ix.lock = nil
		old := s.Map()
		commit := func() error { return s.Commit(mapOf(ix.v, old).Diff(old)) }
		if ix.reset {
			commit = func() error { return s.Reset(mapOf(ix.v, old)) }
		}
		if err := commit(); err == nil {
			m.view = viewOf(m.index.Map())
		}
	}
}

// nextAfter returns the first assigned record with a UID above prev.
func (u *uidlist) nextAfter(prev uint32) *record {
	var best *record
	if !u.unsorted {
		i, _ := slices.BinarySearchFunc(u.records, prev+1, func(r *record, uid uint32) int { return cmpUID(r.uid, uid) })
		if i < len(u.records) {
			best = u.records[i]
		}
	} else {
		for _, r := range u.records {
			if r.uid > prev && (best == nil || r.uid < best.uid) {
				best = r
			}
		}
	}
	if best == nil || best.uid == unassigned {
		return nil
	}
	return best
}
