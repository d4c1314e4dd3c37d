package reproduce

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/nfsmail/nfsmail/harness/fault"
	"github.com/nfsmail/nfsmail/mailgen"
	"github.com/nfsmail/nfsmail/scenarios"
)

// Files written by Write.
const (
	ScenarioFile  = "scenario.toml"
	FaultsFile    = "faults.toml"
	OpsFile       = "schedule.ops"
	SimulatedLog  = "simulated.log"
	ReportedLog   = "reported.log"
	ExplanationMD = "explanation.md"
	ExplanationHT = "explanation.html"
	TestFile      = "repro_test.go"
)

// FormatSimulatedLog renders a simulated run's log lines the way a
// syslog-ing Dovecot would write them, so ParseLog reads them back: the
// host is the backend, the time stamp is fixed (the simulation's clock is
// virtual) and the session field carries the scheduling step. Critical
// lines are written as Error, as Dovecot does.
func FormatSimulatedLog(log []scenarios.LogLine) []byte {
	var b bytes.Buffer
	for _, l := range log {
		svc, user := procName(l.Proc)
		level := l.Level
		if level == "Critical" {
			level = "Error"
		}
		fmt.Fprintf(&b, "Jan  1 00:00:00 %s dovecot: %s(%s)<%d><step%d>: %s: %s\n", l.Host, svc, user, l.Step, l.Step, level, l.Text)
	}
	return b.Bytes()
}

// MarshalScenario writes sc as a scenario file. scenarios.Marshal does
// not write fault plans and events yet, so they are added here: the plan
// as a separate file (returned as faults, nil when there is none) named by
// faults = "faults.toml", and the events as [[event]] tables.
func MarshalScenario(sc scenarios.Scenario) (toml, faults []byte, err error) {
	bare := sc
	bare.Faults, bare.Events = fault.Plan{}, nil
	out, err := scenarios.Marshal(bare)
	if err != nil {
		return nil, nil, err
	}
	if len(sc.Faults.Rules) > 0 || sc.Faults.Granularity > 0 {
		faults = marshalPlan(sc.Faults)
		out = emptyFaultsRe.ReplaceAll(out, []byte(fmt.Sprintf("faults = %q", FaultsFile)))
	}
	if len(sc.Events) > 0 {
		out = emptyEventRe.ReplaceAll(out, nil)
	}
	for _, e := range sc.Events {
		fmt.Fprintf((*appender)(&out), "\n[[event]]\nat = %q\nkind = %q\n", e.At, e.Kind)
		if e.Kind == scenarios.Crash {
			fmt.Fprintf((*appender)(&out), "host = %d\n", e.Host)
		}
		if e.For > 0 {
			fmt.Fprintf((*appender)(&out), "for = %q\n", e.For)
		}
		if e.Reclaim {
			fmt.Fprintf((*appender)(&out), "reclaim = true\n")
		}
	}
	return out, faults, nil
}

var (
	emptyFaultsRe = regexp.MustCompile(`(?m)^faults = ''$`)
	emptyEventRe  = regexp.MustCompile(`(?m)^event = \[\]\n`)
)

type appender []byte

func (a *appender) Write(p []byte) (int, error) { *a = append(*a, p...); return len(p), nil }

var statusNames = []string{"EIO", "ENOSPC", "ESTALE", "JUKEBOX", "EACCES", "EDQUOT"}

// marshalPlan writes a fault plan in the format fault.ParsePlan reads.
func marshalPlan(p fault.Plan) []byte {
	var b bytes.Buffer
	b.WriteString("# fault plan written by nfsmail reproduce\n")
	if p.Granularity > 0 {
		fmt.Fprintf(&b, "granularity = %q\n", p.Granularity)
	}
	for _, r := range p.Rules {
		fmt.Fprintf(&b, "\n[[rule]]\nname = %q\naction = %q\n", r.Name, r.Action)
		str := func(k, v string) {
			if v != "" {
				fmt.Fprintf(&b, "%s = %q\n", k, v)
			}
		}
		dur := func(k string, d time.Duration) {
			if d != 0 {
				str(k, d.String())
			}
		}
		str("proc", r.Proc)
		str("host", r.Host)
		str("path", r.Path)
		if r.Probability != 0 {
			fmt.Fprintf(&b, "probability = %s\n", strconv.FormatFloat(r.Probability, 'g', -1, 64))
		}
		dur("from", r.From)
		dur("until", r.Until)
		dur("delay", r.Delay)
		if r.Nth != 0 {
			fmt.Fprintf(&b, "nth = %d\n", r.Nth)
		}
		if r.Times != 0 {
			fmt.Fprintf(&b, "times = %d\n", r.Times)
		}
		if r.Action == fault.Status {
			for _, n := range statusNames {
				if st, err := fault.ParseStatus(n); err == nil && st == r.Status {
					str("status", n)
				}
			}
		}
	}
	return b.Bytes()
}

// Write puts the reproduction into dir: the scenario (and its fault plan),
// the shrunk schedule, the simulated log next to the reported one, the
// explanation as Markdown and HTML, and a Go test that fails while the
// corruption still reproduces. It checks that the written scenario and
// schedule replay to the same signatures and returns the replay command.
func Write(dir string, rep *Report, reported []byte) (string, error) {
	if rep.Scenario == nil {
		return "", fmt.Errorf("reproduce: nothing to write: no run logged the reported signatures")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	sc, faults, err := MarshalScenario(*rep.Scenario)
	if err != nil {
		return "", err
	}
	ops := rep.Ops
	if ops == nil {
		ops = mailgen.Generate(rep.Seed, rep.Scenario.Workload)
	}
	replay := fmt.Sprintf("nfsmail run %s --seed %d --ops %s", filepath.Join(dir, ScenarioFile), rep.Seed, filepath.Join(dir, OpsFile))
	header := fmt.Sprintf("# %s: %d of %d operations (%s)\n", rep.Scenario.Name, len(ops), len(mailgen.Generate(rep.Seed, rep.Scenario.Workload)), replay)
	files := map[string][]byte{
		ScenarioFile:  sc,
		OpsFile:       append([]byte(header), mailgen.Format(ops)...),
		SimulatedLog:  FormatSimulatedLog(rep.Result.Log),
		ReportedLog:   reported,
		ExplanationMD: Markdown(rep, replay),
		ExplanationHT: HTML(rep, replay),
		TestFile:      GoTest(rep, filepath.Base(dir)),
	}
	if faults != nil {
		files[FaultsFile] = faults
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return "", err
		}
	}
	return replay, Verify(dir, rep.Seed, rep.Covered)
}

// Verify loads dir's scenario and schedule, replays them and checks that
// every wanted signature is logged again.
func Verify(dir string, seed uint64, want []string) error {
	sc, err := scenarios.Load(filepath.Join(dir, ScenarioFile))
	if err != nil {
		return fmt.Errorf("reproduce: the written scenario does not load: %w", err)
	}
	data, err := os.ReadFile(filepath.Join(dir, OpsFile))
	if err != nil {
		return err
	}
	ops, err := mailgen.Parse(OpsFile, data)
	if err != nil {
		return err
	}
	res, err := scenarios.Run(sc, scenarios.Options{Seed: seed, Ops: ops, TraceLimit: 1})
	if err != nil {
		return err
	}
	if got := Covered(res.Log, want); len(got) != len(want) {
		return fmt.Errorf("reproduce: the written scenario replays to %s, not %s", strings.Join(got, ", "), strings.Join(want, ", "))
	}
	return nil
}
