package scenarios

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/nfsmail/nfsmail/harness/check"
	"github.com/nfsmail/nfsmail/harness/host"
	"github.com/nfsmail/nfsmail/harness/nfsclient"
	"github.com/nfsmail/nfsmail/mailgen"
	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/mailboxlist"
	"github.com/nfsmail/nfsmail/mailstore/maildir"
	"github.com/nfsmail/nfsmail/mailstore/mdbox"
	"github.com/nfsmail/nfsmail/mailstore/sdbox"
	"github.com/nfsmail/nfsmail/vfs"
)

// fsck returns the raw consistency check of a scenario's format.
func fsck(sc Scenario) func(vfs.FS, string) []string {
	switch sc.Format {
	case "maildir":
		return func(fsys vfs.FS, user string) []string { return maildir.FsckSettings(fsys, user, sc.Settings) }
	case "sdbox":
		return sdbox.Fsck
	case "mdbox":
		return func(fsys vfs.FS, user string) []string { return mdbox.FsckAlt(fsys, user, sc.Settings.AltDir) }
	}
	panic("harness internal error: unvalidated format " + sc.Format)
}

// mailboxOpener returns the engine of a format for any mailbox.
func mailboxOpener(format string) mailstore.MailboxOpener {
	switch format {
	case "maildir":
		return maildir.OpenMailbox
	case "sdbox":
		return sdbox.OpenMailbox
	case "mdbox":
		return mdbox.OpenMailbox
	}
	panic("harness internal error: unvalidated format " + format)
}

// opener returns the engine of a format for INBOX.
func opener(format string) mailstore.Opener {
	open := mailboxOpener(format)
	return func(env mailstore.Env, user string) (mailstore.Mailbox, error) {
		return open(env, user, mailstore.Inbox)
	}
}

// spawn schedules op as a process on h, starting at op.At.
func (r *runner) spawn(h *host.Host, i int, op mailgen.Op) {
	name := fmt.Sprintf("%s-%s-%d", map[mailgen.Kind]string{mailgen.Deliver: "lmtp", mailgen.Session: "imap"}[op.Kind], op.User, i)
	r.users[h.Name()+"/"+name] = op.User
	open := opener(r.sc.Format)
	h.Spawn(name, func(env mailstore.Env) {
		s := &session{host: slices.Index(r.hosts, h), user: op.User, clientIP: op.ClientIP}
		if op.Kind == mailgen.Session {
			r.sessions[name] = s
			defer delete(r.sessions, name)
		}
		start := r.sched.Now()
		defer func() { r.busy += r.sched.Now() - start - s.idled }()
		if op.Kind == mailgen.Deliver && r.sc.DeliverySettings != nil {
			env.Settings = *r.sc.DeliverySettings
		}
		var err error
		if r.sc.HostChange {
			_, err = mailboxlist.HostChange(env, r.sc.Format, op.User)
		}
		var box mailstore.Mailbox
		if err == nil {
			box, err = open(env, op.User)
		}
		if err == nil {
			switch op.Kind {
			case mailgen.Deliver:
				err = r.deliver(box, op)
			case mailgen.Session:
				err = r.session(env, s, box, op)
			}
		}
		if err != nil {
			r.res.OpsFailed++
			r.sched.Tracef("failed: %v", err)
			r.model.Failed(op.User, string(op.Kind), err, r.sched.Trace().Len()-1)
		}
	})
}

// ack records a client-visible success in the trace and returns its step.
func (r *runner) ack(format string, args ...any) int {
	r.sched.Tracef("ack "+format, args...)
	return r.sched.Trace().Len() - 1
}

func (r *runner) deliver(box mailstore.Mailbox, op mailgen.Op) error {
	uid, err := box.Deliver(mailgen.Message(op))
	if err != nil {
		return fmt.Errorf("deliver %s: %w", op.MessageID, err)
	}
	r.model.Delivered(op.User, op.MessageID, uid, r.ack("deliver %s uid=%d", op.MessageID, uid))
	return nil
}

