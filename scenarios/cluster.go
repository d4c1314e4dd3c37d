package scenarios

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/nfsmail/nfsmail/harness/cluster"
	"github.com/nfsmail/nfsmail/harness/host"
	"github.com/nfsmail/nfsmail/harness/nfsclient"
	"github.com/nfsmail/nfsmail/harness/sim"
	"github.com/nfsmail/nfsmail/mailgen"
	"github.com/nfsmail/nfsmail/mailstore"
)

// clusterState is what routing depends on while the run goes on: hosts
// that crashed, hiccup windows.
type clusterState struct {
	router  cluster.Router
	down    map[int]time.Duration // crashed hosts: when they went down
	expire  time.Duration         // director_user_expire (0: users move at once)
	hiccups []Event
	drains  []Event
	users   []string                 // every user of the workload, sorted
	holds   map[string]time.Duration // user -> until when the director holds new connections
	r       *rand.Rand               // hiccup choices and quota-status routing
}

// route picks the backend for op at virtual time now; unreachable means
// the director still sends the user to a host that is down (its user entry
// has not expired yet), so the client's connection fails. Once expired, a
// down host's users go to the next host that is up. During a hiccup each
// operation goes to the user's backend or the next one at random.
func (c *clusterState) route(op mailgen.Op, now time.Duration, n int) (h int, unreachable bool) {
	h = c.router.Route(op.User, op.ClientIP)
	for _, e := range c.hiccups {
		if now >= e.At && now < e.At+e.For && c.r.IntN(2) == 1 {
			h = (h + 1) % n
		}
	}
	if at, ok := c.down[h]; ok && now < at+c.expire {
		return h, true
	}
	for i := 0; i < n; i++ {
		if _, ok := c.down[h]; !ok && !c.drained(h, now) {
			break
		}
		h = (h + 1) % n
	}
	return h, false
}

// dispatch routes op with the cluster's state now and spawns it.
func (r *runner) dispatch(i int, op mailgen.Op, state *clusterState) {
	hi, unreachable := state.route(op, r.sched.Now(), len(r.hosts))
	h := r.hosts[hi]
	switch {
	case op.Kind == mailgen.Deliver && r.mx != nil:
		h = r.mx
	case unreachable:
		r.res.OpsFailed++
		r.model.Failed(op.User, string(op.Kind), fmt.Errorf("%s is down and the director still sends the user there", h.Name()),
			r.ack("refused: %s %s, %s is down", op.Kind, op.User, h.Name()))
		return
	}
	r.spawn(h, i, op)
}

// hold keeps op's connection waiting at the director until the user's
// kick delay has passed, then routes it.
func (r *runner) hold(i int, op mailgen.Op, until time.Duration, state *clusterState) {
	r.sched.Spawn(fmt.Sprintf("director-hold-%d", i), "cluster", func(p *sim.Proc) {
		r.sched.Tracef("director holds %s %s for %v (kick delay)", op.Kind, op.User, until-r.sched.Now())
		p.Sleep(until - r.sched.Now())
		r.dispatch(i, op, state)
	})
}

// moving marks the users a drain event moves (those whose backend is
// host) as held for the kick delay.
func (r *runner) moving(host int, state *clusterState) {
	if r.sc.DirectorKickDelay <= 0 {
		return
	}
	for _, u := range state.users {
		if state.router.Route(u, "") == host {
			state.holds[u] = r.sched.Now() + r.sc.DirectorKickDelay
		}
	}
}

// drained reports whether the director has host h out of service at now.
func (c *clusterState) drained(h int, now time.Duration) bool {
	for _, e := range c.drains {
		if e.Host == h && now >= e.At && now < e.At+e.For {
			return true
		}
	}
	return false
}

// launch starts the MTA-and-clients process: it waits for each operation's
// start time, routes it with the cluster's state at that moment and spawns
// it on the chosen host; and the nemesis process that applies Events.
func (r *runner) launch(ops []mailgen.Op, state *clusterState) {
	for _, op := range ops {
		if !slices.Contains(state.users, op.User) {
			state.users = append(state.users, op.User)
		}
	}
	slices.Sort(state.users)
	r.sched.Spawn("clients", "cluster", func(p *sim.Proc) {
		for i, op := range ops {
			if d := op.At - r.sched.Now(); d > 0 {
				p.Sleep(d)
			}
			if op.Kind == mailgen.Deliver && r.sc.QuotaStatus {
				r.quotaStatus(r.hosts[state.r.IntN(len(r.hosts))], i, op)
			}
			if until := state.holds[op.User]; until > r.sched.Now() && (op.Kind == mailgen.Session || r.mx == nil) {
				r.hold(i, op, until, state)
				continue
			}
			r.dispatch(i, op, state)
		}
	})
	if r.sc.Purge != nil {
		r.launchPurges(ops, state)
	}
	events := slices.Clone(r.sc.Events)
	for _, e := range r.sc.Events {
		if e.Kind == Drain {
			events = append(events, Event{At: e.At + e.For, Kind: drainEnd, Host: e.Host})
		}
	}
	slices.SortStableFunc(events, func(a, b Event) int { return int(a.At - b.At) })
	if len(events) == 0 {
		return
	}
	r.sched.Spawn("nemesis", "cluster", func(p *sim.Proc) {
		for _, e := range events {
			if d := e.At - r.sched.Now(); d > 0 {
				p.Sleep(d)
			}
			r.apply(e, state)
		}
	})
}

