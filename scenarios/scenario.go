package scenarios

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nfsmail/nfsmail/harness/check"
	"github.com/nfsmail/nfsmail/harness/fault"
	"github.com/nfsmail/nfsmail/harness/nfsclient"
	"github.com/nfsmail/nfsmail/mailgen"
	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/mailboxlist"
)

// Scenario is a cluster shape, its settings, a workload and the verdict the
// guide leads one to expect.
type Scenario struct {
	Name   string
	Format string // mailbox format: "maildir"
	// Claim is the sentence of the guide the scenario tests.
	Claim string
	// ClaimIDs name the guide's claims (Claims) it bears on.
	ClaimIDs []string
	// Expected is the verdict the guide implies.
	Expected check.Verdict
	// Why explains, in terms of the model, what should happen.
	Why string
	// Disputed marks a scenario whose measured verdicts do not bear out
	// what the guide implies; Why says why. The catalog test asserts that
	// the disagreement is still measured, so a change of the model that
	// resolves it is noticed.
	Disputed bool
	// MinSeeds is the fewest seeds Measure runs: a hazard that strikes a
	// few runs in a hundred needs more than the usual twenty to show.
	MinSeeds int
	Hosts    int
	Routing  string // "director", "source-ip" or "random"
	// Mount is the NFS mount-options string every host uses ("" = Linux defaults).
	Mount string
	// RTT is what one RPC costs the calling process in virtual time: the
	// network round trip and the server's service time (0 = a LAN's
	// 250 µs). A slow filer, or another tier's measured pace, is a longer one.
	RTT      time.Duration
	Settings mailstore.Settings
	Workload mailgen.Spec
	// Skew is each host's clock offset from the NFS server (missing = 0).
	Skew []time.Duration
	// Delivery is how mail arrives: "lmtp" (the default: routed like IMAP,
	// so through the director when there is one) or "lda-mx" (Dovecot LDA
	// on the MTA's own host, which mounts the store too).
	Delivery string
	// DeliverySettings, if set, replaces Settings for delivery processes
	// (e.g. INDEX=MEMORY for LDA, as the guide suggests without a director).
	DeliverySettings *mailstore.Settings
	// QuotaStatus: before each delivery the MTA asks Dovecot's
	// quota-status service, which opens the user's mailbox on whichever
	// backend the MTA reaches (a random one).
	QuotaStatus bool
	// Faults is the NFS server's fault plan.
	Faults fault.Plan
	// DRC turns on the server's duplicate request cache.
	DRC bool
	// Events are cluster events in virtual time: host crashes, director
	// hiccups, server restarts.
	Events []Event
	// Unmounted, if set, is a backend whose NFS mount failed: its
	// processes see the bare mount-point directory.
	Unmounted *Unmounted
	// Purge, if set, runs `doveadm purge` (mdbox) for every user
	// periodically.
	Purge *Purge
	// DirectorUserExpire is director_user_expire: after a backend goes
	// down the director keeps sending its users there until their entries
	// expire. 0 means they move at once (the host was removed or flushed).
	DirectorUserExpire time.Duration
	// DirectorKickDelay is director_user_kick_delay: when a drain moves
	// users, the director kicks their sessions and holds their new
	// connections this long, so the old backend's processes are gone before
	// the new backend serves them (Dovecot's default is 2 s; 0 here sends
	// them on at once).
	DirectorKickDelay time.Duration
	// HostChange: every process first runs the host-change hook
	// (mailboxlist.HostChange), which deletes this host's copy of a
	// host-local list index when the user was served elsewhere since.
	HostChange bool
	// MaxSteps bounds the run (0 = a default that fits the workload).
	MaxSteps int
}

// Event is something that happens to the cluster at a virtual time.
type Event struct {
	At   time.Duration
	Kind EventKind
	// Host is the backend (0-based) a crash hits.
	Host int
	// For is how long a hiccup lasts.
	For time.Duration
	// Reclaim: after a server restart, clients are told and reclaim their
	// locks (statd's notification arrived).
	Reclaim bool
}

// EventKind names an Event.
type EventKind string

// Event kinds.
const (
	// Crash: the host crashes (processes killed, caches and unflushed data
	// lost) and stays down; the director moves its users to the next host.
	Crash EventKind = "crash"
	// Hiccup: for a while the director sends each operation of a user to
	// its backend or to the next one at random, so two backends serve one
	// user at once ("this doesn't work 100% of the time", says the guide).
	Hiccup EventKind = "hiccup"
	// ServerRestart: the NFS server restarts (unstable writes and locks
	// lost, grace period).
	ServerRestart EventKind = "server-restart"
	// Drain: the director takes the host out of service for a while
	// (maintenance): its users go to the next host, and come back after
	// For. Processes already running there finish; the host keeps its
	// tmpfs.
	Drain EventKind = "drain"
)

// Unmounted describes a backend whose NFS mount is missing.
type Unmounted struct {
	Host int `toml:"host"`
	// Writable: the bare mount-point directory is writable for the mail
	// user (the guide says it must not be).
	Writable bool `toml:"writable"`
}

// Purge schedules doveadm jobs for every user: purge (mdbox), with
// AltMove also altmove (which the guide says must run periodically when
// ALT storage is used), or with ForceResync `doveadm force-resync INBOX`
// instead (any format).
type Purge struct {
	Every time.Duration `toml:"every"`
	// Via is "director" (run on the user's backend, as the guide says) or
	// "any" (a cron job on whichever backend).
	Via         string `toml:"via"`
	AltMove     bool   `toml:"altmove"`
	ForceResync bool   `toml:"force_resync"`
}

