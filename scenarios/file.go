package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/nfsmail/nfsmail/harness/check"
	"github.com/nfsmail/nfsmail/harness/fault"
	"github.com/nfsmail/nfsmail/mailgen"
	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/pelletier/go-toml/v2"
)

// fileScenario is the TOML form of a scenario (see examples/*.toml).
type fileScenario struct {
	Name     string         `toml:"name"`
	Format   string         `toml:"format"`
	Claim    string         `toml:"claim"`
	Expected string         `toml:"expected"`
	Why      string         `toml:"why"`
	Disputed bool           `toml:"disputed"`
	Claims   []string       `toml:"claims"`
	Hosts    int            `toml:"hosts"`
	Routing  string         `toml:"routing"`
	Mount    string         `toml:"mount"`
	RTT      string         `toml:"rtt"`
	Skew     []string       `toml:"skew"`
	MaxSteps int            `toml:"max_steps"`
	Settings map[string]any `toml:"settings"`
	Workload fileWorkload   `toml:"workload"`

	Delivery         string           `toml:"delivery"`
	DeliverySettings map[string]any   `toml:"delivery_settings"`
	QuotaStatus      bool             `toml:"quota_status"`
	HostChange       bool             `toml:"host_change"`
	DRC              bool             `toml:"drc"`
	Faults           string           `toml:"faults"` // a fault plan file, relative to this one
	Fault            []fault.RuleSpec `toml:"fault"`  // or the rules inline
	Events           []fileEvent      `toml:"event"`
	Unmounted        *Unmounted       `toml:"unmounted"`
	Purge            *filePurge       `toml:"purge"`
	DirectorExpire   string           `toml:"director_user_expire"`
	KickDelay        string           `toml:"director_user_kick_delay"`
}

type filePurge struct {
	Every       string `toml:"every"`
	Via         string `toml:"via"`
	AltMove     bool   `toml:"altmove"`
	ForceResync bool   `toml:"force_resync"`
}

type fileEvent struct {
	At      string `toml:"at"`
	Kind    string `toml:"kind"`
	Host    int    `toml:"host"`
	For     string `toml:"for"`
	Reclaim bool   `toml:"reclaim"`
}

type fileWorkload struct {
	Users      int     `toml:"users"`
	Deliveries int     `toml:"deliveries"`
	Sessions   int     `toml:"sessions"`
	Commands   int     `toml:"commands"`
	Duration   string  `toml:"duration"`
	Idle       string  `toml:"idle"`
	ClientIPs  int     `toml:"client_ips"`
	Zipf       float64 `toml:"zipf"`
	Folders    int     `toml:"folders"`
	Keywords   int     `toml:"keywords"`
	Moves      bool    `toml:"moves"`
}

// Load reads a scenario file. Errors name the file and line.
func Load(path string) (Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Scenario{}, err
	}
	return Parse(path, data)
}

