package maildir

import (
	"errors"
	"fmt"
	"time"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/index"
	"github.com/nfsmail/nfsmail/mailstore/mailboxlist"
	"github.com/nfsmail/nfsmail/vfs"
)

// Mailbox is one user's Maildir INBOX as one process sees it: the
// uidlist state and an in-memory index (Dovecot with INDEX=MEMORY).
type Mailbox struct {
	env                    mailstore.Env
	name                   string // the mailbox: INBOX or a folder
	root                   string // "<user>/Maildir" (INBOX) or "<user>/Maildir/.<name>"
	mailRoot               string // "<user>/Maildir": where dovecot-uidvalidity lives
	newDir, curDir, tmpDir string

	uidlist  *uidlist
	keywords *keywordsFile
	index    *index.Index // nil with INDEX=MEMORY
	iview    *index.View  // the IMAP session's view of the index, from its last Sync (SELECT)
	view     view
	hdr      maildirHdr
	gen      nameGen
	msgs     map[string]msgInfo // base filename -> what its file says

	opened               bool
	dropRecent           bool // IMAP SELECT (MAILBOX_FLAG_DROP_RECENT) vs LMTP
	syncingCommit        bool
	syncUIDListRefreshed bool
	pending              *change
	guidSeq              uint64
	status               *mailboxlist.Status // the list index record of this mailbox
}

var _ mailstore.Mailbox = (*Mailbox)(nil)

// Open is a mailstore.Opener for Maildir.
func Open(env mailstore.Env, user string) (mailstore.Mailbox, error) {
	return New(env, user)
}

// New opens user's INBOX at "<user>/Maildir", creating Maildir, new/, cur/
// and tmp/ when missing (INBOX autocreate).
func New(env mailstore.Env, user string) (*Mailbox, error) {
	return NewMailbox(env, user, mailstore.Inbox)
}

// OpenMailbox is a mailstore.MailboxOpener for Maildir.
func OpenMailbox(env mailstore.Env, user, name string) (mailstore.Mailbox, error) {
	return NewMailbox(env, user, name)
}

// NewMailbox opens user's mailbox name: INBOX is "<user>/Maildir", a
// folder the Maildir++ directory "<user>/Maildir/.<name>" with its
// maildirfolder file; both are created when missing (autocreate).
func NewMailbox(env mailstore.Env, user, name string) (*Mailbox, error) {
	if env.FS == nil || env.Clock == nil {
		return nil, errors.New("maildir: open: Env needs FS and Clock")
	}
	root := user + "/Maildir"
	if name != mailstore.Inbox {
		root += "/." + name
	}
	m := &Mailbox{name: name,
		env: env, root: root, mailRoot: user + "/Maildir",
		newDir: root + "/new", curDir: root + "/cur", tmpDir: root + "/tmp",
		view:   newView(),
		msgs:   map[string]msgInfo{},
		status: mailboxlist.NewStatus(env, "maildir", user, name),
	}
	mkdirs := func() error {
		for _, dir := range []string{m.newDir, m.curDir, m.tmpDir} {
			if err := vfs.MkdirAll(env.FS, dir, 0o700); err != nil {
				m.critical("mkdir(%s) failed: %s", dir, strerror(err))
				return err
			}
		}
		return nil
	}
	var err error
	if _, serr := env.FS.Stat(m.curDir); serr == nil {
		err = mkdirs() // new/ or tmp/ may still be missing
	} else {
		// missing: autocreated under mailboxes.lock (mailbox_create)
		err = mailboxlist.Autocreate(env, "maildir", user, mkdirs)
	}
	if err != nil {
		return nil, fmt.Errorf("maildir: open %s: %w", user, err)
	}
	if name != mailstore.Inbox {
		if f, err := env.FS.OpenFile(root+"/maildirfolder", vfs.O_WRONLY|vfs.O_CREATE, 0o600); err == nil {
			_ = f.Close()
		}
	}
	m.uidlist = newUidlist(m)
	m.keywords = newKeywordsFile(m)
	if err := m.openIndex(user); err != nil {
		return nil, fmt.Errorf("maildir: open %s: %w", user, err)
	}
	m.opened = true
	return m, nil
}

// Dir returns the Maildir directory.
func (m *Mailbox) Dir() string { return m.root }

// nfsFlushAttrs is the attribute-cache flush mail_nfs_storage adds before
// a stat: open+close (close-to-open); the directory file-handle flush has
// no vfs call.
func (m *Mailbox) nfsFlushAttrs(path string) {
	if !m.env.Settings.MailNFSStorage {
		return
	}
	if f, err := m.env.FS.OpenFile(path, vfs.O_RDONLY, 0); err == nil {
		f.Close()
	}
}

func (m *Mailbox) critical(format string, args ...any) {
	m.env.Logf(mailstore.Critical, format, args...)
}

func (m *Mailbox) warn(format string, args ...any) {
	m.env.Logf(mailstore.Warning, format, args...)
}

func (m *Mailbox) now() time.Time { return m.env.Clock.Now() }

func (m *Mailbox) nowSecs() int64 { return m.now().Unix() }

// newName generates a unique base filename for this process.
func (m *Mailbox) newName() string {
	return m.gen.next(m.now(), m.env.PID, m.env.Hostname)
}

// newUIDValidity: the index's if it has one, else the next value of the
// user's dovecot-uidvalidity (maildir_get_uidvalidity_next).
func (m *Mailbox) newUIDValidity() uint32 {
	if m.view.uidValidity != 0 {
		return m.view.uidValidity
	}
	return mailstore.NextUIDValidity(m.env, m.mailRoot) // maildir_get_uidvalidity_next
}

// newGUID draws a mailbox GUID from the process's random stream.
func (m *Mailbox) newGUID() [16]byte {
	var g [16]byte
	m.guidSeq++
	a, b := uint64(m.nowSecs()), m.guidSeq
	if m.env.Rand != nil {
		a, b = m.env.Rand.Uint64(), m.env.Rand.Uint64()
	}
	for i := range 8 {
		g[i], g[8+i] = byte(a>>(8*i)), byte(b>>(8*i))
	}
	return g
}

// fsyncDir is fdatasync_path: open the directory and sync it.
func (m *Mailbox) fsyncDir(dir string) error {
	f, err := m.env.FS.OpenFile(dir, vfs.O_RDONLY, 0)
	if err == nil {
		err = f.Sync()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		m.critical("fdatasync_path(%s) failed: %s", dir, strerror(err))
	}
	return err
}