// apply carries out one cluster event.
func (r *runner) apply(e Event, state *clusterState) {
	switch e.Kind {
	case Crash:
		r.sched.Tracef("event: crash %s", r.hosts[e.Host].Name())
		r.hosts[e.Host].Crash()
		state.down[e.Host] = r.sched.Now()
	case Hiccup:
		r.sched.Tracef("event: director hiccup for %v", e.For)
	case Drain:
		// doveadm director update HOST 0 + flush: the host's users move,
		// and their sessions there are kicked
		r.sched.Tracef("event: director drains %s for %v", r.hosts[e.Host].Name(), e.For)
		r.kick(func(s *session) bool { return s.host == e.Host })
		r.moving(e.Host, state)
	case drainEnd:
		// the host is back; its users move back and their sessions on the
		// host that stood in are kicked
		r.sched.Tracef("event: %s back in the director", r.hosts[e.Host].Name())
		r.kick(func(s *session) bool {
			return s.host != e.Host && state.router.Route(s.user, s.clientIP) == e.Host
		})
		r.moving(e.Host, state)
	case ServerRestart:
		r.sched.Tracef("event: NFS server restart (clients reclaim: %v)", e.Reclaim)
		r.srv.Restart()
		if e.Reclaim {
			for _, m := range r.mounts {
				m.Reclaim()
			}
		}
	}
}

// drainEnd is the internal event that ends a Drain.
const drainEnd EventKind = "drain-end"

// session is a running IMAP session, for the director's kicks.
type session struct {
	host     int // index in r.hosts (-1: not a backend)
	user     string
	clientIP string
	kicked   bool
	idled    time.Duration // think time spent so far
}

// kick disconnects the running sessions that match, as the director's
// KICK does: each ends before its next command (the client reconnects
// through the director; the model does not replay it).
func (r *runner) kick(match func(*session) bool) {
	for _, name := range slices.Sorted(maps.Keys(r.sessions)) { // map order would change the trace
		s := r.sessions[name]
		if !s.kicked && s.host >= 0 && match(s) {
			s.kicked = true
			r.sched.Tracef("kick %s on %s", s.user, r.hosts[s.host].Name())
		}
	}
}

// addMX adds the MTA host that runs Dovecot LDA for every delivery.
func (r *runner) addMX(o nfsclient.Options) error {
	h, err := r.newHost("mx", 0, o, r.sc.Settings)
	r.mx = h
	return err
}

// quotaStatus runs Dovecot's quota-status check for op's recipient on h:
// it opens the user's mailbox there and reads its status, as the quota
// count backend does, from whichever backend the MTA reached.
func (r *runner) quotaStatus(h *host.Host, i int, op mailgen.Op) {
	name := fmt.Sprintf("quota-status-%s-%d", op.User, i)
	r.users[h.Name()+"/"+name] = op.User
	open := opener(r.sc.Format)
	h.Spawn(name, func(env mailstore.Env) {
		box, err := open(env, op.User)
		if err == nil {
			_, err = box.Sync()
		}
		if err != nil {
			r.sched.Tracef("quota-status failed: %v", err)
		}
	})
}

// purger is what doveadm purge and altmove need from an engine (mdbox).
type purger interface {
	Purge() error
	AltMove() error
}

// resyncer is what doveadm force-resync needs from an engine.
type resyncer interface{ ForceResync() error }

// launchPurges runs `doveadm purge` for every user every Purge.Every
// while the workload lasts, on the user's backend ("director") or on a
// random one ("any", a cron job on the wrong host).
func (r *runner) launchPurges(ops []mailgen.Op, state *clusterState) {
	users, end := mailgen.Span(ops)
	r.sched.Spawn("doveadm", "cluster", func(p *sim.Proc) {
		for t, n := r.sc.Purge.Every, 0; t <= end+r.sc.Purge.Every; t, n = t+r.sc.Purge.Every, n+1 {
			p.Sleep(t - r.sched.Now())
			for _, u := range users {
				h, unreachable := state.route(mailgen.Op{User: u}, r.sched.Now(), len(r.hosts))
				if unreachable {
					continue
				}
				if r.sc.Purge.Via == "any" {
					h = state.r.IntN(len(r.hosts))
				}
				r.purge(r.hosts[h], u, n)
			}
		}
	})
}

func (r *runner) purge(h *host.Host, user string, n int) {
	job := "purge"
	if r.sc.Purge.ForceResync {
		job = "force-resync"
	}
	name := fmt.Sprintf("doveadm-%s-%s-%d", job, user, n)
	r.users[h.Name()+"/"+name] = user
	open := opener(r.sc.Format)
	h.Spawn(name, func(env mailstore.Env) {
		box, err := open(env, user)
		if rs, ok := box.(resyncer); ok && err == nil && r.sc.Purge.ForceResync {
			err = rs.ForceResync()
		} else if p, ok := box.(purger); ok && err == nil {
			if r.sc.Purge.AltMove {
				err = p.AltMove()
			}
			if err == nil {
				err = p.Purge()
			}
		}
		if err != nil {
			// an operator's cron job, not a client: what it broke shows in
			// the audit and in what the engine logged
			r.sched.Tracef("doveadm %s failed: %v", job, err)
		}
	})
}
