package maildir

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/vfs"
)

// CopyTo is maildir_copy_hardlink: uid's file is hard-linked into dst's
// tmp/ (link(2), or nfs_safe_link with mail_nfs_storage, through
// maildir_file_do so a file that moved is looked for again) and saved as a
// delivery is, under its source base name in another mailbox (Dovecot
// keeps it as the message's GUID) unless that name is taken there. No message data is written. A link
// that cannot be made, or a message that is gone, falls back to copying
// the text (mailstore.ErrCopyElsewhere), as Dovecot falls back to
// mail_storage_copy.
//
// DEVIATION: Dovecot renames a copy with flags or keywords straight into
// cur/ with them; here it lands in new/ and a STORE renames it, which
// costs a RENAME more and shows clients the same message.
func (m *Mailbox) CopyTo(dst mailstore.Mailbox, ml mailstore.Mail) (mailstore.UID, error) {
	d, ok := dst.(*Mailbox)
	if !ok {
		return 0, mailstore.ErrCopyElsewhere
	}
	tmpName := d.newName()
	tmpPath := d.tmpDir + "/" + tmpName
	var src string
	ret, err := m.fileDo(uint32(ml.UID), func(path string) (int, error) {
		var lerr error
		if m.env.Settings.MailNFSStorage {
			lerr = mailstore.SafeLink(m.env.FS, path, tmpPath, false)
		} else {
			lerr = vfs.Link(m.env.FS, path, tmpPath)
		}
		switch {
		case lerr == nil:
			src = path
			return 1, nil
		case errors.Is(lerr, fs.ErrNotExist):
			return 0, nil
		case errors.Is(lerr, fs.ErrExist), mailstore.CantLink(lerr):
			return 1, nil // copy the text instead
		}
		m.critical("link(%s, %s) failed: %s", path, tmpPath, strerror(lerr))
		return -1, lerr
	})
	switch {
	case err != nil:
		return 0, fmt.Errorf("maildir: copy uid %d: %w", ml.UID, err)
	case ret == 0 || src == "":
		return 0, mailstore.ErrCopyElsewhere
	}
	_, fname := splitDir(src)
	dest := baseName(fname)
	ownName := tmpName // a name of its own, with the source's sizes
	if i := strings.Index(dest, ",S="); i >= 0 {
		ownName += dest[i:]
	}
	if d.root == m.root {
		dest = ownName
	}
	uid, err := d.commitSave(tmpName, dest, ownName, syncPartial|syncNoRefresh)
	if err != nil {
		return 0, fmt.Errorf("maildir: copy uid %d: %w", ml.UID, err)
	}
	if d.index != nil {
		_ = d.index.CacheDelivered(mailstore.UID(uid), ml.MessageID)
	}
	if ml.Flags != 0 || len(ml.Keywords) > 0 {
		if err := d.Store(mailstore.UID(uid), ml.Flags, ml.Keywords); err != nil {
			return mailstore.UID(uid), fmt.Errorf("maildir: copy uid %d: %w: %w", ml.UID, mailstore.ErrCopyUnflagged, err)
		}
	}
	return mailstore.UID(uid), nil
}
