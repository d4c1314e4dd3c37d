package assess

import (
	"os"
	"strings"
	"testing"

	"github.com/nfsmail/nfsmail/mailstore"
)

func load(t *testing.T, name string) *Config {
	t.Helper()
	data, err := os.ReadFile("../examples/doveconf/" + name)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseDoveconf(name, data)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func claims(rs []Risk) string {
	var ids []string
	for _, r := range rs {
		ids = append(ids, r.Claim)
	}
	return strings.Join(ids, " ")
}

func TestRisksOfADirectorlessSetup(t *testing.T) {
	c := load(t, "no-director.conf")
	sc, rs, unknown, err := Build(c, Options{Mount: "rw,nolock,actimeo=30"})
	if err != nil {
		t.Fatal(err)
	}
	if sc.Format != "sdbox" || sc.Routing != "random" || !sc.QuotaStatus || sc.Settings.MmapDisable ||
		sc.Settings.MailFsync != mailstore.FsyncOptimized || sc.Mount != "rw,nolock,actimeo=30" {
		t.Fatalf("built %+v", sc)
	}
	want := "director mmap-disable mail-fsync no-quota-status nordirplus nolock-dotlock mail-nfs-without-director noac maildir-resistant lda-index-memory"
	if got := claims(rs); got != want {
		t.Fatalf("risks %q\nwant  %q", got, want)
	}
	if len(unknown) != 0 {
		t.Fatalf("every top-level setting of the example is known, got unknown %v", unknown)
	}
}

func TestDirectorSetupHasOnlyTheCostWarning(t *testing.T) {
	c := load(t, "director.conf")
	sc, rs, _, err := Build(c, Options{Director: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := claims(rs); got != "nordirplus" {
		t.Fatalf("risks %q", got)
	}
	if sc.DeliverySettings == nil || !sc.DeliverySettings.IndexMemory {
		t.Fatalf("protocol lmtp's INDEX=MEMORY was not applied to deliveries")
	}
}

func TestUnknownSettingsAreListed(t *testing.T) {
	c, err := ParseDoveconf("x", []byte("mail_location = maildir:~/M\nmail_fsync = always\nimap_idle_notify_interval = 2 mins\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, _, unknown, err := Build(c, Options{})
	if err != nil || len(unknown) != 1 || !strings.Contains(unknown[0], "imap_idle_notify_interval (line 3)") {
		t.Fatalf("%v %v", unknown, err)
	}
}

func TestBadInputIsAClearError(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"mail_location = maildir:~/M\nprotocol lda {\n", `section "protocol lda" is not closed`},
		{"}\n", "x:1: '}' without an open section"},
		{"!include conf.d/*.conf\n", "x:1: !include"},
		{"this is not a setting\n", `x:1: "this is not a setting" is neither`},
	} {
		if _, err := ParseDoveconf("x", []byte(tc.src)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.src, err, tc.want)
		}
	}
	for _, tc := range []struct {
		conf, mount, want string
	}{
		{"mail_location = mbox:~/mail\n", "", `format "mbox" is not simulated`},
		{"mail_fsync = always\n", "", "mail_location is not set"},
		{"mail_location = maildir:~/M\nmail_fsync = sometimes\n", "", "line 2: mail_fsync=sometimes"},
		{"mail_location = maildir:~/M\n", "rw,frobnicate", `--mount: mount option "frobnicate"`},
		{"mail_location = maildir:~/M:ITERINDEX\n", "", "ITERINDEX requires INDEX to be explicitly set"},
	} {
		c, err := ParseDoveconf("x", []byte(tc.conf))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := Build(c, Options{Mount: tc.mount}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q %q: error %v, want %q", tc.conf, tc.mount, err, tc.want)
		}
	}
}

func TestMailLocationOptionsAreApplied(t *testing.T) {
	c, err := ParseDoveconf("x", []byte("mail_location = maildir:~/Maildir:INDEX=/fast/%2.256Nu/%u:ITERINDEX:"+
		"LISTINDEX=/dev/shm/dovecot/%u/dovecot.list.index:VOLATILEDIR=/dev/shm/dovecot/%u\n"+
		"mailbox_list_index_very_dirty_syncs = yes\n"))
	if err != nil {
		t.Fatal(err)
	}
	sc, _, unknown, err := Build(c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := sc.Settings
	if s.IndexDir != "/fast/%2.256Nu/%u" || !s.IterIndex || s.ListIndex != "/dev/shm/dovecot/%u/dovecot.list.index" ||
		s.VolatileDir != "/dev/shm/dovecot/%u" || !s.ListIndexVeryDirtySyncs || len(unknown) != 0 {
		t.Errorf("settings %+v, unknown %v", s, unknown)
	}
}

// The guide's NOALTCHECK is not an option Dovecot 2.3 knows: assess says
// so instead of silently taking it for ALTNOCHECK.
func TestNoAltCheckSpellingIsReported(t *testing.T) {
	c, err := ParseDoveconf("x", []byte("mail_location = mdbox:~/mdbox:ALT=/slow/%u:NOALTCHECK\n"))
	if err != nil {
		t.Fatal(err)
	}
	sc, _, unknown, err := Build(c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if sc.Settings.NoAltCheck || len(unknown) != 1 || !strings.Contains(unknown[0], "the option is ALTNOCHECK") {
		t.Errorf("NoAltCheck %v, unknown %q", sc.Settings.NoAltCheck, unknown)
	}
}

func TestRunMeasuresTheSetup(t *testing.T) {
	rep, err := Run(load(t, "director.conf"), Options{Director: true, Seeds: 2})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Yours.Seeds != 2 || rep.Verdict == "" || len(rep.Related) == 0 || rep.Yours.WorstSeed == 0 {
		t.Fatalf("%+v", rep)
	}
}
