package reproduce

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nfsmail/nfsmail/assess"
	"github.com/nfsmail/nfsmail/harness/fault"
	"github.com/nfsmail/nfsmail/scenarios"
)

// Knob is one change to a scenario that the search may try: a Dovecot
// setting by its dovecot.conf name, or one of
//
//	mount=OPT[,OPT]       add NFS mount options (nolock, actimeo=60, noac, ...)
//	routing=R             director, source-ip or random
//	hosts=N               number of backends
//	skew=D                the last backend's clock runs D ahead of the server
//	event=E               hiccup (5 s at the start), crash (backend1 at 3 s),
//	                      server-restart or server-restart-noreclaim (at 2 s)
//	fault=F               lost-replies, lost-create-replies, lose-lock,
//	                      double-grant, estale, coarse-mtime (a server fault plan rule)
//	workload=W            hot (one user, a burst) , busy (three users), burst (one user, 80 mails)
//	delivery=lda-mx, quota_status=yes, purge=any|director, drc=yes,
//	unmounted=writable|readonly
type Knob struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

func (k Knob) String() string { return k.Key + "=" + k.Value }

// ParseKnob reads "key=value".
func ParseKnob(s string) (Knob, error) {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" || v == "" {
		return Knob{}, fmt.Errorf("knob %q: want key=value", s)
	}
	kn := Knob{Key: strings.TrimSpace(k), Value: strings.TrimSpace(v)}
	_, err := kn.Apply(scenarios.Scenario{Name: "probe", Format: "mdbox", Hosts: 2, Routing: "random",
		Expected: "CLEAN", Workload: scenarios.HotUser()})
	return kn, err
}

// faultPresets are the fault-plan rules the search can add.
var faultPresets = map[string]fault.Rule{
	"lost-replies":        {Name: "lost-replies", Proc: "RENAME|REMOVE", Probability: 0.05, Action: fault.DropReply},
	"lost-create-replies": {Name: "lost-create-replies", Proc: "CREATE", Probability: 0.05, Action: fault.DropReply},
	"lose-lock":           {Name: "lose-lock", Proc: "NLM.LOCK", Probability: 0.2, Action: fault.LoseLock},
	"double-grant":        {Name: "double-grant", Proc: "NLM.LOCK", Probability: 0.2, Action: fault.DoubleGrant},
	"slow-writes":         {Name: "slow-writes", Proc: "WRITE|COMMIT", Probability: 0.2, Action: fault.Delay, Delay: 200 * time.Millisecond},
}

func eventPreset(v string) (scenarios.Event, bool) {
	switch v {
	case "hiccup":
		return scenarios.Event{At: 0, Kind: scenarios.Hiccup, For: 5 * time.Second}, true
	case "crash":
		return scenarios.Event{At: 3 * time.Second, Kind: scenarios.Crash, Host: 0}, true
	case "server-restart":
		return scenarios.Event{At: 2 * time.Second, Kind: scenarios.ServerRestart, Reclaim: true}, true
	case "server-restart-noreclaim":
		return scenarios.Event{At: 2 * time.Second, Kind: scenarios.ServerRestart}, true
	}
	return scenarios.Event{}, false
}

// Apply returns sc changed by k (sc's slices are not shared with the result).
func (k Knob) Apply(sc scenarios.Scenario) (scenarios.Scenario, error) {
	sc.Skew, sc.Events = slices.Clone(sc.Skew), slices.Clone(sc.Events)
	sc.Faults.Rules = slices.Clone(sc.Faults.Rules)
	var err error
	switch k.Key {
	case "mount":
		sc.Mount = mergeMount(sc.Mount, k.Value)
	case "routing", "hosts", "rtt":
		name := sc.Name
		if sc, err = sc.With(k.Key, k.Value); err != nil {
			return sc, err
		}
		sc.Name = name
	case "skew":
		d, err := time.ParseDuration(k.Value)
		if err != nil {
			return sc, fmt.Errorf("skew=%s: want a duration like 150s", k.Value)
		}
		sc.Skew = make([]time.Duration, sc.Hosts)
		sc.Skew[sc.Hosts-1] = d
	case "event":
		e, ok := eventPreset(k.Value)
		if !ok {
			return sc, fmt.Errorf("event=%s: want hiccup, crash, server-restart or server-restart-noreclaim", k.Value)
		}
		sc.Events = append(sc.Events, e)
	case "fault":
		if k.Value == "coarse-mtime" {
			sc.Faults.Granularity = time.Second
			break
		}
		r, ok := faultPresets[k.Value]
		if !ok {
			return sc, fmt.Errorf("fault=%s: want one of %s, coarse-mtime", k.Value, strings.Join(sortedKeys(faultPresets), ", "))
		}
		sc.Faults.Rules = append(sc.Faults.Rules, r)
	case "workload":
		switch k.Value {
		case "hot":
			sc.Workload = scenarios.HotUser()
		case "busy":
			sc.Workload = scenarios.BusyUsers()
		case "burst":
			sc.Workload = scenarios.HotUser()
			sc.Workload.Deliveries, sc.Workload.Sessions = 80, 10
		default:
			return sc, fmt.Errorf("workload=%s: want hot, busy or burst", k.Value)
		}
	case "delivery":
		sc.Delivery = k.Value
	case "quota_status":
		sc.QuotaStatus = k.Value == "yes"
	case "drc":
		sc.DRC = k.Value == "yes"
	case "purge":
		sc.Purge = &scenarios.Purge{Every: time.Second, Via: k.Value}
	case "unmounted":
		sc.Unmounted = &scenarios.Unmounted{Host: sc.Hosts - 1, Writable: k.Value == "writable"}
	default:
		if !scenarios.IsSetting(k.Key) {
			return sc, fmt.Errorf("unknown knob %q (a Dovecot setting, mount, rtt, routing, hosts, skew, event, fault, workload, delivery, quota_status, drc, purge, unmounted)", k.Key)
		}
		if err := scenarios.ApplySetting(&sc.Settings, k.Key, k.Value); err != nil {
			return sc, err
		}
	}
	return sc, sc.Validate()
}

// mergeMount adds options to a mount-options string; an option whose
// name is already there is replaced.
func mergeMount(base, add string) string {
	var out []string
	names := map[string]int{}
	for _, o := range append(splitMount(base), splitMount(add)...) {
		name, _, _ := strings.Cut(o, "=")
		if i, ok := names[name]; ok {
			out[i] = o
			continue
		}
		names[name] = len(out)
		out = append(out, o)
	}
	return strings.Join(out, ",")
}

func splitMount(s string) []string {
	var out []string
	for _, o := range strings.Split(s, ",") {
		if o = strings.TrimSpace(o); o != "" {
			out = append(out, o)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// SettingKnobs turns every modelled setting of a doveconf -n output into
// a knob, for trying a whole proposed configuration.
func SettingKnobs(name string, data []byte) ([]Knob, error) {
	cfg, err := assess.ParseDoveconf(name, data)
	if err != nil {
		return nil, err
	}
	sc, _, _, err := assess.Build(cfg, assess.Options{})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var out []Knob
	for _, st := range settingTable {
		out = append(out, Knob{Key: st.name, Value: st.get(sc.Settings)})
	}
	return out, nil
}
