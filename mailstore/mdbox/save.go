package mdbox

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/dbox"
	"github.com/nfsmail/nfsmail/mailstore/index"
	"github.com/nfsmail/nfsmail/vfs"
)

// Deliver saves msg (mdbox-save.c): append it to an m.* file chosen as
// §6.2 describes, fdatasync, then under the map lock and the mailbox index
// lock give new files their ids, add the map record (refcount 1) and the
// mailbox record; fdatasync the mailbox directory.
func (mb *Mailbox) Deliver(msg mailstore.Message) (mailstore.UID, error) {
	if err := mb.st.refresh(); err != nil {
		return 0, fmt.Errorf("mdbox: deliver: %w", err)
	}
	body := dbox.ToLF(msg.Body)
	now := mb.env.Clock.Now().Unix()
	md := dbox.Meta{GUID: mb.newGUID(), Orig: "INBOX", Received: now, VSize: dbox.VSize(body)}
	data := dbox.EncodeMessage(body, md)
	a := mb.st.appendBegin(false)
	af, err := a.next(int64(len(data)))
	if err != nil {
		a.rollback()
		return 0, fmt.Errorf("mdbox: deliver: %w", err)
	}
	off, err := a.write(af, data)
	if err == nil {
		err = a.flush()
	}
	if err != nil {
		a.rollback()
		return 0, fmt.Errorf("mdbox: deliver: %w", err)
	}
	uid, err := mb.commitSave(a, af, mapRec{offset: uint32(off), size: uint32(len(data)), ref: 1}, md.GUID)
	if err != nil {
		return 0, fmt.Errorf("mdbox: deliver: %w", err)
	}
	a.close()
	if mb.env.Settings.MailFsync != mailstore.FsyncNever {
		dbox.FsyncDir(mb.env, mb.dir)
	}
	if !mb.memIndex {
		_ = mb.index.CacheDelivered(uid, msg.ID)
	}
	return uid, nil
}

// commitSave is mdbox_transaction_save_commit_pre: map lock, then the
// mailbox index lock; file ids, map record, mailbox record.
func (mb *Mailbox) commitSave(a *appendCtx, af *appendFile, rec mapRec, guid string) (mailstore.UID, error) {
	l, err := mb.st.lock()
	if err != nil {
		a.rollback()
		return 0, err
	}
	s, err := mb.index.Begin()
	if err != nil {
		l.rollback()
		a.rollback()
		return 0, err
	}
	mb.loadExt()
	if err := a.assignFileIDs(l); err != nil {
		s.Rollback()
		l.rollback()
		a.rollback()
		return 0, err
	}
	rec.fileID = af.id
	mapUID := l.add(rec)
	if err := l.commit(); err != nil {
		s.Rollback()
		a.rollback()
		return 0, err
	}
	m := s.Map().Clone()
	uid := mb.appendRecord(m, index.Record{}, mb.st, append([]uint32{mapUID}, guidWords(guid)...))
	if err := mb.commitBox(s, m); err != nil {
		return 0, err
	}
	mb.updateStatus()
	return mailstore.UID(uid), nil
}

// appendRecord appends rec to m (a clone of mb's locked index) under the
// next UID, with words ({map_uid, GUID}) as its mdbox record, giving the
// index and the mdbox header (from st's map) their uidvalidities if they
// have none yet; it returns the UID.
func (mb *Mailbox) appendRecord(m *index.Map, rec index.Record, st *storage, words []uint32) uint32 {
	if m.Hdr.UIDValidity == 0 {
		m.Hdr.UIDValidity = mailstore.NextUIDValidity(mb.env, mb.user) // dbox_get_uidvalidity_next
	}
	if mb.ext.hdr[0] == 0 {
		mb.ext.hdr[0] = st.ix.Map().Hdr.UIDValidity
	}
	uid := m.Hdr.NextUID
	rec.UID = mailstore.UID(uid)
	m.Recs = append(m.Recs, rec)
	m.Hdr.NextUID = uid + 1
	mb.ext.recs[uid] = words
	return uid
}

