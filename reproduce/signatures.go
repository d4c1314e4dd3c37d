package reproduce

import (
	"regexp"
	"slices"
	"strings"
)

// Signature is a kind of error line: what it means, which storage formats
// and mechanisms produce it, and the knobs and catalog scenarios the search
// starts from.
type Signature struct {
	Name    string
	Summary string
	// Pattern matches the normalised text (see Normalize).
	Pattern *regexp.Regexp
	// Formats that log it (nil: any).
	Formats []string
	// Mechanisms are the model's explanations, in words.
	Mechanisms []string
	// Knobs the search tries, alone and combined.
	Knobs []Knob
	// Scenarios are catalog scenarios known to log it; the guided search
	// tries them first.
	Scenarios []string
	// Modelled is false for lines the simulation cannot produce (the
	// mechanism is not modelled): they are matched and explained, and the
	// search does not require them.
	Modelled bool
	// Consequence marks a line that follows from another (a rebuild after
	// a detected inconsistency); it never alone decides a search.
	Consequence bool
}

func k(kv string) Knob {
	key, val, _ := strings.Cut(kv, "=")
	return Knob{Key: key, Value: val}
}

func knobs(kvs ...string) []Knob {
	out := make([]Knob, len(kvs))
	for i, kv := range kvs {
		out[i] = k(kv)
	}
	return out
}

var (
	mechTwoHosts  = "two backends serve one user (no director, a director hiccup, LDA on the MX, quota-status, cron doveadm)"
	mechLocalLock = "fcntl/flock locks local to each host (nolock, local_lock=all, broken lockd): two writers append to the same index log"
	mechStaleAttr = "stale NFS attribute or dentry cache: a host acts on an old size or a missing file"
	mechSkew      = "clock skew between a backend and the NFS server: dotlocks look stale or fresh when they are not"
	mechLostReply = "a lost NFS reply: the client retransmits a non-idempotent RENAME/REMOVE the server already did (no duplicate request cache)"
	mechFsync     = "writes not flushed before a host crash (mail_fsync, close-to-open)"
)

