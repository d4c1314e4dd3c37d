package realdovecot

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/nfsmail/nfsmail/harness/nfsclient"
)

// reason explains a sign seen in one tier only, by Dovecot's wording.
type reason struct {
	match string // substring of the normalised sign
	why   string
}

// reasons are the known causes of signs one tier shows and the other
// does not. Each was traced in a fidelity run (see the issue notes).
var reasons = []reason{
	{"corrupted cache", "dovecot.index.cache: a host reads another host's appends through a stale attribute " +
		"cache, or locks a file another host purged; how often depends on the interleaving (the engines cache " +
		"one header field where Dovecot caches several)"},
	{"cache", "dovecot.index.cache: the engines cache one field and purge for expunged records and rebuilds only"},
	{"mailbox list lock", "mailboxes.lock (file_create_locked): one host waits on the lock file another host " +
		"unlinked when it unlocked, and gets ESTALE"},
	{"finding list-stale", "a LIST missed a folder another session had created or deleted (in the model: a list " +
		"index read through a stale attribute cache or kept on another host; in real Dovecot not traced yet)"},
	{"Rebuilding index", "sdbox rebuild after an inconsistency another host caused"},
	{"already exists, rebuilding", "two hosts took the same next_uid"},
	{"pread() failed", "dovecot.index.cache's latest field header read (pread, mmap_disable=yes, once per cache " +
		"transaction) through the handle of a cache file a purge, a rebuild or another host replaced; Dovecot " +
		"logs this read's ESTALE, its record reads stay silent; how often depends on the interleaving"},
	{"mail_index_wait_lock_fd() failed", "dovecot.index.log locked through the handle of a log a reset or " +
		"another host replaced (after the fcntl line)"},
	{"Stale file handle", "a file another host replaced (rename over dovecot.index*) used through an old handle"},
	{"indexid changed", "a DELETE opens the folder's index before it takes mailboxes.lock; another session " +
		"deleted the folder and created it again meanwhile, so the DELETE's sync meets the new folder's log and " +
		"marks it corrupted (both tiers model it; the simulation's folder commands are too quick to meet it often)"},
	{"transaction log", "two hosts appending to dovecot.index.log without a common lock"},
	{"Lost log", "two hosts appending to dovecot.index.log without a common lock"},
	{"uidvalidity=N, but next_uid", "a map restarted from a reset log that a process without dovecot.index wrote " +
		"when it replaced a broken log (small mailboxes have no dovecot.index): the UIDs are back but not the " +
		"UIDVALIDITY, so Dovecot fscks (a new UIDVALIDITY) and sdbox rebuilds; both tiers model it"},
	{"fscking", "index repaired after a log problem"},
	{"reset, view is now inconsistent", "an index reset (a rebuild, doveadm force-resync, on any host) under an " +
		"open IMAP session, which Dovecot then disconnects; both tiers model it (index.View), so how often it " +
		"shows depends on whether a rebuild lands during a session"},
	{"finding flags-lost", "an acknowledged flag change lost"},
	{"finding resurrected", "an expunged message back (traced once: an mdbox rebuild bringing back an expunge " +
		"whose session an index reset cut off, mdbox-random seed 13), or a folder back after an acknowledged " +
		"DELETE (two sessions creating and deleting one folder at once)"},
	{"lost uid", "an index record whose file another host removed"},
	{"finding harness-error", "the real tier could not read the store after the run: its auditor's Dovecot " +
		"failed twice to log in or open a mailbox the workload used (the text says which and why)"},
	{"View is inconsistent", "a commit on a view an index reset made inconsistent: the engines end the " +
		"session at the first inconsistent sync, before another commit"},
	{"finding temp-fail", "an operation failed in one tier only"},
	{"Info", "an info line, not a finding"},
}

func why(sign string) string {
	for _, r := range reasons {
		if strings.Contains(sign, r.match) {
			return r.why
		}
	}
	return "not traced yet"
}

// Explain sets Differ from the row's verdicts, signs, costs and files,
// with the explanations this version knows (for rows read back from
// JSON).
func (f *Fidelity) Explain() { f.Differ = f.explain() }

// rpcGap is how far the RPCs per delivery may differ before the cost
// counts as a difference.
const rpcGap = 0.25

