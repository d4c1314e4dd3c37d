package index

import (
	"errors"
	"fmt"

	"github.com/nfsmail/nfsmail/mailstore"
)

// ErrNotLocked: Commit or Rollback of a Sync that already ended.
var ErrNotLocked = errors.New("index: sync already ended")

// Sync is a held index sync lock (mail_index_sync_begin): the head log is
// locked and the map is read to the log's end, so the holder sees every
// committed change and no one else can append until Commit or Rollback.
type Sync struct {
	ix   *Index
	done bool
	// request: a transaction committed outside a sync (Index.Commit),
	// written as given; a sync's own changes are always EXTERNAL.
	request bool
}

// Begin takes the sync lock: lock the head log by lock_method, follow a
// rotation, read the log to its end. Bytes after the last complete
// transaction are garbage now (their writer would hold the lock): the log
// is marked corrupted and replaced, as Dovecot does.
func (ix *Index) Begin() (*Sync, error) {
	if err := ix.lockHead(); err != nil {
		return nil, fmt.Errorf("index: sync %s: %w", ix.path, err)
	}
	if err := ix.reopenIfChanged(); err != nil {
		ix.unlockLog(ix.head)
		return nil, fmt.Errorf("index: sync %s: %w", ix.path, err)
	}
	if err := ix.syncMap(); err != nil {
		ix.unlockLog(ix.head)
		return nil, fmt.Errorf("index: sync %s: %w", ix.path, err)
	}
	ix.saveFsck()
	return &Sync{ix: ix}, nil
}

// Map is the locked, current map; do not modify it (Clone, then Commit
// the Diff).
func (s *Sync) Map() *Map { return s.ix.m }

// Commit appends c as one transaction (when not empty), applies it, maybe
// rotates the log and rewrites dovecot.index, and unlocks. The changes of
// a sync describe what the backend already did, so they are written
// EXTERNAL (mail_index_sync_commit's transaction) and followed by the
// log_file_tail_offset update Dovecot appends to a sync transaction.
func (s *Sync) Commit(c Changes) error {
	if s.done {
		return ErrNotLocked
	}
	s.done = true
	ix := s.ix
	defer func() { ix.unlockLog(ix.head) }() // the head may have been replaced (rotation, reset) and its lock moved to it
	var cached uint32
	if !s.request {
		c.External = true
		cached = ix.cachedExpunges(&c)
	}
	if !c.Empty() {
		if err := ix.appendTx(&c, !s.request); err != nil {
			return fmt.Errorf("index: commit %s: %w", ix.path, err)
		}
	}
	if cached > 0 {
		ix.Cache().expunged(cached)
	}
	if ix.wantRotate() {
		if err := ix.rotate(); err != nil {
			return fmt.Errorf("index: rotate %s: %w", ix.logPath(), err)
		}
		if err := ix.syncMap(); err != nil {
			return fmt.Errorf("index: commit %s: %w", ix.path, err)
		}
	}
	if ix.recreate || ix.fsckPending || ix.wantIndexWrite() {
		if err := ix.writeIndex(); err != nil {
			return fmt.Errorf("index: write %s: %w", ix.path, err)
		}
	}
	return nil
}

// Rollback ends the sync without changes.
func (s *Sync) Rollback() {
	if !s.done {
		s.done = true
		s.ix.unlockLog(s.ix.head)
	}
}

// Commit is a transaction outside a sync: lock, read to the end, append
// c, unlock (mail_index_transaction_commit). c is written as given: without
// External, its expunges are requests the next sync carries out in the
// backend (Dovecot applies them to the map only once an EXTERNAL expunge
// follows), while appends and flag changes apply at once.
func (ix *Index) Commit(c Changes) error {
	s, err := ix.Begin()
	if err != nil {
		return err
	}
	s.request = true
	return s.Commit(c)
}

// appendTx writes c at the end of the locked head in one write
// (mail_transaction_log_append): the O_APPEND write lands wherever this
// host believes the end is. Bytes past the last complete transaction are
// truncated first. fdatasync follows mail_fsync and the fsync mask.
func (ix *Index) appendTx(c *Changes, sync bool) error {
	if ix.resetPending { // the commit maps the head first and meets the reset we wrote
		ix.installReset(ix.m.Hdr.Flags&HdrFsckd != 0, nil, ix.indexIno)
	}
	c.bindExts(ix.m)
	h := ix.head
	data := c.Encode()
	if sync {
		end := h.syncOffset + int64(len(data)) + tailUpdateSize
		data = append(data, tailUpdate(uint32(end))...)
	}
	if int64(len(h.data)) > h.syncOffset {
		if err := h.f.Truncate(h.syncOffset); err != nil {
			ix.errorf("ftruncate() failed with file %s: %s", h.path, mailstore.Strerror(err))
		}
	}
	if _, err := h.f.Write(data); err != nil {
		ix.errorf("write_full() failed with file %s: %s", h.path, mailstore.Strerror(err))
		_ = h.f.Truncate(h.syncOffset)
		return err
	}
	if err := ix.fsyncFile(h.f, h.path, ix.wantFsync(c)); err != nil {
		_ = h.f.Truncate(h.syncOffset)
		return err
	}
	h.data = append(h.data[:h.syncOffset], data...)
	h.syncOffset += int64(len(data))
	read := ix.readSince
	ix.applyFrom(h)
	ix.readSince = read // our own transaction: written, not read (index_min_write)
	return nil
}

// wantFsync is the §7.2 rule for log appends.
func (ix *Index) wantFsync(c *Changes) bool {
	switch ix.env.Settings.MailFsync {
	case mailstore.FsyncAlways:
		return true
	case mailstore.FsyncNever:
		return false
	}
	return c.types()&ix.opts.FsyncMask != 0
}

// Reset replaces the whole index with m and ends the sync
// (mail_index_reset, then the rebuild's transaction, as the storages'
// index_index_rebuild does): a fresh log (seq+1, prev_file_seq 0) whose
// one transaction writes m from nothing, so a process restarting from the
// log has all of it, then dovecot.index rewritten, as a new log makes
// mail_index_sync_commit do.
func (s *Sync) Reset(m *Map) error {
	if s.done {
		return ErrNotLocked
	}
	s.done = true
	ix := s.ix
	defer func() { ix.unlockLog(ix.head) }() // the head may have been replaced (rotation, reset) and its lock moved to it
	if err := ix.replaceLog(true); err != nil {
		return fmt.Errorf("index: reset %s: %w", ix.path, err)
	}
	ix.install(nil, 0)
	nm := m.Clone()
	nm.Hdr.IndexID = ix.m.Hdr.IndexID
	c := nm.Diff(ix.m)
	c.External = true
	if !c.Empty() {
		if err := ix.appendTx(&c, true); err != nil {
			return fmt.Errorf("index: reset %s: %w", ix.path, err)
		}
	}
	if err := ix.writeIndex(); err != nil {
		return fmt.Errorf("index: reset %s: %w", ix.path, err)
	}
	return nil
}