// Table is every signature reproduce knows, most specific first: a line
// belongs to the first signature whose pattern matches.
var Table = []Signature{
	{Name: "sdbox-uid-file-collision", Summary: "sdbox found u.<uid> already there when saving: two hosts allocated the same UID",
		Pattern: regexp.MustCompile(`^sdbox: \S+ already exists, rebuilding index`), Formats: []string{"sdbox"},
		Mechanisms: []string{mechTwoHosts, mechLocalLock, mechLostReply}, Modelled: true,
		Knobs:     knobs("routing=random", "mount=nolock", "event=hiccup", "fault=lost-replies", "fault=lose-lock"),
		Scenarios: []string{"sdbox-random-nolock", "sdbox-director-hiccup-nolock", "sdbox-random-nolock-dotlock", "sdbox-director-lost-replies"}},
	{Name: "mdbox-file-id-collision", Summary: "mdbox found m.<id> already there: two hosts allocated the same file id",
		Pattern: regexp.MustCompile(`^mdbox: \S+ already exists, rebuilding index`), Formats: []string{"mdbox"},
		Mechanisms: []string{mechTwoHosts, mechLocalLock}, Modelled: true,
		Knobs:     knobs("routing=random", "mount=nolock", "event=hiccup"),
		Scenarios: []string{"mdbox-random", "mdbox-purge-any-host-nolock"}},
	{Name: "dbox-lost-uid", Summary: "the index lists a message whose dbox file is gone",
		Pattern: regexp.MustCompile(`\b[rs]?dbox\b.*Unexpectedly lost uid=N|UID=N: dbox: Unexpectedly lost uid\b`), Formats: []string{"sdbox"},
		Mechanisms: []string{mechTwoHosts, mechStaleAttr, mechLostReply}, Modelled: true,
		Knobs:     knobs("routing=random", "event=hiccup", "fault=lost-replies", "mount=nolock"),
		Scenarios: []string{"sdbox-source-ip-nolock", "sdbox-random", "sdbox-director-hiccup", "sdbox-director-lost-replies", "sdbox-random-nolock"}},
	{Name: "sdbox-rebuild", Summary: "sdbox rebuilds a mailbox index after an inconsistency", Consequence: true,
		Pattern: regexp.MustCompile(`^sdbox \S+: Rebuilding index`), Formats: []string{"sdbox"}, Modelled: true,
		Mechanisms: []string{mechTwoHosts}, Knobs: knobs("routing=random", "event=hiccup"),
		Scenarios: []string{"sdbox-random", "sdbox-director-hiccup"}},
	{Name: "mdbox-rebuild", Summary: "mdbox rebuilds the storage (map) indexes", Consequence: true,
		Pattern: regexp.MustCompile(`^mdbox \S+: rebuilding indexes`), Formats: []string{"mdbox"}, Modelled: true,
		Mechanisms: []string{mechTwoHosts}, Knobs: knobs("routing=random"), Scenarios: []string{"mdbox-random"}},
	{Name: "mdbox-map-lost", Summary: "a mailbox refers to a map_uid the map no longer has, or a purge lost one",
		Pattern: regexp.MustCompile(`^mdbox map \S+ corrupted: (?:Unexpectedly lost|Purging unexpectedly lost|file_id=N)|^mdbox: map uid lost`), Formats: []string{"mdbox"},
		Mechanisms: []string{mechTwoHosts, mechLocalLock}, Modelled: true,
		Knobs:     knobs("routing=random", "purge=any", "mount=nolock"),
		Scenarios: []string{"mdbox-random", "mdbox-purge-any-host-nolock"}},
	{Name: "mdbox-map-refcount", Summary: "mdbox map refcounts disagree with the mailboxes",
		Pattern: regexp.MustCompile(`^mdbox map \S+ corrupted: (?:refcount update lost|map_uid=N refcount too low|missing map extension|missing ref extension)`), Formats: []string{"mdbox"},
		Mechanisms: []string{mechTwoHosts}, Modelled: true, Knobs: knobs("routing=random"), Scenarios: []string{"mdbox-random"}},
	{Name: "mdbox-map-corrupted", Summary: "the mdbox map index is corrupted",
		Pattern: regexp.MustCompile(`^mdbox map \S+ corrupted: |^mdbox \S+: Inconsistency in map index|^mdbox: map uidvalidity mismatch`), Formats: []string{"mdbox"},
		Mechanisms: []string{mechTwoHosts}, Modelled: true, Knobs: knobs("routing=random", "purge=any"), Scenarios: []string{"mdbox-random"}},
	{Name: "dbox-file-corrupted", Summary: "a dbox file's contents disagree with the index (overwritten appends, purge racing an append)",
		Pattern: regexp.MustCompile(`^Corrupted dbox file \S+ \(around offset=N\)`), Formats: []string{"sdbox", "mdbox"},
		Mechanisms: []string{mechTwoHosts, mechLocalLock}, Modelled: true,
		Knobs: knobs("purge=any", "mount=nolock", "routing=random"), Scenarios: []string{"mdbox-purge-any-host-nolock", "mdbox-random"}},
	{Name: "log-append-uid-conflict", Summary: "two appends of the same UID in the index log: two hosts allocated the same next_uid",
		Pattern: regexp.MustCompile(`Append with UID N, but next_uid = N`),
		// Not modelled: the model appends to the log only after reading it
		// to its end under the log lock, so even with local-only locks a
		// second append of one UID does not reach the log; the runs where
		// it used to appear came from a reset that reused the old log.
		Mechanisms: []string{mechTwoHosts, mechLocalLock}},
	{Name: "log-sync-error", Summary: "applying the index log to the index failed; the index is recreated",
		Pattern:    regexp.MustCompile(`^Log synchronization error at seq=N,offset=N for `),
		Mechanisms: []string{mechTwoHosts, mechLocalLock}, Modelled: true,
		Knobs: knobs("routing=random", "mount=nolock"), Scenarios: []string{"mdbox-random"}},
	{Name: "list-index-marked-corrupted", Summary: "the mailbox list index's log was marked corrupted by another process",
		Pattern:    regexp.MustCompile(`^Transaction log file \S*dovecot\.list\.index\.log: marked corrupted`),
		Mechanisms: []string{mechTwoHosts, mechLocalLock, "the mailbox list index is not modelled yet"},
		Knobs:      knobs("routing=random", "mount=nolock")},
	{Name: "log-marked-corrupted", Summary: "another process found the index log broken and marked it corrupted (indexid=0)",
		Pattern:    regexp.MustCompile(`^Transaction log file \S+: marked corrupted`),
		Mechanisms: []string{mechLocalLock, mechTwoHosts}, Modelled: true,
		Knobs:     knobs("mount=nolock", "routing=random", "mail_nfs_index=yes", "mail_nfs_storage=yes", "mmap_disable=yes", "mail_fsync=always"),
		Scenarios: []string{"sdbox-random-nolock-mail-nfs", "sdbox-random-nolock"}},
	{Name: "log-garbage-at-eof", Summary: "the index log holds bytes past its last complete transaction: two unlocked appenders overlapped",
		Pattern:    regexp.MustCompile(`^Corrupted transaction log file \S+ seq N: Unexpected garbage at EOF`),
		Mechanisms: []string{mechLocalLock, mechTwoHosts}, Modelled: true,
		Knobs:     knobs("mount=nolock", "routing=random", "mail_nfs_index=yes", "mail_nfs_storage=yes", "mmap_disable=yes", "mail_fsync=always"),
		Scenarios: []string{"sdbox-random-nolock-mail-nfs", "sdbox-random-nolock"}},
	{Name: "log-indexid-changed", Summary: "the index log was replaced by one of another index (recreated by another host)",
		Pattern:    regexp.MustCompile(`^Corrupted transaction log file \S+ seq N: indexid changed|^Transaction log file \S+: invalid indexid`),
		Mechanisms: []string{mechLocalLock, mechTwoHosts}, Modelled: true,
		Knobs:     knobs("mount=nolock", "routing=random", "mail_nfs_index=yes", "mail_nfs_storage=yes", "mmap_disable=yes", "mail_fsync=always"),
		Scenarios: []string{"sdbox-random-nolock-mail-nfs", "sdbox-random-nolock"}},
	{Name: "log-corrupted", Summary: "the index log is corrupted (shrank, bad record sizes, rotation chains disagree)",
		Pattern:    regexp.MustCompile(`^Corrupted transaction log file \S+ seq N: `),
		Mechanisms: []string{mechLocalLock, mechTwoHosts}, Modelled: true,
		Knobs:     knobs("mount=nolock", "routing=random", "mail_nfs_index=yes", "mail_nfs_storage=yes", "mmap_disable=no"),
		Scenarios: []string{"sdbox-random-nolock-mail-nfs", "sdbox-random-nolock"}},
	{Name: "log-duplicate-sequence", Summary: "two processes created the same next index log file (concurrent rotation or reset)",
		Pattern:    regexp.MustCompile(`duplicate transaction log sequence \(N\)`),
		Mechanisms: []string{mechLocalLock, mechTwoHosts}, Modelled: true,
		Knobs:     knobs("mount=nolock", "routing=random", "mail_nfs_index=yes", "mail_nfs_storage=yes", "mmap_disable=yes", "mail_fsync=always", "workload=burst"),
		Scenarios: []string{"sdbox-random-nolock-mail-nfs", "sdbox-random-nolock"}},
	{Name: "log-recreated-locking-broken", Summary: "the index log was replaced while this process held its lock: locks do not exclude",
		Pattern:    regexp.MustCompile(`was recreated while we had it locked - locking is broken`),
		Mechanisms: []string{mechLocalLock, mechTwoHosts}, Modelled: true,
		Knobs:     knobs("mount=nolock", "routing=random", "mail_nfs_index=yes", "mail_nfs_storage=yes", "mmap_disable=yes", "mail_fsync=always"),
		Scenarios: []string{"sdbox-random-nolock-mail-nfs", "sdbox-random-nolock"}},
	{Name: "index-lost-log", Summary: "the index points into a log file that no longer exists",
		Pattern:    regexp.MustCompile(`^Index \S+: Lost log for seq=N offset=N`),
		Mechanisms: []string{mechLocalLock, mechTwoHosts}, Modelled: true,
		Knobs:     knobs("mount=nolock", "routing=random", "mail_nfs_index=yes", "mail_nfs_storage=yes"),
		Scenarios: []string{"sdbox-random-nolock-mail-nfs"}},
	{Name: "index-fsck", Summary: "Dovecot fscked an index file and fixed its header", Consequence: true,
		Pattern:    regexp.MustCompile(`^fscking index file |^Fixed index file `),
		Mechanisms: []string{mechLocalLock, mechTwoHosts}, Modelled: true,
		Knobs:     knobs("mount=nolock", "routing=random", "mail_nfs_index=yes", "mail_nfs_storage=yes"),
		Scenarios: []string{"sdbox-random-nolock-mail-nfs"}},
	{Name: "index-arch-changed", Summary: "an index written by a host of the other endianness",
		Pattern:    regexp.MustCompile(`^Rebuilding index file \S+: CPU architecture changed`),
		Mechanisms: []string{"hosts of different CPU architectures share index files (not modelled: all simulated hosts are little-endian)"}},
	{Name: "index-corrupted", Summary: "dovecot.index failed its checks when read",
		Pattern:    regexp.MustCompile(`^Corrupted index file |^Synchronization corrupted index header|^Unexpected transaction log desync|broken sync positions`),
		Mechanisms: []string{mechLocalLock, mechTwoHosts}, Modelled: true,
		Knobs: knobs("mount=nolock", "routing=random", "mmap_disable=no"), Scenarios: []string{"sdbox-random-nolock"}},
	{Name: "view-inconsistent", Summary: "an IMAP session saw UIDs inserted or the index reset under it",
		Pattern: regexp.MustCompile(`view is (?:now )?inconsistent|IMAP session state is inconsistent`),
		Mechanisms: []string{"an index reset under an open IMAP session, which Dovecot then disconnects: doveadm " +
			"force-resync (on any host), an sdbox or mdbox rebuild after an inconsistency, a Maildir UIDVALIDITY change",
			mechTwoHosts}, Modelled: true, Knobs: knobs("routing=random"),
		Scenarios: []string{"sdbox-director-force-resync", "sdbox-force-resync-any-host", "sdbox-random", "mdbox-random"}},
	{Name: "index-cache-corrupted", Summary: "dovecot.index.cache was found corrupted and deleted",
		Pattern:    regexp.MustCompile(`^Deleting corrupted cache|^Corrupted index cache file|^Cached message`),
		Mechanisms: []string{mechTwoHosts, mechStaleAttr}, Modelled: true, Knobs: knobs("routing=random"),
		Scenarios: []string{"sdbox-random", "sdbox-random-nolock", "mdbox-random"}},
	{Name: "log-lock-timeout", Summary: "a process waited 180 s for the index log lock: its holder hung or crashed (a dotlock left by a crashed host)",
		Pattern:    regexp.MustCompile(`^Timeout \(Ns\) while waiting for (?:dot)?lock for transaction log file`),
		Mechanisms: []string{"a crashed host left its dotlock behind (lock_method=dotlock)", "a lock holder hung"}, Modelled: true,
		Knobs:     knobs("lock_method=dotlock", "event=crash", "routing=director"),
		Scenarios: []string{"sdbox-failover-fsync-always", "sdbox-failover-fsync-never", "sdbox-director-faults"}},
	{Name: "uidlist-dotlock-overridden", Summary: "Maildir's dovecot-uidlist was rewritten by someone else while this process held its dotlock",
		Pattern: regexp.MustCompile(`^Maildir uidlist dotlock overridden`), Formats: []string{"maildir"},
		Mechanisms: []string{mechSkew, mechTwoHosts}, Modelled: true,
		Knobs:     knobs("skew=150s", "skew=300s", "routing=random", "workload=burst", "fault=slow-writes"),
		Scenarios: []string{"maildir-random-skew150"}},
	{Name: "dotlock-timestamp-skew", Summary: "a dotlock's server mtime differs from the host's clock: the clocks are not synchronised",
		Pattern:    regexp.MustCompile(`^Created dotlock file's timestamp is different than current time`),
		Mechanisms: []string{mechSkew}, Modelled: true,
		Knobs: knobs("skew=150s", "routing=random"), Scenarios: []string{"maildir-random-skew150"}},
	{Name: "dotlock-lost", Summary: "a process's own dotlock was deleted, overridden or modified by another",
		Pattern:    regexp.MustCompile(`^Our dotlock file \S+ was (?:deleted|overridden|modified)|^dotlock \S+ was immediately (?:deleted|recreated) under us`),
		Mechanisms: []string{mechSkew, mechTwoHosts}, Modelled: true,
		Knobs: knobs("skew=150s", "skew=300s", "routing=random", "workload=burst"), Scenarios: []string{"maildir-random-skew150"}},
	{Name: "uidlist-broken", Summary: "dovecot-uidlist has broken lines: two writers' bytes overlapped",
		Pattern: regexp.MustCompile(`^Broken (?:or unexpectedly changed )?file \S*dovecot-uidlist line N`), Formats: []string{"maildir"},
		Mechanisms: []string{mechSkew, mechTwoHosts, mechStaleAttr}, Modelled: true,
		Knobs: knobs("skew=150s", "routing=random", "mount=actimeo=60"), Scenarios: []string{"maildir-random-skew150"}},
	{Name: "uidlist-next-uid-lowered", Summary: "dovecot-uidlist's next_uid went backwards",
		Pattern: regexp.MustCompile(`next_uid (?:header )?was lowered`), Formats: []string{"maildir"},
		Mechanisms: []string{mechSkew, mechTwoHosts}, Modelled: true,
		Knobs: knobs("skew=150s", "routing=random"), Scenarios: []string{"maildir-random-skew150"}},
	{Name: "uidlist-duplicate-entry", Summary: "one file is listed twice in dovecot-uidlist with different UIDs",
		Pattern: regexp.MustCompile(`Duplicate file entry at line N`), Formats: []string{"maildir"},
		Mechanisms: []string{mechSkew, mechTwoHosts}, Modelled: true,
		Knobs: knobs("skew=150s", "routing=random"), Scenarios: []string{"maildir-random-skew150"}},
	{Name: "uidlist-size-changed", Summary: "dovecot-uidlist grew under an append: another writer appended at the same time",
		Pattern: regexp.MustCompile(`file size changed unexpectedly after write`), Formats: []string{"maildir"},
		Mechanisms: []string{mechSkew, mechTwoHosts, mechStaleAttr}, Modelled: true,
		Knobs: knobs("skew=150s", "routing=random"), Scenarios: []string{"maildir-random-skew150"}},
	{Name: "maildir-expunged-reappeared", Summary: "a message Dovecot thought expunged came back and got a new UID",
		Pattern: regexp.MustCompile(`Expunged message reappeared, giving a new UID`), Formats: []string{"maildir"},
		Mechanisms: []string{mechStaleAttr, mechTwoHosts}, Modelled: true,
		Knobs: knobs("routing=random", "mount=actimeo=60", "skew=150s"), Scenarios: []string{"maildir-random", "maildir-random-skew150"}},
	{Name: "maildir-uidvalidity-changed", Summary: "the mailbox's UIDVALIDITY changed: clients re-download everything",
		Pattern: regexp.MustCompile(`UIDVALIDITY changed \(N -> N\)`), Formats: []string{"maildir"},
		Mechanisms: []string{mechTwoHosts, "the mail directory was recreated (an unmounted, writable mount point)"}, Modelled: true,
		Knobs: knobs("unmounted=writable", "routing=random"), Scenarios: []string{"maildir-unmounted-writable"}},
	{Name: "maildir-uid-changed", Summary: "a Maildir file's UID changed between two syncs",
		Pattern: regexp.MustCompile(`^Maildir: \S+ changed UID N -> N|Filename keeps changing for UID`), Formats: []string{"maildir"},
		Mechanisms: []string{mechTwoHosts, mechStaleAttr}, Modelled: true,
		Knobs: knobs("routing=random", "skew=150s"), Scenarios: []string{"maildir-random"}},
	{Name: "maildir-duplicate-fixed", Summary: "Dovecot found one message under two names and fixed it", Consequence: true,
		Pattern: regexp.MustCompile(`^(?:Fixed|Unlinked) a duplicate: `), Formats: []string{"maildir"},
		Mechanisms: []string{mechTwoHosts, mechLostReply}, Modelled: true,
		Knobs: knobs("routing=random", "fault=lost-replies"), Scenarios: []string{"maildir-random"}},
	{Name: "maildir-slow-scan", Summary: "scanning a Maildir directory took a long time (slow NFS)",
		Pattern: regexp.MustCompile(`^Maildir: Scanning \S+ took N seconds`), Formats: []string{"maildir"},
		Mechanisms: []string{"a slow NFS server"}, Modelled: true, Knobs: knobs("fault=slow-writes")},
	{Name: "read-only-mount-point", Summary: "Dovecot could not create the mail directory: the NFS mount is missing and the mount point is read-only",
		Pattern:    regexp.MustCompile(`^mkdir\(\S+\) failed: Read-only file system`),
		Mechanisms: []string{"the NFS file system is not mounted on this backend"}, Modelled: true,
		Knobs: knobs("unmounted=readonly"), Scenarios: []string{"maildir-unmounted-readonly"}},
	{Name: "rename-enoent", Summary: "a rename failed with ENOENT for a file that was there: a retransmitted RENAME after a lost reply",
		Pattern:    regexp.MustCompile(`^rename\(\S+, \S+\) failed: No such file or directory`),
		Mechanisms: []string{mechLostReply, mechTwoHosts}, Modelled: true,
		Knobs: knobs("fault=lost-replies", "mount=timeo=10"), Scenarios: []string{"sdbox-director-lost-replies"}},
	{Name: "stale-file-handle", Summary: "an NFS call failed with ESTALE: the file was replaced or deleted through another client",
		Pattern:    regexp.MustCompile(`failed(?: with \S+)?: Stale (?:NFS )?file handle`),
		Mechanisms: []string{mechTwoHosts, mechStaleAttr}, Modelled: true,
		Knobs: knobs("routing=random", "mount=lookupcache=all")},
	{Name: "io-error", Summary: "the NFS server answered EIO",
		Pattern:    regexp.MustCompile(`failed(?: with \S+)?: Input/output error`),
		Mechanisms: []string{"storage or NFS server I/O errors (not modelled as a knob yet)"}},
	{Name: "hardlink-failed", Summary: "link() was refused: the file system does not support hard links",
		Pattern:    regexp.MustCompile(`link\(\S+, \S+\) failed: (?:Operation not permitted|Operation not supported|Permission denied)`),
		Mechanisms: []string{"a file system without hard links (SMB, encfs) or an export that refuses LINK (not modelled)"}},
	{Name: "lock-failed", Summary: "an fcntl/flock lock call failed",
		Pattern:    regexp.MustCompile(`(?:fcntl|flock)\(.*\) (?:locking )?failed|mail_index_wait_lock_fd\(\) failed`),
		Mechanisms: []string{"a broken or interrupted lock service (not modelled)"}},
}

