package realdovecot

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/nfsmail/nfsmail/harness/check"
	"github.com/nfsmail/nfsmail/mailgen"
	"github.com/nfsmail/nfsmail/mailstore"
)

// recorder serialises what clients were told into the check model; steps
// are the order in which acknowledgements arrived.
type recorder struct {
	mu    sync.Mutex
	model *check.Model
	step  int
	res   struct {
		deliveries, deliverFailed, deliverTemp, sessions, sessionsFailed int
		deliveryTime                                                     time.Duration // all attempts
		errors                                                           []string
	}
}

func newRecorder() *recorder { return &recorder{model: check.NewModel()} }

// do runs fn with the model and the next step number.
func (rc *recorder) do(fn func(m *check.Model, step int)) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.step++
	fn(rc.model, rc.step)
}

// spent adds the wall time of one delivery attempt.
func (rc *recorder) spent(d time.Duration) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.res.deliveryTime += d
}

// failed counts an operation that failed for its client and records it in
// the model as the simulation's runner does (a temp-fail finding: what
// users notice first, nothing lost by it).
func (rc *recorder) failed(user, kind string, err error, temp bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.step++
	rc.model.Failed(user, kind, err, rc.step)
	switch {
	case kind == "deliver" && temp:
		rc.res.deliverTemp++
	case kind == "deliver":
		rc.res.deliverFailed++
	default:
		rc.res.sessionsFailed++
	}
	if len(rc.res.errors) < 50 {
		rc.res.errors = append(rc.res.errors, fmt.Sprintf("%s: %v", kind, err))
	}
}

// workload runs every op at its scaled start time against its routed host
// and waits for all of them.
func (r *run) workload(ctx context.Context, ops []mailgen.Op, routes []int) {
	scale := 1.0
	if d := r.sc.Workload.Duration; d > 0 {
		scale = float64(r.opts.Wall) / float64(d)
	}
	start := time.Now()
	var wg sync.WaitGroup
	if r.sc.Purge != nil {
		home := map[string]int{}
		for i, op := range ops {
			if _, ok := home[op.User]; !ok {
				home[op.User] = routes[i]
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.maintenance(ctx, ops, func(u string) int { return home[u] }, scale, start)
		}()
	}
	for i, op := range ops {
		in := r.insts[routes[i]]
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case <-time.After(time.Until(start.Add(time.Duration(float64(op.At) * scale)))):
			case <-ctx.Done():
				return
			}
			switch op.Kind {
			case mailgen.Deliver:
				r.deliver(in, op)
			case mailgen.Session:
				r.session(ctx, in, i, op, scale)
			}
		}()
	}
	wg.Wait()
}

func (r *run) deliver(in *Instance, op mailgen.Op) {
	start := time.Now()
	err := deliver(in.LMTPAddr(), op.User, mailgen.Message(op))
	took := time.Since(start)
	if err != nil {
		r.rec.failed(op.User, "deliver", fmt.Errorf("%s %s via %s: %w", op.User, op.MessageID, in.Config.Name, err), isTempFail(err))
		r.rec.spent(took)
		return
	}
	r.rec.spent(took)
	r.rec.do(func(m *check.Model, step int) {
		r.rec.res.deliveries++
		m.Delivered(op.User, op.MessageID, 0, step)
	})
}

func (r *run) session(ctx context.Context, in *Instance, i int, op mailgen.Op, scale float64) {
	t, closeT := r.transcript(fmt.Sprintf("op%03d-%s-%s", i, op.User, in.Config.Name))
	defer closeT()
	s, err := dialIMAP(in.IMAPAddr(), op.User, t)
	if err != nil {
		r.rec.failed(op.User, "session", fmt.Errorf("%s via %s: %w", op.User, in.Config.Name, err), false)
		return
	}
	defer s.close()
	if err := r.commands(ctx, s, in.Config.Name, op, scale); err != nil {
		r.rec.failed(op.User, "session", fmt.Errorf("%s via %s: %w", op.User, in.Config.Name, err), false)
		return
	}
	r.rec.do(func(*check.Model, int) { r.rec.res.sessions++ })
}

// transcript creates the file imap/name.log in the run's directory for one
// IMAP session's raw protocol, kept with the run to show what each command
// was answered. When the file cannot be made the session goes untranscribed.
func (r *run) transcript(name string) (w io.Writer, close func()) {
	dir := filepath.Join(r.dir, "imap")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, func() {}
	}
	f, err := os.Create(filepath.Join(dir, name+".log"))
	if err != nil {
		return nil, func() {}
	}
	return bestEffort{f}, func() { f.Close() }
}

// bestEffort writes to w and ignores its errors: go-imap copies the
// protocol to the transcript inside its reads and writes, where a full
// disk would otherwise fail the session.
type bestEffort struct{ w io.Writer }

func (b bestEffort) Write(p []byte) (int, error) {
	_, _ = b.w.Write(p)
	return len(p), nil
}