func (r *runner) session(env mailstore.Env, s *session, box mailstore.Mailbox, op mailgen.Op) error {
	var mails []mailstore.Mail
	var archive mailstore.Mailbox
	// the process's list, shared by its mailboxes as in Dovecot; one that
	// cannot be opened now is tried again by the first folder command
	list, _ := mailboxlist.Open(env, r.sc.Format, op.User)
	share := func(b mailstore.Mailbox) {
		if u, ok := b.(mailboxlist.ListUser); ok && list != nil {
			u.UseList(list)
		}
	}
	share(box)
	defer func() {
		if list != nil {
			list.Close()
		}
	}()
	for _, c := range op.Commands {
		if s.kicked {
			r.sched.Tracef("disconnected: kicked by the director")
			return nil
		}
		switch c.Kind {
		case mailgen.List, mailgen.Create, mailgen.Delete, mailgen.Rename:
			if list == nil {
				l, err := mailboxlist.Open(env, r.sc.Format, op.User)
				if err != nil {
					return fmt.Errorf("list: %w", err)
				}
				list = l
			}
			if err := r.folder(env, list, op.User, c); err != nil {
				return err
			}
		case mailgen.Select:
			got, err := box.Sync()
			if err != nil {
				return fmt.Errorf("select: %w", err)
			}
			mails = got
			r.model.Observed(op.User, mails, r.ack("select %d mails", len(mails)))
		case mailgen.Idle:
			env.Clock.Sleep(c.Wait)
			s.idled += c.Wait
		case mailgen.Move:
			if len(mails) == 0 {
				continue
			}
			if archive == nil {
				ar, err := mailboxOpener(r.sc.Format)(env, op.User, mailgen.Archive)
				if err != nil {
					return fmt.Errorf("open %s: %w", mailgen.Archive, err)
				}
				archive = ar
				share(archive)
			}
			if err := r.move(box, archive, op.User, mails[int(c.Pick*float64(len(mails)))]); err != nil {
				return err
			}
		case mailgen.Store, mailgen.Expunge:
			if len(mails) == 0 {
				continue
			}
			if err := r.change(box, op.User, c, &mails[int(c.Pick*float64(len(mails)))]); err != nil {
				return err
			}
		}
	}
	return nil
}

// folder runs LIST, CREATE, DELETE or RENAME. A CREATE of an existing
// folder, a DELETE or RENAME of a missing one and a RENAME onto an
// existing one are ordinary NO answers, not failures.
func (r *runner) folder(env mailstore.Env, list *mailboxlist.List, user string, c mailgen.Command) error {
	begin := r.sched.Trace().Len() - 1
	if c.Kind == mailgen.List {
		names, err := list.Names()
		if err != nil {
			return fmt.Errorf("list: %w", err)
		}
		r.model.Listed(user, env.Hostname, names, begin, r.ack("list %s", strings.Join(names, " ")))
		return nil
	}
	if c.Kind == mailgen.Rename {
		from, to := r.model.RenameBegin(user, c.Folder, c.To, begin)
		err := list.Rename(c.Folder, c.To)
		notFound, exists := errors.Is(err, mailboxlist.ErrNotFound), errors.Is(err, mailboxlist.ErrTargetExists)
		r.model.RenameEnd(from, to, err == nil, notFound, exists, r.ack("rename %s %s: %s", c.Folder, c.To, answer(err)))
		if err == nil || notFound || exists {
			return nil
		}
		return fmt.Errorf("rename %s %s: %w", c.Folder, c.To, err)
	}
	create := c.Kind == mailgen.Create
	tok := r.model.FolderBegin(user, c.Folder, create, begin)
	var err error
	settledBy := mailboxlist.ErrNotFound
	if create {
		err, settledBy = list.Create(c.Folder), mailboxlist.ErrExists
	} else {
		err = list.Delete(c.Folder)
	}
	settled := err == nil || errors.Is(err, settledBy)
	r.model.FolderEnd(tok, settled, r.ack("%s %s: %s", c.Kind, c.Folder, answer(err)))
	if settled {
		return nil
	}
	return fmt.Errorf("%s %s: %w", c.Kind, c.Folder, err)
}

func answer(err error) string {
	if err == nil {
		return "OK"
	}
	return "NO " + err.Error()
}

// change runs a STORE or EXPUNGE on one message the session knows.
// A successful STORE updates m, the session's view of the message. One
// that ends the session (mailstore.ErrInconsistent) was made unless the
// message was gone, though its client was disconnected before the answer:
// the model holds the engine to it (the real tier, which cannot know,
// holds it in doubt).
func (r *runner) change(box mailstore.Mailbox, user string, c mailgen.Command, m *mailstore.Mail) error {
	if c.Kind == mailgen.Store {
		err := box.Store(m.UID, c.Flags, c.Keywords)
		if made(err) {
			m.Flags, m.Keywords = c.Flags, c.Keywords
			r.model.Stored(user, m.MessageID, m.UID, c.Flags, c.Keywords,
				r.ack("store uid=%d %s (%s)%s", m.UID, m.MessageID,
					strings.TrimSpace(c.Flags.String()+" "+strings.Join(c.Keywords, " ")), cutOffNote(err)))
		}
		return ignoreExpunged(err)
	}
	err := box.Expunge(m.UID)
	if made(err) {
		r.model.Expunged(user, m.MessageID, m.UID, r.ack("expunge uid=%d %s%s", m.UID, m.MessageID, cutOffNote(err)))
	}
	return ignoreExpunged(err)
}

