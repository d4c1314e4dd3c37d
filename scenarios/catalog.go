package scenarios

import (
	"fmt"
	"slices"
	"time"

	"github.com/nfsmail/nfsmail/harness/check"
	"github.com/nfsmail/nfsmail/mailgen"
	"github.com/nfsmail/nfsmail/mailstore"
)

const guideNotSupported = "Dovecot does not support accessing the same user simultaneously by different servers. " +
	"That will result in more or less severe mailbox corruption."

// recommended are the guide's recommended settings: mmap_disable=yes,
// mail_fsync=always, mail_nfs_* = no.
func recommended() mailstore.Settings {
	s := mailstore.DefaultSettings()
	s.MmapDisable = true
	s.MailFsync = mailstore.FsyncAlways
	return s
}

// busyUsers is a small workload where every user has concurrent deliveries
// and IMAP sessions: enough for two hosts to overlap on one user when routing
// lets them.
func busyUsers() mailgen.Spec {
	return mailgen.Spec{
		Users: 3, Deliveries: 12, Sessions: 6, Commands: 6,
		Duration: 2 * time.Minute, Idle: 10 * time.Second, ClientIPs: 3,
	}
}

var catalog = []Scenario{
	{
		Name: "maildir-director", Format: "maildir", Expected: check.Clean,
		ClaimIDs: []string{"director", "no-multi-server", "mmap-disable", "mail-fsync"},
		Claim:    "Use Dovecot director for clustering. " + guideNotSupported,
		Why: "Every user is pinned to one backend, so all of a user's processes share one NFS client " +
			"and its caches: nothing another host did can be hidden by an attribute or lookup cache.",
		Hosts: 2, Routing: "director", Settings: recommended(), Workload: busyUsers(),
	},
	{
		Name: "maildir-random", Format: "maildir", Expected: check.Clean,
		ClaimIDs: []string{"maildir-resistant"},
		Claim:    "Use Maildir mailbox format instead of sdbox/mdbox. Maildir is much more resistant to corruption.",
		Why: "Deliveries and IMAP sessions of one user land on both backends with Linux-default caching. " +
			"Maildir delivers under unique names and renames, and changes dovecot-uidlist only under an " +
			"O_EXCL dotlock whose CREATE the server arbitrates. Taking that lock changes the Maildir " +
			"directory, so the next stat of dovecot-uidlist revalidates its name with a LOOKUP that returns " +
			"fresh attributes, and every new process opens it afresh (close-to-open): the attribute " +
			"cache cannot hide another host's uidlist update. The model predicts no damage.",
		Hosts: 2, Routing: "random", Settings: mailstore.DefaultSettings(), Workload: busyUsers(),
	},
}

// All returns the catalog sorted by name.
func All() []Scenario {
	out := slices.Clone(catalog)
	slices.SortFunc(out, func(a, b Scenario) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return out
}

// Lookup returns the catalog scenario named name.
func Lookup(name string) (Scenario, error) {
	for _, s := range catalog {
		if s.Name == name {
			return s, nil
		}
	}
	var names []string
	for _, s := range All() {
		names = append(names, s.Name)
	}
	return Scenario{}, fmt.Errorf("no scenario %q (have: %v)", name, names)
}
