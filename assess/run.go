package assess

import (
	"github.com/nfsmail/nfsmail/harness/check"
	"github.com/nfsmail/nfsmail/scenarios"
)

// Run assesses a configuration: it builds the closest scenario, measures
// it over seeds, and measures the catalog scenarios behind each risk.
func Run(c *Config, o Options) (*Report, error) {
	if o.Seeds == 0 {
		o.Seeds = 10
	}
	sc, rs, unknown, err := Build(c, o)
	if err != nil {
		return nil, err
	}
	rep := &Report{Format: sc.Format, Mount: sc.Mount, Routing: sc.Routing, Risks: rs, Unknown: unknown}
	if rep.Risks == nil {
		rep.Risks = []Risk{}
	}
	if rep.Mount == "" {
		rep.Mount = "defaults"
	}
	if rep.Yours, err = scenarios.Measure(sc, o.Seeds); err != nil {
		return nil, err
	}
	rep.Verdict = worst(rep.Yours.Verdicts)
	rep.Scenario = sc
	for _, rel := range related(rs) {
		m, err := scenarios.Measure(rel, o.Seeds)
		if err != nil {
			return nil, err
		}
		rep.Related = append(rep.Related, m)
	}
	return rep, nil
}

func worst(v map[check.Verdict]int) check.Verdict {
	w := check.Clean
	for k, n := range v {
		if n > 0 && k.Severity() > w.Severity() {
			w = k
		}
	}
	return w
}
