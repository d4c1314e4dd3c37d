package scenarios

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nfsmail/nfsmail/harness/check"
	"github.com/nfsmail/nfsmail/harness/fault"
	"github.com/nfsmail/nfsmail/mailgen"
	"github.com/nfsmail/nfsmail/mailstore"
)

// recommended are the guide's recommended settings: mmap_disable=yes,
// mail_fsync=always, mail_nfs_* = no.
func recommended() mailstore.Settings {
	s := mailstore.DefaultSettings()
	s.MmapDisable = true
	s.MailFsync = mailstore.FsyncAlways
	return s
}

// with returns the recommended settings changed by fn.
func with(fn func(s *mailstore.Settings)) mailstore.Settings {
	s := recommended()
	fn(&s)
	return s
}

// BusyUsers spreads three users' deliveries and IMAP sessions over two
// minutes: the ordinary load of a small cluster.
func BusyUsers() mailgen.Spec {
	return mailgen.Spec{
		Users: 3, Deliveries: 12, Sessions: 6, Commands: 6,
		Duration: 2 * time.Minute, Idle: 10 * time.Second, ClientIPs: 3,
	}
}

// HotUser is one user receiving a burst of 40 deliveries in five seconds
// while six IMAP sessions change flags and expunge: the load under which
// two backends' races are likely enough to be seen within 20 seeds.
func HotUser() mailgen.Spec {
	return mailgen.Spec{
		Users: 1, Deliveries: 40, Sessions: 6, Commands: 6,
		Duration: 5 * time.Second, Idle: time.Second, ClientIPs: 3,
	}
}

// keywordUsers is HotUser whose IMAP clients also set keywords
// ($Label1..8) with every STORE.
func keywordUsers() mailgen.Spec {
	s := HotUser()
	s.Keywords = 8
	return s
}

// moveUsers is HotUser whose IMAP clients also move messages to Archive
// (half the commands that would expunge one).
func moveUsers() mailgen.Spec {
	s := HotUser()
	s.Moves = true
	return s
}

// FolderUsers is three users whose IMAP clients also list, create and
// delete folders (Folder1..3) over ten minutes.
func FolderUsers() mailgen.Spec {
	return mailgen.Spec{
		Users: 3, Deliveries: 6, Sessions: 14, Commands: 6, Folders: 3,
		Duration: 10 * time.Minute, Idle: 5 * time.Second, ClientIPs: 2,
	}
}

// FolderHotUser is one user whose thirty IMAP sessions within a minute
// also list, create and delete two folders.
func FolderHotUser() mailgen.Spec {
	return mailgen.Spec{
		Users: 1, Deliveries: 10, Sessions: 30, Commands: 8, Folders: 2,
		Duration: time.Minute, Idle: time.Second, ClientIPs: 3,
	}
}

// drainFirst takes backend1 out of the director from minute 3 to 6: its
// users are served by backend2 meanwhile and then return. The scenarios
// that use it hold moved users' new connections for Dovecot's default
// director_user_kick_delay of 2 s.
func drainFirst() []Event {
	return []Event{{At: 3 * time.Minute, Kind: Drain, Host: 0, For: 3 * time.Minute}}
}

// slowMail delays every RPC on the users' mail directories by 20 ms (the
// "larger slow storage"); INDEX= paths under fast/ are not delayed.
func slowMail() fault.Plan {
	return fault.Plan{Rules: []fault.Rule{{Name: "slow-mail-storage", Path: "user*/**", Action: fault.Delay, Delay: 20 * time.Millisecond}}}
}

func hiccup(at, d time.Duration) []Event { return []Event{{At: at, Kind: Hiccup, For: d}} }

func crashFirst(at time.Duration) []Event { return []Event{{At: at, Kind: Crash, Host: 0}} }

