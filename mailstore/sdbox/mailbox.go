package sdbox

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/index"
	"github.com/nfsmail/nfsmail/vfs"
)

// Mailbox is one user's sdbox INBOX as one process sees it.
type Mailbox struct {
	env       mailstore.Env
	dir       string // <user>/mailboxes/INBOX/dbox-Mails
	index     *index.Index
	corrupted bool             // sdbox_set_mailbox_corrupted: rebuild at next sync
	info      map[uint32]mInfo // what each u.<uid> file says
	tempSeq   int
	guidSeq   uint64
}

type mInfo struct {
	id   string
	size int64
}

var _ mailstore.Mailbox = (*Mailbox)(nil)

// Open is a mailstore.Opener for sdbox.
func Open(env mailstore.Env, user string) (mailstore.Mailbox, error) {
	return New(env, user)
}

// New opens user's INBOX, creating the directories and index when
// missing. INDEX=MEMORY keeps the index in this process only: every open
// rebuilds it from the files.
func New(env mailstore.Env, user string) (*Mailbox, error) {
	if env.FS == nil || env.Clock == nil {
		return nil, errors.New("sdbox: open: Env needs FS and Clock")
	}
	mb := &Mailbox{env: env, dir: user + "/mailboxes/INBOX/dbox-Mails", info: map[uint32]mInfo{}}
	if err := vfs.MkdirAll(env.FS, mb.dir, 0o700); err != nil {
		mb.critical("mkdir(%s) failed: %s", mb.dir, mailstore.Strerror(err))
		return nil, fmt.Errorf("sdbox: open %s: %w", user, err)
	}
	opts := index.Options{Dir: mb.dir, Prefix: "dovecot.index", FsyncMask: index.TxAppend | index.TxExpungeGUID}
	switch root, ok := env.Settings.IndexRoot(user, user); {
	case !ok: // INDEX=MEMORY: a file no other process opens stands in for memory
		opts.Dir, opts.Prefix = user+"/.memory-index", fmt.Sprintf("dovecot.index.%s.%d", env.Hostname, env.PID)
		env.Settings.IndexMemory = false
		mb.corrupted = true
	case env.Settings.IndexDir != "":
		opts.Dir = root + "/mailboxes/INBOX"
	}
	ix, err := index.Open(env, opts)
	if err != nil {
		return nil, fmt.Errorf("sdbox: open %s: %w", user, err)
	}
	mb.index = ix
	return mb, nil
}

// Close releases the index.
func (mb *Mailbox) Close() error {
	mb.index.Close()
	return nil
}

func (mb *Mailbox) critical(format string, args ...any) {
	mb.env.Logf(mailstore.Critical, format, args...)
}

func (mb *Mailbox) path(uid uint32) string { return fmt.Sprintf("%s/u.%d", mb.dir, uid) }

// Sync refreshes the index (rebuilding it first when the mailbox was
// marked corrupted) and returns its messages, reading each file once.
func (mb *Mailbox) Sync() ([]mailstore.Mail, error) {
	if err := mb.index.Refresh(); err != nil {
		return nil, fmt.Errorf("sdbox: sync: %w", err)
	}
	if mb.index.Map().Hdr.UIDValidity == 0 || mb.corrupted {
		if err := mb.rebuild(); err != nil {
			return nil, fmt.Errorf("sdbox: sync: %w", err)
		}
	}
	var out []mailstore.Mail
	for _, r := range mb.index.Map().Recs {
		uid := uint32(r.UID)
		info, err := mb.read(uid)
		if errors.Is(err, errLost) {
			continue
		}
		out = append(out, mailstore.Mail{UID: r.UID, Flags: index.FromMail(r.Flags),
			MessageID: info.id, Size: info.size, Key: fmt.Sprintf("u.%d", uid)})
	}
	return out, nil
}

// read returns what u.<uid> says; a missing file marks the mailbox
// corrupted as sdbox_mail_open does.
func (mb *Mailbox) read(uid uint32) (mInfo, error) {
	if info, ok := mb.info[uid]; ok {
		return info, nil
	}
	path := mb.path(uid)
	data, err := vfs.ReadFile(mb.env.FS, path)
	if errors.Is(err, fs.ErrNotExist) {
		mb.critical("dbox %s: Unexpectedly lost uid=%d", mb.dir, uid)
		mb.corrupted = true
		return mInfo{}, errLost
	}
	if err != nil {
		mb.critical("open(%s) failed: %s", path, mailstore.Strerror(err))
		return mInfo{}, err
	}
	body, _, err := decodeFile(data)
	var ce *errCorrupt
	if errors.As(err, &ce) {
		mb.critical("Corrupted dbox file %s (around offset=%d): %s", path, ce.offset, ce.reason)
		mb.corrupted = true
	}
	info := mInfo{id: messageID(body), size: int64(len(body))}
	mb.info[uid] = info
	return info, nil
}

// Store replaces uid's flags in the index (dbox keeps flags nowhere else).
func (mb *Mailbox) Store(uid mailstore.UID, flags mailstore.Flags) error {
	if err := mb.change(uid, func(m *index.Map, i int) { m.Recs[i].Flags = index.ToMail(flags) }); err != nil {
		return fmt.Errorf("sdbox: store uid %d: %w", uid, err)
	}
	return nil
}

// Expunge commits the expunge to the index, then unlinks u.<uid>.
func (mb *Mailbox) Expunge(uid mailstore.UID) error {
	err := mb.change(uid, func(m *index.Map, i int) { m.Recs = append(m.Recs[:i], m.Recs[i+1:]...) })
	if err != nil {
		return fmt.Errorf("sdbox: expunge uid %d: %w", uid, err)
	}
	path := mb.path(uint32(uid))
	if err := mb.env.FS.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		mb.critical("unlink(%s) failed: %s", path, mailstore.Strerror(err))
	}
	delete(mb.info, uint32(uid))
	return nil
}

func (mb *Mailbox) change(uid mailstore.UID, fn func(m *index.Map, i int)) error {
	s, err := mb.index.Begin()
	if err != nil {
		return err
	}
	m := s.Map().Clone()
	i, ok := m.Find(uid)
	if !ok {
		s.Rollback()
		return mailstore.ErrExpunged
	}
	fn(m, i)
	return s.Commit(m.Diff(s.Map()))
}

// messageID returns the Message-ID header's value; "" if none.
func messageID(data []byte) string {
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			break
		}
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(strings.TrimSpace(k), "Message-ID") {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func toLF(body []byte) []byte { return bytes.ReplaceAll(body, []byte("\r\n"), []byte("\n")) }