// Classify returns the signature a normalised line belongs to, or nil.
func Classify(norm string) *Signature {
	for i := range Table {
		if Table[i].Pattern.MatchString(norm) {
			return &Table[i]
		}
	}
	return nil
}

// SignatureByName returns the signature called name.
func SignatureByName(name string) (*Signature, bool) {
	for i := range Table {
		if Table[i].Name == name {
			return &Table[i], true
		}
	}
	return nil, false
}

// Group is the lines of one signature in a report (or, when Signature is
// nil, lines no signature knows that normalise to the same text).
type Group struct {
	Signature *Signature
	Norm      string // the first line's normalised text
	Lines     []Line
}

// Name is the signature's name or "unknown".
func (g Group) Name() string {
	if g.Signature == nil {
		return "unknown"
	}
	return g.Signature.Name
}

// GroupLines sorts lines into signatures, in order of first appearance;
// unknown lines are grouped by their normalised text.
func GroupLines(lines []Line) []Group {
	var out []Group
	idx := map[string]int{}
	for _, l := range lines {
		sig := Classify(l.Norm)
		key := "?" + l.Norm
		if sig != nil {
			key = sig.Name
		}
		i, ok := idx[key]
		if !ok {
			i = len(out)
			idx[key] = i
			out = append(out, Group{Signature: sig, Norm: l.Norm})
		}
		out[i].Lines = append(out[i].Lines, l)
	}
	return out
}

// Wanted are the signatures the search must cover: modelled ones that are
// not consequences of others (consequences count only if nothing else
// was reported).
func Wanted(groups []Group) []string {
	var want, cons []string
	for _, g := range groups {
		switch s := g.Signature; {
		case s == nil || !s.Modelled:
		case s.Consequence:
			cons = append(cons, s.Name)
		default:
			want = append(want, s.Name)
		}
	}
	if len(want) == 0 {
		want = cons
	}
	slices.Sort(want)
	return slices.Compact(want)
}