func (r *run) commands(ctx context.Context, s *imapSession, host string, op mailgen.Op, scale float64) error {
	var mails []mailstore.Mail
	for _, c := range op.Commands {
		switch c.Kind {
		case mailgen.Select:
			got, err := s.selectAll()
			if err != nil {
				return err
			}
			mails = got
			r.rec.do(func(m *check.Model, step int) { m.Observed(op.User, mails, step) })
		case mailgen.Idle:
			select {
			case <-time.After(time.Duration(float64(c.Wait) * scale)):
			case <-ctx.Done():
				return ctx.Err()
			}
		case mailgen.Store, mailgen.Expunge:
			if len(mails) == 0 {
				continue
			}
			if err := r.change(s, op.User, c, &mails[int(c.Pick*float64(len(mails)))]); err != nil {
				return err
			}
		case mailgen.Move:
			if len(mails) == 0 {
				continue
			}
			ml := mails[int(c.Pick*float64(len(mails)))]
			if ml.MessageID == "" {
				continue
			}
			moved, to, doubt, err := s.move(ml.UID, mailgen.Archive)
			switch {
			case moved:
				r.rec.do(func(m *check.Model, step int) {
					m.Moved(op.User, mailgen.Archive, ml.MessageID, ml.UID, to, ml.Flags, ml.Keywords, true, true, step)
				})
			case doubt:
				r.rec.do(func(m *check.Model, step int) {
					m.MoveInDoubt(op.User, mailgen.Archive, ml.MessageID, ml.UID, ml.Flags, ml.Keywords, step)
				})
			}
			if err != nil {
				return err
			}
		case mailgen.List, mailgen.Create, mailgen.Delete, mailgen.Rename:
			if err := r.folder(s, op.User, host, c); err != nil {
				return err
			}
		}
	}
	return nil
}

// folder runs LIST, CREATE, DELETE or RENAME and tells the model, as the
// simulation's runner does.
func (r *run) folder(s *imapSession, user, host string, c mailgen.Command) error {
	var begin int
	var tok, to check.FolderOp
	create := c.Kind == mailgen.Create
	r.rec.do(func(m *check.Model, step int) {
		begin = step
		switch c.Kind {
		case mailgen.Rename:
			tok, to = m.RenameBegin(user, c.Folder, c.To, step)
		case mailgen.Create, mailgen.Delete:
			tok = m.FolderBegin(user, c.Folder, create, step)
		}
	})
	if c.Kind == mailgen.Rename {
		done, notFound, exists, err := s.rename(c.Folder, c.To)
		r.rec.do(func(m *check.Model, step int) { m.RenameEnd(tok, to, done, notFound, exists, step) })
		return err
	}
	if c.Kind == mailgen.List {
		names, err := s.list()
		if err != nil {
			return err
		}
		r.rec.do(func(m *check.Model, step int) { m.Listed(user, host, names, begin, step) })
		return nil
	}
	settled, err := s.folder(c.Folder, create)
	r.rec.do(func(m *check.Model, step int) { m.FolderEnd(tok, settled, step) })
	return err
}

// change runs a STORE or EXPUNGE; a message another session expunged
// meanwhile is not an error (the client is told nothing happened).
// A successful STORE updates ml, the session's view of the message. A
// command cut off before its answer is in doubt, as the simulation's
// runner records it.
func (r *run) change(s *imapSession, user string, c mailgen.Command, ml *mailstore.Mail) error {
	if ml.MessageID == "" {
		return nil
	}
	if c.Kind == mailgen.Store {
		var sent int
		r.rec.do(func(_ *check.Model, step int) { sent = step })
		ok, doubt, err := s.store(ml.UID, c.Flags, c.Keywords)
		switch {
		case ok:
			ml.Flags, ml.Keywords = c.Flags, c.Keywords
			r.rec.do(func(m *check.Model, step int) {
				m.StoredAfter(user, ml.MessageID, ml.UID, c.Flags, c.Keywords, sent, step)
			})
		case doubt:
			r.rec.do(func(m *check.Model, step int) { m.StoreInDoubt(user, ml.MessageID, ml.UID, c.Flags, c.Keywords, step) })
		}
		return err
	}
	var sent int
	r.rec.do(func(_ *check.Model, step int) { sent = step })
	res, err := s.expunge(ml.UID, func(res expungeResult) {
		if res.deleted || res.deleteDoubt {
			r.rec.do(func(m *check.Model, step int) {
				m.MarkedDeletedAfter(user, ml.MessageID, ml.UID, res.deleted, sent, step)
			})
		}
	})
	r.rec.do(func(m *check.Model, step int) {
		switch {
		case res.expunged:
			m.Expunged(user, ml.MessageID, ml.UID, step)
		case res.expungeDoubt:
			m.ExpungeInDoubt(user, ml.MessageID, ml.UID, step)
		}
	})
	return err
}
