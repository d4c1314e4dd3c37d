package study

import (
	"cmp"
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/nfsmail/nfsmail/scenarios"
)

// Knob is one setting swept over several values: "mount", "routing",
// "hosts" or a Dovecot setting by its dovecot.conf name (see
// scenarios.Scenario.With).
type Knob struct {
	Key    string
	Values []string
}

// ParseKnob reads "key=v1,v2,...". Mount-option strings contain commas, so
// the values of "mount" are separated by "|" instead
// ("mount=defaults|nolock,actimeo=0"); "defaults" means the Linux defaults.
func ParseKnob(s string) (Knob, error) {
	key, vals, ok := strings.Cut(s, "=")
	key = strings.TrimSpace(key)
	if !ok || key == "" {
		return Knob{}, fmt.Errorf("knob %q: want key=value[,value...]", s)
	}
	sep := ","
	if key == "mount" {
		sep = "|"
	}
	k := Knob{Key: key}
	for _, v := range strings.Split(vals, sep) {
		v = strings.TrimSpace(v)
		if key == "mount" && v == "" {
			v = "defaults"
		}
		if v == "" {
			return Knob{}, fmt.Errorf("knob %q: empty value", s)
		}
		if !slices.Contains(k.Values, v) {
			k.Values = append(k.Values, v)
		}
	}
	return k, nil
}

// Spec is what a sweep covers.
type Spec struct {
	// Scenarios are catalog names, path.Match globs over them
	// ("maildir-*"), or scenario files (*.toml, globs allowed). Empty
	// means the whole catalog.
	Scenarios []string
	// Knobs are swept as a cartesian product, in this order; knobs with
	// the same key are joined.
	Knobs []Knob
	// Seeds: every variant runs with seeds 1..Seeds, or 1..MinSeeds where
	// its scenario asks for more (a rare hazard).
	Seeds int
}

// Variant is one scenario with some knobs changed.
type Variant struct {
	// Name is the scenario's name with each knob appended as "[key=value]";
	// it is the variant's identity in results files.
	Name string
	// Base is the name of the unchanged scenario.
	Base string
	// Knobs are the changes, "key=value", in the order applied.
	Knobs []string
	// Source is how to name the base scenario on the command line: its
	// catalog name or its file.
	Source   string
	Scenario scenarios.Scenario
}

// Job is one run of a sweep.
type Job struct {
	Variant *Variant
	Seed    uint64
}

// Key identifies a job and its record.
type Key struct {
	Variant string
	Seed    uint64
}

// Key returns the job's identity.
func (j Job) Key() Key { return Key{Variant: j.Variant.Name, Seed: j.Seed} }

// Compare orders keys by variant name, then seed.
func (k Key) Compare(o Key) int {
	return cmp.Or(strings.Compare(k.Variant, o.Variant), cmp.Compare(k.Seed, o.Seed))
}

func (k Key) String() string { return fmt.Sprintf("%s seed %d", k.Variant, k.Seed) }

// Variants expands the spec: every named scenario under every combination
// of knob values, sorted by name.
func (s Spec) Variants() ([]*Variant, error) {
	bases, err := s.resolve()
	if err != nil {
		return nil, err
	}
	knobs := joinKnobs(s.Knobs)
	var out []*Variant
	for _, b := range bases {
		vs := []*Variant{b}
		for _, k := range knobs {
			var next []*Variant
			for _, v := range vs {
				for _, val := range k.Values {
					w, err := v.with(k.Key, val)
					if err != nil {
						return nil, err
					}
					next = append(next, w)
				}
			}
			vs = next
		}
		out = append(out, vs...)
	}
	slices.SortFunc(out, func(a, b *Variant) int { return strings.Compare(a.Name, b.Name) })
	for i := 1; i < len(out); i++ {
		if out[i].Name == out[i-1].Name {
			return nil, fmt.Errorf("study: two scenarios are both named %q", out[i].Name)
		}
	}
	return out, nil
}

// with applies one knob. The name is ours ("defaults" stays readable even
// though the mount option parser wants "").
func (v *Variant) with(key, val string) (*Variant, error) {
	arg := val
	if key == "mount" && val == "defaults" {
		arg = ""
	}
	sc, err := v.Scenario.With(key, arg)
	if err != nil {
		return nil, fmt.Errorf("study: %s: %w", v.Name, err)
	}
	w := &Variant{Name: fmt.Sprintf("%s[%s=%s]", v.Name, key, val), Base: v.Base,
		Knobs: append(slices.Clone(v.Knobs), key+"="+val), Source: v.Source, Scenario: sc}
	w.Scenario.Name = w.Name
	return w, nil
}

