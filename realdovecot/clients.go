package realdovecot

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-smtp"

	"github.com/nfsmail/nfsmail/mailstore"
)

// ioTimeout bounds every LMTP and IMAP exchange: a stuck Dovecot (a lock
// wait that never ends) fails the operation instead of the run.
const ioTimeout = 2 * time.Minute

// deliver sends one message over LMTP to user@example.com. A nil error is
// the 250 the MTA would act on; a 4xx/5xx reply is an error.
func deliver(addr, user string, msg mailstore.Message) error {
	conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return fmt.Errorf("lmtp: %w", err)
	}
	conn.SetDeadline(time.Now().Add(ioTimeout))
	c := smtp.NewClientLMTP(conn)
	defer c.Close()
	if err := c.Hello("mx.nfsmail.invalid"); err != nil {
		return fmt.Errorf("lmtp lhlo: %w", err)
	}
	if err := c.Mail("sender@example.org", nil); err != nil {
		return fmt.Errorf("lmtp mail: %w", err)
	}
	if err := c.Rcpt(user+"@example.com", nil); err != nil {
		return fmt.Errorf("lmtp rcpt: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("lmtp data: %w", err)
	}
	body := bytes.ReplaceAll(msg.Body, []byte("\n"), []byte("\r\n"))
	if _, err := w.Write(body); err != nil {
		return fmt.Errorf("lmtp data: %w", err)
	}
	if _, err := w.CloseWithLMTPResponse(); err != nil {
		return fmt.Errorf("lmtp data: %w", err)
	}
	_ = c.Quit()
	return nil
}

// imapSession is one logged-in IMAP connection with INBOX selected.
type imapSession struct {
	c       *imapclient.Client
	created map[string]bool // mailboxes this session made sure exist
}

// dialIMAP logs in as user. The raw protocol, both directions, goes to
// transcript when it is not nil.
func dialIMAP(addr, user string, transcript io.Writer) (*imapSession, error) {
	conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return nil, fmt.Errorf("imap: %w", err)
	}
	conn.SetDeadline(time.Now().Add(ioTimeout))
	c := imapclient.New(conn, &imapclient.Options{DebugWriter: transcript})
	if err := c.Login(user, "x").Wait(); err != nil {
		c.Close()
		return nil, fmt.Errorf("imap login %s: %w", user, err)
	}
	return &imapSession{c: c}, nil
}

func (s *imapSession) close() {
	_ = s.c.Logout().Wait()
	s.c.Close()
}

// selectAll selects INBOX and fetches every message's UID, flags and
// Message-ID: what the client now believes the mailbox holds.
func (s *imapSession) selectAll() ([]mailstore.Mail, error) {
	return s.selectMailbox(mailstore.Inbox)
}

// selectMailbox is selectAll for mailbox name.
func (s *imapSession) selectMailbox(name string) ([]mailstore.Mail, error) {
	data, err := s.c.Select(name, nil).Wait()
	if err != nil {
		return nil, fmt.Errorf("imap select %s: %w", name, err)
	}
	if data.NumMessages == 0 {
		return nil, nil
	}
	msgs, err := s.c.Fetch(imap.SeqSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, Flags: true, Envelope: true, RFC822Size: true}).Collect()
	if err != nil {
		return nil, fmt.Errorf("imap fetch: %w", err)
	}
	mails := make([]mailstore.Mail, 0, len(msgs))
	for _, m := range msgs {
		ml := mailstore.Mail{UID: mailstore.UID(m.UID), Size: m.RFC822Size}
		ml.Flags, ml.Keywords = fromIMAP(m.Flags)
		if m.Envelope != nil && m.Envelope.MessageID != "" {
			ml.MessageID = "<" + strings.Trim(m.Envelope.MessageID, "<>") + ">"
		}
		mails = append(mails, ml)
	}
	return mails, nil
}

// list answers LIST "" "*": the folders, INBOX first, the rest sorted.
func (s *imapSession) list() ([]string, error) {
	data, err := s.c.List("", "*", nil).Collect()
	if err != nil {
		return nil, fmt.Errorf("imap list: %w", err)
	}
	var names []string
	for _, d := range data {
		if d.Mailbox != "INBOX" {
			names = append(names, d.Mailbox)
		}
	}
	slices.Sort(names)
	return append([]string{"INBOX"}, names...), nil
}

// folder runs CREATE (create) or DELETE of name. settled reports an
// answer that fixes the folder's state: OK, or NO [ALREADYEXISTS] for a
// CREATE, NO [NONEXISTENT] for a DELETE; err is any other failure.
func (s *imapSession) folder(name string, create bool) (settled bool, err error) {
	want := imap.ResponseCodeNonExistent
	if create {
		err, want = s.c.Create(name, nil).Wait(), imap.ResponseCodeAlreadyExists
	} else {
		err = s.c.Delete(name).Wait()
	}
	var ie *imap.Error
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &ie) && ie.Code == want:
		return true, nil
	}
	return false, fmt.Errorf("imap %s %s: %w", map[bool]string{true: "create", false: "delete"}[create], name, err)
}

// cutOff reports whether a command's error left its outcome unknown: the
// connection ended (Dovecot's "* BYE IMAP session state is inconsistent"
// after an index reset, a crash, a timeout) before the tagged answer. A
// NO or BAD is an answer. Dovecot commits a STORE, expunge or MOVE before
// it answers, so such a command may have taken effect.
func cutOff(err error) bool {
	var ie *imap.Error
	return err != nil && !errors.As(err, &ie)
}