// catalog holds one or more scenarios per claim of the guide (Claims).
// Expected is the verdict the guide's sentence implies; where the model
// disagrees, Disputed says so and Why explains the mechanism.
var catalog = []Scenario{
	// Use director; don't let two servers access one user.
	{Name: "maildir-director", Format: "maildir", Expected: check.Clean,
		ClaimIDs: []string{"director", "no-multi-server", "mmap-disable", "mail-fsync"},
		Why:      "Every user is pinned to one backend, so all of a user's processes share one NFS client and its caches.",
		Hosts:    2, Routing: "director", Settings: recommended(), Workload: BusyUsers()},
	{Name: "sdbox-director", Format: "sdbox", Expected: check.Clean,
		ClaimIDs: []string{"director", "no-multi-server"},
		Why:      "As maildir-director, under the hot-user burst.",
		Hosts:    2, Routing: "director", Settings: recommended(), Workload: HotUser()},
	{Name: "sdbox-director-moves", Format: "sdbox", Expected: check.Clean, ClaimIDs: []string{"director"},
		Why:   "sdbox-director whose clients also MOVE messages to Archive: two mailbox indexes per user, one backend.",
		Hosts: 2, Routing: "director", Settings: recommended(), Workload: moveUsers()},
	{Name: "sdbox-random", Format: "sdbox", Expected: check.SelfHealed,
		ClaimIDs: []string{"no-multi-server", "no-director-warning", "lockd"},
		Why: "Both backends allocate UIDs and append to the index log; NLM serialises them, so no mail is " +
			"lost, but each backend reads the records the other appends to dovecot.index.cache through its own " +
			"attribute cache and deletes the cache (\"record points outside file\", \"invalid record size\").",
		Hosts: 2, Routing: "random", Settings: mailstore.DefaultSettings(), Workload: HotUser()},
	{Name: "sdbox-random-nolock", Format: "sdbox", Expected: check.Corrupted,
		ClaimIDs: []string{"no-multi-server", "no-director-warning", "lockd"},
		Why: "With nolock each backend's index lock is its own: both read the same next_uid, both stat " +
			"u.N before either renames, and one rename replaces the other's message (\"already exists, " +
			"rebuilding index\" when the stat sees it first).",
		Hosts: 2, Routing: "random", Mount: "nolock", Settings: mailstore.DefaultSettings(), Workload: HotUser()},
	// mdbox.
	{Name: "mdbox-director", Format: "mdbox", Expected: check.Clean, ClaimIDs: []string{"director", "mdbox-purge"},
		Why: "mdbox pinned by the director. Its RPCs per operation are higher than sdbox-director's, in the model " +
			"and in real Dovecot (48.5 against 37.5 RPCs per delivery, docs/fidelity.md), against the guide's " +
			"\"more efficient\": each delivery locks and updates two indexes (the map and the mailbox's) and " +
			"flocks an m.* file. mdbox saves files and directory entries, not NFS round trips.",
		Hosts: 2, Routing: "director", Settings: recommended(), Workload: HotUser()},
	{Name: "mdbox-director-moves", Format: "mdbox", Expected: check.Clean, ClaimIDs: []string{"director", "mdbox-purge"},
		Why: "mdbox pinned by the director, its clients moving messages to Archive and doveadm purge every " +
			"second: a MOVE adds Archive's reference to the message's map record and drops INBOX's, so the " +
			"refcount never reaches 0 and purge keeps the data.",
		Hosts: 2, Routing: "director", Settings: recommended(), Workload: moveUsers(),
		Purge: &Purge{Every: time.Second, Via: "director"}},
	{Name: "mdbox-director-purge", Format: "mdbox", Expected: check.Clean, ClaimIDs: []string{"mdbox-purge"},
		Why:   "doveadm purge every second, run through the director on the user's own backend.",
		Hosts: 2, Routing: "director", Settings: recommended(), Workload: HotUser(),
		Purge: &Purge{Every: time.Second, Via: "director"}},
	{Name: "mdbox-purge-any-host", Format: "mdbox", Expected: check.Corrupted, ClaimIDs: []string{"mdbox-purge"},
		Disputed: true,
		Why: "doveadm purge run by cron on whichever backend. With working NLM, purge's flock on m.* files and " +
			"the map lock exclude the user's backend, so the model shows no damage; see mdbox-purge-any-host-nolock.",
		Hosts: 2, Routing: "director", Settings: recommended(), Workload: HotUser(),
		Purge: &Purge{Every: time.Second, Via: "any"}},
	{Name: "mdbox-purge-any-host-nolock", Format: "mdbox", Expected: check.Corrupted, ClaimIDs: []string{"mdbox-purge"},
		Why: "The same cron purge with nolock: purge on one backend rewrites and unlinks m.* files while the " +
			"other appends to them (\"more messages available than in map\", duplicated or lost mail). It strikes " +
			"about one run in fifteen (13 of seeds 1..200), so it is measured over 60 seeds.",
		MinSeeds: 60, Hosts: 2, Routing: "director", Mount: "nolock", Settings: recommended(), Workload: HotUser(),
		Purge: &Purge{Every: time.Second, Via: "any"}},
	{Name: "sdbox-director-force-resync", Format: "sdbox", Expected: check.SelfHealed, ClaimIDs: []string{"director", "mdbox-purge"},
		Why: "doveadm force-resync every 2 s through the director, on the user's backend: the rebuild takes the " +
			"index lock like any sync and reads the u.* files through the same NFS client as the user's sessions, " +
			"so no mail is lost. But a rebuild resets the index, and every IMAP session open on the mailbox finds " +
			"the reset at the end of its next command: \"reset, view is now inconsistent\", and Dovecot disconnects " +
			"the client (\"IMAP session state is inconsistent, please relogin\") after making the change but before " +
			"answering it. Harmless, but every force-resync logs out the user's clients.",
		Hosts: 2, Routing: "director", Settings: recommended(), Workload: HotUser(),
		Purge: &Purge{Every: 2 * time.Second, Via: "director", ForceResync: true}},
	{Name: "sdbox-force-resync-any-host", Format: "sdbox", Expected: check.SelfHealed, ClaimIDs: []string{"director", "mdbox-purge"},
		Why: "The same force-resync from a cron job on whichever backend (the guide: doveadm commands must go " +
			"through the directors). The rebuild takes the index lock, and taking it drops the other host's " +
			"cached attributes and pages, so it lists the u.* files as the server has them and loses no mail. " +
			"But a rebuild ends by purging dovecot.index.cache, and the user's backend then locks the cache " +
			"file it still has open, which the server no longer has: \"locking failed: Stale file handle\". " +
			"Compare mdbox-purge-any-host.",
		Hosts: 2, Routing: "director", Settings: recommended(), Workload: HotUser(),
		Purge: &Purge{Every: 2 * time.Second, Via: "any", ForceResync: true}},
	{Name: "mdbox-director-alt", Format: "mdbox", Expected: check.Clean, ClaimIDs: []string{"alt-storage"},
		Why: "mdbox with ALT=alt/%u and the alt-root check off, and doveadm altmove every second through the " +
			"director: altmove copies old mails into alt files and unlinks the primary ones under the map lock; a " +
			"reader whose map points at a moved file refreshes the map and follows it (mdbox_mail_open), so nothing " +
			"is lost. Careful with the guide's spelling: Dovecot 2.3.19 refuses NOALTCHECK (\"Unknown setting: " +
			"NOALTCHECK\", no mail can be opened); the option is ALTNOCHECK (nfsmail assess reports it).",
		Hosts: 2, Routing: "director", Workload: HotUser(),
		Settings: with(func(s *mailstore.Settings) { s.AltDir = "alt/%u"; s.NoAltCheck = true }),
		Purge:    &Purge{Every: time.Second, Via: "director", AltMove: true}},
	{Name: "mdbox-random", Format: "mdbox", Expected: check.Corrupted, ClaimIDs: []string{"no-multi-server", "maildir-resistant"},
		Why: "mdbox on two backends: both append to the same m.* files and update one map index; even with NLM, " +
			"a backend that reads the map or the mailbox index through its stale caches finds records it cannot " +
			"resolve (\"Unexpectedly lost INBOX uid\", \"refcount update lost\") and rebuilds the storage. Mostly " +
			"that heals; rarely (3 of the first 100 seeds) the rebuild brings back messages the other backend had " +
			"just expunged, or lists one twice. Since the map's data moved into the index's extension records " +
			"(as Dovecot keeps it) this is far rarer than with the side files before.",
		MinSeeds: 100, Hosts: 2, Routing: "random", Settings: recommended(), Workload: HotUser()},
	// Director and recommended settings under NFS faults.
	{Name: "sdbox-director-faults", Format: "sdbox", Expected: check.SelfHealed, ClaimIDs: []string{"director"},
		Why: "Slow WRITEs and COMMITs, lost replies to exclusive CREATEs (the verifier makes the retransmission " +
			"safe), and a server restart whose unstable writes the clients resend and whose locks they reclaim. " +
			"Nothing is lost, but not every run is CLEAN: a reply lost while a process holds a lock stalls that " +
			"process for the client's timeo (60 s), and processes queued behind it time out after 180 s and " +
			"temp-fail (the MTA retries; \"Timeout (180s) while waiting for dotlock\"). One seed in twenty does.",
		Hosts: 2, Routing: "director", Settings: recommended(), Workload: HotUser(),
		Events: []Event{{At: 2 * time.Second, Kind: ServerRestart, Reclaim: true}},
		Faults: fault.Plan{Rules: []fault.Rule{
			{Name: "slow-writes", Proc: "WRITE|COMMIT", Probability: 0.2, Action: fault.Delay, Delay: 200 * time.Millisecond},
			{Name: "lost-create-replies", Proc: "CREATE", Probability: 0.05, Action: fault.DropReply},
		}}},
	{Name: "sdbox-director-lost-replies", Format: "sdbox", Expected: check.SelfHealed, ClaimIDs: []string{"director"},
		Why: "Lost replies to RENAME and REMOVE (timeo=10: retransmitted after 1 s): the client retransmits and the server, without a duplicate " +
			"request cache, executes them again and answers ENOENT for work it did. Saves and expunges fail for " +
			"the client though they happened; with the server's DRC (sdbox-director-lost-replies-drc) they do not.",
		Hosts: 2, Routing: "director", Mount: "timeo=10", Settings: recommended(), Workload: HotUser(),
		Faults: fault.Plan{Rules: []fault.Rule{{Name: "lost-replies", Proc: "RENAME|REMOVE", Probability: 0.05, Action: fault.DropReply}}}},
	{Name: "sdbox-director-lost-replies-drc", Format: "sdbox", Expected: check.Clean, ClaimIDs: []string{"director"},
		Why:   "The same lost replies with the server's duplicate request cache: retransmissions get the saved answers.",
		Hosts: 2, Routing: "director", Mount: "timeo=10", Settings: recommended(), Workload: HotUser(), DRC: true,
		Faults: fault.Plan{Rules: []fault.Rule{{Name: "lost-replies", Proc: "RENAME|REMOVE", Probability: 0.05, Action: fault.DropReply}}}},
	// LMTP, quota-status.
	{Name: "sdbox-lda-mx", Format: "sdbox", Expected: check.SelfHealed, ClaimIDs: []string{"lmtp"},
		Why: "Deliveries run as LDA on the MTA's host while the director serves IMAP elsewhere. UIDs are safe " +
			"(only the MX host allocates them, under an NLM lock), but LDA appends each new message's cached " +
			"header to dovecot.index.cache, and the IMAP backend reads that file through its own attribute " +
			"cache: \"Deleting corrupted cache: record points outside file\". No mail is lost.",
		Hosts: 2, Routing: "director", Delivery: "lda-mx", Settings: recommended(), Workload: HotUser()},
	{Name: "sdbox-director-quota-status", Format: "sdbox", Expected: check.SelfHealed, ClaimIDs: []string{"no-quota-status"},
		Why: "quota-status opens the user's mailbox on whichever backend the MTA asks, so a second host reads " +
			"the index and dovecot.index.cache the user's backend is appending to; rarely (2 of the first 200 " +
			"seeds) it reads a cache record through a stale attribute cache and deletes the cache. Index " +
			"changes are made under NLM locks, so no mail is damaged; it costs RPCs.",
		MinSeeds: 200, Hosts: 2, Routing: "director", QuotaStatus: true, Settings: recommended(), Workload: HotUser()},
	{Name: "sdbox-director-crash-user-expire", Format: "sdbox", Expected: check.SelfHealed, ClaimIDs: []string{"director"},
		Why: "backend1 crashes and the director keeps its users there until director_user_expire (15 min, the " +
			"default) runs out: their deliveries and logins are refused meanwhile (temporary failures), and " +
			"nothing is lost or corrupted, because no second backend touches their mail.",
		Hosts: 2, Routing: "director", Events: crashFirst(2 * time.Second), DirectorUserExpire: 15 * time.Minute,
		Settings: recommended(), Workload: BusyUsers()},
	// mmap_disable.
	{Name: "sdbox-random-mmap", Format: "sdbox", Expected: check.Corrupted, ClaimIDs: []string{"mmap-disable"},
		Disputed: true,
		Why: "mmap_disable=no on two backends: index and log are read through mappings that show the pages " +
			"this host cached. Every index change is made under the log lock, and taking a lock drops the " +
			"client's cached pages (Linux zaps them, mapped or not), so writers never act on stale pages; " +
			"lock-free readers can, but in the model that only delays what they see. Compare sdbox-random.",
		Hosts: 2, Routing: "random", Workload: HotUser(),
		Settings: with(func(s *mailstore.Settings) { s.MmapDisable = false })},
	// mail_fsync and failover.
	{Name: "sdbox-failover-fsync-never", Format: "sdbox", Expected: check.Corrupted, ClaimIDs: []string{"mail-fsync"},
		Why: "lock_method=dotlock and mail_fsync=never, and the backend crashes: an IMAP session's index log " +
			"append (an acknowledged STORE) is still dirty in the client's page cache — no fcntl unlock flushed it " +
			"and the session had not closed the log — so the director moves the user to the other backend, " +
			"which never sees the flag change. sdbox keeps flags only in the index; on NFS close() and fcntl " +
			"unlocks flush anyway, which is why the window is narrow.",
		Hosts: 2, Routing: "director", Events: crashFirst(3 * time.Second),
		Settings: with(func(s *mailstore.Settings) { s.MailFsync = mailstore.FsyncNever; s.LockMethod = mailstore.LockDotlock }),
		Workload: HotUser(), MinSeeds: 60},
	{Name: "sdbox-failover-fsync-always", Format: "sdbox", Expected: check.SelfHealed, ClaimIDs: []string{"mail-fsync"},
		Why: "The same failover with mail_fsync=always: every log append is fdatasync'd before the client is " +
			"answered, so nothing acknowledged is lost. The crashed host's index dotlock stays behind until its " +
			"180 s stale timeout, so a delivery may time out waiting for it (a temporary failure).",
		Hosts: 2, Routing: "director", Events: crashFirst(3 * time.Second),
		Settings: with(func(s *mailstore.Settings) { s.LockMethod = mailstore.LockDotlock }), Workload: HotUser()},
	// mail_nfs_*.
	{Name: "sdbox-director-mail-nfs", Format: "sdbox", Expected: check.Clean, ClaimIDs: []string{"no-mail-nfs"},
		Why:   "With a director the flushes find nothing stale: no safety gained, more RPCs per operation than sdbox-director.",
		Hosts: 2, Routing: "director", Workload: HotUser(),
		Settings: with(func(s *mailstore.Settings) { s.MailNFSIndex, s.MailNFSStorage = true, true })},
	{Name: "sdbox-random-nolock-mail-nfs", Format: "sdbox", Expected: check.Corrupted, ClaimIDs: []string{"mail-nfs-without-director"},
		Why:   "The flushes refresh caches but cannot make host-local locks exclusive: \"it doesn't work perfectly\".",
		Hosts: 2, Routing: "random", Mount: "nolock", Workload: HotUser(),
		Settings: with(func(s *mailstore.Settings) { s.MailNFSIndex, s.MailNFSStorage = true, true })},
	// Unmounted mount point.
	{Name: "maildir-unmounted-writable", Format: "maildir", Expected: check.Corrupted, ClaimIDs: []string{"unmounted"},
		Why: "backend2's NFS mount is missing and its bare mount point is writable: its users get a new empty " +
			"Maildir there, deliveries land on local disk and never reach the store.",
		Hosts: 2, Routing: "director", Unmounted: &Unmounted{Host: 1, Writable: true}, Settings: recommended(), Workload: BusyUsers()},
	{Name: "maildir-unmounted-readonly", Format: "maildir", Expected: check.SelfHealed, ClaimIDs: []string{"unmounted"},
		Why:   "The same with a read-only mount point: deliveries and logins fail (temporarily) instead; nothing is lost.",
		Hosts: 2, Routing: "director", Unmounted: &Unmounted{Host: 1}, Settings: recommended(), Workload: BusyUsers()},
	// Mount options.
	// Folders: the mailbox list index, LISTINDEX, VOLATILEDIR, ITERINDEX.
	{Name: "maildir-director-folders", Format: "maildir", Expected: check.Clean, ClaimIDs: []string{"listindex", "director"},
		Why: "The baseline for the list-index scenarios: the list index stays on NFS beside the mail. While backend1 " +
			"is drained its users' CREATEs and DELETEs set the shared index's refresh flag, so LIST is right on either host. " +
			"Dovecot's own folder races on one backend stay (see sdbox-director-folders; Maildir++ answers a refused DELETE " +
			"with \"Mailbox exists\"): rare at this pace, and nothing is lost.",
		Hosts: 2, Routing: "director", Settings: recommended(), Workload: FolderUsers(), Events: drainFirst(), DirectorKickDelay: 2 * time.Second},
	{Name: "maildir-director-listindex-tmpfs", Format: "maildir", Expected: check.Clean, ClaimIDs: []string{"listindex"},
		Why: "LISTINDEX on tmpfs: each backend keeps its own list index, so list index writes cost no NFS RPCs. While " +
			"backend1 is drained its users create and delete folders on backend2, and backend1's copy misses that. " +
			"It does no harm: a new session syncs its list index with the disk before trusting it " +
			"(mailbox_list_index_very_dirty_syncs=no), and the director kicks a user's sessions when it moves the user. " +
			"The copies left on the old backend only take tmpfs space, which is what deleting them is for.",
		Hosts: 2, Routing: "director", Workload: FolderUsers(), Events: drainFirst(), DirectorKickDelay: 2 * time.Second,
		Settings: with(func(s *mailstore.Settings) { s.ListIndex = "/dev/shm/dovecot/%u/dovecot.list.index" })},
	{Name: "maildir-director-listindex-tmpfs-very-dirty", Format: "maildir", Expected: check.SelfHealed, ClaimIDs: []string{"listindex"},
		Why: "As maildir-director-listindex-tmpfs with mailbox_list_index_very_dirty_syncs=yes: sessions trust the list " +
			"index without syncing it first, so back on backend1 LIST answers with the folders of before the move " +
			"until a CREATE or DELETE there sets the refresh flag. No mail is lost; folders are missing or phantom.",
		Hosts: 2, Routing: "director", Workload: FolderUsers(), Events: drainFirst(), DirectorKickDelay: 2 * time.Second,
		Settings: with(func(s *mailstore.Settings) {
			s.ListIndex, s.ListIndexVeryDirtySyncs = "/dev/shm/dovecot/%u/dovecot.list.index", true
		})},
	{Name: "maildir-director-listindex-tmpfs-very-dirty-hostchange", Format: "maildir", Expected: check.Clean, ClaimIDs: []string{"listindex"},
		Why: "maildir-director-listindex-tmpfs-very-dirty with the \"way to delete the list indexes\" the guide asks " +
			"for: a .lasthost marker in the index root; a backend that finds another host named there deletes its tmpfs " +
			"copy, which is rebuilt from the folders on disk. Costs a marker read per login and a rebuild per move.",
		Hosts: 2, Routing: "director", Workload: FolderUsers(), Events: drainFirst(), DirectorKickDelay: 2 * time.Second, HostChange: true,
		Settings: with(func(s *mailstore.Settings) {
			s.ListIndex, s.ListIndexVeryDirtySyncs = "/dev/shm/dovecot/%u/dovecot.list.index", true
		})},
	{Name: "maildir-random-folders", Format: "maildir", Expected: check.SelfHealed, ClaimIDs: []string{"no-multi-server", "no-director-warning"},
		Why: "Without a director two backends share the list index on NFS. A CREATE or DELETE on one sets its refresh " +
			"flag, but a session on the other reads the list index log through its attribute cache and keeps listing " +
			"the old folders for a few seconds. No mail is lost.",
		Hosts: 2, Routing: "random", Settings: recommended(), Workload: FolderHotUser()},
	{Name: "sdbox-director-folders", Format: "sdbox", Expected: check.Clean, ClaimIDs: []string{"volatiledir", "director"},
		Why: "The baseline for sdbox-director-volatiledir: mailboxes.lock is created, locked and unlinked on NFS for every CREATE and DELETE. " +
			"Races stay even with one backend: DELETE opens the folder, index and all, before it takes mailboxes.lock, so a " +
			"RENAME onto the name in between gets it the NO \"Mailbox has children, delete them first\" (a temp-fail; nothing " +
			"is lost), and a DELETE and CREATE of the name in between make it answer \"Mailbox was deleted under us\" and mark " +
			"the new folder's log corrupted (\"indexid changed\"). At this pace they hardly ever happen; compressed into 5 s " +
			"(nfsmail fidelity) the first does in a few runs in a hundred, real Dovecot's slower folder commands meet both far " +
			"more often.",
		Hosts: 2, Routing: "director", Settings: recommended(), Workload: FolderUsers()},
	{Name: "sdbox-director-volatiledir", Format: "sdbox", Expected: check.Clean, ClaimIDs: []string{"volatiledir"},
		Why: "VOLATILEDIR on tmpfs moves mailboxes.lock off NFS: with the director only one backend takes it, so " +
			"a host-local lock is as good, and CREATE and DELETE cost fewer RPCs than in sdbox-director-folders.",
		Hosts: 2, Routing: "director", Workload: FolderUsers(),
		Settings: with(func(s *mailstore.Settings) { s.VolatileDir = "/dev/shm/dovecot/%u" })},
	{Name: "maildir-director-index-fast", Format: "maildir", Expected: check.Clean, ClaimIDs: []string{"iterindex"},
		Why: "The baseline for maildir-director-iterindex: INDEX on fast storage, mail on storage whose every " +
			"RPC is 20 ms slower; rebuilding the list index walks the slow mail directory.",
		Hosts: 2, Routing: "director", Workload: FolderUsers(), Faults: slowMail(),
		Settings: with(func(s *mailstore.Settings) { s.IndexDir = "/fast/%u" })},
	{Name: "maildir-director-iterindex", Format: "maildir", Expected: check.Clean, ClaimIDs: []string{"iterindex"},
		Why: "ITERINDEX lists folders by walking the fast INDEX directory instead of the slow mail directory: " +
			"same answers, and less time per operation than maildir-director-index-fast, though only a little: LIST " +
			"is answered from the list index and walks a directory only after a CREATE or DELETE set its refresh flag. " +
			"A folder whose mail directory exists without an index directory is not listed with ITERINDEX.",
		Hosts: 2, Routing: "director", Workload: FolderUsers(), Faults: slowMail(),
		Settings: with(func(s *mailstore.Settings) { s.IndexDir, s.IterIndex = "/fast/%u", true })},
	{Name: "maildir-director-nordirplus", Format: "maildir", Expected: check.Clean, ClaimIDs: []string{"nordirplus"},
		Why:   "READDIR instead of READDIRPLUS: same safety, compare its RPCs per operation with maildir-director.",
		Hosts: 2, Routing: "director", Mount: "nordirplus", Settings: recommended(), Workload: BusyUsers()},
	{Name: "sdbox-random-nolock-dotlock", Format: "sdbox", Expected: check.Corrupted, ClaimIDs: []string{"nolock-dotlock", "lockd"},
		Why: "lock_method=dotlock takes index locks as O_EXCL files the server arbitrates, so the two hosts no longer " +
			"append to dovecot.index.log at once. But a dotlock, unlike an NLM lock, does not make the client revalidate " +
			"the log's attributes: a host that opened the log before the other's append still has the old size, and its " +
			"O_APPEND write lands on the other's records (\"Unexpected garbage at EOF\"). Most runs only log and heal; in about " +
			"one in twenty a flag change or a delivery's index record is lost.",
		Hosts: 2, Routing: "random", Mount: "nolock", Workload: HotUser(),
		Settings: with(func(s *mailstore.Settings) { s.LockMethod = mailstore.LockDotlock })},
	{Name: "sdbox-director-nolock", Format: "sdbox", Expected: check.Clean, ClaimIDs: []string{"nolock-director"},
		Why:   "With a perfect director host-local locks are enough: every process of a user runs on one host.",
		Hosts: 2, Routing: "director", Mount: "nolock", Settings: recommended(), Workload: HotUser()},
	{Name: "sdbox-director-hiccup-nolock", Format: "sdbox", Expected: check.Corrupted, ClaimIDs: []string{"nolock-director"},
		Why:   "A five-second director hiccup sends the user's operations to both backends; with nolock their locks do not exclude each other.",
		Hosts: 2, Routing: "director", Mount: "nolock", Events: hiccup(0, 5*time.Second), Settings: recommended(), Workload: HotUser()},
	{Name: "sdbox-director-hiccup", Format: "sdbox", Expected: check.SelfHealed, ClaimIDs: []string{"nolock-director"},
		Why:   "The same hiccup with NLM locks: the backends exclude each other; errors may be logged, no damage.",
		Hosts: 2, Routing: "director", Events: hiccup(0, 5*time.Second), Settings: recommended(), Workload: HotUser()},
	// Clock synchronisation.
	{Name: "maildir-random-skew150", Format: "maildir", Expected: check.SelfHealed, ClaimIDs: []string{"clock-sync"},
		Why: "backend2's clock runs 150 s ahead: it sees every dotlock older than the 120 s stale timeout and " +
			"may override a live uidlist lock; Dovecot warns \"Created dotlock file's timestamp is different\". " +
			"Uidlist locks are held for milliseconds, so overrides are rare: the errors measured here are the index " +
			"cache's, as in maildir-random without skew; the skew itself adds warnings only.",
		Hosts: 2, Routing: "random", Skew: []time.Duration{0, 150 * time.Second}, Settings: mailstore.DefaultSettings(), Workload: HotUser()},
	{Name: "maildir-random-skew05", Format: "maildir", Expected: check.SelfHealed, ClaimIDs: []string{"clock-sync"},
		Why: "Half a second of skew, within the guide's 1 s: Maildir's dirty-directory logic (MAILDIR_SYNC_SECS=1) " +
			"still rescans in time, and nothing goes wrong beyond what maildir-random (no skew) shows: the index " +
			"cache errors of two backends serving one user.",
		Hosts: 2, Routing: "random", Skew: []time.Duration{0, 500 * time.Millisecond}, Settings: mailstore.DefaultSettings(), Workload: HotUser()},
	{Name: "maildir-random-skew3", Format: "maildir", Expected: check.SelfHealed, ClaimIDs: []string{"clock-sync"},
		Why: "Three seconds of skew: a host ahead of the server records a check time past the directory's mtime + 1 s " +
			"and may skip a rescan, delaying new mail. Every SELECT here revalidates the directory's mtime, which " +
			"changes with each delivery, so the skew adds nothing: the errors measured are the index cache's, as " +
			"in maildir-random without skew.",
		Hosts: 2, Routing: "random", Skew: []time.Duration{0, 3 * time.Second}, Settings: mailstore.DefaultSettings(), Workload: HotUser()},
	// Clustering without director.
	{Name: "maildir-no-director-recipe", Format: "maildir", Expected: check.SelfHealed, ClaimIDs: []string{"no-director-warning", "source-ip", "mail-nfs-without-director", "noac", "lockd", "maildir-resistant", "lda-index-memory"},
		Disputed: true,
		Why: "The guide's whole recipe without a director: source-IP affinity, mail_nfs_index and mail_nfs_storage, " +
			"noac, lock_method=dotlock, Maildir, INDEX=MEMORY for deliveries. \"Almost guaranteed to give random " +
			"errors\": the model finds none under this load, at a high cost in RPCs per operation.",
		Hosts: 2, Routing: "source-ip", Mount: "noac", Workload: HotUser(),
		Settings: with(func(s *mailstore.Settings) {
			s.MailNFSIndex, s.MailNFSStorage, s.LockMethod = true, true, mailstore.LockDotlock
		}),
		DeliverySettings: ptr(with(func(s *mailstore.Settings) {
			s.MailNFSIndex, s.MailNFSStorage, s.LockMethod, s.IndexMemory = true, true, mailstore.LockDotlock, true
		}))},
	{Name: "sdbox-source-ip-nolock", Format: "sdbox", Expected: check.Corrupted, ClaimIDs: []string{"source-ip"},
		Why: "Source-IP affinity keeps one client's connections together, but deliveries and other clients still " +
			"reach both backends, and with nolock their index log appends interleave: logs are found corrupted, " +
			"indexes rebuilt, and now and then flags or messages are lost (\"can potentially lose emails\").",
		MinSeeds: 60,
		Hosts:    2, Routing: "source-ip", Mount: "nolock", Settings: recommended(), Workload: HotUser()},
	{Name: "sdbox-random-noac", Format: "sdbox", Expected: check.Clean, ClaimIDs: []string{"noac"},
		Why: "noac with working locks: no stale attributes, so no index cache errors, at several times the RPCs of " +
			"sdbox-random. It \"helps a lot\", and no mail is damaged; errors are rare rather than gone (1 seed of " +
			"120 logs one): a message file another backend expunged between the lookup and the open (\"open(u.N) " +
			"failed: Stale file handle\"), and in real Dovecot two hosts autocreating one user's INBOX under " +
			"mailboxes.lock, one waiting on the lock file the other unlinked (\"Couldn't create mailbox list " +
			"lock\"). A session that lists a message another backend has just expunged refreshes the index before " +
			"calling it lost, as sdbox_mail_set_expunged does.",
		Hosts: 2, Routing: "random", Mount: "noac", Settings: recommended(), Workload: HotUser()},
	{Name: "maildir-random", Format: "maildir", Expected: check.SelfHealed, ClaimIDs: []string{"maildir-resistant"},
		Why: "Maildir delivers under unique names and renames, and changes dovecot-uidlist only under an O_EXCL " +
			"dotlock the server arbitrates; taking it changes the directory, so the next stat of the uidlist " +
			"revalidates: no mail is lost. The index cache is not so lucky: each backend reads records the other " +
			"appended through its own attribute cache and deletes the cache (\"record points outside file\"), as " +
			"real Dovecot does in the same setup. Compare sdbox-random.",
		Hosts: 2, Routing: "random", Settings: mailstore.DefaultSettings(), Workload: HotUser()},
	{Name: "maildir-random-keywords", Format: "maildir", Expected: check.SelfHealed, ClaimIDs: []string{"maildir-resistant"},
		Why: "maildir-random with IMAP keywords ($Label1..8) on every STORE. dovecot-keywords is extended only " +
			"under the uidlist dotlock, replaced whole by rename with an mtime pushed past the last one read, so " +
			"the backend taking the lock sees the other's new keywords and no letter is given twice: no keyword " +
			"is lost or swapped. (This needs the NFS client to write dirty data before utime's SETATTR, as Linux " +
			"does; otherwise the mtime falls back and a backend reads letters it cannot name as \"unknown-N\".) " +
			"The index cache errors of maildir-random remain.",
		Hosts: 2, Routing: "random", Settings: mailstore.DefaultSettings(), Workload: keywordUsers()},
	{Name: "maildir-random-moves", Format: "maildir", Expected: check.SelfHealed, ClaimIDs: []string{"maildir-resistant"},
		Why: "maildir-random whose clients also MOVE messages to Archive (a copy saved in Archive's Maildir++ " +
			"folder under its own dovecot-uidlist, then the INBOX file expunged): nothing is lost or left behind; " +
			"the index cache errors of maildir-random remain.",
		Hosts: 2, Routing: "random", Settings: mailstore.DefaultSettings(), Workload: moveUsers()},
	{Name: "maildir-random-nolock", Format: "maildir", Expected: check.SelfHealed, ClaimIDs: []string{"maildir-resistant"},
		Why: "Even with nolock no mail is lost: Maildir's uidlist lock is a dotlock, not fcntl. The index cache " +
			"errors of maildir-random remain. Compare sdbox-random-nolock.",
		Hosts: 2, Routing: "random", Mount: "nolock", Settings: mailstore.DefaultSettings(), Workload: HotUser()},
	{Name: "maildir-lda-mx-index-memory", Format: "maildir", Expected: check.Clean, ClaimIDs: []string{"lda-index-memory", "lmtp"},
		Why:   "LDA on the MX host with INDEX=MEMORY: deliveries touch only Maildir and dovecot-uidlist (under its dotlock).",
		Hosts: 2, Routing: "director", Delivery: "lda-mx", Settings: recommended(), Workload: HotUser(),
		DeliverySettings: ptr(with(func(s *mailstore.Settings) { s.IndexMemory = true }))},
}

func ptr[T any](v T) *T { return &v }

// All returns the catalog sorted by name, each with the text of its first
// claim as Claim.
func All() []Scenario {
	out := slices.Clone(catalog)
	for i := range out {
		if out[i].Claim == "" && len(out[i].ClaimIDs) > 0 {
			c, _ := ClaimByID(out[i].ClaimIDs[0])
			out[i].Claim = c.Text
		}
	}
	slices.SortFunc(out, func(a, b Scenario) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Lookup returns the catalog scenario named name.
func Lookup(name string) (Scenario, error) {
	for _, s := range All() {
		if s.Name == name {
			return s, nil
		}
	}
	var names []string
	for _, s := range All() {
		names = append(names, s.Name)
	}
	return Scenario{}, fmt.Errorf("no scenario %q (have: %s)", name, strings.Join(names, ", "))
}
