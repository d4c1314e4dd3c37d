package scenarios_test

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/scenarios"
)

func TestLoadExample(t *testing.T) {
	sc, err := scenarios.Load("../examples/maildir-nolock-skew.toml")
	if err != nil {
		t.Fatal(err)
	}
	if sc.Name != "maildir-nolock-skew" || sc.Hosts != 2 || len(sc.Skew) != 2 || sc.Skew[1].Seconds() != 3 ||
		!sc.Settings.MmapDisable || sc.Settings.MailFsync != mailstore.FsyncAlways || !sc.Settings.DotlockUseExcl {
		t.Fatalf("loaded %+v", sc)
	}
	if _, err := scenarios.Run(sc, scenarios.Options{Seed: 1}); err != nil {
		t.Fatal(err)
	}
}

const good = `name = "x"
format = "maildir"
expected = "CLEAN"
hosts = 2
routing = "random"

[settings]
mail_fsync = "never"

[workload]
users = 1
duration = "10s"
`

func TestParseErrorsNameFileAndLine(t *testing.T) {
	if _, err := scenarios.Parse("s.toml", []byte(good)); err != nil {
		t.Fatalf("good file rejected: %v", err)
	}
	for _, tc := range []struct{ from, to, want string }{
		{`mail_fsync = "never"`, `mail_fsync = "sometimes"`, `s.toml:8: setting mail_fsync: want one of always, never, optimized`},
		{`mail_fsync = "never"`, `mail_fsnyc = "never"`, `s.toml:8: unknown setting "mail_fsnyc"`},
		{`hosts = 2`, `hosts = 2
colour = "blue"`, `s.toml:5: unknown key "colour"`},
		{`duration = "10s"`, `duration = "ten seconds"`, `s.toml:12: workload.duration "ten seconds"`},
		{`routing = "random"`, `routing = "dns"`, `routing "dns"`},
		{`hosts = 2`, `hosts = 2
rtt = "slow"`, `s.toml:5: rtt "slow" is not a duration like 250us or 2ms`},
		{`hosts = 2`, `hosts = 2
rtt = "11s"`, `rtt 11s: want a round trip between 0 and 10s`},
		{`hosts = 2`, `hosts = "two"`, `s.toml:4:`},
		{`users = 1`, `users = 0`, `s.toml:11: workload needs users >= 1`},
		{`mail_fsync = "never"`, `mail_cache_purge_min_size = "32 parsecs"`, `s.toml:8: setting mail_cache_purge_min_size: want a size like 32k`},
		{`mail_fsync = "never"`, `mail_cache_purge_min_size = -1`, `s.toml:8: setting mail_cache_purge_min_size: want a size like 32k`},
		{`mail_fsync = "never"`, `mail_cache_purge_delete_percentage = 120`, `s.toml:8: setting mail_cache_purge_delete_percentage: want a percentage 0..100`},
		{`mail_fsync = "never"`, `mail_cache_purge_delete_percentage = "20k"`, `s.toml:8: setting mail_cache_purge_delete_percentage: want a percentage 0..100`},
	} {
		_, err := scenarios.Parse("s.toml", []byte(strings.Replace(good, tc.from, tc.to, 1)))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s -> %s: error %v, want it to contain %q", tc.from, tc.to, err, tc.want)
		}
	}
}

// Dovecot sizes take a unit; the cache purge settings keep it through
// Marshal and Parse.
func TestCachePurgeSettings(t *testing.T) {
	for in, want := range map[string]int64{`1`: 1, `"32k"`: 32 << 10, `"2 M"`: 2 << 20, `"64kB"`: 64 << 10, `"100b"`: 100,
		`"1 MiB"`: 1 << 20, `"3kb"`: 3 << 10, `"1T"`: 1 << 40} {
		sc, err := scenarios.Parse("s.toml", []byte(strings.Replace(good, `mail_fsync = "never"`,
			"mail_cache_purge_min_size = "+in+"\nmail_cache_purge_delete_percentage = 30", 1)))
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if sc.Settings.CachePurgeMinSize != want || sc.Settings.CachePurgeDeletePercentage != 30 {
			t.Errorf("%s: min size %d, percentage %d; want %d, 30", in, sc.Settings.CachePurgeMinSize, sc.Settings.CachePurgeDeletePercentage, want)
		}
		data, err := scenarios.Marshal(sc)
		if err != nil {
			t.Fatal(err)
		}
		back, err := scenarios.Parse("back.toml", data)
		if err != nil || back.Settings != sc.Settings {
			t.Errorf("%s: round trip %v, %+v", in, err, back.Settings)
		}
	}
}

