package reproduce

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/nfsmail/nfsmail/mailgen"
	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/scenarios"
)

// Factor is one thing in the reproducing scenario that differs from a
// safe, default setup, with what removing it did.
type Factor struct {
	Name string `json:"name"` // "mount nolock", "routing=random", "event hiccup at 0s", ...
	// Without is the change that removes it, in words.
	Without string `json:"without"`
	// Label is "necessary" (never reproduced without it), "helps"
	// (reproduced less often without it) or "not needed".
	Label string `json:"label"`
	// WithRate and WithoutRate are how many of Seeds replays of the
	// shrunk schedule reproduced with and without it.
	WithRate    int `json:"with"`
	WithoutRate int `json:"without_count"`
	Seeds       int `json:"seeds"`
	remove      func(scenarios.Scenario) scenarios.Scenario
}

// Factors lists what sc has beyond Linux's and Dovecot's defaults with a
// director: each setting that differs, each mount option, non-director
// routing, a second host, skews, events, fault rules, LDA on the MX,
// quota-status, a cron purge, an unmounted backend.
func Factors(sc scenarios.Scenario) []Factor {
	var out []Factor
	add := func(name, without string, fn func(*scenarios.Scenario)) {
		out = append(out, Factor{Name: name, Without: without, remove: func(s scenarios.Scenario) scenarios.Scenario {
			s.Skew, s.Events, s.Faults.Rules = slices.Clone(s.Skew), slices.Clone(s.Events), slices.Clone(s.Faults.Rules)
			fn(&s)
			return s
		}})
	}
	def := mailstore.DefaultSettings()
	for _, st := range settingTable {
		if v := st.get(sc.Settings); v != st.get(def) {
			add(st.name+"="+v, st.name+"="+st.get(def), func(s *scenarios.Scenario) { st.reset(&s.Settings, def) })
		}
	}
	for _, o := range splitMount(sc.Mount) {
		add("mount "+o, "without "+o, func(s *scenarios.Scenario) {
			s.Mount = strings.Join(slices.DeleteFunc(splitMount(s.Mount), func(x string) bool { return x == o }), ",")
		})
	}
	if sc.Routing != "director" {
		add("routing="+sc.Routing, "routing=director", func(s *scenarios.Scenario) { s.Routing = "director" })
	}
	if sc.Hosts > 1 && sc.Unmounted == nil {
		add(fmt.Sprintf("hosts=%d", sc.Hosts), "hosts=1", func(s *scenarios.Scenario) { s.Hosts, s.Skew, s.Events = 1, nil, nil })
	}
	for i, d := range sc.Skew {
		if d != 0 {
			add(fmt.Sprintf("backend%d clock %+v", i+1, d), "synchronised clock", func(s *scenarios.Scenario) { s.Skew[i] = 0 })
		}
	}
	for i, e := range sc.Events {
		add(eventName(e), "no "+string(e.Kind), func(s *scenarios.Scenario) { s.Events = slices.Delete(s.Events, i, i+1) })
	}
	for i, r := range sc.Faults.Rules {
		add("fault "+r.Name, "no "+r.Name, func(s *scenarios.Scenario) { s.Faults.Rules = slices.Delete(s.Faults.Rules, i, i+1) })
	}
	if sc.Faults.Granularity > 0 {
		add(fmt.Sprintf("server mtime granularity %v", sc.Faults.Granularity), "fine mtimes", func(s *scenarios.Scenario) { s.Faults.Granularity = 0 })
	}
	if sc.Delivery == "lda-mx" {
		add("delivery=lda-mx", "delivery=lmtp", func(s *scenarios.Scenario) { s.Delivery, s.DeliverySettings = "", nil })
	}
	if sc.QuotaStatus {
		add("quota-status", "no quota-status", func(s *scenarios.Scenario) { s.QuotaStatus = false })
	}
	if sc.Purge != nil && sc.Purge.Via == "any" {
		add("doveadm purge on any host", "purge through the director", func(s *scenarios.Scenario) { p := *s.Purge; p.Via = "director"; s.Purge = &p })
	}
	if sc.Unmounted != nil {
		add(fmt.Sprintf("backend%d unmounted", sc.Unmounted.Host+1), "mounted", func(s *scenarios.Scenario) { s.Unmounted = nil })
	}
	return out
}