// explain lists where the tiers differ: verdicts, signs seen in one tier
// only, and the cost of a delivery by procedure.
func (f *Fidelity) explain() []string {
	var out []string
	if Distribution(f.Sim) != Distribution(f.Real) {
		out = append(out, fmt.Sprintf("verdicts differ (simulated %s; real %s)", Distribution(f.Sim), Distribution(f.Real)))
	}
	out = append(out, onlyIn("real only", f.RealSigns, f.SimSigns)...)
	out = append(out, onlyIn("simulated only", f.SimSigns, f.RealSigns)...)
	if s, r := f.SimRPCsPerDelivery, f.RealRPCsPerDelivery; s > 0 && math.Abs(r/s-1) > rpcGap {
		out = append(out, fmt.Sprintf("RPCs/delivery real %.1f vs simulated %.1f; per delivery %s", r, s,
			procGaps(f.RealDeliveryRPCs, f.SimDeliveryRPCs, 4)))
	}
	if len(f.RealOnlyFiles) > 0 {
		out = append(out, "files only real Dovecot writes: "+strings.Join(f.RealOnlyFiles, ", "))
	}
	if len(f.SimOnlyFiles) > 0 {
		out = append(out, "files only the engines write: "+strings.Join(f.SimOnlyFiles, ", "))
	}
	if len(out) == 0 {
		out = []string{"agree"}
	}
	return out
}

// onlyIn lists the signs of a that b never showed, with a reason each.
func onlyIn(label string, a, b []Sign) []string {
	seen := map[string]bool{}
	for _, s := range b {
		seen[s.Text] = true
	}
	var out []string
	more := 0
	for _, s := range a {
		if seen[s.Text] || strings.HasPrefix(s.Text, "Info") {
			continue
		}
		if len(out) == maxSigns {
			more++
			continue
		}
		out = append(out, fmt.Sprintf("%s (%d run(s)): %q — %s", label, s.Runs, s.Text, why(s.Text)))
	}
	if more > 0 {
		out = append(out, fmt.Sprintf("%s: %d more (see the JSON)", label, more))
	}
	return out
}

// maxSigns is how many one-tier signs the table names per tier.
const maxSigns = 3

// procGaps renders the n largest per-procedure differences, real - sim.
func procGaps(real, sim map[string]float64, n int) string {
	type gap struct {
		proc string
		d    float64
	}
	var gaps []gap
	for _, p := range slices.Sorted(maps.Keys(union(real, sim))) {
		if d := real[p] - sim[p]; math.Abs(d) >= 0.5 {
			gaps = append(gaps, gap{p, d})
		}
	}
	slices.SortStableFunc(gaps, func(a, b gap) int { return cmp.Compare(math.Abs(b.d), math.Abs(a.d)) })
	var parts []string
	for _, g := range gaps[:min(n, len(gaps))] {
		parts = append(parts, fmt.Sprintf("%s %+.1f", g.proc, g.d))
	}
	if len(parts) == 0 {
		return "no procedure differs by 0.5 or more"
	}
	return strings.Join(parts, ", ")
}

func union(a, b map[string]float64) map[string]float64 {
	out := maps.Clone(a)
	maps.Copy(out, b)
	return out
}

// PaceNote explains the "at ms/RPC" column of paced rows.
var PaceNote = fmt.Sprintf("The simulated runs cost each RPC the round trip in \"at ms/RPC\": unless --sim-rtt set it, "+
	"the one that makes a simulated delivery take as long as a real delivery took in the row's cost run (real Dovecot "+
	"through FUSE is slower than the simulation's LAN of %.2f ms), so that commands overlap about as often in both tiers.",
	lanRTTMs())

func lanRTTMs() float64 { return millis(nfsclient.DefaultOptions().RTT) }

// millis is d in milliseconds.
func millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// PaceMs is the round trip in milliseconds the simulated runs used.
func (f *Fidelity) PaceMs() float64 {
	if f.SimRTTMs > 0 {
		return f.SimRTTMs
	}
	return lanRTTMs()
}

// paced reports whether any row's simulated runs were paced.
func paced(rows []*Fidelity) bool {
	return slices.ContainsFunc(rows, func(f *Fidelity) bool { return f.SimRTTMs > 0 })
}

// WriteFidelityMarkdown renders rows as a Markdown table.
func WriteFidelityMarkdown(w io.Writer, rows []*Fidelity) error {
	var b strings.Builder
	fmt.Fprintf(&b, "| scenario | format | mount | runs | simulated | at ms/RPC | real Dovecot | RPCs/delivery sim | real | where and why they differ |\n")
	fmt.Fprintf(&b, "|---|---|---|---|---|---|---|---|---|---|\n")
	for _, f := range rows {
		mount := f.Mount
		if mount == "" {
			mount = "defaults"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %d | %s | %.2f | %s | %.1f | %.1f | %s |\n", f.Scenario, f.Format, mount, f.Runs,
			Distribution(f.Sim), f.PaceMs(), Distribution(f.Real), f.SimRPCsPerDelivery, f.RealRPCsPerDelivery,
			strings.ReplaceAll(strings.Join(f.Differ, "; "), "|", `\|`))
	}
	if len(rows) > 0 {
		fmt.Fprintf(&b, "\n%s. Workloads compressed into %.0f s.", rows[0].Note, rows[0].WorkloadSeconds)
		if paced(rows) {
			fmt.Fprintf(&b, " %s", PaceNote)
		}
		fmt.Fprintln(&b)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