// move is UID MOVE of uid to mailbox dst (created first, once per
// session, as a client's Archive button does): moved is false when the
// server found no such message; to is the UID in dst from COPYUID (0 if
// not reported); doubt is true when the MOVE was cut off (see cutOff).
func (s *imapSession) move(uid mailstore.UID, dst string) (moved bool, to mailstore.UID, doubt bool, err error) {
	if !s.created[dst] {
		var ie *imap.Error
		if err := s.c.Create(dst, nil).Wait(); err != nil && !(errors.As(err, &ie) && ie.Code == imap.ResponseCodeAlreadyExists) {
			return false, 0, false, fmt.Errorf("imap create %s: %w", dst, err)
		}
		if s.created == nil {
			s.created = map[string]bool{}
		}
		s.created[dst] = true
	}
	data, err := s.c.Move(imap.UIDSetNum(imap.UID(uid)), dst).Wait()
	if err != nil {
		return false, 0, cutOff(err), fmt.Errorf("imap move: %w", err)
	}
	if data == nil {
		return false, 0, false, nil
	}
	if dest, ok := data.DestUIDs.(imap.UIDSet); ok {
		if uids, ok := dest.Nums(); ok && len(uids) == 1 {
			return true, mailstore.UID(uids[0]), false, nil
		}
	}
	src, _ := data.SourceUIDs.(imap.UIDSet)
	return len(src) > 0, 0, false, nil
}

// rename is RENAME from to: done, or which NO it got (NONEXISTENT: from
// is missing; ALREADYEXISTS: to exists); other failures are errors.
func (s *imapSession) rename(from, to string) (done, notFound, exists bool, err error) {
	err = s.c.Rename(from, to, nil).Wait()
	var ie *imap.Error
	switch {
	case err == nil:
		return true, false, false, nil
	case errors.As(err, &ie) && ie.Code == imap.ResponseCodeNonExistent:
		return false, true, false, nil
	case errors.As(err, &ie) && ie.Code == imap.ResponseCodeAlreadyExists:
		return false, false, true, nil
	}
	return false, false, false, fmt.Errorf("imap rename %s %s: %w", from, to, err)
}

// store sets the flags and keywords of uid: ok is false if the message
// was gone; doubt is true when the STORE was cut off (see cutOff).
func (s *imapSession) store(uid mailstore.UID, flags mailstore.Flags, keywords []string) (ok, doubt bool, err error) {
	set := toIMAP(flags)
	for _, k := range keywords {
		set = append(set, imap.Flag(k))
	}
	msgs, err := s.c.Store(imap.UIDSetNum(imap.UID(uid)), &imap.StoreFlags{Op: imap.StoreFlagsSet, Flags: set}, nil).Collect()
	if err != nil {
		return false, cutOff(err), fmt.Errorf("imap store: %w", err)
	}
	return len(msgs) > 0, false, nil
}

// expungeResult says how far an expunge (STORE +FLAGS \Deleted, then UID
// EXPUNGE) got.
type expungeResult struct {
	deleted      bool // the \Deleted STORE was answered OK for the message
	deleteDoubt  bool // the \Deleted STORE was cut off (see cutOff)
	expunged     bool // the server announced the expunge
	expungeDoubt bool // the UID EXPUNGE was cut off
}

// expunge marks uid \Deleted and UID EXPUNGEs it. marked, when not nil,
// learns the outcome of the \Deleted STORE as soon as it is answered (or
// cut off), before the UID EXPUNGE is sent: another session's STORE may be
// acknowledged in between.
func (s *imapSession) expunge(uid mailstore.UID, marked func(r expungeResult)) (expungeResult, error) {
	var r expungeResult
	set := imap.UIDSetNum(imap.UID(uid))
	msgs, err := s.c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Collect()
	if err != nil {
		r.deleteDoubt = cutOff(err)
	} else {
		r.deleted = len(msgs) > 0
	}
	if marked != nil {
		marked(r)
	}
	if err != nil {
		return r, fmt.Errorf("imap store deleted: %w", err)
	}
	if !r.deleted {
		return r, nil
	}
	seqs, err := s.c.UIDExpunge(set).Collect()
	if err != nil {
		r.expungeDoubt = cutOff(err)
		return r, fmt.Errorf("imap uid expunge: %w", err)
	}
	r.expunged = len(seqs) > 0
	return r, nil
}

var flagMap = []struct {
	f mailstore.Flags
	i imap.Flag
}{
	{mailstore.Seen, imap.FlagSeen}, {mailstore.Answered, imap.FlagAnswered},
	{mailstore.Flagged, imap.FlagFlagged}, {mailstore.Deleted, imap.FlagDeleted}, {mailstore.Draft, imap.FlagDraft},
}

func toIMAP(f mailstore.Flags) []imap.Flag {
	out := []imap.Flag{}
	for _, m := range flagMap {
		if f&m.f != 0 {
			out = append(out, m.i)
		}
	}
	return out
}

// fromIMAP splits a FLAGS list into system flags (\Recent is left out)
// and keywords (the flags without a backslash), sorted.
func fromIMAP(flags []imap.Flag) (mailstore.Flags, []string) {
	var f mailstore.Flags
	var kw []string
	for _, fl := range flags {
		if !strings.HasPrefix(string(fl), `\`) {
			kw = append(kw, string(fl))
		}
		for _, m := range flagMap {
			if strings.EqualFold(string(fl), string(m.i)) {
				f |= m.f
			}
		}
	}
	return f, mailstore.SortKeywords(kw)
}

// isTempFail reports an LMTP 4xx reply (the MTA would retry).
func isTempFail(err error) bool {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se.Code/100 == 4
	}
	var le smtp.LMTPDataError
	if errors.As(err, &le) {
		for _, e := range le {
			if errors.As(e, &se) && se.Code/100 == 4 {
				return true
			}
		}
	}
	return false
}
