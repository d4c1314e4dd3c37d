package index

import (
	"errors"
	"fmt"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/vfs"
)

// View is what an IMAP session holds of a mailbox index between its
// commands (struct mail_index_view as box->view): the log position its
// last sync reached. Dovecot syncs the view at the end of every command
// (DEVIATION: the engines sync it at the end of STORE and EXPUNGE, which
// MOVE ends with, not after the FETCH a client sends with its SELECT);
// when the log between that position and the head was reset (a rebuild,
// `doveadm force-resync`, by any process on any host) the messages the
// session numbered may no longer exist as it numbered them, so the view
// becomes inconsistent for good and IMAP disconnects the client with
// "IMAP session state is inconsistent, please relogin". The command's own
// change was committed before that sync, so its client never learns that
// it took effect.
//
// A SELECT syncs with MAILBOX_SYNC_FLAG_FIX_INCONSISTENT: it starts a new
// View rather than syncing the old one.
type View struct {
	ix           *Index
	pos          logPos
	inconsistent bool
}

// NewView starts a view at the map's current position.
func (ix *Index) NewView() *View {
	return &View{ix: ix, pos: logPos{ix.logSeq, ix.logOffset}}
}

// Sync moves the view to the map's position (the caller has refreshed or
// committed the index), as mail_index_view_sync_begin does. A reset in
// between logs Dovecot's "%s reset, view is now inconsistent" and returns
// an error wrapping mailstore.ErrInconsistent, as does every later Sync.
func (v *View) Sync() error {
	ix := v.ix
	if !v.inconsistent && ix.resetSince(v.pos.seq) {
		v.inconsistent = true
		ix.errorf("%s reset, view is now inconsistent", ix.path)
	}
	if v.inconsistent {
		return fmt.Errorf("index: %s: %w", ix.path, mailstore.ErrInconsistent)
	}
	v.pos = logPos{ix.logSeq, ix.logOffset}
	return nil
}

// resetSince reports whether a log after file seq, up to the head, starts
// a reset (prev_file_seq 0), following the chain as
// mail_transaction_log_view_set does through the files it has: the logs
// this process had as its head, and .log.2 for the one before the head.
// When the chain is broken (the file between is gone) Dovecot regenerates
// the missing changes from the maps instead and sees no reset.
func (ix *Index) resetSince(seq uint32) bool {
	h := ix.head.hdr
	for h.FileSeq > seq {
		if h.PrevFileSeq == 0 {
			return true
		}
		if h.PrevFileSeq <= seq {
			return false
		}
		prev, ok := ix.logHeaders[h.PrevFileSeq]
		if !ok && h.FileSeq == ix.head.hdr.FileSeq {
			p, err := ix.readLogHeader(ix.logPath() + ".2")
			prev, ok = p, err == nil && p.FileSeq == h.PrevFileSeq
		}
		if !ok {
			return false
		}
		h = prev
	}
	return false
}

// readLogHeader reads just the header of the log at path.
func (ix *Index) readLogHeader(path string) (LogHeader, error) {
	f, err := ix.env.FS.OpenFile(path, vfs.O_RDONLY, 0)
	if err != nil {
		return LogHeader{}, err
	}
	defer f.Close()
	buf := make([]byte, LogHeaderSize)
	n, err := f.ReadAt(buf, 0)
	if n < len(buf) {
		return LogHeader{}, fmt.Errorf("index: read %s: %w", path, err)
	}
	return ParseLogHeader(buf)
}

// End finishes an IMAP command on the session's mailbox as imap's
// cmd_sync does: the index is refreshed and the view synced. err is the
// command's outcome; a failure (other than mailstore.ErrExpunged, which
// IMAP answers OK) is answered NO without a sync. An inconsistent view
// returns mailstore.ErrInconsistent joined with err: the change was made
// unless err says otherwise. A nil View (no SELECT yet) does nothing.
func (v *View) End(err error) error {
	if v == nil || (err != nil && !errors.Is(err, mailstore.ErrExpunged)) {
		return err
	}
	_ = v.ix.Refresh() // logged; the command's answer stands
	if verr := v.Sync(); verr != nil {
		return errors.Join(verr, err) // still says ErrExpunged when it was
	}
	return err
}