func TestWithChangesOneKnob(t *testing.T) {
	sc, _ := scenarios.Lookup("maildir-director")
	v, err := sc.With("mail_fsync", "never")
	if err != nil || v.Settings.MailFsync != mailstore.FsyncNever || v.Name != "maildir-director[mail_fsync=never]" {
		t.Fatalf("%v %+v", err, v)
	}
	if v, err = sc.With("mount", "noac"); err != nil || v.Mount != "noac" {
		t.Fatal(err)
	}
	for _, bad := range [][2]string{{"mail_fsync", "sometimes"}, {"colour", "blue"}, {"mount", "actimeo=x"}, {"hosts", "many"},
		{"rtt", "slow"}, {"rtt", "-2ms"}, {"rtt", "1h"}} {
		if _, err := sc.With(bad[0], bad[1]); err == nil {
			t.Errorf("With(%s, %s) accepted", bad[0], bad[1])
		}
	}
}

// TestExamples runs every example scenario file over a few seeds: they are
// documentation, so they must stay runnable and keep their promise.
func TestExamples(t *testing.T) {
	files, _ := filepath.Glob("../examples/*.toml")
	for _, f := range files {
		if filepath.Base(f) == "faults.toml" {
			continue // a fault plan, not a scenario
		}
		sc, err := scenarios.Load(f)
		if err != nil {
			t.Fatal(err)
		}
		m, err := scenarios.Measure(sc, 4)
		if err != nil {
			t.Fatal(err)
		}
		if !m.Agrees {
			t.Errorf("%s: expected %s, measured %v", f, sc.Expected, m.Verdicts)
		}
	}
}

func TestMarshalRoundTrips(t *testing.T) {
	slow, err := scenarios.Lookup("sdbox-director")
	if err != nil {
		t.Fatal(err)
	}
	if slow, err = slow.With("rtt", "1.5ms"); err != nil {
		t.Fatal(err)
	}
	for _, sc := range append(scenarios.All(), slow) {
		data, err := scenarios.Marshal(sc)
		if err != nil {
			t.Fatal(err)
		}
		back, err := scenarios.Parse(sc.Name+".toml", data)
		if err != nil {
			t.Fatalf("%s: %v\n%s", sc.Name, err, data)
		}
		again, _ := scenarios.Marshal(back)
		if string(again) != string(data) || back.Settings != sc.Settings || back.Workload != sc.Workload ||
			fmt.Sprint(back.Skew) != fmt.Sprint(sc.Skew) || (sc.Unmounted != nil) != (back.Unmounted != nil) || back.RTT != sc.RTT ||
			(sc.DeliverySettings != nil && *sc.DeliverySettings != *back.DeliverySettings) ||
			fmt.Sprint(back.Events) != fmt.Sprint(sc.Events) || fmt.Sprint(back.Faults.Rules) != fmt.Sprint(sc.Faults.Rules) {
			t.Fatalf("%s did not round-trip:\n%s\n%s", sc.Name, data, again)
		}
	}
}

// The rtt knob is what each RPC costs in virtual time: a filer eight times
// slower makes each delivery about eight times slower. The RPCs it sends
// stay within a few percent: attribute caches time out in virtual time, so
// a slower pace revalidates a little more often.
func TestRTTSlowsEveryRPC(t *testing.T) {
	sc, err := scenarios.Lookup("sdbox-director")
	if err != nil {
		t.Fatal(err)
	}
	sc.Hosts, sc.Workload.Users, sc.Workload.Sessions = 1, 1, 0
	lan, err := scenarios.Run(sc, scenarios.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	slow, err := sc.With("rtt", "2ms")
	if err != nil || slow.RTT != 2*time.Millisecond {
		t.Fatalf("With(rtt, 2ms) = %v, %v", slow.RTT, err)
	}
	res, err := scenarios.Run(slow, scenarios.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Ops != lan.Ops || math.Abs(float64(res.RPCs-lan.RPCs)) > 0.05*float64(lan.RPCs) {
		t.Errorf("RPCs %d, ops %d at 2 ms; %d, %d at 250 µs", res.RPCs, res.Ops, lan.RPCs, lan.Ops)
	}
	if ratio := res.BusySeconds / lan.BusySeconds; ratio < 7 || ratio > 9 {
		t.Errorf("busy %.3f s at 2 ms, %.3f s at 250 µs: ratio %.1f, want about 8", res.BusySeconds, lan.BusySeconds, ratio)
	}
}