// move runs UID MOVE of one message the session knows to Archive. A copy
// saved before the expunge failed is in Archive as far as the client can
// tell (a NO after COPYUID would not say), and still in INBOX. A MOVE cut
// off after its expunge was made counts as made (see change).
func (r *runner) move(src, dst mailstore.Mailbox, user string, m mailstore.Mail) error {
	if m.MessageID == "" {
		return nil // the session could not read it: the client would not move it
	}
	mv, err := mailstore.Move(src, dst, m)
	if mv.Copied {
		what := "move"
		if !made(err) {
			what = "copy" // the expunge (or the copy's flags) failed
		}
		r.model.Moved(user, mailgen.Archive, m.MessageID, m.UID, mv.UID, m.Flags, m.Keywords, made(err), mv.Flagged,
			r.ack("%s uid=%d %s to %s uid=%d%s", what, m.UID, m.MessageID, mailgen.Archive, mv.UID, cutOffNote(err)))
	}
	return ignoreExpunged(err)
}

// made: the command's change was made, answered or not.
func made(err error) bool { return err == nil || (cutOff(err) && !isExpunged(err)) }

// cutOffNote marks a command whose answer the client never got.
func cutOffNote(err error) string {
	if cutOff(err) {
		return " (cut off: " + mailstore.ErrInconsistent.Error() + ")"
	}
	return ""
}

// cutOff: the command was made, but the session ended before its answer
// (Dovecot's "IMAP session state is inconsistent, please relogin").
func cutOff(err error) bool { return errors.Is(err, mailstore.ErrInconsistent) }

// ignoreExpunged: a command on a message another session expunged meanwhile
// fails for the client, as in IMAP; that is not a failed operation. A
// session cut off is.
func ignoreExpunged(err error) error {
	if err == nil || (isExpunged(err) && !cutOff(err)) {
		return nil
	}
	return err
}

// audit reads every user's mailbox from a fresh host whose mount caches
// nothing, after all processes ended (every file was closed and flushed).
func (r *runner) audit() error {
	conn, err := r.srv.Dial("auditor")
	if err != nil {
		return err
	}
	o, _ := nfsclient.ParseOptions("noac,lookupcache=none")
	m, err := nfsclient.Dial(conn, nfsclient.Config{Host: "auditor", Options: o, Clock: host.NFSClock{S: r.sched}})
	if err != nil {
		return fmt.Errorf("audit mount: %w", err)
	}
	defer m.Close()
	h := host.New(r.sched, host.Config{Name: "auditor", NFS: m, Seed: r.opts.Seed, Settings: r.sc.Settings})
	// the raw check first: opening a mailbox syncs it, and a sync repairs
	// some of what the check is there to see
	raw := fsck(r.sc)
	for _, user := range r.model.Users() {
		step := r.ack("fsck %s", user)
		for _, problem := range raw(h.FS(), user) {
			r.model.Inconsistent(user, problem, step)
		}
	}
	open := mailboxOpener(r.sc.Format)
	mailboxes := []string{mailstore.Inbox}
	if r.sc.Workload.Moves {
		mailboxes = append(mailboxes, mailgen.Archive)
	}
	for _, user := range r.model.Users() {
		for _, name := range mailboxes {
			key := check.MailboxKey(user, name)
			h.Spawn("audit-"+strings.ReplaceAll(key, "/", "-"), func(env mailstore.Env) {
				box, err := open(env, user, name)
				if err == nil {
					var mails []mailstore.Mail
					if mails, err = box.Sync(); err == nil {
						r.model.Audit(key, mails, r.ack("audit %s: %d mails", key, len(mails)))
					}
				}
				if err != nil {
					r.model.HarnessFailed(fmt.Sprintf("audit of %s failed: %v", key, err))
				}
			})
		}
	}
	if err := r.sched.Run(); err != nil {
		return err
	}
	for _, user := range r.model.Users() {
		if r.sc.Workload.Folders > 0 {
			names, err := mailboxlist.Scan(h.FS(), r.sc.Format, user, r.sc.Settings)
			if err != nil {
				r.model.HarnessFailed(fmt.Sprintf("audit of %s's folders failed: %v", user, err))
				continue
			}
			r.model.AuditFolders(user, names, r.ack("folders of %s: %s", user, strings.Join(names, " ")))
		}
	}
	return nil
}

func isExpunged(err error) bool { return errors.Is(err, mailstore.ErrExpunged) }
