package index

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/vfs"
)

// Refresh brings the map up to date without locking, as readers do
// (mail_index_refresh): reopen the head log if it was rotated, reopen
// dovecot.index if it was replaced, then apply the log from where this
// process stopped.
func (ix *Index) Refresh() error {
	if _, err := ix.refreshHead(); err != nil {
		return fmt.Errorf("index: refresh %s: %w", ix.path, err)
	}
	if err := ix.reopenIfChanged(); err != nil {
		return fmt.Errorf("index: refresh %s: %w", ix.path, err)
	}
	if err := ix.syncMap(); err != nil {
		return fmt.Errorf("index: refresh %s: %w", ix.path, err)
	}
	ix.saveFsck()
	return nil
}

// refreshHead stats the log path and switches to the file it names now
// (mail_transaction_log_refresh). A rotation is followed by first reading
// the rest of the old head; a log that cannot be followed sends the map
// back to dovecot.index. As in Dovecot 2.3, a running process never
// creates the log here: a missing one means the mailbox was deleted
// (ErrDeleted), and one that is corrupted, or belongs to another index
// (indexid changed: the folder was deleted and created again), fails the
// refresh; the next process to open the index replaces it.
func (ix *Index) refreshHead() (switched bool, err error) {
	path := ix.logPath()
	if ix.env.Settings.MailNFSIndex {
		ix.flushAttrCache(path)
	}
	fi, err := ix.env.FS.Stat(path)
	if err == nil && vfs.StatOf(fi).Ino == ix.head.ino {
		return false, nil
	}
	if errors.Is(err, fs.ErrNotExist) {
		return false, ErrDeleted
	}
	if err != nil {
		ix.errorf("stat(%s) failed: %s", path, mailstore.Strerror(err))
		return false, err
	}
	old := ix.head
	lf, err := ix.openLog(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, ErrDeleted
	case err != nil:
		return false, fmt.Errorf("Failed to refresh main transaction log: %w", err)
	case lf.hdr.IndexID != old.hdr.IndexID:
		ix.corruptLog(lf, "indexid changed: %d -> %d", old.hdr.IndexID, lf.hdr.IndexID)
		lf.close()
		return false, fmt.Errorf("Failed to refresh main transaction log: %w", ErrCorrupted)
	}
	ix.follow(old, lf)
	old.close()
	ix.head = lf
	ix.sawLog(lf)
	return true, nil
}

// follow moves the map's log position from old to the new head lf.
func (ix *Index) follow(old, lf *logFile) {
	switch {
	case lf.hdr.FileSeq == old.hdr.FileSeq:
		ix.errorf("Transaction log %s: duplicate transaction log sequence (%d)", lf.path, lf.hdr.FileSeq)
		ix.relocate(lf)
	case ix.logSeq == old.hdr.FileSeq && lf.hdr.PrevFileSeq == old.hdr.FileSeq:
		if old.read(true) == nil && old.sync() == nil {
			ix.applyFrom(old)
		}
		if old.syncOffset != int64(lf.hdr.PrevFileOffset) {
			ix.corruptLog(old, "Invalid transaction log size (%d vs %d): %s",
				old.syncOffset, lf.hdr.PrevFileOffset, old.path)
		}
		ix.logSeq, ix.logOffset = lf.hdr.FileSeq, int64(lf.hdr.HdrSize)
	case ix.logSeq == lf.hdr.FileSeq:
	default:
		ix.relocate(lf)
	}
}

// relocate restarts the map from dovecot.index when the log chain from
// our position to head lf is lost.
func (ix *Index) relocate(lf *logFile) {
	saved := ix.head
	ix.head = lf
	defer func() { ix.head = saved }()
	m, ino, err := ix.readIndexFile()
	if err == nil && resetAhead(lf, m) {
		ix.installReset(ix.m.Hdr.Flags&HdrFsckd != 0, m, ino)
		return
	}
	if err != nil || m == nil || m.Hdr.IndexID != lf.hdr.IndexID {
		m = ix.m // keep what we know
		m.Hdr.IndexID = lf.hdr.IndexID
	}
	if m.Hdr.LogFileSeq != lf.hdr.FileSeq && m.Hdr.LogFileSeq != lf.hdr.PrevFileSeq {
		ix.errorf("Index %s: Lost log for seq=%d offset=%d", ix.path, m.Hdr.LogFileSeq, m.Hdr.LogFileHeadOffset)
	}
	ix.install(m, ino)
}

// syncMap reads the head to its end and applies what is new.
func (ix *Index) syncMap() error {
	h := ix.head
	if ix.resetPending {
		ix.installReset(ix.m.Hdr.Flags&HdrFsckd != 0, nil, ix.indexIno)
	}
	if ix.logSeq != h.hdr.FileSeq {
		ix.relocate(h)
	}
	if err := h.read(true); err != nil {
		return err
	}
	if err := h.sync(); err != nil {
		if !errors.Is(err, ErrCorrupted) {
			return err
		}
		ix.applyFrom(h) // what was complete before the garbage
		return ix.replaceLog(false)
	}
	ix.applyFrom(h)
	return nil
}