func eventName(e scenarios.Event) string {
	switch e.Kind {
	case scenarios.Crash:
		return fmt.Sprintf("backend%d crashes at %v", e.Host+1, e.At)
	case scenarios.Hiccup:
		return fmt.Sprintf("director hiccup at %v for %v", e.At, e.For)
	}
	return fmt.Sprintf("%s at %v", e.Kind, e.At)
}

type settingRow struct {
	name  string
	get   func(mailstore.Settings) string
	reset func(s *mailstore.Settings, def mailstore.Settings)
}

var yesNo = map[bool]string{true: "yes", false: "no"}

var settingTable = []settingRow{
	{"mmap_disable", func(s mailstore.Settings) string { return yesNo[s.MmapDisable] }, func(s *mailstore.Settings, d mailstore.Settings) { s.MmapDisable = d.MmapDisable }},
	{"mail_fsync", func(s mailstore.Settings) string { return s.MailFsync.String() }, func(s *mailstore.Settings, d mailstore.Settings) { s.MailFsync = d.MailFsync }},
	{"mail_nfs_storage", func(s mailstore.Settings) string { return yesNo[s.MailNFSStorage] }, func(s *mailstore.Settings, d mailstore.Settings) { s.MailNFSStorage = d.MailNFSStorage }},
	{"mail_nfs_index", func(s mailstore.Settings) string { return yesNo[s.MailNFSIndex] }, func(s *mailstore.Settings, d mailstore.Settings) { s.MailNFSIndex = d.MailNFSIndex }},
	{"lock_method", func(s mailstore.Settings) string { return s.LockMethod.String() }, func(s *mailstore.Settings, d mailstore.Settings) { s.LockMethod = d.LockMethod }},
	{"dotlock_use_excl", func(s mailstore.Settings) string { return yesNo[s.DotlockUseExcl] }, func(s *mailstore.Settings, d mailstore.Settings) { s.DotlockUseExcl = d.DotlockUseExcl }},
	{"mail_max_lock_timeout", func(s mailstore.Settings) string { return s.MailMaxLockTimeout.String() }, func(s *mailstore.Settings, d mailstore.Settings) { s.MailMaxLockTimeout = d.MailMaxLockTimeout }},
	{"index_memory", func(s mailstore.Settings) string { return yesNo[s.IndexMemory] }, func(s *mailstore.Settings, d mailstore.Settings) { s.IndexMemory = d.IndexMemory }},
}

// ExplainSeeds is how many seeds (the found one and the next ones) each
// factor is judged over.
const ExplainSeeds = 8

// Explain replays the shrunk schedule with each factor removed in turn,
// over ExplainSeeds seeds starting at seed, and labels each factor. The
// first return is how many of those seeds reproduce with every factor.
func Explain(ctx context.Context, sc scenarios.Scenario, seed uint64, ops []mailgen.Op, want []string, workers int) (int, []Factor) {
	factors := Factors(sc)
	variants := []scenarios.Scenario{sc}
	for _, f := range factors {
		variants = append(variants, f.remove(sc))
	}
	rates := reproRates(ctx, variants, seed, ops, want, workers)
	for i := range factors {
		f := &factors[i]
		f.Seeds, f.WithRate, f.WithoutRate = ExplainSeeds, rates[0], rates[i+1]
		switch {
		case rates[i+1] < 0:
			f.Label = "not measured (budget)"
		case rates[i+1] == 0 && rates[0] > 0:
			f.Label = "necessary"
		case rates[i+1] < rates[0]:
			f.Label = "helps"
		default:
			f.Label = "not needed"
		}
	}
	return rates[0], factors
}

// reproRates counts, per variant, the seeds whose replay of ops logs every
// wanted signature (-1: the budget ran out before it was measured).
func reproRates(ctx context.Context, variants []scenarios.Scenario, seed uint64, ops []mailgen.Op, want []string, workers int) []int {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	rates := make([]int, len(variants))
	ran := make([]int, len(variants))
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, workers)
	for v := range variants {
		for s := range uint64(ExplainSeeds) {
			if ctx.Err() != nil {
				break
			}
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				res, err := scenarios.Run(variants[v], scenarios.Options{Seed: seed + s, Ops: ops, TraceLimit: 1})
				mu.Lock()
				defer mu.Unlock()
				ran[v]++
				if err == nil && len(Covered(res.Log, want)) == len(want) {
					rates[v]++
				}
			}()
		}
	}
	wg.Wait()
	for v := range rates {
		if ran[v] < ExplainSeeds {
			rates[v] = -1
		}
	}
	return rates
}
