package mailstore

import (
	"cmp"
	"fmt"
	"strings"
	"time"
)

// FsyncMode is Dovecot's mail_fsync setting.
type FsyncMode int

// mail_fsync values.
const (
	FsyncOptimized FsyncMode = iota
	FsyncAlways
	FsyncNever
)

// String returns the setting's value as written in dovecot.conf.
func (m FsyncMode) String() string {
	switch m {
	case FsyncOptimized:
		return "optimized"
	case FsyncAlways:
		return "always"
	case FsyncNever:
		return "never"
	}
	return fmt.Sprintf("FsyncMode(%d)", int(m))
}

// LockMethod is Dovecot's lock_method setting.
type LockMethod int

// lock_method values.
const (
	LockFcntl LockMethod = iota
	LockFlock
	LockDotlock
)

// String returns the setting's value as written in dovecot.conf.
func (m LockMethod) String() string {
	switch m {
	case LockFcntl:
		return "fcntl"
	case LockFlock:
		return "flock"
	case LockDotlock:
		return "dotlock"
	}
	return fmt.Sprintf("LockMethod(%d)", int(m))
}

// Settings are the Dovecot settings that shape storage behaviour. Use
// DefaultSettings for Dovecot 2.3.19's defaults; the zero value is not that.
//
// All fields are honoured by mailstore/index, mailstore/maildir,
// mailstore/sdbox, mailstore/mdbox, mailstore/dotlock and
// mailstore/mailboxlist where they apply: ListIndex, IterIndex and
// VolatileDir only matter to the mailbox list (folders, the list index and
// its mailboxes.lock); AltDir, NoAltCheck and the Mdbox* fields only
// matter to mdbox. Paths may be written absolute ("/dev/shm/dovecot/%u");
// the leading slash is dropped because every vfs path is relative to the
// host's root.
type Settings struct {
	MailFsync          FsyncMode  // mail_fsync, default optimized
	MmapDisable        bool       // mmap_disable, default no
	MailNFSStorage     bool       // mail_nfs_storage, default no
	MailNFSIndex       bool       // mail_nfs_index, default no
	LockMethod         LockMethod // lock_method, default fcntl
	DotlockUseExcl     bool       // dotlock_use_excl, default yes
	MailMaxLockTimeout time.Duration
	// IndexMemory is mail_location's INDEX=MEMORY.
	IndexMemory bool
	// IndexDir is mail_location's INDEX=<dir> ("%u" expands to the user);
	// "" keeps index files beside the mail (Dovecot's default).
	IndexDir string
	// ListIndex is LISTINDEX=<fname or path>; "" is "dovecot.list.index"
	// in the index root.
	ListIndex string
	// IterIndex is ITERINDEX (list mailboxes from the INDEX dir).
	IterIndex bool
	// VolatileDir is VOLATILEDIR=<dir> for host-local lock files.
	VolatileDir string
	// NoMailboxListIndex is mailbox_list_index = no (default yes): LIST
	// always scans the folders on disk.
	NoMailboxListIndex bool
	// ListIndexVeryDirtySyncs is mailbox_list_index_very_dirty_syncs
	// (default no): a process trusts the list index from its first LIST
	// on, instead of syncing it with the disk first.
	ListIndexVeryDirtySyncs bool
	// AltDir is mail_location's ALT=<dir> ("%u" expands to the user): the
	// dbox alternative storage root; "" means none.
	AltDir string
	// NoAltCheck is ALTNOCHECK: skip the dbox-alt-root sanity check. The
	// guide spells it NOALTCHECK, which Dovecot 2.3.19 rejects ("Unknown
	// setting: NOALTCHECK").
	NoAltCheck bool
	// MdboxRotateSize is mdbox_rotate_size (default 10 MiB; 0 means the
	// default): an m.* file is not appended to once this large.
	MdboxRotateSize int64
	// MdboxRotateInterval is mdbox_rotate_interval (default 0 = off): files
	// created before the current day (>= 24h) or hour boundary are not
	// appended to.
	MdboxRotateInterval time.Duration
	// CachePurgeMinSize is mail_cache_purge_min_size (default 32 KiB; 0
	// means the default): dovecot.index.cache is purged for deleted
	// records only once at least this large.
	CachePurgeMinSize int64
	// CachePurgeDeletePercentage is mail_cache_purge_delete_percentage
	// (default 20; 0 means the default): the share of deleted records
	// that makes the next index sync purge the cache.
	CachePurgeDeletePercentage int
}

