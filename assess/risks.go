package assess

import (
	"slices"
	"strings"

	"github.com/nfsmail/nfsmail/harness/nfsclient"
	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/scenarios"
)

// rule is one of the guide's warnings applied to a setup.
type rule struct {
	claim   string
	setting string
	applies func(c *Config, sc scenarios.Scenario, o Options, m nfsclient.Options) bool
}

var rules = []rule{
	{"director", "routing", func(_ *Config, _ scenarios.Scenario, o Options, _ nfsclient.Options) bool { return !o.Director }},
	{"mmap-disable", "mmap_disable", func(_ *Config, sc scenarios.Scenario, _ Options, _ nfsclient.Options) bool {
		return !sc.Settings.MmapDisable
	}},
	{"mail-fsync", "mail_fsync", func(_ *Config, sc scenarios.Scenario, _ Options, _ nfsclient.Options) bool {
		return sc.Settings.MailFsync != mailstore.FsyncAlways
	}},
	{"no-mail-nfs", "mail_nfs_index / mail_nfs_storage", func(_ *Config, sc scenarios.Scenario, o Options, _ nfsclient.Options) bool {
		return o.Director && (sc.Settings.MailNFSIndex || sc.Settings.MailNFSStorage)
	}},
	{"mail-nfs-without-director", "mail_nfs_index / mail_nfs_storage", func(_ *Config, sc scenarios.Scenario, o Options, _ nfsclient.Options) bool {
		return !o.Director && !(sc.Settings.MailNFSIndex && sc.Settings.MailNFSStorage)
	}},
	{"no-quota-status", "service quota-status", func(c *Config, _ scenarios.Scenario, _ Options, _ nfsclient.Options) bool {
		return c.HasBlock("service quota-status")
	}},
	{"nordirplus", "mount: rdirplus", func(_ *Config, _ scenarios.Scenario, _ Options, m nfsclient.Options) bool { return !m.NoRDirPlus }},
	{"nolock-director", "mount: nolock", func(_ *Config, sc scenarios.Scenario, o Options, m nfsclient.Options) bool {
		return m.NoLock && o.Director && sc.Settings.LockMethod != mailstore.LockDotlock
	}},
	{"nolock-dotlock", "mount: nolock", func(_ *Config, sc scenarios.Scenario, o Options, m nfsclient.Options) bool {
		return m.NoLock && !o.Director && sc.Settings.LockMethod != mailstore.LockDotlock
	}},
	{"noac", "mount: attribute cache", func(_ *Config, _ scenarios.Scenario, o Options, m nfsclient.Options) bool {
		return !o.Director && !m.NoAC && m.ACRegMax > 0
	}},
	{"maildir-resistant", "mail_location", func(_ *Config, sc scenarios.Scenario, o Options, _ nfsclient.Options) bool {
		return !o.Director && sc.Format != "maildir"
	}},
	{"lda-index-memory", "protocol lda/lmtp mail_location", func(_ *Config, sc scenarios.Scenario, o Options, _ nfsclient.Options) bool {
		return !o.Director && (sc.DeliverySettings == nil || !sc.DeliverySettings.IndexMemory)
	}},
}

// risks lists the guide's warnings that apply to the setup, in the
// guide's order.
func risks(c *Config, sc scenarios.Scenario, o Options) []Risk {
	m, _ := nfsclient.ParseOptions(sc.Mount)
	var out []Risk
	for _, cl := range scenarios.Claims {
		for _, r := range rules {
			if r.claim != cl.ID || !r.applies(c, sc, o, m) {
				continue
			}
			line := 0
			if s, ok := c.Settings[strings.Fields(r.setting)[0]]; ok {
				line = s.Line
			}
			out = append(out, Risk{Setting: r.setting, Line: line, Claim: cl.ID, Text: cl.Text})
		}
	}
	return out
}

// related are the catalog scenarios whose main claim (their first) is one
// of the claims at risk, in the order of the risks.
func related(rs []Risk) []scenarios.Scenario {
	var out []scenarios.Scenario
	for _, r := range rs {
		for _, sc := range scenarios.All() {
			if len(sc.ClaimIDs) > 0 && sc.ClaimIDs[0] == r.Claim &&
				!slices.ContainsFunc(out, func(x scenarios.Scenario) bool { return x.Name == sc.Name }) {
				out = append(out, sc)
			}
		}
	}
	return out
}
