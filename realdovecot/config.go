package realdovecot

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/nfsmail/nfsmail/mailstore"
)

// Location is the mail_location of an instance: the format, the storage
// root under the FUSE view, and the optional local (tmpfs-like) parts the
// guide suggests keeping off NFS. Empty strings leave an option out.
type Location struct {
	Format string // "maildir", "sdbox" or "mdbox"
	// Index is INDEX= ("MEMORY", or a local directory; %u is the user).
	Index       string
	VolatileDir string // VOLATILEDIR=
	ListIndex   string // LISTINDEX=
	Alt         string // ALT=
	NoAltCheck  bool   // ALTNOCHECK (the guide's "NOALTCHECK" is not a 2.3 option)
	IterIndex   bool   // ITERINDEX
}

// String renders the mail_location value.
func (l Location) String() string {
	dirs := map[string]string{"maildir": "~/Maildir", "sdbox": "~/sdbox", "mdbox": "~/mdbox"}
	s := l.Format + ":" + dirs[l.Format]
	add := func(cond bool, opt string) {
		if cond {
			s += ":" + opt
		}
	}
	add(l.Index != "", "INDEX="+l.Index)
	add(l.IterIndex, "ITERINDEX")
	add(l.VolatileDir != "", "VOLATILEDIR="+l.VolatileDir)
	add(l.ListIndex != "", "LISTINDEX="+l.ListIndex)
	add(l.Alt != "", "ALT="+l.Alt)
	add(l.NoAltCheck, "ALTNOCHECK") // the guide writes NOALTCHECK, which Dovecot 2.3 rejects
	return s
}

// validFormat reports whether real Dovecot can run a format here.
func validFormat(f string) bool { return f == "maildir" || f == "sdbox" || f == "mdbox" }

// InstanceConfig is one Dovecot instance: where it keeps its own state (a
// local directory), where mail lives (a FUSE view), how it is reached and
// the storage settings under test.
type InstanceConfig struct {
	Name     string // "backend1"
	BaseDir  string // local directory for run/, state/, log/ and dovecot.conf
	MailRoot string // user homes are MailRoot/%u (the FUSE mount point)
	Addr     string // listen address, e.g. 127.0.0.1
	LMTPPort int
	IMAPPort int
	MailUser string // system user owning mail, e.g. vmail
	Location Location
	Settings mailstore.Settings
}

// Conf renders dovecot.conf: deterministic text from the config alone.
func (c InstanceConfig) Conf() string {
	s := c.Settings
	loc := c.Location
	if s.IndexMemory && loc.Index == "" {
		loc.Index = "MEMORY"
	}
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	w("# dovecot.conf for nfsmail realdovecot instance %s (generated; do not edit)", c.Name)
	w("instance_name = nfsmail-%s", c.Name)
	w("base_dir = %s", filepath.Join(c.BaseDir, "run"))
	w("state_dir = %s", filepath.Join(c.BaseDir, "state"))
	w("log_path = %s", filepath.Join(c.BaseDir, "log", "dovecot.log"))
	w("info_log_path = %s", filepath.Join(c.BaseDir, "log", "info.log"))
	w("log_timestamp = \"%%Y-%%m-%%d %%H:%%M:%%S \"")
	w("protocols = imap lmtp")
	w("listen = %s", c.Addr)
	w("ssl = no")
	w("auth_mechanisms = plain")
	w("disable_plaintext_auth = no")
	w("login_trusted_networks = 127.0.0.0/8")
	w("postmaster_address = postmaster@example.com")
	w("auth_username_format = %%Ln")
	w("passdb {\n  driver = static\n  args = nopassword=y\n}")
	w("userdb {\n  driver = static\n  args = uid=%s gid=%s home=%s/%%u\n}", c.MailUser, c.MailUser, c.MailRoot)
	w("mail_location = %s", loc)
	w("mmap_disable = %s", yesNo(s.MmapDisable))
	w("mail_fsync = %s", s.MailFsync)
	w("mail_nfs_storage = %s", yesNo(s.MailNFSStorage))
	w("mail_nfs_index = %s", yesNo(s.MailNFSIndex))
	w("lock_method = %s", s.LockMethod)
	w("dotlock_use_excl = %s", yesNo(s.DotlockUseExcl))
	w("mailbox_list_index = %s", yesNo(!s.NoMailboxListIndex))
	w("mailbox_list_index_very_dirty_syncs = %s", yesNo(s.ListIndexVeryDirtySyncs))
	if s.CachePurgeMinSize > 0 {
		w("mail_cache_purge_min_size = %d", s.CachePurgeMinSize)
	}
	if s.CachePurgeDeletePercentage > 0 {
		w("mail_cache_purge_delete_percentage = %d", s.CachePurgeDeletePercentage)
	}
	if s.MailMaxLockTimeout > 0 {
		w("mail_max_lock_timeout = %ds", int(s.MailMaxLockTimeout.Seconds()))
	}
	// Every client of the harness connects from 127.0.0.1, so a user's
	// sessions compressed into a few seconds would hit the per-user+IP
	// limit (default 10) that real clients, arriving from many addresses,
	// do not; the engines have no such limit either.
	w("protocol imap {\n  mail_max_userip_connections = 1000\n}")
	w("service imap-login {\n  inet_listener imap {\n    port = %d\n  }\n  inet_listener imaps {\n    port = 0\n  }\n}", c.IMAPPort)
	w("service lmtp {\n  inet_listener lmtp {\n    port = %d\n  }\n}", c.LMTPPort)
	w("service pop3-login {\n  inet_listener pop3 {\n    port = 0\n  }\n  inet_listener pop3s {\n    port = 0\n  }\n}")
	w("service submission-login {\n  inet_listener submission {\n    port = 0\n  }\n}")
	w("service managesieve-login {\n  inet_listener sieve {\n    port = 0\n  }\n}")
	return b.String()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
