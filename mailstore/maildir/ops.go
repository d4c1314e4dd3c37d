package maildir

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/vfs"
)

const resyncRetryCount = 10 // MAILDIR_RESYNC_RETRY_COUNT

// Sync is an IMAP SELECT: a full-read sync that moves new/ mail to cur/,
// then the messages of the in-memory index in UID order.
func (m *Mailbox) Sync() ([]mailstore.Mail, error) {
	m.dropRecent = true
	if err := m.sync(syncOpts{fullRead: true}); err != nil {
		return nil, fmt.Errorf("maildir: sync: %w", err)
	}
	if err := m.refreshView(); err != nil {
		return nil, fmt.Errorf("maildir: sync: %w", err)
	}
	mails := m.mails()
	if m.index != nil {
		_ = m.index.CacheMessageIDs(mails) // the cache is advisory: failures are logged, not returned
		m.iview = m.index.NewView()        // a SELECT fixes an inconsistent view
	}
	m.updateStatus()
	return mails, nil
}

// ForceResync is `doveadm force-resync`: a full sync that rescans new/
// and cur/ and rewrites dovecot-uidlist and the index from what it finds
// (maildir_storage_sync_force).
func (m *Mailbox) ForceResync() error {
	if _, err := m.Sync(); err != nil {
		return fmt.Errorf("maildir: force-resync: %w", err)
	}
	return nil
}

// Store replaces uid's flags and keywords: the change waits for the next
// index sync, which renames the file (retrying through resyncs when it
// moved) with the keywords' letters from dovecot-keywords.
func (m *Mailbox) Store(uid mailstore.UID, flags mailstore.Flags, keywords []string) error {
	c := &change{uid: uint32(uid), flags: flags, keywords: mailstore.SortKeywords(keywords)}
	same := m.view.has(c)
	if err := m.iview.End(m.change(c)); err != nil {
		return fmt.Errorf("maildir: store uid %d: %w", uid, err)
	}
	if !same { // a STORE of the flags the message has commits nothing (AVOID_FLAG_UPDATES)
		m.updateStatus()
	}
	return nil
}

// Expunge unlinks uid's file at the next index sync. A file that is
// already gone counts as expunged.
func (m *Mailbox) Expunge(uid mailstore.UID) error {
	c := &change{uid: uint32(uid), expunge: true}
	err := m.change(c)
	if c.gone && errors.Is(err, mailstore.ErrExpunged) {
		err = nil
	}
	if err := m.iview.End(err); err != nil {
		return fmt.Errorf("maildir: expunge uid %d: %w", uid, err)
	}
	if !c.gone {
		m.updateStatus()
	}
	return nil
}

// errNotApplied: the sync that should have applied a flag change or
// expunge never reached the message's dovecot-uidlist record (this
// process's view of the uidlist lacks it); the IMAP client gets NO.
var errNotApplied = errors.New("change not applied: the message's dovecot-uidlist record was not reached by the sync")

func (m *Mailbox) change(c *change) error {
	if _, ok := m.view.find(c.uid); !ok {
		return mailstore.ErrExpunged
	}
	m.dropRecent = true
	m.pending = c
	defer func() { m.pending = nil }()
	if err := m.sync(syncOpts{}); err != nil {
		return err
	}
	switch {
	case c.gone:
		return mailstore.ErrExpunged
	case !c.seen:
		if _, ok := m.view.find(c.uid); !ok {
			return mailstore.ErrExpunged
		}
		return errNotApplied
	}
	return nil
}

// fileOp acts on a message path: 1 done, 0 file not there, <0 failed.
type fileOp func(path string) (int, error)

// fileDo finds uid's file and applies op, resyncing while the file keeps
// moving (maildir_file_do). ret 0: the message is expunged.
func (m *Mailbox) fileDo(uid uint32, op fileOp) (int, error) {
	ret, err := m.fileDoTry(uid, op)
	i := 0
	for ; i < resyncRetryCount && ret == 0 && err == nil; i++ {
		if err := m.syncForce(uid); err != nil {
			return -1, err
		}
		ret, err = m.fileDoTry(uid, op)
	}
	if i == resyncRetryCount {
		ret, err = m.fileDoTry(uid, func(path string) (int, error) { return m.raceCheck(path, uid) })
	}
	if ret == -2 {
		return 0, nil
	}
	return ret, err
}

// fileDoTry tries new/ (if the file was last seen there), then cur/.
// -2 means the UID is not in the uidlist.
func (m *Mailbox) fileDoTry(uid uint32, op fileOp) (int, error) {
	rec, err := m.syncLookup(uid)
	if err != nil {
		return -1, err
	}
	if rec == nil {
		return -2, nil
	}
	name, flags := rec.name, rec.flags
	ret := 0
	if flags&recNewDir != 0 {
		if ret, err = op(m.newDir + "/" + name); err != nil {
			return ret, err
		}
	}
	if ret == 0 {
		if ret, err = op(m.curDir + "/" + name); err != nil {
			return ret, err
		}
	}
	switch {
	case ret > 0 && flags&recNonsynced != 0:
		m.uidlist.updateFname(name)
	case ret == 0 && flags&recNonsynced == 0:
		m.uidlist.addFlags(name, recNonsynced)
	}
	return ret, nil
}