func joinKnobs(knobs []Knob) []Knob {
	var out []Knob
	for _, k := range knobs {
		i := slices.IndexFunc(out, func(o Knob) bool { return o.Key == k.Key })
		if i < 0 {
			out = append(out, Knob{Key: k.Key, Values: slices.Clone(k.Values)})
			continue
		}
		for _, v := range k.Values {
			if !slices.Contains(out[i].Values, v) {
				out[i].Values = append(out[i].Values, v)
			}
		}
	}
	return out
}

// resolve turns the spec's scenario names, globs and files into base
// variants, each once.
func (s Spec) resolve() ([]*Variant, error) {
	names := s.Scenarios
	if len(names) == 0 {
		names = []string{"*"}
	}
	var out []*Variant
	seen := map[string]bool{}
	add := func(v *Variant) {
		if !seen[v.Name] {
			seen[v.Name] = true
			out = append(out, v)
		}
	}
	for _, n := range names {
		if strings.HasSuffix(n, ".toml") {
			files, err := filepath.Glob(n)
			if err != nil || len(files) == 0 {
				files = []string{n} // let Load name the problem
			}
			for _, f := range files {
				sc, err := scenarios.Load(f)
				if err != nil {
					return nil, fmt.Errorf("study: %w", err)
				}
				add(&Variant{Name: sc.Name, Base: sc.Name, Source: f, Scenario: sc})
			}
			continue
		}
		matched := false
		for _, sc := range scenarios.All() {
			if ok, err := path.Match(n, sc.Name); err != nil {
				return nil, fmt.Errorf("study: scenario pattern %q: %w", n, err)
			} else if ok {
				matched = true
				add(&Variant{Name: sc.Name, Base: sc.Name, Source: sc.Name, Scenario: sc})
			}
		}
		if !matched {
			if _, err := scenarios.Lookup(n); err != nil {
				return nil, fmt.Errorf("study: %w", err)
			}
		}
	}
	return out, nil
}

// Jobs lists every (variant, seed) of the spec, sorted by Key.
func (s Spec) Jobs() ([]Job, error) {
	if s.Seeds < 1 {
		return nil, fmt.Errorf("study: seeds = %d, want at least 1", s.Seeds)
	}
	vs, err := s.Variants()
	if err != nil {
		return nil, err
	}
	jobs := make([]Job, 0, len(vs)*s.Seeds)
	for _, v := range vs {
		for seed := range uint64(max(s.Seeds, v.Scenario.MinSeeds)) {
			jobs = append(jobs, Job{Variant: v, Seed: seed + 1})
		}
	}
	return jobs, nil
}

// Shard is share K of N (1 <= K <= N) of a job list; the zero Shard is
// the whole list.
type Shard struct{ K, N int }

// ParseShard reads "K/N", 1 <= K <= N.
func ParseShard(s string) (Shard, error) {
	ks, ns, ok := strings.Cut(s, "/")
	k, err1 := strconv.Atoi(ks)
	n, err2 := strconv.Atoi(ns)
	if !ok || err1 != nil || err2 != nil || n < 1 || k < 1 || k > n {
		return Shard{}, fmt.Errorf("shard %q: want K/N with 1 <= K <= N (e.g. 1/4; a Kubernetes Indexed Job passes $((JOB_COMPLETION_INDEX+1))/N)", s)
	}
	return Shard{K: k, N: n}, nil
}

func (sh Shard) String() string {
	if sh.N == 0 {
		return "all"
	}
	return fmt.Sprintf("%d/%d", sh.K, sh.N)
}

// Of returns the shard's jobs: those whose index in the sorted list is
// K-1 modulo N. Shards 1..N of one list are disjoint and cover it, and
// each gets a near-equal share of every variant.
func (sh Shard) Of(jobs []Job) []Job {
	if sh.N <= 1 {
		return jobs
	}
	var out []Job
	for i := sh.K - 1; i < len(jobs); i += sh.N {
		out = append(out, jobs[i])
	}
	return out
}
