package assess

import (
	"fmt"
	"slices"
	"strings"

	"github.com/nfsmail/nfsmail/harness/check"
	"github.com/nfsmail/nfsmail/harness/nfsclient"
	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/scenarios"
)

// Options describe what the configuration does not: how the NFS is
// mounted and whether a director pins users.
type Options struct {
	// Mount is the NFS mount-options line (as in fstab or `mount`).
	Mount string
	// Director: users are pinned to one backend (Dovecot director, or a
	// static user-to-backend mapping).
	Director bool
	Hosts    int // backends (0 = 2)
	Seeds    int // seeds per measured scenario (0 = 10)
}

// Risk is a setting the guide warns about, with the claim it breaks.
type Risk struct {
	Setting string `json:"setting"`
	Line    int    `json:"line,omitempty"`
	Claim   string `json:"claim"`
	Text    string `json:"text"`
}

// Report is the assessment of one setup.
type Report struct {
	Format  string               `json:"format"`
	Mount   string               `json:"mount"`
	Routing string               `json:"routing"`
	Risks   []Risk               `json:"risks"`
	Unknown []string             `json:"unknown_settings"`
	Yours   scenarios.Measured   `json:"your_setup"`
	Related []scenarios.Measured `json:"related_scenarios"`
	Verdict check.Verdict        `json:"worst_verdict"`
	// Scenario is the setup as a scenario; write it with
	// scenarios.Marshal to replay a seed with nfsmail run.
	Scenario scenarios.Scenario `json:"-"`
}

// Build turns a configuration into the closest scenario, the risks it
// carries, and the settings the model does not know.
func Build(c *Config, o Options) (scenarios.Scenario, []Risk, []string, error) {
	format, loc, err := mailLocation(c.Get("mail_location", ""))
	if err != nil {
		return scenarios.Scenario{}, nil, nil, err
	}
	mount, err := mountOptions(o.Mount)
	if err != nil {
		return scenarios.Scenario{}, nil, nil, err
	}
	s, unknown, err := settings(c)
	if err != nil {
		return scenarios.Scenario{}, nil, nil, err
	}
	unknown = append(unknown, rejectedLocation(loc)...)
	applyLocation(&s, loc)
	sc := scenarios.Scenario{
		Name: "your-setup", Format: format, Expected: check.Clean, Hosts: max(o.Hosts, 2),
		Routing: "random", Mount: mount, Settings: s, Workload: scenarios.HotUser(),
		Claim:       "(your configuration)",
		QuotaStatus: c.HasBlock("service quota-status"),
	}
	if o.Director {
		sc.Routing = "director"
	}
	if s.ListIndex != "" || s.VolatileDir != "" || s.IterIndex || s.ListIndexVeryDirtySyncs || s.NoMailboxListIndex {
		sc.Workload.Folders = 3 // the settings only matter to folder commands
	}
	if lda := ldaSettings(c, s); lda != nil {
		sc.DeliverySettings = lda
	}
	return sc, risks(c, sc, o), unknown, sc.Validate()
}

// mailLocation splits "maildir:~/Maildir:INDEX=MEMORY" into the format
// and its options.
func mailLocation(v string) (string, map[string]string, error) {
	if v == "" {
		return "", nil, fmt.Errorf("mail_location is not set: give the output of `doveconf -n`")
	}
	parts := strings.Split(v, ":")
	format := parts[0]
	if !slices.Contains(scenarios.Formats, format) {
		return "", nil, fmt.Errorf("mail_location %q: format %q is not simulated (%s)", v, format, strings.Join(scenarios.Formats, ", "))
	}
	opts := map[string]string{}
	for _, p := range parts[2:] {
		k, val, _ := strings.Cut(p, "=")
		opts[strings.ToUpper(k)] = val
	}
	return format, opts, nil
}

// applyLocation applies mail_location's INDEX=, LISTINDEX=, ITERINDEX,
// VOLATILEDIR=, ALT= and NOALTCHECK. "~/" is the user's mail root and
// %-variables other than %u are kept as literal directory names.
func applyLocation(s *mailstore.Settings, loc map[string]string) {
	path := func(v string) string {
		if rest, ok := strings.CutPrefix(v, "~/"); ok {
			return "%u/" + rest
		}
		return v
	}
	switch idx, ok := loc["INDEX"]; {
	case idx == "MEMORY":
		s.IndexMemory = true
	case ok && idx != "":
		s.IndexDir = path(idx)
	}
	if v, ok := loc["LISTINDEX"]; ok {
		s.ListIndex = path(v)
	}
	if v, ok := loc["VOLATILEDIR"]; ok {
		s.VolatileDir = path(v)
	}
	if v, ok := loc["ALT"]; ok {
		s.AltDir = path(v)
	}
	_, s.IterIndex = loc["ITERINDEX"]
	_, s.NoAltCheck = loc["ALTNOCHECK"]
}

// rejectedLocation lists mail_location options Dovecot 2.3 refuses.
func rejectedLocation(loc map[string]string) []string {
	if _, ok := loc["NOALTCHECK"]; ok {
		return []string{"mail_location NOALTCHECK: Dovecot 2.3 refuses to open mail with it (\"Initializing mail " +
			"storage from mail_location setting failed: Unknown setting: NOALTCHECK\"); the guide's spelling, " +
			"the option is ALTNOCHECK"}
	}
	return nil
}

// mountOptions keeps the options the client model knows and checks them.
func mountOptions(line string) (string, error) {
	line = strings.TrimSpace(line)
	if _, err := nfsclient.ParseOptions(line); err != nil {
		return "", fmt.Errorf("--mount: %w", err)
	}
	return line, nil
}

// known are settings that matter to the assessment without being engine
// settings, or that do not bear on NFS safety.
var known = []string{"mail_location", "director_servers", "director_mail_servers", "lmtp_proxy",
	"protocols", "listen", "ssl", "passdb", "userdb", "mail_uid", "mail_gid", "first_valid_uid",
	"mail_plugins", "auth_mechanisms", "log_path", "info_log_path", "base_dir", "instance_name"}

func settings(c *Config) (mailstore.Settings, []string, error) {
	s := mailstore.DefaultSettings()
	var unknown []string
	keys := make([]string, 0, len(c.Settings))
	for k := range c.Settings {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := c.Settings[k]
		switch {
		case scenarios.IsSetting(k):
			if err := scenarios.ApplySetting(&s, k, v.Value); err != nil {
				return s, nil, fmt.Errorf("line %d: %w", v.Line, err)
			}
		case !slices.Contains(known, k):
			unknown = append(unknown, fmt.Sprintf("%s (line %d): not modelled, assumed not to matter on NFS", k, v.Line))
		}
	}
	return s, unknown, nil
}

// ldaSettings returns the settings of delivery processes when a
// protocol lda/lmtp block overrides mail_location.
func ldaSettings(c *Config, s mailstore.Settings) *mailstore.Settings {
	for _, b := range []string{"protocol lda", "protocol lmtp"} {
		if v, ok := c.Block[b]["mail_location"]; ok {
			_, loc, err := mailLocation(v.Value)
			if err == nil && loc["INDEX"] == "MEMORY" {
				d := s
				d.IndexMemory = true
				return &d
			}
		}
	}
	return nil
}
