package scenarios

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/nfsmail/nfsmail/harness/check"
	"github.com/nfsmail/nfsmail/harness/cluster"
	"github.com/nfsmail/nfsmail/harness/fault"
	"github.com/nfsmail/nfsmail/harness/host"
	"github.com/nfsmail/nfsmail/harness/nfsclient"
	"github.com/nfsmail/nfsmail/harness/sim"
	"github.com/nfsmail/nfsmail/mailgen"
	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/nfsserver"
	"github.com/nfsmail/nfsmail/nfsserver/simfs"
)

// Options control one run.
type Options struct {
	Seed uint64
	// Keep, if set, is a directory (created if missing) the final
	// server-side store is written to as an ordinary directory tree.
	Keep string
	// Chooser replaces the seeded scheduling choices (rapid uses this to
	// shrink interleavings).
	Chooser sim.Chooser
	// TraceLimit is how many trace events are kept for the result (0 = 200).
	TraceLimit int
	// Source is how the user named the scenario (a file path for scenario
	// files); the replay command uses it. "" means the catalog name.
	Source string
	// Ops, if not nil, replaces the workload the seed would generate (a
	// shrunk schedule, or an ops file); OpsFile names it for the replay.
	Ops     []mailgen.Op
	OpsFile string
}

// LogLine is one line an engine logged.
type LogLine struct {
	Step  int    `json:"step"`
	Host  string `json:"host"`
	Proc  string `json:"proc"`
	Level string `json:"level"`
	Text  string `json:"text"`
}

// Result is the outcome of one run. Its JSON form only ever gains fields.
type Result struct {
	Scenario  string                    `json:"scenario"`
	Seed      uint64                    `json:"seed"`
	Verdict   check.Verdict             `json:"verdict"`
	Expected  check.Verdict             `json:"expected_verdict"`
	Findings  []check.Finding           `json:"findings"`
	RPCCounts map[string]int            `json:"rpc_counts"`
	RPCByHost map[string]map[string]int `json:"rpc_counts_by_host"`
	RPCs      int                       `json:"rpcs"`
	Ops       int                       `json:"ops"`
	OpsFailed int                       `json:"ops_failed"`
	RPCsPerOp float64                   `json:"rpcs_per_op"`
	// BusySeconds is the virtual time operations took, summed over all of
	// them, think time (IDLE) excluded: with Ops, the latency per mail
	// operation that slow storage or lock waits add.
	BusySeconds    float64 `json:"busy_seconds"`
	VirtualSeconds float64 `json:"virtual_seconds"`
	Steps          int     `json:"steps"`
	// FirstCorruptionSeconds is the virtual time of the observation that
	// revealed the first user-visible damage (-1: none).
	FirstCorruptionSeconds float64     `json:"first_corruption_seconds"`
	TraceSHA256            string      `json:"trace_sha256"`
	Log                    []LogLine   `json:"log"`
	Trace                  []sim.Event `json:"-"`
	Replay                 string      `json:"replay"`
}

// Run executes sc once. Errors are harness failures (bad scenario, a
// process panic); what the run found about the system under test is in the
// Result.
func Run(sc Scenario, opts Options) (*Result, error) {
	if err := sc.Validate(); err != nil {
		return nil, err
	}
	r, err := newRunner(sc, opts)
	if err != nil {
		return nil, err
	}
	defer r.close()
	return r.run()
}

// runner holds one run's simulated world.
type runner struct {
	sc     Scenario
	opts   Options
	sched  *sim.Scheduler
	store  *simfs.FS
	srv    *nfsserver.Server
	mounts []*nfsclient.Mount
	base   []map[string]int // RPCs each mount sent before the workload
	hosts  []*host.Host     // the backends
	mx     *host.Host       // the MTA host running Dovecot LDA ("lda-mx" delivery)
	model  *check.Model
	res    *Result
	users  map[string]string // process name -> user, for log attribution
	busy   time.Duration     // Result.BusySeconds
	// sessions are the IMAP sessions running now, by process name.
	sessions map[string]*session
}