// replaceLog replaces the head with a fresh log. For a head this process
// marked corrupted (the fsck path) the new log continues from the map's
// position and dovecot.index is rewritten at the end of the sync (it
// points to the old log now). A process that has no dovecot.index writes
// a reset log instead and leaves the index unwritten, as Dovecot's
// mail_transaction_log_file_create2 does when index->fd is -1: other
// processes' maps start again from that log, and so does this one's once
// the sync under way commits (resetPending). For a reset (Sync.Reset) it
// starts afresh too.
func (ix *Index) replaceLog(reset bool) error {
	old := ix.head
	from := &logPos{ix.logSeq, ix.logOffset}
	noIndex := ix.indexIno == 0
	if reset || noIndex {
		from = nil
	}
	lf, err := ix.createLog(old.hdr.IndexID, old, false, from)
	if err != nil {
		return err
	}
	wasLocked := old.locked
	old.close()
	ix.head = lf
	ix.sawLog(lf)
	ix.logSeq, ix.logOffset = lf.hdr.FileSeq, int64(lf.hdr.HdrSize)
	ix.recreate = ix.recreate || reset || !noIndex
	ix.resetPending = noIndex && !reset
	if wasLocked {
		return ix.lockLog(lf)
	}
	return nil
}

// applyFrom applies lf's complete transactions after the map's position.
func (ix *Index) applyFrom(lf *logFile) {
	if ix.logSeq != lf.hdr.FileSeq || ix.logOffset >= lf.syncOffset {
		return
	}
	txs, err := lf.transactions(ix.logOffset)
	for _, tx := range txs {
		ix.applyTx(lf, tx)
	}
	if err != nil {
		ix.syncError(lf, ix.logOffset, err)
	}
	ix.readSince += lf.syncOffset - ix.logOffset
	ix.logOffset = lf.syncOffset
	ix.m.Hdr.LogFileSeq, ix.m.Hdr.LogFileHeadOffset = ix.logSeq, uint32(ix.logOffset)
	ix.checkHeader()
}

// checkHeader is the header check that ends mail_index_sync_map: a map
// that lost its UIDVALIDITY but not its UIDs (a reset log written by a
// process without dovecot.index, then appends) is fscked, which gives it
// a new UIDVALIDITY and the fsck flag the dbox storages rebuild on.
func (ix *Index) checkHeader() {
	h := &ix.m.Hdr
	if h.UIDValidity != 0 || h.NextUID == 1 {
		return
	}
	ix.errorf("Synchronization corrupted index header %s: uidvalidity=0, but next_uid=%d", ix.path, h.NextUID)
	h.UIDValidity = uint32(ix.env.Clock.Now().Unix())
	ix.fsckLogged("uid_validity 0 -> %d", h.UIDValidity)
	h.Flags |= HdrFsckd
}

func (ix *Index) applyTx(lf *logFile, tx []record) {
	var ext extTx
	for _, r := range tx {
		if isExtType(r.typ & txTypeMask) {
			for _, err := range ext.apply(ix.m, r) {
				ix.syncError(lf, r.offset, err)
			}
			continue
		}
		var c Changes
		if err := c.add(r); err != nil {
			ix.syncError(lf, r.offset, err)
			continue
		}
		for _, err := range ix.m.apply(&c) {
			ix.syncError(lf, r.offset, err)
		}
	}
}

// extTx applies a transaction's extension records one by one, in log
// order, keeping the current extension the last intro chose.
type extTx struct {
	c   Changes
	cur extCursor
}

func (x *extTx) apply(m *Map, r record) []error {
	n := len(x.c.Exts)
	var last ExtUpdate
	if n > 0 {
		last = x.c.Exts[n-1]
	}
	if err := x.c.add(r); err != nil {
		return []error{err}
	}
	var errs []error
	for i := n; i < len(x.c.Exts); i++ { // new intros
		cur, err := m.applyIntro(x.c.Exts[i].Intro)
		if err != nil {
			errs = append(errs, err)
		}
		x.cur = cur
	}
	if len(x.c.Exts) > n || n == 0 {
		return errs
	}
	e := x.c.Exts[n-1]
	delta := ExtUpdate{Header: e.Header[len(last.Header):], Records: e.Records[len(last.Records):],
		Incs: e.Incs[len(last.Incs):]}
	if e.Reset != last.Reset {
		delta.Reset = e.Reset
	}
	errs = append(errs, m.applyExtHeads(x.cur, &delta)...)
	return append(errs, m.applyExtRecs(x.cur, &delta)...)
}

func (ix *Index) syncError(lf *logFile, off int64, err error) {
	ix.errorf("Log synchronization error at seq=%d,offset=%d for %s: %v", lf.hdr.FileSeq, off, ix.path, err)
	ix.recreate = true
}
