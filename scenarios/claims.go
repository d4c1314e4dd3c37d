package scenarios

// Claim is one recommendation or warning of Dovecot's NFS guide
// (../shared/reference/dovecot-nfs-guide.txt), quoted.
type Claim struct {
	ID      string `json:"id"`
	Section string `json:"section"`
	Text    string `json:"text"`
}

// elsewhere says where claims no simulated scenario can test are measured.
var elsewhere = map[string]string{
	"root-squash": "no simulated process runs as root; the real-Dovecot tier counts what Dovecot creates on the store as root " +
		"(`nfsmail dovecot run maildir-director`, line \"made\"; asserted 0 in realdovecot TestDirectorPinnedStaysClean)",
}

// Elsewhere says where a claim that no simulated scenario tests is
// measured instead ("" if nowhere).
func (c Claim) Elsewhere() string { return elsewhere[c.ID] }

// Claims lists every claim of the guide in the order it makes them.
var Claims = []Claim{
	{"no-multi-server", "NFS", "Dovecot does not support accessing the same user simultaneously by different servers. That will result in more or less severe mailbox corruption."},
	{"director", "NFS", "Use Dovecot director for clustering."},
	{"lmtp", "NFS", "Use LMTP Server for mail deliveries."},
	{"mmap-disable", "NFS", "Set mmap_disable = yes"},
	{"mail-fsync", "NFS", "Set mail_fsync = always"},
	{"no-mail-nfs", "NFS", "Do not set mail_nfs_index or mail_nfs_storage (i.e. keep them as no)"},
	{"no-quota-status", "NFS", "Do not use the quota-status service."},
	{"unmounted", "NFS", "Unmounted NFS mount point directory should not be writable to Dovecot mail processes (i.e. often the vmail user). Otherwise if the NFS isn't mounted for some reason and user access mails, a new empty user mail directory is created, which breaks things."},
	{"nordirplus", "NFS mount options", "nordirplus: Disable readdirplus operations, which aren't needed by Dovecot. They can also slow down some NFS servers."},
	{"root-squash", "NFS mount options", "root_squash: Dovecot doesn't care about this. Typically Dovecot doesn't store any root-owned files in NFS."},
	{"nolock-dotlock", "NFS mount options", "nolock: This is possible to use either if lock_method=dotlock is used, or as a slightly unsafe optimization (see below)."},
	{"mdbox-purge", "Optimizations", "mdbox format is likely more efficient to use than the sdbox format. The downside is that it requires running periodic doveadm purge for each user. This commands should be run via the doveadm directors so they are run in the proper backends."},
	{"volatiledir", "Optimizations", "Use mail_location = ...:VOLATILEDIR=/dev/shm/dovecot/%2.256Nu/%u to store some temporary files (e.g. lock files) in tmpfs rather than NFS."},
	{"listindex", "Optimizations", "Use mail_location = ...:LISTINDEX=/dev/shm/dovecot/%2.256Nu/%u/dovecot.list.index to store mailbox list indexes in tmpfs rather than NFS. This makes moving the users between backends more expensive though. It also needs a way to delete the list indexes for users that have already moved to different backends."},
	{"iterindex", "Optimizations", "Use mail_location = ...:INDEX=/fast/%2.256Nu/%u:ITERINDEX to use \u201csmaller fast storage\u201d for index files and \u201clarger slow storage\u201d for mail files."},
	{"alt-storage", "Optimizations", "Use mail_location = ...:ALT=/slow/%2.256Nu/%u:NOALTCHECK to use \u201csmaller fast storage\u201d for new mails and \u201clarger slow storage\u201d for old mails. The doveadm altmove command needs to be run periodically."},
	{"nolock-director", "Optimizations", "Slightly unsafe: Use nolock mount option to keep all locking within the server. Assuming director works perfectly, there is no need to use locking across NFS. [...] in some rare situations the same user can become accessed by multiple servers simultaneously. In those situations the mails are more likely to become corrupted if nolock is used."},
	{"clock-sync", "Clock synchronization", "Run ntpd in the NFS server and all the NFS clients to make sure their clocks are synchronized. They should always be less than 1 second apart from each other."},
	{"no-director-warning", "Clustering without director", "This method is almost guaranteed to give random errors and can potentially lose emails."},
	{"source-ip", "Clustering without director", "Configure load balancer so that connections from the same source IP are redirected to the same Dovecot server. This way a single client using multiple IMAP connections doesn't immediately cause problems."},
	{"mail-nfs-without-director", "Clustering without director", "Set mail_nfs_index = yes and mail_nfs_storage = yes. These will attempt to flush the NFS caches at appropriate times. However, it doesn't work perfectly."},
	{"noac", "Clustering without director", "Disabling NFS attribute cache helps a lot in getting rid of caching related errors, but this makes performance MUCH worse and increases the load on NFS server. This can usually be done by giving actimeo=0 or noac mount option."},
	{"lockd", "Clustering without director", "Make sure NFS lockd works properly. If it doesn't, use lock_method = dotlock. However, this degrades performance."},
	{"maildir-resistant", "Clustering without director", "Use Maildir mailbox format instead of sdbox/mdbox. Maildir is much more resistant to corruption."},
	{"lda-index-memory", "Clustering without director", "Deliver mails in a way that it doesn't update Dovecot index files. Either don't use Dovecot LDA/LMTP, or configure it to use in-memory index files."},
}

// ClaimByID returns the claim with id.
func ClaimByID(id string) (Claim, bool) {
	for _, c := range Claims {
		if c.ID == id {
			return c, true
		}
	}
	return Claim{}, false
}