// Parse reads a scenario from TOML; name is used in error messages
// ("name:line: ..."). Unknown keys and settings are errors, never ignored.
func Parse(name string, data []byte) (Scenario, error) {
	var f fileScenario
	dec := toml.NewDecoder(bytes.NewReader(data)).DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return Scenario{}, tomlError(name, err)
	}
	at := func(key string) string { return fmt.Sprintf("%s:%d", name, lineOf(data, key)) }
	sc := Scenario{Name: f.Name, Format: f.Format, Claim: f.Claim, Expected: check.Verdict(f.Expected),
		Why: f.Why, Disputed: f.Disputed, ClaimIDs: f.Claims, Hosts: f.Hosts, Routing: f.Routing, Mount: f.Mount, MaxSteps: f.MaxSteps,
		Delivery: f.Delivery, QuotaStatus: f.QuotaStatus, HostChange: f.HostChange, DRC: f.DRC, Unmounted: f.Unmounted}
	var err error
	if sc.Settings, err = parseSettings(f.Settings, at); err != nil {
		return Scenario{}, err
	}
	if f.DeliverySettings != nil {
		ds, err := parseSettings(f.DeliverySettings, func(k string) string { return at("delivery_" + k) })
		if err != nil {
			return Scenario{}, err
		}
		sc.DeliverySettings = &ds
	}
	if sc.Events, err = parseEvents(f.Events, at); err != nil {
		return Scenario{}, err
	}
	if f.RTT != "" {
		if sc.RTT, err = time.ParseDuration(f.RTT); err != nil || sc.RTT < 0 {
			return Scenario{}, fmt.Errorf("%s: rtt %q is not a duration like 250us or 2ms", at("rtt"), f.RTT)
		}
	}
	if f.DirectorExpire != "" {
		if sc.DirectorUserExpire, err = time.ParseDuration(f.DirectorExpire); err != nil || sc.DirectorUserExpire < 0 {
			return Scenario{}, fmt.Errorf("%s: director_user_expire %q is not a duration", at("director_user_expire"), f.DirectorExpire)
		}
	}
	if f.KickDelay != "" {
		if sc.DirectorKickDelay, err = time.ParseDuration(f.KickDelay); err != nil || sc.DirectorKickDelay < 0 {
			return Scenario{}, fmt.Errorf("%s: director_user_kick_delay %q is not a duration", at("director_user_kick_delay"), f.KickDelay)
		}
	}
	if f.Purge != nil {
		every, err := time.ParseDuration(f.Purge.Every)
		if err != nil {
			return Scenario{}, fmt.Errorf("%s: purge.every %q is not a duration", at("purge.every"), f.Purge.Every)
		}
		sc.Purge = &Purge{Every: every, Via: f.Purge.Via, AltMove: f.Purge.AltMove, ForceResync: f.Purge.ForceResync}
	}
	if f.Faults != "" {
		plan, err := os.ReadFile(filepath.Join(filepath.Dir(name), f.Faults))
		if err != nil {
			return Scenario{}, fmt.Errorf("%s: faults: %w", at("faults"), err)
		}
		if sc.Faults, err = fault.ParsePlan(f.Faults, plan); err != nil {
			return Scenario{}, err
		}
	}
	for i, spec := range f.Fault {
		r, field, err := spec.Rule(len(sc.Faults.Rules))
		if err != nil {
			return Scenario{}, fmt.Errorf("%s: fault %d: %w", at("fault."+field), i+1, err)
		}
		sc.Faults.Rules = append(sc.Faults.Rules, r)
	}
	if sc.Workload, err = f.Workload.spec(at); err != nil {
		return Scenario{}, err
	}
	for i, s := range f.Skew {
		d, err := time.ParseDuration(s)
		if err != nil {
			return Scenario{}, fmt.Errorf("%s: skew[%d] %q is not a duration like 2s or -150ms", at("skew"), i, s)
		}
		sc.Skew = append(sc.Skew, d)
	}
	if err := sc.Validate(); err != nil {
		return Scenario{}, fmt.Errorf("%s: %w", name, err)
	}
	return sc, nil
}

func parseEvents(in []fileEvent, at func(string) string) ([]Event, error) {
	var out []Event
	for i, fe := range in {
		e := Event{Kind: EventKind(fe.Kind), Host: fe.Host, Reclaim: fe.Reclaim}
		var err error
		if e.At, err = time.ParseDuration(fe.At); err != nil {
			return nil, fmt.Errorf("%s: event %d: at %q is not a duration", at("event.at"), i+1, fe.At)
		}
		if fe.For != "" {
			if e.For, err = time.ParseDuration(fe.For); err != nil {
				return nil, fmt.Errorf("%s: event %d: for %q is not a duration", at("event.for"), i+1, fe.For)
			}
		}
		out = append(out, e)
	}
	return out, nil
}

