package sdbox

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/dbox"
)

// CopyTo is sdbox_copy_hardlink: u.<uid> is hard-linked (nfs_safe_link)
// to a temp name in dst's directory, which is then saved as a delivery is
// (a UID under dst's index lock, rename to u.<uid>), its index record
// carrying m's flags and keywords. No message data is written. A link the
// file system refuses, or a source file that is gone, falls back to
// copying the text (mailstore.ErrCopyElsewhere), as Dovecot falls back to
// mail_storage_copy.
func (mb *Mailbox) CopyTo(dst mailstore.Mailbox, m mailstore.Mail) (mailstore.UID, error) {
	d, ok := dst.(*Mailbox)
	if !ok {
		return 0, mailstore.ErrCopyElsewhere
	}
	d.tempSeq++
	tmp := dbox.TempPath(d.env, d.dir, d.env.Clock.Now(), d.tempSeq)
	src := mb.path(uint32(m.UID))
	if err := mailstore.SafeLink(mb.env.FS, src, tmp, false); err != nil {
		if errors.Is(err, fs.ErrNotExist) || mailstore.CantLink(err) {
			return 0, mailstore.ErrCopyElsewhere
		}
		mb.critical("link(%s, %s) failed: %s", src, tmp, mailstore.Strerror(err))
		return 0, fmt.Errorf("sdbox: copy uid %d: %w", m.UID, err)
	}
	uid, err := d.commitSave(tmp, m.Flags, m.Keywords)
	if err != nil {
		_ = d.env.FS.Remove(tmp)
		return 0, fmt.Errorf("sdbox: copy uid %d: %w", m.UID, err)
	}
	d.saved(uid, m.MessageID)
	return mailstore.UID(uid), nil
}
