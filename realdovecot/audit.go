package realdovecot

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/emersion/go-imap/v2"
	"github.com/nfsmail/nfsmail/mailgen"

	"github.com/nfsmail/nfsmail/harness/check"
	"github.com/nfsmail/nfsmail/mailstore"
)

// auditMount is how the auditor host mounts the store: nothing cached, so
// it reads what the server holds.
const auditMount = "noac,lookupcache=none,nolock"

// audit starts a fresh Dovecot on a cache-less view after every backend
// stopped, and reads every user's INBOX over IMAP into the model.
func (r *run) audit() error {
	v, in, err := r.startHost("auditor", auditMount)
	if err != nil {
		return fmt.Errorf("realdovecot: audit: %w", err)
	}
	defer in.Stop()
	var users []string
	r.rec.do(func(m *check.Model, _ int) { users = m.Users() })
	for _, user := range users {
		got, err := r.auditUser(in, user, "audit-"+user)
		var first error
		if err != nil { // as a user would, log in again: Dovecot may have repaired what failed
			first = err
			got, err = r.auditUser(in, user, "audit-"+user+"-again")
		}
		mails, archived, folders := got.mails, got.archived, got.folders
		r.rec.do(func(m *check.Model, step int) {
			if err != nil {
				m.HarnessFailed(fmt.Sprintf("audit of %s failed twice: %v", user, err))
				return
			}
			if first != nil {
				m.Failed(user, "audit (the first reading)", first, step)
			}
			m.Audit(user, mails, step)
			if r.sc.Workload.Moves {
				m.Audit(check.MailboxKey(user, mailgen.Archive), archived, step)
			}
			if r.sc.Workload.Folders > 0 {
				m.AuditFolders(user, folders, step)
			}
		})
	}
	in.Stop()
	r.res.RPCByHost[v.Host] = v.RPCs()
	return nil
}

// audited is what one audit session read of a user's mail.
type audited struct {
	mails, archived []mailstore.Mail
	folders         []string
}

// auditUser logs user in on the auditor's Dovecot and reads INBOX, the
// folder list and the Archive, as the workload used them; the session's
// transcript is imap/<name>.log.
func (r *run) auditUser(in *Instance, user, name string) (audited, error) {
	var a audited
	t, closeT := r.transcript(name)
	defer closeT()
	s, err := dialIMAP(in.IMAPAddr(), user, t)
	if err != nil {
		return a, err
	}
	defer s.close()
	if a.mails, err = s.selectAll(); err != nil {
		return a, err
	}
	if r.sc.Workload.Folders > 0 {
		if a.folders, err = s.list(); err != nil { // a fresh process: its list index is synced with the disk first
			return a, err
		}
	}
	if r.sc.Workload.Moves {
		var ie *imap.Error
		if a.archived, err = s.selectMailbox(mailgen.Archive); errors.As(err, &ie) && ie.Code == imap.ResponseCodeNonExistent {
			a.archived, err = nil, nil // nothing was ever moved
		}
	}
	return a, err
}

// finish reads the logs into the model and fills in the result.
func (r *run) finish(ops int) {
	hosts := append(r.hostNames(), "auditor")
	for _, h := range hosts {
		lines, err := readLog(filepath.Join(r.dir, h, "log", "dovecot.log"), h, h == "auditor")
		if err != nil {
			r.rec.do(func(m *check.Model, _ int) { m.HarnessFailed(fmt.Sprintf("read %s log: %v", h, err)) })
		}
		for _, l := range lines {
			r.res.Log = append(r.res.Log, l)
			r.res.LogClasses[Classify(l)]++
			if l.Level == "Warning" {
				continue
			}
			text := fmt.Sprintf("%s %s: %s", l.Host, l.Service, l.Text)
			r.rec.do(func(m *check.Model, step int) { m.Logged(l.User, text, mailstore.Error, step) })
		}
	}
	r.rec.do(func(m *check.Model, _ int) { r.res.Findings = append(r.res.Findings, m.Findings()...) })
	r.res.Verdict = check.VerdictOf(r.res.Findings)
	st := r.rec.res
	r.res.Deliveries, r.res.DeliverFailed, r.res.DeliverTemp = st.deliveries, st.deliverFailed, st.deliverTemp
	r.res.DeliverySeconds = st.deliveryTime.Seconds()
	r.res.Sessions, r.res.SessionsFailed = st.sessions, st.sessionsFailed
	r.res.Errors = append(r.res.Errors, st.errors...)
	for h, c := range r.res.RPCByHost {
		if h == "auditor" {
			continue
		}
		for _, n := range c {
			r.res.RPCs += n
		}
	}
	if ops > 0 {
		r.res.RPCsPerOp = float64(r.res.RPCs) / float64(ops)
	}
}