func (w fileWorkload) spec(at func(string) string) (mailgen.Spec, error) {
	s := mailgen.Spec{Users: w.Users, Deliveries: w.Deliveries, Sessions: w.Sessions,
		Commands: w.Commands, ClientIPs: w.ClientIPs, Zipf: w.Zipf, Folders: w.Folders,
		Keywords: w.Keywords, Moves: w.Moves}
	for _, d := range []struct {
		key string
		val string
		dst *time.Duration
	}{{"duration", w.Duration, &s.Duration}, {"idle", w.Idle, &s.Idle}} {
		if d.val == "" {
			continue
		}
		v, err := time.ParseDuration(d.val)
		if err != nil || v < 0 {
			return s, fmt.Errorf("%s: workload.%s %q is not a duration like 2m or 10s", at("workload."+d.key), d.key, d.val)
		}
		*d.dst = v
	}
	if s.Users < 1 || s.Deliveries < 0 || s.Sessions < 0 || s.Commands < 0 || s.Users > 10_000 {
		return s, fmt.Errorf("%s: workload needs users >= 1 and no negative counts", at("workload.users"))
	}
	return s, nil
}

// tomlError turns go-toml's errors into "file:line: message".
func tomlError(name string, err error) error {
	var se *toml.StrictMissingError
	if errors.As(err, &se) {
		var msgs []string
		for _, e := range se.Errors {
			row, _ := e.Position()
			msgs = append(msgs, fmt.Sprintf("%s:%d: unknown key %q", name, row, strings.Join(e.Key(), ".")))
		}
		return errors.New(strings.Join(msgs, "\n"))
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		row, _ := de.Position()
		return fmt.Errorf("%s:%d: %s", name, row, de.Error())
	}
	return fmt.Errorf("%s: %w", name, err)
}

var tableLine = regexp.MustCompile(`^\s*\[\[?([A-Za-z0-9_.-]+)\]\]?\s*(#.*)?$`)

// lineOf finds the line that sets a dotted key ("settings.mail_fsync"),
// tracking [table] headers; 0 when it is not found.
func lineOf(data []byte, key string) int {
	table, leaf := "", key
	if i := strings.LastIndex(key, "."); i >= 0 {
		table, leaf = key[:i], key[i+1:]
	}
	keyLine := regexp.MustCompile(`^\s*` + regexp.QuoteMeta(leaf) + `\s*=`)
	cur := ""
	for i, line := range strings.Split(string(data), "\n") {
		if m := tableLine.FindStringSubmatch(line); m != nil {
			cur = m[1]
			continue
		}
		if cur == table && keyLine.MatchString(line) {
			return i + 1
		}
	}
	return 0
}

