package realdovecot

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/nfsmail/nfsmail/harness/check"
	"github.com/nfsmail/nfsmail/harness/nfsclient"
	"github.com/nfsmail/nfsmail/mailgen"
	"github.com/nfsmail/nfsmail/scenarios"
)

// FidelityOptions control a comparison of the two tiers on one scenario.
type FidelityOptions struct {
	// Runs per tier, seeds Seed, Seed+1, ...; 0 means 3.
	Runs int
	Seed uint64
	// Wall is the span both tiers run the workload in: the scenario's
	// workload is compressed into it (think times alike), so the simulated
	// and the real clock see the same schedule; 0 means 5 s.
	Wall time.Duration
	// Server is an `nfsmail serve` HOST:PORT for the real tier ("" =
	// in-process).
	Server string
	// SimRTT is what one RPC costs in the simulated runs; 0 means the
	// real tier's pace (Fidelity.SimRTTMs).
	SimRTT time.Duration
	// Progress receives one line per run (nil = none).
	Progress io.Writer
}

// costDeliveries is how many sequential LMTP deliveries to one user on
// one host measure the RPCs per delivery.
const costDeliveries = 20

// Fidelity is one scenario measured in both tiers. Its JSON form only
// ever gains fields.
type Fidelity struct {
	Scenario string        `json:"scenario"`
	Format   string        `json:"format"`
	Routing  string        `json:"routing"`
	Mount    string        `json:"mount"`
	Expected check.Verdict `json:"expected_verdict"`
	Runs     int           `json:"runs"`
	// WorkloadSeconds is the span the workload was compressed into.
	WorkloadSeconds float64         `json:"workload_seconds"`
	Sim             []check.Verdict `json:"sim_verdicts"`
	Real            []check.Verdict `json:"real_verdicts"`
	// RPCs per LMTP delivery (costDeliveries sequential deliveries to one
	// user on one host), in total and by procedure.
	SimRPCsPerDelivery  float64            `json:"sim_rpcs_per_delivery"`
	RealRPCsPerDelivery float64            `json:"real_rpcs_per_delivery"`
	SimDeliveryRPCs     map[string]float64 `json:"sim_delivery_rpcs"`
	RealDeliveryRPCs    map[string]float64 `json:"real_delivery_rpcs"`
	// Milliseconds one of those deliveries took, per attempt: virtual time
	// at the simulation's default round trip, wall time on real Dovecot.
	SimMsPerDelivery  float64 `json:"sim_ms_per_delivery"`
	RealMsPerDelivery float64 `json:"real_ms_per_delivery"`
	// SimRTTMs is the round trip per RPC the simulated runs used (0 in
	// rows saved before it was recorded: the default 0.25 ms). Unless
	// FidelityOptions.SimRTT set it, it paces the simulation as the real
	// tier ran: the default times RealMsPerDelivery / SimMsPerDelivery,
	// so a simulated delivery takes as long as a real one and commands
	// overlap as often in both tiers. It replaces a scenario's own rtt,
	// which the real tier cannot honour (its RPCs take what they take).
	SimRTTMs float64 `json:"sim_rtt_ms"`
	// Signs are the distinct findings and log lines (normalised) of each
	// tier, with the number of runs that showed them.
	SimSigns  []Sign `json:"sim_signs"`
	RealSigns []Sign `json:"real_signs"`
	// RealOnlyFiles and SimOnlyFiles are the file names (digits as N)
	// found after the delivery-cost run in one tier's store only.
	RealOnlyFiles []string `json:"real_only_files"`
	SimOnlyFiles  []string `json:"sim_only_files"`
	// RealOpErrors counts operations real Dovecot refused (LMTP 4xx/5xx,
	// IMAP errors) over all runs.
	RealOpErrors int `json:"real_op_errors"`
	// Differ says where the tiers differ and, where known, why.
	Differ    []string `json:"differ"`
	MountNote string   `json:"mount_note,omitempty"`
	Note      string   `json:"note"`
}

// Sign is one normalised finding or log line and how many runs showed it.
type Sign struct {
	Text string `json:"text"`
	Runs int    `json:"runs"`
}