// Dovecot 2.3.19's defaults for the cache purge settings.
const (
	DefaultCachePurgeMinSize          = 32 << 10
	DefaultCachePurgeDeletePercentage = 20
)

// CachePurge returns mail_cache_purge_min_size and
// mail_cache_purge_delete_percentage, defaulted as Dovecot does (a zero
// keeps the default).
func (s Settings) CachePurge() (minSize int64, deletePercentage int) {
	return cmp.Or(s.CachePurgeMinSize, DefaultCachePurgeMinSize),
		cmp.Or(s.CachePurgeDeletePercentage, DefaultCachePurgeDeletePercentage)
}

// DefaultMdboxRotateSize is mdbox_rotate_size's default.
const DefaultMdboxRotateSize = 10 << 20

// AltRoot returns user's ALT= root with %u expanded, and false without ALT.
func (s Settings) AltRoot(user string) (string, bool) {
	if s.AltDir == "" {
		return "", false
	}
	return expand(s.AltDir, user), true
}

// RotateSize returns mdbox_rotate_size, defaulted.
func (s Settings) RotateSize() int64 {
	if s.MdboxRotateSize <= 0 {
		return DefaultMdboxRotateSize
	}
	return s.MdboxRotateSize
}

// IndexRoot returns where user's index files live given the mail root
// (INDEX=, with %u expanded), and false with INDEX=MEMORY.
func (s Settings) IndexRoot(user, mailRoot string) (string, bool) {
	switch {
	case s.IndexMemory:
		return "", false
	case s.IndexDir == "":
		return mailRoot, true
	}
	return expand(s.IndexDir, user), true
}

// expand turns a mail_location path into a vfs path: %u becomes user and a
// leading "/" is dropped.
func expand(p, user string) string {
	return strings.TrimPrefix(strings.ReplaceAll(p, "%u", user), "/")
}

// ListIndexPath returns where user's mailbox list index lives: its
// directory and file name (LISTINDEX=, default "dovecot.list.index" in the
// index root), and false when it lives in memory only (INDEX=MEMORY with a
// LISTINDEX that names no directory).
func (s Settings) ListIndexPath(user, mailRoot string) (dir, name string, ok bool) {
	name = cmp.Or(s.ListIndex, "dovecot.list.index")
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		return expand(name[:i], user), name[i+1:], true
	}
	root, ok := s.IndexRoot(user, mailRoot)
	return root, name, ok
}

// VolatileRoot returns user's VOLATILEDIR with %u expanded, and false
// without one.
func (s Settings) VolatileRoot(user string) (string, bool) {
	if s.VolatileDir == "" {
		return "", false
	}
	return expand(s.VolatileDir, user), true
}

// DefaultSettings returns Dovecot 2.3.19's defaults.
func DefaultSettings() Settings {
	return Settings{
		MailFsync:       FsyncOptimized,
		LockMethod:      LockFcntl,
		DotlockUseExcl:  true,
		MdboxRotateSize: DefaultMdboxRotateSize,
	}
}

// LockTimeout caps a hardcoded lock timeout by mail_max_lock_timeout
// (Dovecot's mail_storage_get_lock_timeout).
func (s Settings) LockTimeout(d time.Duration) time.Duration {
	if s.MailMaxLockTimeout == 0 || d < s.MailMaxLockTimeout {
		return d
	}
	return s.MailMaxLockTimeout
}
