package mailstore

import "fmt"

// Move is IMAP MOVE of m from src to dst, done as COPY + EXPUNGE: the
// message is read, saved into dst (a new UID there) with m's flags and
// keywords, then expunged from src. It returns the UID in dst (0 when the
// save could not assign one yet) and whether the copy was saved, which an
// error in the expunge that follows leaves in both mailboxes.
//
// Dovecot copies Maildir and sdbox messages with a hard link
// (maildir_copy_with_hardlinks, nfs_safe_link) where this saves a copy:
// the NFS calls differ, what clients see does not. A mailbox that copies
// within its storage (mdbox: one more reference to the same map record)
// does so instead. A failure after the
// save leaves the message in both mailboxes, as a failed MOVE does.
func Move(src, dst Mailbox, m Mail) (uid UID, copied bool, err error) {
	if c, ok := src.(copier); ok {
		if uid, err = c.CopyTo(dst, m); err != nil {
			return 0, false, fmt.Errorf("move uid %d: copy: %w", m.UID, err)
		}
		return expungeMoved(src, m, uid)
	}
	body, err := src.Body(m.UID)
	if err != nil {
		return 0, false, fmt.Errorf("move uid %d: %w", m.UID, err)
	}
	uid, err = dst.Deliver(Message{ID: m.MessageID, Body: body})
	if err != nil {
		return 0, false, fmt.Errorf("move uid %d: copy: %w", m.UID, err)
	}
	if uid != 0 && (m.Flags != 0 || len(m.Keywords) > 0) {
		if err := dst.Store(uid, m.Flags, m.Keywords); err != nil {
			return uid, true, fmt.Errorf("move uid %d: copy flags: %w", m.UID, err)
		}
	}
	return expungeMoved(src, m, uid)
}

// copier is a Mailbox whose storage copies without new message data (mdbox
// adds a reference to the same map record), flags and keywords included.
type copier interface {
	CopyTo(dst Mailbox, m Mail) (UID, error)
}

func expungeMoved(src Mailbox, m Mail, uid UID) (UID, bool, error) {
	if err := src.Expunge(m.UID); err != nil {
		return uid, true, fmt.Errorf("move uid %d: expunge: %w", m.UID, err)
	}
	return uid, true, nil
}