// Compress returns sc with its workload squeezed into wall: start times
// and think times scale alike, so a run on real Dovecot with Wall = wall
// and the simulation of the result follow the same schedule.
func Compress(sc scenarios.Scenario, wall time.Duration) scenarios.Scenario {
	d := sc.Workload.Duration
	if d <= 0 || wall <= 0 {
		return sc
	}
	f := float64(wall) / float64(d)
	sc.Workload.Duration = wall
	sc.Workload.Idle = time.Duration(float64(sc.Workload.Idle) * f)
	return sc
}

// CompareFidelity runs sc opts.Runs times in each tier and measures the
// cost of a delivery in each. Errors are harness failures.
func CompareFidelity(ctx context.Context, sc scenarios.Scenario, opts FidelityOptions) (*Fidelity, error) {
	if err := Runnable(sc); err != nil {
		return nil, err
	}
	if opts.Runs <= 0 {
		opts.Runs = 3
	}
	if opts.Wall <= 0 {
		opts.Wall = 5 * time.Second
	}
	c := Compress(sc, opts.Wall)
	f := &Fidelity{Scenario: sc.Name, Format: sc.Format, Routing: sc.Routing, Mount: sc.Mount,
		Expected: sc.Expected, Runs: opts.Runs, WorkloadSeconds: opts.Wall.Seconds(),
		Sim: []check.Verdict{}, Real: []check.Verdict{}, Note: Note +
			"; both tiers run the workload compressed into the same span"}
	if err := f.measureCost(ctx, c, opts); err != nil {
		return nil, err
	}
	paced := c
	paced.RTT = opts.SimRTT
	if paced.RTT <= 0 {
		paced.RTT = f.pace()
	}
	f.SimRTTMs = millis(paced.RTT)
	if opts.Progress != nil {
		fmt.Fprintf(opts.Progress, "fidelity %s: simulated runs at %.2f ms per RPC\n", sc.Name, f.SimRTTMs)
	}
	simSigns, realSigns := map[string]int{}, map[string]int{}
	for i := range opts.Runs {
		seed := opts.Seed + uint64(i)
		sim, err := scenarios.Run(paced, scenarios.Options{Seed: seed})
		if err != nil {
			return nil, fmt.Errorf("realdovecot: fidelity %s: simulation: %w", sc.Name, err)
		}
		real, err := Run(ctx, c, Options{Seed: seed, Wall: opts.Wall, Server: opts.Server})
		if err != nil {
			return nil, fmt.Errorf("realdovecot: fidelity %s: %w", sc.Name, err)
		}
		f.Sim, f.Real = append(f.Sim, sim.Verdict), append(f.Real, real.Verdict)
		f.MountNote = real.MountNote
		f.RealOpErrors += real.DeliverFailed + real.DeliverTemp + real.SessionsFailed
		countSigns(simSigns, simSignsOf(sim))
		countSigns(realSigns, realSignsOf(real))
		if opts.Progress != nil {
			fmt.Fprintf(opts.Progress, "fidelity %s seed %d: simulated %s, real %s (%.1f s)\n",
				sc.Name, seed, sim.Verdict, real.Verdict, real.WallSeconds)
		}
	}
	f.SimSigns, f.RealSigns = signList(simSigns), signList(realSigns)
	f.Differ = f.explain()
	return f, nil
}

