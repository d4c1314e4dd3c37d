package mailstore

import (
	"errors"
	"slices"
	"strings"
)

// UID is an IMAP message UID; 0 means "not assigned".
type UID uint32

// Flags is a set of IMAP system flags.
type Flags uint8

// System flags. Recent is not modelled: it is per-session state.
const (
	Seen Flags = 1 << iota
	Answered
	Flagged
	Deleted
	Draft
)

var flagNames = [...]struct {
	f    Flags
	name string
}{
	{Seen, `\Seen`}, {Answered, `\Answered`}, {Flagged, `\Flagged`},
	{Deleted, `\Deleted`}, {Draft, `\Draft`},
}

// String lists the flags in IMAP syntax, e.g. `\Seen \Flagged`; "" for none.
func (f Flags) String() string {
	var parts []string
	for _, n := range flagNames {
		if f&n.f != 0 {
			parts = append(parts, n.name)
		}
	}
	return strings.Join(parts, " ")
}

// SortKeywords returns kw sorted and without duplicates (nil for none):
// the form Mail.Keywords has, so that sets compare with slices.Equal.
func SortKeywords(kw []string) []string {
	if len(kw) == 0 {
		return nil
	}
	out := slices.Clone(kw)
	slices.Sort(out)
	return slices.Compact(out)
}

// Message is what the workload delivers.
type Message struct {
	// ID is the Message-ID header value, unique per message: the identity
	// the checker tracks. Body must carry it as a Message-ID header.
	ID string
	// Body is the full RFC 5322 text (header and body, CRLF or LF).
	Body []byte
}

// Mail is one message as a Sync sees it.
type Mail struct {
	UID UID
	// MessageID is read from the stored message ("" if it could not be read).
	MessageID string
	Flags     Flags
	// Keywords are the message's IMAP keywords, sorted (nil for none).
	Keywords []string
	// Key is the engine's name for the message, e.g. the Maildir base
	// filename (without the ":2," flags part).
	Key string
	// Size is the physical size of the stored message.
	Size int64
}

// ErrExpunged is returned by Store and Expunge for a UID the session does
// not know or that turned out to be gone already.
var ErrExpunged = errors.New("message expunged")

// ErrInconsistent is returned by a Mailbox whose session view of the index
// was reset under it (index.View): the command's change was made, but
// Dovecot disconnects the client before answering it, and the session
// is over.
var ErrInconsistent = errors.New("IMAP session state is inconsistent, please relogin")

// Mailbox is one user's mailbox (INBOX, or another one a MailboxOpener
// opened) as one process (an LMTP delivery, an IMAP
// session) sees it. A Mailbox is not safe for concurrent use: a simulated
// process owns it.
type Mailbox interface {
	// Deliver stores msg as LMTP/LDA delivery does and returns its UID, or
	// 0 when none was assigned yet (Dovecot's try-lock case; a later Sync
	// assigns it). An error means the message was not delivered.
	Deliver(msg Message) (UID, error)
	// Sync is what an IMAP SELECT sees: it scans the store, assigns UIDs
	// to new messages and returns all messages in UID order.
	Sync() ([]Mail, error)
	// Store replaces the flags and keywords of uid (UID STORE FLAGS).
	Store(uid UID, flags Flags, keywords []string) error
	// Expunge removes uid (STORE \Deleted + EXPUNGE of one message).
	Expunge(uid UID) error
	// Body returns uid's stored message text (a FETCH of BODY[]);
	// ErrExpunged when it is gone.
	Body(uid UID) ([]byte, error)
}

// Inbox is the name of the mailbox Opener opens.
const Inbox = "INBOX"

// MailboxOpener opens user's mailbox name (Inbox or a folder) for a
// process described by env, creating it when missing as Dovecot's
// autocreate does.
type MailboxOpener func(env Env, user, name string) (Mailbox, error)

// Opener opens user's INBOX for a process described by env, creating the
// mailbox on first use as Dovecot's INBOX autocreate does.
type Opener func(env Env, user string) (Mailbox, error)
