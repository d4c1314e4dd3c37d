package mailstore

import (
	"fmt"
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
// Honoured so far (by mailstore/maildir and mailstore/dotlock): MailFsync,
// MailNFSStorage, DotlockUseExcl, MailMaxLockTimeout. Not yet honoured (no
// index files exist yet): MmapDisable, MailNFSIndex, LockMethod, IndexMemory
// — Maildir currently behaves as with INDEX=MEMORY.
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
}

// DefaultSettings returns Dovecot 2.3.19's defaults.
func DefaultSettings() Settings {
	return Settings{
		MailFsync:      FsyncOptimized,
		LockMethod:     LockFcntl,
		DotlockUseExcl: true,
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