// syncLookup finds uid's record, rereading the uidlist once per sync.
func (m *Mailbox) syncLookup(uid uint32) (*record, error) {
	u := m.uidlist
	rec, err := u.lookup(uid)
	if rec != nil || err != nil {
		return rec, err
	}
	if u.f != nil {
		if m.syncUIDListRefreshed {
			return nil, nil
		}
		m.syncUIDListRefreshed = true
		if _, err := u.refresh(); err != nil {
			return nil, err
		}
	} else if err := m.syncForce(uid); err != nil {
		return nil, err
	}
	return u.lookup(uid)
}

func (m *Mailbox) expungeFile(path string) (int, error) {
	err := m.env.FS.Remove(path)
	switch {
	case err == nil:
		return 1, nil
	case errors.Is(err, fs.ErrNotExist):
		return 0, nil
	}
	m.critical("unlink(%s) failed: %s", path, strerror(err))
	return -1, err
}

// renameFlags renames path to carry flags and keyword letters; an
// unchanged name is stat()ed.
func (m *Mailbox) renameFlags(path string, flags mailstore.Flags, keywords string) (int, error) {
	dir, fname := splitDir(path)
	newPath := dir + "/" + withFlags(fname, flags, keywords)
	var err error
	if newPath == path {
		_, err = m.env.FS.Stat(path)
	} else {
		err = m.env.FS.Rename(path, newPath)
	}
	switch {
	case err == nil:
		return 1, nil
	case errors.Is(err, fs.ErrNotExist):
		return 0, nil
	case errors.Is(err, vfs.ErrNoSpace), errors.Is(err, fs.ErrPermission):
		return -1, err
	}
	m.critical("rename(%s, %s) failed: %s", path, newPath, strerror(err))
	return -1, err
}

func (m *Mailbox) raceCheck(path string, uid uint32) (int, error) {
	_, err := m.env.FS.Stat(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		m.critical("lstat(%s) failed: %s", path, strerror(err))
		return -1, err
	}
	m.critical("maildir_file_do(%s): Filename keeps changing for UID=%d", path, uid)
	return -1, errors.New("maildir: filename keeps changing")
}

func splitDir(path string) (string, string) {
	for i := len(path) - 1; i >= 0; i-- {
		if path[i] == '/' {
			return path[:i], path[i+1:]
		}
	}
	return ".", path
}

// msgInfo is what a message file says about itself (files never change).
type msgInfo struct {
	id   string
	size int64
}

// mails renders the view. Each file is read once for its Message-ID (and
// size, when the name has no ,S=); opening a file that moved goes through
// fileDo as Dovecot's mail reads do, so it may resync.
func (m *Mailbox) mails() []mailstore.Mail {
	recs := m.view.recs
	out := make([]mailstore.Mail, 0, len(recs))
	for _, r := range recs {
		mail := mailstore.Mail{UID: mailstore.UID(r.uid), Flags: r.flags, Keywords: r.keywords}
		if rec, _ := m.uidlist.lookup(r.uid); rec != nil {
			mail.Key = baseName(rec.name)
			info := m.readInfo(r.uid, mail.Key)
			mail.MessageID, mail.Size = info.id, info.size
			if size, ok := sizeField(rec.name, 'S'); ok {
				mail.Size = size
			}
		}
		out = append(out, mail)
	}
	return out
}

// Body reads uid's message file (maildir_file_do: a file that moved is
// looked for again after a resync).
func (m *Mailbox) Body(uid mailstore.UID) ([]byte, error) {
	data, ret, err := m.readFile(uint32(uid))
	switch {
	case err != nil:
		return nil, fmt.Errorf("maildir: fetch uid %d: %w", uid, err)
	case ret == 0:
		return nil, mailstore.ErrExpunged
	}
	return data, nil
}

func (m *Mailbox) readInfo(uid uint32, key string) msgInfo {
	if info, ok := m.msgs[key]; ok {
		return info
	}
	if data, ret, _ := m.readFile(uid); ret > 0 {
		m.msgs[key] = msgInfo{id: messageID(data), size: int64(len(data))}
	}
	return m.msgs[key]
}

// readFile reads uid's message file through fileDo; ret as fileDo's (0:
// the message is gone).
func (m *Mailbox) readFile(uid uint32) ([]byte, int, error) {
	var data []byte
	ret, err := m.fileDo(uid, func(path string) (int, error) {
		var rerr error
		data, rerr = vfs.ReadFile(m.env.FS, path)
		switch {
		case errors.Is(rerr, fs.ErrNotExist):
			return 0, nil
		case rerr != nil:
			m.critical("open(%s) failed: %s", path, strerror(rerr))
			return -1, rerr
		}
		return 1, nil
	})
	return data, ret, err
}

// messageID returns the Message-ID header's value from an RFC 5322 text,
// unfolding continuation lines; "" if there is none.
func messageID(data []byte) string {
	var cur strings.Builder
	found := false
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			break // end of header
		}
		if line[0] == ' ' || line[0] == '\t' {
			if found {
				cur.WriteString(line)
			}
			continue
		}
		if found {
			break
		}
		name, value, ok := strings.Cut(line, ":")
		if ok && strings.EqualFold(strings.TrimSpace(name), "Message-ID") {
			found = true
			cur.WriteString(value)
		}
	}
	return strings.TrimSpace(cur.String())
}
