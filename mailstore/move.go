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
// the NFS calls differ, what clients see does not. A failure after the
// save leaves the message in both mailboxes, as a failed MOVE does.
func Move(src, dst Mailbox, m Mail) (uid UID, copied bool, err error) {
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
	if err := src.Expunge(m.UID); err != nil {
		return uid, true, fmt.Errorf("move uid %d: expunge: %w", m.UID, err)
	}
	return uid, true, nil
}