// settingSetters apply one Dovecot setting by its dovecot.conf name.
var settingSetters = map[string]func(s *mailstore.Settings, v any) error{
	"mmap_disable":     boolSetting(func(s *mailstore.Settings) *bool { return &s.MmapDisable }),
	"mail_nfs_storage": boolSetting(func(s *mailstore.Settings) *bool { return &s.MailNFSStorage }),
	"mail_nfs_index":   boolSetting(func(s *mailstore.Settings) *bool { return &s.MailNFSIndex }),
	"dotlock_use_excl": boolSetting(func(s *mailstore.Settings) *bool { return &s.DotlockUseExcl }),
	"mail_fsync": enumSetting(func(s *mailstore.Settings) *mailstore.FsyncMode { return &s.MailFsync },
		map[string]mailstore.FsyncMode{"optimized": mailstore.FsyncOptimized, "always": mailstore.FsyncAlways, "never": mailstore.FsyncNever}),
	"lock_method": enumSetting(func(s *mailstore.Settings) *mailstore.LockMethod { return &s.LockMethod },
		map[string]mailstore.LockMethod{"fcntl": mailstore.LockFcntl, "flock": mailstore.LockFlock, "dotlock": mailstore.LockDotlock}),
	"mail_max_lock_timeout": durationSetting(func(s *mailstore.Settings) *time.Duration { return &s.MailMaxLockTimeout }),
	// index_memory is mail_location's INDEX=MEMORY; alt_dir and
	// noaltcheck its ALT=<dir> and ALTNOCHECK (the guide writes NOALTCHECK,
	// which Dovecot 2.3 rejects).
	"index_memory": boolSetting(func(s *mailstore.Settings) *bool { return &s.IndexMemory }),
	"noaltcheck":   boolSetting(func(s *mailstore.Settings) *bool { return &s.NoAltCheck }),
	"alt_dir":      stringSetting(func(s *mailstore.Settings) *string { return &s.AltDir }),
	// index_dir, list_index, iterindex and volatile_dir are mail_location's
	// INDEX=<dir>, LISTINDEX=, ITERINDEX and VOLATILEDIR=.
	"index_dir":    stringSetting(func(s *mailstore.Settings) *string { return &s.IndexDir }),
	"list_index":   stringSetting(func(s *mailstore.Settings) *string { return &s.ListIndex }),
	"iterindex":    boolSetting(func(s *mailstore.Settings) *bool { return &s.IterIndex }),
	"volatile_dir": stringSetting(func(s *mailstore.Settings) *string { return &s.VolatileDir }),
	"mailbox_list_index": func(s *mailstore.Settings, v any) error {
		var on bool
		if err := boolSetting(func(*mailstore.Settings) *bool { return &on })(s, v); err != nil {
			return err
		}
		s.NoMailboxListIndex = !on
		return nil
	},
	"mailbox_list_index_very_dirty_syncs": boolSetting(func(s *mailstore.Settings) *bool { return &s.ListIndexVeryDirtySyncs }),
	"mail_cache_purge_min_size":           sizeSetting(func(s *mailstore.Settings) *int64 { return &s.CachePurgeMinSize }),
	"mail_cache_purge_delete_percentage": func(s *mailstore.Settings, v any) error {
		n, err := sizeOrCount(v, false)
		if err != nil || n > 100 {
			return fmt.Errorf("want a percentage 0..100, got %v", v)
		}
		s.CachePurgeDeletePercentage = int(n)
		return nil
	},
}

func parseSettings(m map[string]any, at func(string) string) (mailstore.Settings, error) {
	s := mailstore.DefaultSettings()
	for _, key := range sortedKeys(m) {
		set, ok := settingSetters[key]
		if !ok {
			return s, fmt.Errorf("%s: unknown setting %q (known: %s)", at("settings."+key), key, strings.Join(sortedKeys(settingSetters), ", "))
		}
		if err := set(&s, m[key]); err != nil {
			return s, fmt.Errorf("%s: setting %s: %w", at("settings."+key), key, err)
		}
	}
	return s, nil
}

func boolSetting(field func(*mailstore.Settings) *bool) func(*mailstore.Settings, any) error {
	return func(s *mailstore.Settings, v any) error {
		switch v := v.(type) {
		case bool:
			*field(s) = v
		case string:
			if v != "yes" && v != "no" {
				return fmt.Errorf("want yes or no, got %q", v)
			}
			*field(s) = v == "yes"
		default:
			return fmt.Errorf("want yes or no, got %v", v)
		}
		return nil
	}
}

func enumSetting[T any](field func(*mailstore.Settings) *T, values map[string]T) func(*mailstore.Settings, any) error {
	return func(s *mailstore.Settings, v any) error {
		str, _ := v.(string)
		val, ok := values[str]
		if !ok {
			return fmt.Errorf("want one of %s, got %v", strings.Join(sortedKeys(values), ", "), v)
		}
		*field(s) = val
		return nil
	}
}

func stringSetting(field func(*mailstore.Settings) *string) func(*mailstore.Settings, any) error {
	return func(s *mailstore.Settings, v any) error {
		str, ok := v.(string)
		if !ok {
			return fmt.Errorf("want a string, got %v", v)
		}
		*field(s) = str
		return nil
	}
}