// Formats are the mailbox formats the simulation has engines for.
var Formats = []string{"maildir", "sdbox", "mdbox"}

// Validate reports what is wrong with a scenario, naming the field.
func (s Scenario) Validate() error {
	switch {
	case s.Name == "":
		return fmt.Errorf("scenario: name is empty")
	case !slices.Contains(Formats, s.Format):
		return fmt.Errorf("scenario %s: format %q is not supported (%s)", s.Name, s.Format, strings.Join(Formats, ", "))
	case s.Delivery != "" && s.Delivery != "lmtp" && s.Delivery != "lda-mx":
		return fmt.Errorf("scenario %s: delivery %q is not lmtp or lda-mx", s.Name, s.Delivery)
	case s.Purge != nil && (s.Purge.Every <= 0 || (s.Purge.Via != "director" && s.Purge.Via != "any")):
		return fmt.Errorf("scenario %s: purge needs every > 0 and via director or any", s.Name)
	case s.Purge != nil && !s.Purge.ForceResync && s.Format != "mdbox":
		return fmt.Errorf("scenario %s: doveadm purge is for mdbox, not %s", s.Name, s.Format)
	case s.Unmounted != nil && (s.Unmounted.Host < 0 || s.Unmounted.Host >= s.Hosts):
		return fmt.Errorf("scenario %s: unmounted host %d does not exist", s.Name, s.Unmounted.Host)
	case s.Hosts < 1 || s.Hosts > 64:
		return fmt.Errorf("scenario %s: hosts = %d, want 1..64", s.Name, s.Hosts)
	case len(s.Skew) > s.Hosts:
		return fmt.Errorf("scenario %s: %d skews for %d hosts", s.Name, len(s.Skew), s.Hosts)
	case s.Workload.Users < 1:
		return fmt.Errorf("scenario %s: workload has no users", s.Name)
	case s.Workload.Folders < 0 || s.Workload.Folders > 100:
		return fmt.Errorf("scenario %s: workload folders = %d, want 0..100", s.Name, s.Workload.Folders)
	case s.Workload.Moves && s.Format == "mdbox" && (s.Settings.IndexMemory || (s.DeliverySettings != nil && s.DeliverySettings.IndexMemory)):
		return fmt.Errorf("scenario %s: workload moves: with INDEX=MEMORY the mdbox engine keeps INBOX only", s.Name)
	case s.Workload.Keywords < 0 || s.Workload.Keywords > 100:
		return fmt.Errorf("scenario %s: workload keywords = %d, want 0..100 (a Maildir names at most 26)", s.Name, s.Workload.Keywords)
	}
	if _, ok := check.ParseVerdict(string(s.Expected)); !ok {
		return fmt.Errorf("scenario %s: expected verdict %q is not one of CLEAN, SELF-HEALED, CORRUPTED, UNKNOWN", s.Name, s.Expected)
	}
	if !slices.Contains([]string{"director", "source-ip", "random"}, s.Routing) {
		return fmt.Errorf("scenario %s: routing %q is not director, source-ip or random", s.Name, s.Routing)
	}
	for _, id := range s.ClaimIDs {
		if _, ok := ClaimByID(id); !ok {
			return fmt.Errorf("scenario %s: unknown claim %q", s.Name, id)
		}
	}
	for _, e := range s.Events {
		if err := e.validate(s.Hosts); err != nil {
			return fmt.Errorf("scenario %s: %w", s.Name, err)
		}
	}
	for i := range s.Faults.Rules {
		if err := s.Faults.Rules[i].Validate(); err != nil {
			return fmt.Errorf("scenario %s: fault %w", s.Name, err)
		}
	}
	if _, err := nfsclient.ParseOptions(s.Mount); err != nil {
		return fmt.Errorf("scenario %s: %w", s.Name, err)
	}
	if s.RTT < 0 || s.RTT > MaxRTT {
		return fmt.Errorf("scenario %s: rtt %v: want a round trip between 0 and %v", s.Name, s.RTT, MaxRTT)
	}
	if err := mailboxlist.CheckSettings(s.Settings); err != nil {
		return fmt.Errorf("scenario %s: mail_location: %w", s.Name, err)
	}
	return nil
}

// MaxRTT bounds Scenario.RTT: beyond it a round trip is an outage, which
// fault plans and hiccups model.
const MaxRTT = 10 * time.Second

func (e Event) validate(hosts int) error {
	switch {
	case e.At < 0:
		return fmt.Errorf("event %s at %v: negative time", e.Kind, e.At)
	case (e.Kind == Crash || e.Kind == Drain) && (e.Host < 0 || e.Host >= hosts):
		return fmt.Errorf("%s of host %d: no such host", e.Kind, e.Host)
	case (e.Kind == Hiccup || e.Kind == Drain) && e.For <= 0:
		return fmt.Errorf("%s at %v: needs a positive duration", e.Kind, e.At)
	case e.Kind != Crash && e.Kind != Hiccup && e.Kind != ServerRestart && e.Kind != Drain:
		return fmt.Errorf("unknown event %q (crash, hiccup, server-restart, drain)", e.Kind)
	}
	return nil
}

func (s Scenario) skew(i int) time.Duration {
	if i < len(s.Skew) {
		return s.Skew[i]
	}
	return 0
}