func newRunner(sc Scenario, opts Options) (*runner, error) {
	chooser := opts.Chooser
	if chooser == nil {
		chooser = sim.RandChooser{R: sim.Stream(opts.Seed, "schedule")}
	}
	limit := opts.TraceLimit
	if limit == 0 {
		limit = 200
	}
	r := &runner{sc: sc, opts: opts, model: check.NewModel(), users: map[string]string{}, sessions: map[string]*session{},
		res: &Result{Scenario: sc.Name, Seed: opts.Seed, Expected: sc.Expected, Replay: replay(sc, opts), FirstCorruptionSeconds: -1,
			Findings: []check.Finding{}, Log: []LogLine{}}}
	r.sched = sim.New(sim.Options{Chooser: chooser, MaxSteps: sc.maxSteps(), TraceLimit: limit})
	r.store = simfs.New(simfs.Options{Now: func() time.Time { return host.Epoch.Add(r.sched.Now()) }})
	var verf [8]byte
	binary.BigEndian.PutUint64(verf[:], sim.Stream(opts.Seed, "server").Uint64())
	// The server's clock is the scheduler's, so a delay fault charges the
	// calling process's virtual time.
	srvOpts := nfsserver.Options{WriteVerifier: verf, DRC: sc.DRC, Clock: host.NFSClock{S: r.sched}}
	if len(sc.Faults.Rules) > 0 || sc.Faults.Granularity > 0 {
		srvOpts.Faults = fault.New(sc.Faults, opts.Seed)
	}
	if sc.Faults.Granularity > 0 {
		r.store.SetGranularity(sc.Faults.Granularity)
	}
	r.srv = nfsserver.New(r.store, srvOpts)
	mountOpts, err := nfsclient.ParseOptions(sc.Mount)
	if err != nil {
		return nil, err
	}
	if sc.RTT > 0 {
		mountOpts.RTT = sc.RTT
	}
	for i := range sc.Hosts {
		h, err := r.newHost(fmt.Sprintf("backend%d", i+1), sc.skew(i), mountOpts, sc.Settings)
		if err != nil {
			r.close()
			return nil, err
		}
		r.hosts = append(r.hosts, h)
	}
	if sc.Delivery == "lda-mx" {
		if err := r.addMX(mountOpts); err != nil {
			r.close()
			return nil, err
		}
	}
	return r, nil
}

func (sc Scenario) maxSteps() int {
	if sc.MaxSteps > 0 {
		return sc.MaxSteps
	}
	w := sc.Workload
	return 5000 * w.Users * (w.Deliveries + w.Sessions*(w.Commands+1) + 1)
}

func replay(sc Scenario, opts Options) string {
	src := opts.Source
	if src == "" {
		src = sc.Name
	}
	if opts.OpsFile != "" {
		return fmt.Sprintf("nfsmail run %s --seed %d --ops %s", src, opts.Seed, opts.OpsFile)
	}
	return fmt.Sprintf("nfsmail run %s --seed %d", src, opts.Seed)
}

// newHost mounts the store on a new host (or, for the scenario's
// unmounted backend, gives it only its bare mount point).
func (r *runner) newHost(name string, skew time.Duration, o nfsclient.Options, s mailstore.Settings) (*host.Host, error) {
	conn, err := r.srv.Dial(name)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", name, err)
	}
	m, err := nfsclient.Dial(conn, nfsclient.Config{Host: name, Options: o, Clock: host.NFSClock{S: r.sched}})
	if err != nil {
		return nil, fmt.Errorf("mount %s: %w", name, err)
	}
	r.mounts = append(r.mounts, m)
	r.base = append(r.base, m.Counts())
	cfg := host.Config{Name: name, Skew: skew, NFS: m, Seed: r.opts.Seed, Settings: s, Log: r.logged,
		Tmpfs: []string{"dev/shm"}}
	if u := r.sc.Unmounted; u != nil && name == fmt.Sprintf("backend%d", u.Host+1) {
		cfg.Unmounted, cfg.MountPointWritable = true, u.Writable
	}
	return host.New(r.sched, cfg), nil
}

func (r *runner) close() {
	for _, m := range r.mounts {
		m.Close()
	}
	r.srv.Close()
}