// sizeSetting parses a Dovecot size (settings_get_size): a number of
// bytes with an optional unit b, k, M, G or T, any case, optionally
// followed by "i" and "b" ("32k", "1 MiB", "64kB").
func sizeSetting(field func(*mailstore.Settings) *int64) func(*mailstore.Settings, any) error {
	return func(s *mailstore.Settings, v any) error {
		n, err := sizeOrCount(v, true)
		if err != nil {
			return err
		}
		*field(s) = n
		return nil
	}
}

// sizeOrCount reads a non-negative TOML integer or a string holding one,
// with a size unit when units is set.
func sizeOrCount(v any, units bool) (int64, error) {
	var str string
	switch v := v.(type) {
	case int64:
		str = strconv.FormatInt(v, 10)
	case string:
		str = strings.TrimSpace(v)
	default:
		return 0, fmt.Errorf("want a number, got %v", v)
	}
	end := strings.IndexFunc(str, func(r rune) bool { return r < '0' || r > '9' })
	if end < 0 {
		end = len(str)
	}
	unit := strings.ToLower(strings.TrimSpace(str[end:]))
	if len(unit) > 1 {
		unit = strings.TrimSuffix(strings.TrimSuffix(unit, "b"), "i")
	}
	shift, ok := map[string]uint{"": 0, "b": 0, "k": 10, "m": 20, "g": 30, "t": 40}[unit]
	n, err := strconv.ParseInt(str[:end], 10, 64)
	if err != nil || !ok || (!units && unit != "") || n > 1<<(62-shift) {
		if units {
			return 0, fmt.Errorf("want a size like 32k, got %v", v)
		}
		return 0, fmt.Errorf("want a number, got %v", v)
	}
	return n << shift, nil
}

func durationSetting(field func(*mailstore.Settings) *time.Duration) func(*mailstore.Settings, any) error {
	return func(s *mailstore.Settings, v any) error {
		str, _ := v.(string)
		d, err := time.ParseDuration(str)
		if err != nil || d < 0 {
			return fmt.Errorf("want a duration like 30s, got %v", v)
		}
		*field(s) = d
		return nil
	}
}

// With returns sc with one knob changed and its name suffixed, for sweeps:
// "mount" (a mount-options string), "rtt" (a round trip like 2ms),
// "routing", "hosts", or a Dovecot setting by its dovecot.conf name
// (mail_fsync, mmap_disable, lock_method, ...).
func (sc Scenario) With(key, value string) (Scenario, error) {
	switch key {
	case "mount":
		sc.Mount = value
	case "routing":
		sc.Routing = value
	case "hosts":
		n, err := strconv.Atoi(value)
		if err != nil {
			return sc, fmt.Errorf("hosts=%q: want a number", value)
		}
		sc.Hosts = n
	case "rtt":
		d, err := time.ParseDuration(value)
		if err != nil {
			return sc, fmt.Errorf("rtt=%q: want a duration like 250us or 2ms", value)
		}
		sc.RTT = d
	default:
		if _, ok := settingSetters[key]; !ok {
			return sc, fmt.Errorf("unknown knob %q (mount, rtt, routing, hosts, or one of %s)", key, strings.Join(sortedKeys(settingSetters), ", "))
		}
		if err := ApplySetting(&sc.Settings, key, value); err != nil {
			return sc, err
		}
	}
	sc.Name = fmt.Sprintf("%s[%s=%s]", sc.Name, key, value)
	return sc, sc.Validate()
}

// ApplySetting sets one Dovecot setting by its dovecot.conf name and value
// ("mail_fsync", "always"). Unknown names and bad values are errors.
func ApplySetting(s *mailstore.Settings, key, value string) error {
	set, ok := settingSetters[key]
	if !ok {
		return fmt.Errorf("unknown setting %q (known: %s)", key, strings.Join(sortedKeys(settingSetters), ", "))
	}
	if err := set(s, value); err != nil {
		return fmt.Errorf("%s=%s: %w", key, value, err)
	}
	return nil
}

// IsSetting reports whether the model honours the Dovecot setting key.
func IsSetting(key string) bool {
	_, ok := settingSetters[key]
	return ok
}