// measureCost runs costDeliveries deliveries to one user on one host in
// both tiers.
func (f *Fidelity) measureCost(ctx context.Context, sc scenarios.Scenario, opts FidelityOptions) error {
	sc.Name += "-deliveries"
	sc.Hosts, sc.Routing, sc.Skew, sc.RTT = 1, "director", nil, 0
	sc.Workload = mailgen.Spec{Users: 1, Deliveries: costDeliveries, Duration: opts.Wall}
	tmp, err := os.MkdirTemp("", "nfsmail-fidelity-")
	if err != nil {
		return fmt.Errorf("realdovecot: fidelity: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o755); err != nil { // Dovecot's services traverse it
		return fmt.Errorf("realdovecot: fidelity: %w", err)
	}
	simStore := filepath.Join(tmp, "sim")
	if err := os.Mkdir(simStore, 0o755); err != nil {
		return fmt.Errorf("realdovecot: fidelity: %w", err)
	}
	sim, err := scenarios.Run(sc, scenarios.Options{Seed: opts.Seed, Keep: simStore})
	if err != nil {
		return fmt.Errorf("realdovecot: fidelity %s: simulation: %w", sc.Name, err)
	}
	ropts := Options{Seed: opts.Seed, Wall: opts.Wall, Server: opts.Server, WorkDir: filepath.Join(tmp, "real")}
	real, err := Run(ctx, sc, ropts)
	if err != nil {
		return fmt.Errorf("realdovecot: fidelity %s: %w", sc.Name, err)
	}
	if opts.Server == "" {
		f.RealOnlyFiles, f.SimOnlyFiles = fileDiff(filepath.Join(ropts.WorkDir, "store"), simStore)
	}
	f.SimDeliveryRPCs = perDelivery(sim.RPCCounts, costDeliveries)
	realCounts := map[string]int{}
	for h, c := range real.RPCByHost {
		if h != "auditor" {
			for p, n := range c {
				realCounts[p] += n
			}
		}
	}
	f.RealDeliveryRPCs = perDelivery(realCounts, max(real.Deliveries, 1))
	f.SimRPCsPerDelivery = float64(sim.RPCs) / costDeliveries
	f.RealRPCsPerDelivery = float64(real.RPCs) / float64(max(real.Deliveries, 1))
	f.SimMsPerDelivery = 1000 * sim.BusySeconds / costDeliveries
	if n := real.Deliveries + real.DeliverFailed + real.DeliverTemp; n > 0 {
		f.RealMsPerDelivery = 1000 * real.DeliverySeconds / float64(n)
	}
	if opts.Progress != nil {
		fmt.Fprintf(opts.Progress, "fidelity %s: %.1f RPCs and %.1f ms per delivery simulated, %.1f and %.1f ms real\n",
			sc.Name, f.SimRPCsPerDelivery, f.SimMsPerDelivery, f.RealRPCsPerDelivery, f.RealMsPerDelivery)
	}
	return nil
}

// pace is the round trip that makes a simulated delivery take as long as
// a real one did in the cost run; the simulation's default when either
// was not measured.
func (f *Fidelity) pace() time.Duration {
	lan := nfsclient.DefaultOptions().RTT
	if f.SimMsPerDelivery <= 0 || f.RealMsPerDelivery <= 0 {
		return lan
	}
	d := time.Duration(float64(lan) * f.RealMsPerDelivery / f.SimMsPerDelivery)
	return min(max(d, time.Microsecond), scenarios.MaxRTT)
}

func perDelivery(c map[string]int, n int) map[string]float64 {
	out := map[string]float64{}
	for p, v := range c {
		out[p] = math.Round(float64(v)/float64(n)*100) / 100
	}
	return out
}

var (
	pathRe   = regexp.MustCompile(`\S*/\S*`)
	numberRe = regexp.MustCompile(`\d+`)
	hexRe    = regexp.MustCompile(`\.[0-9a-f]{8}$`) // dovecot-uidvalidity.<hex>
)

// normalise strips what varies between runs and tiers from a log text:
// paths, numbers, the "Mailbox INBOX: " prefix.
func normalise(s string) string {
	if i := strings.Index(s, "Mailbox INBOX: "); i >= 0 { // drop "lmtp-server: conn …: rcpt …: "
		s = s[i+len("Mailbox INBOX: "):]
	}
	s = pathRe.ReplaceAllString(s, "…")
	s = numberRe.ReplaceAllString(s, "N")
	if len(s) > 110 {
		s = s[:110] + "…"
	}
	return s
}

func simSignsOf(r *scenarios.Result) []string {
	var out []string
	for _, f := range r.Findings {
		if f.Kind != check.EngineError {
			out = append(out, "finding "+string(f.Kind))
		}
	}
	for _, l := range r.Log {
		level := l.Level
		if level == "Critical" { // Dovecot writes mailbox_set_critical as "Error:"
			level = "Error"
		}
		out = append(out, level+": "+normalise(l.Text))
	}
	return out
}

func realSignsOf(r *Result) []string {
	var out []string
	for _, f := range r.Findings {
		switch f.Kind {
		case check.EngineError:
		case check.HarnessError: // say what failed: it is not about the store
			out = append(out, "finding "+string(f.Kind)+": "+normalise(f.Detail))
		default:
			out = append(out, "finding "+string(f.Kind))
		}
	}
	for _, l := range r.Log {
		if strings.HasPrefix(l.Text, "Event ") && strings.Contains(l.Text, " leaked ") {
			continue // a process killed at shutdown, not about the store
		}
		out = append(out, l.Level+": "+normalise(l.Text))
	}
	return out
}

// countSigns adds one run's distinct signs to counts.
func countSigns(counts map[string]int, signs []string) {
	slices.Sort(signs)
	for _, s := range slices.Compact(signs) {
		counts[s]++
	}
}

// signList orders signs by runs (most first), then text.
func signList(counts map[string]int) []Sign {
	out := []Sign{}
	for _, t := range slices.Sorted(maps.Keys(counts)) {
		out = append(out, Sign{Text: t, Runs: counts[t]})
	}
	slices.SortStableFunc(out, func(a, b Sign) int { return b.Runs - a.Runs })
	return out
}

// Distribution renders verdict counts in severity order: "CLEAN 3/5, ...".
func Distribution(vs []check.Verdict) string {
	var parts []string
	for _, v := range []check.Verdict{check.Clean, check.SelfHealed, check.Corrupted, check.Unknown} {
		n := 0
		for _, x := range vs {
			if x == v {
				n++
			}
		}
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d/%d", v, n, len(vs)))
		}
	}
	return strings.Join(parts, ", ")
}

