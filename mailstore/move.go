package mailstore

import (
	"errors"
	"fmt"
)

// ErrCopyElsewhere: a Mailbox's own copy does not reach the destination
// (another storage, or a hard link the file system refuses); Move then
// copies the message's text.
var ErrCopyElsewhere = errors.New("copy to another storage")

// ErrCopyUnflagged: a Mailbox's own copy was saved, but setting its flags
// and keywords failed.
var ErrCopyUnflagged = errors.New("copied without its flags")

// Moved is how far a Move got: Copied when the copy was saved in dst (as
// UID there, 0 when none was assigned yet), Flagged when it also carries
// the message's flags and keywords. A failure after the copy leaves the
// message in both mailboxes, as a failed MOVE does.
type Moved struct {
	UID     UID
	Copied  bool
	Flagged bool
}

// Move is IMAP MOVE of m from src to dst, done as COPY + EXPUNGE: the
// message is copied into dst with m's flags and keywords, then expunged
// from src.
//
// A Mailbox that copies within its storage does so (mdbox: one more
// reference to the same map record; Maildir and sdbox: a hard link).
// Otherwise the message text is read and saved again.
func Move(src, dst Mailbox, m Mail) (Moved, error) {
	var mv Moved
	if c, ok := src.(copier); ok {
		uid, err := c.CopyTo(dst, m)
		switch {
		case err == nil:
			mv = Moved{UID: uid, Copied: true, Flagged: true}
		case uid != 0: // saved in dst, then failed
			return Moved{UID: uid, Copied: true, Flagged: !errors.Is(err, ErrCopyUnflagged)}, fmt.Errorf("move uid %d: copy: %w", m.UID, err)
		case !errors.Is(err, ErrCopyElsewhere):
			return Moved{}, fmt.Errorf("move uid %d: copy: %w", m.UID, err)
		}
	}
	if !mv.Copied {
		body, err := src.Body(m.UID)
		if err != nil {
			return Moved{}, fmt.Errorf("move uid %d: %w", m.UID, err)
		}
		uid, err := dst.Deliver(Message{ID: m.MessageID, Body: body})
		if err != nil {
			return Moved{}, fmt.Errorf("move uid %d: copy: %w", m.UID, err)
		}
		mv = Moved{UID: uid, Copied: true, Flagged: m.Flags == 0 && len(m.Keywords) == 0}
		if uid != 0 && !mv.Flagged {
			if err := dst.Store(uid, m.Flags, m.Keywords); err != nil {
				return mv, fmt.Errorf("move uid %d: copy flags: %w", m.UID, err)
			}
			mv.Flagged = true
		}
	}
	if err := src.Expunge(m.UID); err != nil {
		return mv, fmt.Errorf("move uid %d: expunge: %w", m.UID, err)
	}
	return mv, nil
}

// copier is a Mailbox whose storage copies without new message data,
// flags and keywords included; ErrCopyElsewhere when dst is not its.
type copier interface {
	CopyTo(dst Mailbox, m Mail) (UID, error)
}
