package realdovecot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nfsmail/nfsmail/harness/check"
	"github.com/nfsmail/nfsmail/harness/cluster"
	"github.com/nfsmail/nfsmail/harness/sim"
	"github.com/nfsmail/nfsmail/mailgen"
	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/scenarios"
)

// Note is printed with every real-Dovecot result.
const Note = "real Dovecot in wall-clock time: not deterministic; a seed fixes the workload, not the interleaving"

// Options control one run on real Dovecot.
type Options struct {
	Seed uint64
	// Wall is the wall-clock span the workload's start times are scaled
	// into (think times scale alike); 0 means 30 s.
	Wall time.Duration
	// WorkDir holds mount points, instance state and logs, and (when kept)
	// the final store under store/; "" means a new temporary directory,
	// removed afterwards unless Keep.
	WorkDir string
	Keep    bool
	// Location overrides the mail_location options (its Format is ignored:
	// the scenario's format is used).
	Location *Location
	// Server is HOST:PORT of an `nfsmail serve`; "" runs an in-process server.
	Server string
	// Progress receives one line per phase (stderr in the CLI); nil = none.
	Progress io.Writer
}

// Result is the outcome of one run. Its JSON form only ever gains fields.
type Result struct {
	Scenario      string          `json:"scenario"`
	Format        string          `json:"format"`
	Seed          uint64          `json:"seed"`
	Verdict       check.Verdict   `json:"verdict"`
	Expected      check.Verdict   `json:"expected_verdict"`
	Findings      []check.Finding `json:"findings"`
	Mount         string          `json:"mount"`
	MountNote     string          `json:"mount_note,omitempty"`
	Deliveries    int             `json:"deliveries"`
	DeliverFailed int             `json:"deliveries_failed"`
	DeliverTemp   int             `json:"deliveries_tempfailed"`
	// DeliverySeconds is the wall time the LMTP deliveries took, summed
	// over every attempt, failed ones included.
	DeliverySeconds float64 `json:"delivery_seconds"`
	Sessions        int     `json:"sessions"`
	SessionsFailed  int     `json:"sessions_failed"`
	// DoveadmJobs counts the scenario's doveadm purge, altmove or
	// force-resync runs; DoveadmFailed those that exited non-zero.
	DoveadmJobs   int                       `json:"doveadm_jobs"`
	DoveadmFailed int                       `json:"doveadm_failed"`
	RPCs          int                       `json:"rpcs"`
	RPCByHost     map[string]map[string]int `json:"rpc_counts_by_host"`
	RPCsPerOp     float64                   `json:"rpcs_per_op"`
	WallSeconds   float64                   `json:"wall_seconds"`
	// RootCreates and UserCreates count what the Dovecot processes created
	// on the mail store (creating opens, directories, links) as root and as
	// any other user, over all hosts: root_squash can only matter to the
	// first.
	RootCreates int64         `json:"root_creates"`
	UserCreates int64         `json:"user_creates"`
	Log         []LogLine     `json:"log"`
	LogClasses  map[Class]int `json:"log_classes"`
	Errors      []string      `json:"op_errors"`
	WorkDir     string        `json:"workdir,omitempty"`
	Note        string        `json:"note"`
}

// locationOf turns the scenario's mail_location settings into real
// paths: the model's paths are relative to the NFS root, so they go under
// the host's view of the store (mailRoot), except those under /dev/shm,
// which are host-local tmpfs in the model and a directory of the host's
// own (local) here.
func locationOf(format string, s mailstore.Settings, mailRoot, local string) Location {
	path := func(p string) string {
		p = strings.TrimPrefix(p, "/")
		if strings.HasPrefix(p, "dev/shm/") {
			return filepath.Join(local, p)
		}
		return filepath.Join(mailRoot, p)
	}
	loc := Location{Format: format, IterIndex: s.IterIndex, NoAltCheck: s.NoAltCheck}
	if s.IndexDir != "" && !s.IndexMemory {
		loc.Index = path(s.IndexDir)
	}
	if s.VolatileDir != "" {
		loc.VolatileDir = path(s.VolatileDir)
	}
	if s.ListIndex != "" {
		loc.ListIndex = s.ListIndex
		if strings.Contains(s.ListIndex, "/") {
			loc.ListIndex = path(s.ListIndex)
		}
	}
	if s.AltDir != "" {
		loc.Alt = path(s.AltDir)
	}
	return loc
}