// FidelityScenarios are the scenarios `nfsmail fidelity` compares by
// default: every catalog scenario the real tier can run, plus variants the
// catalog lacks (named with scenarios.Scenario.With's suffix): director-less
// sdbox with nolock and a 30 s attribute cache, the shape the real tier
// was first calibrated on, and director-less sdbox whose cache is purged
// once 5% of its records are expunged, however small it is
// (mail_cache_purge_min_size = 1 byte instead of 32 KiB,
// mail_cache_purge_delete_percentage = 5 instead of 20), so that both
// tiers replace dovecot.index.cache under the other host's open handles.
func FidelityScenarios() []scenarios.Scenario {
	var out []scenarios.Scenario
	for _, sc := range scenarios.All() {
		if Runnable(sc) == nil {
			out = append(out, sc)
		}
	}
	base, err := scenarios.Lookup("sdbox-random-nolock")
	if err != nil { // not in this catalog: derive it from maildir-random
		if base, err = scenarios.Lookup("maildir-random"); err != nil {
			return out
		}
		base.Name, base.Format, base.Mount = "sdbox-random-nolock", "sdbox", "nolock"
	}
	if v, err := base.With("mount", "nolock,actimeo=30"); err == nil && Runnable(v) == nil {
		out = append(out, v)
	}
	if v, err := scenarios.Lookup("sdbox-random"); err == nil {
		if v, err = v.With("mail_cache_purge_min_size", "1"); err == nil {
			if v, err = v.With("mail_cache_purge_delete_percentage", "5"); err == nil && Runnable(v) == nil {
				out = append(out, v)
			}
		}
	}
	return out
}

// fileDiff lists the file names (digits as N) under a but not b, and
// under b but not a.
func fileDiff(a, b string) (onlyA, onlyB []string) {
	na, nb := fileNames(a), fileNames(b)
	for n := range na {
		if !nb[n] {
			onlyA = append(onlyA, n)
		}
	}
	for n := range nb {
		if !na[n] {
			onlyB = append(onlyB, n)
		}
	}
	slices.Sort(onlyA)
	slices.Sort(onlyB)
	return onlyA, onlyB
}

// fileNames are the names of regular files under dir, message files
// (Maildir names, u.N) left out.
func fileNames(dir string) map[string]bool {
	out := map[string]bool{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if base := filepath.Base(filepath.Dir(p)); base == "new" || base == "cur" || base == "tmp" ||
			strings.HasPrefix(d.Name(), "u.") || strings.HasPrefix(d.Name(), ".nfs") {
			return nil
		}
		out[numberRe.ReplaceAllString(hexRe.ReplaceAllString(d.Name(), ".X"), "N")] = true
		return nil
	})
	return out
}
