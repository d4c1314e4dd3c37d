package realdovecot

import (
	"context"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/nfsmail/nfsmail/mailgen"
	"github.com/nfsmail/nfsmail/scenarios"
)

// doveadmJobs are the doveadm commands a scenario's Purge runs per user,
// as the simulation's launchPurges does: force-resync, or altmove (ALL)
// then purge, or purge.
func doveadmJobs(p *scenarios.Purge, user string) [][]string {
	switch {
	case p.ForceResync:
		return [][]string{{"force-resync", "-u", user, "INBOX"}}
	case p.AltMove:
		return [][]string{{"altmove", "-u", user, "ALL"}, {"purge", "-u", user}}
	}
	return [][]string{{"purge", "-u", user}}
}

// maintenance runs the scenario's doveadm jobs for every user every
// Purge.Every (scaled to wall time) while the workload lasts, on the
// user's backend ("director", home gives its index) or on a host drawn
// from the seed ("any": a cron job on whichever backend), through the
// instance's own config, so doveadm logs where the instance logs. A job
// that fails is an operator's cron job failing, not a client's command:
// what it broke shows in the audit and in the log.
func (r *run) maintenance(ctx context.Context, ops []mailgen.Op, home func(user string) int, scale float64, start time.Time) {
	p := r.sc.Purge
	users, end := mailgen.Span(ops)
	rng := rand.New(rand.NewPCG(r.opts.Seed, 0x646f7665)) // "dove"
	ran, failed, skipped := 0, 0, 0
	var busy time.Duration
	defer func() {
		r.res.DoveadmJobs, r.res.DoveadmFailed = ran, failed
		r.progress("doveadm: %d jobs run (%.1f s each), %d failed, %d rounds skipped while one ran", ran, busy.Seconds()/float64(max(ran, 1)), failed, skipped)
	}()
	for t := p.Every; t <= end+p.Every; t += p.Every {
		at := start.Add(time.Duration(float64(t) * scale))
		if time.Now().After(at) { // like cron: a round still running makes the next wait
			skipped++
			continue
		}
		select {
		case <-time.After(time.Until(at)):
		case <-ctx.Done():
			return
		}
		for _, u := range users {
			in := r.insts[home(u)]
			if p.Via == "any" {
				in = r.insts[rng.IntN(len(r.insts))]
			}
			conf := filepath.Join(in.Config.BaseDir, "dovecot.conf")
			for _, job := range doveadmJobs(p, u) {
				began := time.Now()
				out, err := exec.CommandContext(ctx, DoveadmBin, append([]string{"-c", conf}, job...)...).CombinedOutput()
				ran++
				busy += time.Since(began)
				appendLog(in.LogPath(), out)
				if err != nil {
					failed++
					r.progress("doveadm %s on %s: %v: %s", strings.Join(job, " "), in.Config.Name, err, strings.TrimSpace(string(out)))
					break
				}
			}
		}
	}
}

// appendLog adds what doveadm wrote to its standard error ("doveadm(user):
// Warning: ...") to the instance's log, stamped as log_timestamp stamps
// the instance's own lines, so its warnings count with the instance's.
func appendLog(path string, out []byte) {
	text := strings.TrimSpace(string(out))
	if text == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	stamp := time.Now().Format("2006-01-02 15:04:05 ")
	var b strings.Builder
	for _, line := range strings.Split(text, "\n") {
		b.WriteString(stamp + line + "\n")
	}
	_, _ = f.WriteString(b.String())
}