// localShm makes local/dev/shm a world-writable sticky directory, as
// /dev/shm is, for the host-local VOLATILEDIR and LISTINDEX paths.
func localShm(local string) error {
	shm := filepath.Join(local, "dev", "shm")
	if err := os.MkdirAll(shm, 0o755); err != nil {
		return fmt.Errorf("realdovecot: %w", err)
	}
	for _, d := range []string{local, filepath.Dir(shm)} {
		if err := os.Chmod(d, 0o755); err != nil {
			return fmt.Errorf("realdovecot: %w", err)
		}
	}
	if err := os.Chmod(shm, 0o1777); err != nil {
		return fmt.Errorf("realdovecot: %w", err)
	}
	return nil
}

// Runnable reports why real Dovecot cannot run sc, or nil.
func Runnable(sc scenarios.Scenario) error {
	switch {
	case !validFormat(sc.Format):
		return fmt.Errorf("realdovecot: %s: format %q (want maildir, sdbox or mdbox)", sc.Name, sc.Format)
	case sc.Hosts < 1 || sc.Hosts > 16:
		return fmt.Errorf("realdovecot: %s: %d hosts, want 1..16", sc.Name, sc.Hosts)
	case slices.ContainsFunc(sc.Skew, func(d time.Duration) bool { return d != 0 }):
		return fmt.Errorf("realdovecot: %s: clock skew cannot be applied to real Dovecot processes", sc.Name)
	case sc.Workload.Users < 1:
		return fmt.Errorf("realdovecot: %s: workload has no users", sc.Name)
	case len(sc.Events) > 0:
		return fmt.Errorf("realdovecot: %s: cluster events (%s) are not applied to real Dovecot yet", sc.Name, sc.Events[0].Kind)
	case len(sc.Faults.Rules) > 0 || sc.Faults.Granularity != 0:
		return fmt.Errorf("realdovecot: %s: NFS fault plans are not applied in the real tier yet", sc.Name)
	case sc.Unmounted != nil:
		return fmt.Errorf("realdovecot: %s: an unmounted backend is not modelled in the real tier", sc.Name)
	case sc.Delivery != "" && sc.Delivery != "lmtp":
		return fmt.Errorf("realdovecot: %s: delivery %q (only LMTP to the routed backend)", sc.Name, sc.Delivery)
	case sc.QuotaStatus:
		return fmt.Errorf("realdovecot: %s: the quota-status service is not run in the real tier", sc.Name)
	case sc.DeliverySettings != nil:
		return fmt.Errorf("realdovecot: %s: separate delivery settings need an LDA host, not run in the real tier", sc.Name)
	}
	if _, err := cluster.New(sc.Routing, []string{"a"}, sim.Stream(0, "route")); err != nil {
		return fmt.Errorf("realdovecot: %s: %w", sc.Name, err)
	}
	return nil
}

