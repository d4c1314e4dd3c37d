package mailstore

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"

	"github.com/nfsmail/nfsmail/vfs"
)

// UIDValidityFile is the name of the file under a user's mail root from
// which new mailboxes take their UIDVALIDITY (dovecot-uidvalidity).
const UIDValidityFile = "dovecot-uidvalidity"

// uidValidityRetries is how many values a rename tries (RETRY_COUNT).
const uidValidityRetries = 10

// NextUIDValidity hands out the UIDVALIDITY of a new or rebuilt mailbox
// as mailbox_uidvalidity_next does, under root (the mail root, where
// Dovecot keeps control files). dovecot-uidvalidity holds the last value
// in hex; an empty file dovecot-uidvalidity.<value> beside it is renamed
// to the next value, so two processes that read the same value cannot
// both win: the loser's rename fails with ENOENT and it tries the next
// one. When the file is missing or broken the directory is rescanned
// for the highest .<value> file; when that fails too the clock gives the
// value. Errors are logged with Dovecot's texts and never fail the caller.
func NextUIDValidity(env Env, root string) uint32 {
	path := root + "/" + UIDValidityFile
	f, err := env.FS.OpenFile(path, vfs.O_RDWR, 0)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			env.Logf(Error, "open(%s) failed: %s", path, Strerror(err))
		}
		return rescanUIDValidity(env, path)
	}
	buf := make([]byte, 8)
	_, err = io.ReadFull(f, buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		env.Logf(Error, "read(%s) failed: %s", path, Strerror(err))
		_ = f.Close()
		return rescanUIDValidity(env, path)
	}
	cur, ok := parseUIDValidity(string(buf))
	if err != nil || !ok { // read_full: shorter than 8 bytes is broken too
		_ = f.Close()
		return rescanUIDValidity(env, path)
	}
	if cur, ok = renameUIDValidity(env, path, cur, false); !ok {
		_ = f.Close()
		return rescanUIDValidity(env, path)
	}
	writeUIDValidity(env, f, path, cur)
	return cur
}

// parseUIDValidity reads the hex value of the file; 0 is broken.
func parseUIDValidity(s string) (uint32, bool) {
	v, err := strconv.ParseUint(strings.TrimRight(s, "\x00"), 16, 32)
	return uint32(v), err == nil && v != 0
}

// renameUIDValidity renames path.<cur> to path.<cur+1>, trying the
// following values while the source is missing (another process took
// it). It returns the value now claimed.
func renameUIDValidity(env Env, path string, cur uint32, logMissing bool) (uint32, bool) {
	var err error
	var src, dst string
	for range uidValidityRetries {
		src = fmt.Sprintf("%s.%08x", path, cur)
		if cur++; cur == 0 {
			cur++
		}
		dst = fmt.Sprintf("%s.%08x", path, cur)
		if err = env.FS.Rename(src, dst); err == nil || !errors.Is(err, fs.ErrNotExist) {
			break
		}
	}
	if err != nil && (!errors.Is(err, fs.ErrNotExist) || logMissing) {
		env.Logf(Error, "rename(%s, %s) failed: %s", src, dst, Strerror(err))
	}
	return cur, err == nil
}

// rescanUIDValidity is mailbox_uidvalidity_next_rescan: the highest
// .<value> file in the directory is renamed on (a lower duplicate is
// deleted); with none, one is created from the clock.
func rescanUIDValidity(env Env, path string) uint32 {
	dir, base := path[:strings.LastIndexByte(path, '/')], UIDValidityFile+"."
	entries, err := env.FS.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		if err = vfs.MkdirAll(env.FS, dir, 0o700); err == nil {
			entries, err = env.FS.ReadDir(dir)
		}
	}
	if err != nil {
		env.Logf(Error, "opendir(%s) failed: %s", dir, Strerror(err))
		return clockUIDValidity(env)
	}
	var lo, hi uint32 = ^uint32(0), 0
	for _, e := range entries {
		if v, ok := strings.CutPrefix(e.Name(), base); ok {
			if n, ok := parseUIDValidity(v); ok {
				lo, hi = min(lo, n), max(hi, n)
			}
		}
	}
	if hi == 0 {
		var cur uint32
		var tmp string
		err := fs.ErrExist
		for i := 0; i < uidValidityRetries && errors.Is(err, fs.ErrExist); i++ {
			cur = clockUIDValidity(env) + uint32(i)
			tmp = fmt.Sprintf("%s.%08x", path, cur)
			var f vfs.File
			if f, err = env.FS.OpenFile(tmp, vfs.O_RDWR|vfs.O_CREATE|vfs.O_EXCL, 0o444); err == nil {
				_ = f.Close()
			}
		}
		if err != nil {
			env.Logf(Error, "creat(%s) failed: %s", tmp, Strerror(err))
			return cur
		}
		createUIDValidity(env, path, cur)
		return cur
	}
	if lo != hi {
		_ = env.FS.Remove(fmt.Sprintf("%s.%08x", path, lo))
	}
	cur, ok := renameUIDValidity(env, path, hi, true)
	if !ok {
		return clockUIDValidity(env)
	}
	createUIDValidity(env, path, cur)
	return cur
}

// createUIDValidity is mailbox_uidvalidity_write: open or create the
// main file and write the value over its start.
func createUIDValidity(env Env, path string, v uint32) {
	f, err := env.FS.OpenFile(path, vfs.O_RDWR|vfs.O_CREATE, 0o666)
	if err != nil {
		env.Logf(Error, "open(%s) failed: %s", path, Strerror(err))
		return
	}
	writeUIDValidity(env, f, path, v)
}

func writeUIDValidity(env Env, f vfs.File, path string, v uint32) {
	if _, err := f.WriteAt([]byte(fmt.Sprintf("%08x", v)), 0); err != nil {
		env.Logf(Error, "write(%s) failed: %s", path, Strerror(err))
	}
	if err := f.Close(); err != nil {
		env.Logf(Error, "close(%s) failed: %s", path, Strerror(err))
	}
}

// clockUIDValidity is mailbox_uidvalidity_next_fallback: the time.
func clockUIDValidity(env Env) uint32 {
	return max(uint32(env.Clock.Now().Unix()), 1)
}