func (mb *Mailbox) newGUID() string {
	mb.guidSeq++
	return dbox.NewGUID(mb.env, mb.guidSeq<<16|uint64(mb.env.PID&0xffff))
}

// guidWords packs a 32-hex-digit GUID into four words (the "guid" field).
func guidWords(guid string) []uint32 {
	b, _ := hex.DecodeString(guid)
	b = append(b, make([]byte, 16)...)
	w := make([]uint32, 4)
	for i := range w {
		w[i] = uint32(b[4*i])<<24 | uint32(b[4*i+1])<<16 | uint32(b[4*i+2])<<8 | uint32(b[4*i+3])
	}
	return w
}

func guidString(w []uint32) string {
	var sb strings.Builder
	for _, v := range w {
		fmt.Fprintf(&sb, "%08x", v)
	}
	return sb.String()
}

// readMessage reads the message a map record points to (primary storage,
// then alt) and checks it is a whole message of the recorded size. A
// missing file is fs.ErrNotExist, for the caller to judge.
func (s *storage) readMessage(rec mapRec) (dbox.MailInfo, error) {
	f, path, err := s.openFile(rec.fileID, vfs.O_RDONLY)
	if err != nil {
		return dbox.MailInfo{}, err
	}
	defer f.Close()
	data := make([]byte, rec.size)
	n, _ := f.ReadAt(data, int64(rec.offset))
	e, perr := dbox.ParseMessage(data[:n], 0)
	if perr == nil && e.Size != int64(rec.size) {
		perr = dbox.Corrupt(0, "message size mismatch (%d != %d)", e.Size, rec.size)
	}
	var ce *dbox.CorruptError
	if errors.As(perr, &ce) {
		s.critical("Corrupted dbox file %s (around offset=%d): %s", path, int64(rec.offset)+ce.Offset, ce.Reason)
		s.corrupted = true
		return dbox.MailInfo{}, perr
	}
	return dbox.MailInfo{ID: dbox.MessageID(e.Body), Size: int64(len(e.Body))}, nil
}

// Body reads the message uid's map record points to.
func (mb *Mailbox) Body(uid mailstore.UID) ([]byte, error) {
	mu := mb.mapUID(uid)
	if _, ok := mb.index.Map().Find(uid); !ok || mu == 0 {
		return nil, mailstore.ErrExpunged
	}
	rec, ok := mb.st.lookup(mu)
	if !ok {
		return nil, mailstore.ErrExpunged
	}
	f, _, err := mb.st.openFile(rec.fileID, vfs.O_RDONLY)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, mailstore.ErrExpunged
	}
	if err != nil {
		return nil, fmt.Errorf("mdbox: fetch uid %d: %w", uid, err)
	}
	defer f.Close()
	data := make([]byte, rec.size)
	n, _ := f.ReadAt(data, int64(rec.offset))
	e, err := dbox.ParseMessage(data[:n], 0)
	if err != nil {
		return nil, fmt.Errorf("mdbox: fetch uid %d: %w", uid, err)
	}
	return e.Body, nil
}

// verifyAltPath is dbox_verify_alt_path. DEVIATION: vfs has no symlinks,
// so <root>/dbox-alt-root is a regular file holding the ALT path.
func verifyAltPath(env mailstore.Env, user string) {
	path := user + "/dbox-alt-root"
	alt, hasAlt := env.Settings.AltRoot(user)
	old, err := vfs.ReadFile(env.FS, path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if !hasAlt {
			return
		}
	case err != nil:
		env.Logf(mailstore.Error, "readlink(%s) failed: %s", path, mailstore.Strerror(err))
		return
	case !hasAlt:
		env.Logf(mailstore.Warning, "dbox %s: Original ALT=%s, but currently no ALT path set", user, old)
	case string(old) == alt:
		return
	default:
		env.Logf(mailstore.Warning, "dbox %s: Original ALT=%s, but currently ALT=%s", user, old, alt)
	}
	_ = env.FS.Remove(path)
	if hasAlt {
		if err := vfs.WriteFile(env.FS, path, []byte(alt), 0o600); err != nil {
			env.Logf(mailstore.Error, "symlink(%s, %s) failed: %s", alt, path, mailstore.Strerror(err))
		}
	}
}