// Run runs sc once on real Dovecot instances, one per host, each on its
// own FUSE view of one simulated NFS server, then audits every mailbox
// over IMAP from a fresh cache-less host and classifies Dovecot's logs.
// Errors are harness failures; findings about Dovecot are in the Result.
func Run(ctx context.Context, sc scenarios.Scenario, opts Options) (res *Result, err error) {
	if err := Runnable(sc); err != nil {
		return nil, err
	}
	if err := Check(); err != nil {
		return nil, fmt.Errorf("realdovecot: %w", err)
	}
	r, err := newRun(sc, opts)
	if err != nil {
		return nil, err
	}
	defer func() {
		if cerr := r.teardown(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	if err := r.setup(); err != nil {
		return nil, err
	}
	return r.run(ctx)
}

// run holds one real-Dovecot run.
type run struct {
	sc       scenarios.Scenario
	opts     Options
	dir      string
	tempDir  bool
	uid, gid uint32
	store    *Store
	views    []*HostView
	insts    []*Instance
	cleanups []func() error
	rec      *recorder
	res      *Result
}

func newRun(sc scenarios.Scenario, opts Options) (*run, error) {
	if opts.Wall <= 0 {
		opts.Wall = 30 * time.Second
	}
	uid, gid, err := mailIDs()
	if err != nil {
		return nil, err
	}
	r := &run{sc: sc, opts: opts, dir: opts.WorkDir, uid: uid, gid: gid, rec: newRecorder(),
		res: &Result{Scenario: sc.Name, Format: sc.Format, Seed: opts.Seed, Expected: sc.Expected,
			Mount: sc.Mount, RPCByHost: map[string]map[string]int{}, LogClasses: map[Class]int{},
			Findings: []check.Finding{}, Log: []LogLine{}, Errors: []string{}, Note: Note}}
	if r.dir == "" {
		if r.dir, err = os.MkdirTemp("", "nfsmail-dovecot-"); err != nil {
			return nil, fmt.Errorf("realdovecot: %w", err)
		}
		r.tempDir = true
	} else if err := os.MkdirAll(r.dir, 0o755); err != nil {
		return nil, fmt.Errorf("realdovecot: %w", err)
	}
	// Dovecot's unprivileged services must traverse the path to base_dir.
	if err := os.Chmod(r.dir, 0o755); err != nil {
		return nil, fmt.Errorf("realdovecot: %w", err)
	}
	return r, nil
}

func (r *run) progress(format string, args ...any) {
	if r.opts.Progress != nil {
		fmt.Fprintf(r.opts.Progress, format+"\n", args...)
	}
}

func (r *run) dial(host string) ViewConfig {
	cfg := ViewConfig{Host: host, Dir: filepath.Join(r.dir, "mnt", host), UID: r.uid, GID: r.gid}
	if r.opts.Server != "" {
		cfg.Dial = TCPDialer(r.opts.Server)
	} else {
		cfg.Dial = r.store.Dialer(host)
	}
	return cfg
}

// setup starts the server, one view and one Dovecot per host.
func (r *run) setup() error {
	if r.opts.Server == "" {
		r.store = NewStore()
		r.cleanups = append(r.cleanups, r.store.Close)
	}
	for i := range r.sc.Hosts {
		name := fmt.Sprintf("backend%d", i+1)
		v, in, err := r.startHost(name, r.sc.Mount)
		if err != nil {
			return err
		}
		r.views = append(r.views, v)
		r.insts = append(r.insts, in)
	}
	r.progress("started %d Dovecot backend(s) on FUSE views (mount %q%s); workdir %s", r.sc.Hosts, r.sc.Mount, r.res.MountNote, r.dir)
	return nil
}

// startHost mounts a view for host and starts a Dovecot on it; both are
// stopped by teardown.
func (r *run) startHost(host, mountOpts string) (*HostView, *Instance, error) {
	cfg := r.dial(host)
	cfg.MountOpts = mountOpts
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, nil, fmt.Errorf("realdovecot: %w", err)
	}
	v, forced, err := mountLocking(cfg)
	if err != nil {
		return nil, nil, err
	}
	if forced {
		r.res.MountNote = " + nolock: the NFS model has no NLM lock service yet"
	}
	r.cleanups = append(r.cleanups, v.Close)
	ports, err := freePorts("127.0.0.1", 2)
	if err != nil {
		return nil, nil, err
	}
	local := filepath.Join(r.dir, host)
	if err := localShm(local); err != nil {
		return nil, nil, err
	}
	loc := locationOf(r.sc.Format, r.sc.Settings, v.Dir(), local)
	if r.opts.Location != nil {
		loc = *r.opts.Location
		loc.Format = r.sc.Format
	}
	in, err := Start(InstanceConfig{Name: host, BaseDir: filepath.Join(r.dir, host), MailRoot: v.Dir(),
		Addr: "127.0.0.1", LMTPPort: ports[0], IMAPPort: ports[1], MailUser: MailUser,
		Location: loc, Settings: r.sc.Settings})
	if err != nil {
		return nil, nil, err
	}
	r.cleanups = append(r.cleanups, in.Stop)
	return v, in, nil
}

// teardown stops every instance and unmounts every view, newest first,
// then removes a temporary work directory.
func (r *run) teardown() error {
	var errs []error
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		errs = append(errs, r.cleanups[i]())
	}
	r.cleanups = nil
	if r.tempDir && !r.opts.Keep {
		errs = append(errs, os.RemoveAll(r.dir))
	}
	return errors.Join(errs...)
}