func (r *runner) logged(hostName, proc string, level mailstore.Level, text string) {
	step := r.sched.Trace().Len() - 1
	r.res.Log = append(r.res.Log, LogLine{Step: step, Host: hostName, Proc: proc, Level: level.String(), Text: text})
	if strings.Contains(proc, "/doveadm-force-resync-") && requestedRebuild(text) {
		return // the operator asked for this rebuild; it is not a sign of damage
	}
	r.model.Logged(r.users[proc], text, level, step)
}

// requestedRebuild matches the warning a dbox rebuild logs.
func requestedRebuild(text string) bool {
	return strings.Contains(text, ": Rebuilding index") || strings.Contains(text, ": rebuilding indexes")
}

func (r *runner) run() (*Result, error) {
	router, err := cluster.New(r.sc.Routing, r.hostNames(), sim.Stream(r.opts.Seed, "route"))
	if err != nil {
		return nil, err
	}
	ops := r.opts.Ops
	if ops == nil {
		ops = mailgen.Generate(r.opts.Seed, r.sc.Workload)
	}
	state := &clusterState{router: router, down: map[int]time.Duration{}, expire: r.sc.DirectorUserExpire, holds: map[string]time.Duration{},
		r: sim.Stream(r.opts.Seed, "cluster")}
	for _, e := range r.sc.Events {
		switch e.Kind {
		case Hiccup:
			state.hiccups = append(state.hiccups, e)
		case Drain:
			state.drains = append(state.drains, e)
		}
	}
	r.launch(ops, state)
	err = r.sched.Run()
	r.res.Steps = r.sched.Steps()
	r.res.VirtualSeconds = r.sched.Now().Seconds()
	r.countRPCs()
	switch {
	case errors.Is(err, sim.ErrBudget):
		r.res.Verdict = check.Unknown
	case err != nil:
		return nil, err
	default:
		if err := r.audit(); err != nil {
			return nil, err
		}
		r.res.Findings = append(r.res.Findings, r.model.Findings()...)
		r.res.Verdict = check.VerdictOf(r.res.Findings)
		r.res.FirstCorruptionSeconds = r.firstCorruption()
	}
	r.res.Ops = len(ops) - r.res.OpsFailed
	r.res.BusySeconds = r.busy.Seconds()
	if r.res.Ops > 0 {
		r.res.RPCsPerOp = float64(r.res.RPCs) / float64(len(ops))
	}
	r.res.TraceSHA256 = r.sched.Trace().SHA256()
	r.res.Trace = r.sched.Trace().Events()
	if r.opts.Keep != "" {
		if err := os.MkdirAll(r.opts.Keep, 0o755); err != nil {
			return r.res, fmt.Errorf("keep %s: %w", r.opts.Keep, err)
		}
		if err := r.store.WriteTo(r.opts.Keep); err != nil {
			return r.res, fmt.Errorf("keep %s: %w", r.opts.Keep, err)
		}
	}
	return r.res, nil
}

// firstCorruption is when the earliest corrupting finding was revealed:
// the virtual time of the last step each such finding names.
func (r *runner) firstCorruption() float64 {
	first := -1.0
	tr := r.sched.Trace()
	for _, f := range r.res.Findings {
		if !f.Kind.Corrupts() || len(f.Steps) == 0 {
			continue
		}
		step := f.Steps[len(f.Steps)-1]
		if step < 0 || step >= tr.Len() {
			continue
		}
		if at := tr.At(step).Seconds(); first < 0 || at < first {
			first = at
		}
	}
	return first
}

func (r *runner) hostNames() []string {
	var names []string
	for _, h := range r.hosts {
		names = append(names, h.Name())
	}
	return names
}

// countRPCs totals the RPCs of the workload (the audit's are not counted).
func (r *runner) countRPCs() {
	r.res.RPCCounts = map[string]int{}
	r.res.RPCByHost = map[string]map[string]int{}
	names := append(r.hostNames(), "mx")
	for i, m := range r.mounts {
		c := m.Counts()
		for proc, n := range r.base[i] {
			if c[proc] -= n; c[proc] == 0 {
				delete(c, proc)
			}
		}
		r.res.RPCByHost[names[i]] = c
		for proc, n := range c {
			r.res.RPCCounts[proc] += n
			r.res.RPCs += n
		}
	}
}