func (r *run) run(ctx context.Context) (*Result, error) {
	start := time.Now()
	router, err := cluster.New(r.sc.Routing, r.hostNames(), sim.Stream(r.opts.Seed, "route"))
	if err != nil {
		return nil, err
	}
	ops := mailgen.Generate(r.opts.Seed, r.sc.Workload)
	routes := make([]int, len(ops))
	for i, op := range ops {
		routes[i] = router.Route(op.User, op.ClientIP)
	}
	r.progress("running %d operations over %v of wall-clock time (%s routing)", len(ops), r.opts.Wall, r.sc.Routing)
	base := make([]map[string]int, len(r.views))
	for i, v := range r.views {
		base[i] = v.RPCs() // mounting and the lock probe are not the workload's
	}
	r.workload(ctx, ops, routes)
	r.progress("workload done after %.1f s; stopping the backends", time.Since(start).Seconds())
	stopAll(r.insts)
	for i, v := range r.views {
		r.res.RPCByHost[v.Host] = subCounts(v.RPCs(), base[i])
		c := v.FUSECounts()
		r.res.RootCreates += c["root_creates"]
		r.res.UserCreates += c["user_creates"]
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("realdovecot: %w", err)
	}
	r.progress("backends stopped after %.1f s; auditing", time.Since(start).Seconds())
	if err := r.audit(); err != nil {
		return nil, err
	}
	r.progress("audit done after %.1f s", time.Since(start).Seconds())
	if r.store != nil && (r.opts.Keep || !r.tempDir) {
		// The server's final store, as the simulation's Keep writes it.
		dst := filepath.Join(r.dir, "store")
		if err := os.MkdirAll(dst, 0o755); err != nil {
			return nil, fmt.Errorf("realdovecot: %w", err)
		}
		if err := r.store.WriteTo(dst); err != nil {
			return nil, fmt.Errorf("realdovecot: keep store: %w", err)
		}
	}
	r.finish(len(ops))
	r.res.WallSeconds = time.Since(start).Seconds()
	if r.opts.Keep || !r.tempDir {
		r.res.WorkDir = r.dir
	}
	return r.res, nil
}

// subCounts returns c - base, leaving out zeros.
func subCounts(c, base map[string]int) map[string]int {
	out := map[string]int{}
	for k, n := range c {
		if n -= base[k]; n != 0 {
			out[k] = n
		}
	}
	return out
}

// stopAll stops instances in parallel (each master takes about a second
// to shut down).
func stopAll(insts []*Instance) {
	var wg sync.WaitGroup
	for _, in := range insts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in.Stop()
		}()
	}
	wg.Wait()
}

func (r *run) hostNames() []string {
	var out []string
	for i := range r.sc.Hosts {
		out = append(out, fmt.Sprintf("backend%d", i+1))
	}
	return out
}
