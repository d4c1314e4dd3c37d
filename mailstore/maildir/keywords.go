package maildir

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/dotlock"
	"github.com/nfsmail/nfsmail/vfs"
)

const (
	keywordsName      = "dovecot-keywords"
	keywordsStaleSecs = 120 // KEYWORDS_LOCK_STALE_TIMEOUT
)

// keywordsFile is dovecot-keywords as one process knows it (struct
// maildir_keywords): line "<n> <name>" gives the keyword of letter 'a'+n.
// Dovecot takes no lock of its own to read or extend it: it relies on the
// uidlist lock, trusts the file's mtime to tell whether it changed, and
// rewrites the whole file through dovecot-keywords.lock + rename.
type keywordsFile struct {
	m           *Mailbox
	path        string
	names       []string // by letter; "" is a free slot
	synced      bool     // read since the last commit: don't read again
	syncedMtime int64
	changed     bool
}

func newKeywordsFile(m *Mailbox) *keywordsFile {
	return &keywordsFile{m: m, path: m.root + "/" + keywordsName}
}

// sync re-reads the file if its mtime changed (maildir_keywords_sync).
func (k *keywordsFile) sync() error {
	fsys := k.m.env.FS
	k.m.nfsFlushAttrs(k.path)
	fi, err := fsys.Stat(k.path)
	if errors.Is(err, fs.ErrNotExist) {
		k.names, k.synced = nil, true
		return nil
	}
	if err != nil {
		k.m.critical("stat(%s) failed: %s", k.path, strerror(err))
		return err
	}
	if fi.ModTime().Unix() == k.syncedMtime {
		k.synced = true // hasn't changed
		return nil
	}
	k.syncedMtime = fi.ModTime().Unix()
	data, err := vfs.ReadFile(fsys, k.path)
	if errors.Is(err, fs.ErrNotExist) {
		k.names, k.synced = nil, true
		return nil
	}
	if err != nil {
		k.m.critical("open(%s) failed: %s", k.path, strerror(err))
		return err
	}
	k.names = parseKeywords(data)
	k.synced = true
	return nil
}

// parseKeywords reads the file's lines, skipping those Dovecot skips
// (no space, a bad or too large index, an empty or repeated name).
func parseKeywords(data []byte) []string {
	var names []string
	for line := range strings.SplitSeq(string(data), "\n") {
		idx, name, ok := strings.Cut(line, " ")
		n, err := strconv.Atoi(idx)
		if !ok || err != nil || n < 0 || n >= maxKeywords || name == "" || slices.Contains(names, name) {
			continue
		}
		for len(names) <= n {
			names = append(names, "")
		}
		names[n] = name
	}
	return names
}

// lookup finds name's letter index, reading the file once if it is not
// known (maildir_keywords_lookup); err when the file could not be read.
func (k *keywordsFile) lookup(name string) (int, bool, error) {
	if i := slices.Index(k.names, name); i >= 0 {
		return i, true, nil
	}
	if k.synced {
		return 0, false, nil
	}
	if err := k.sync(); err != nil {
		return 0, false, err
	}
	i := slices.Index(k.names, name)
	return i, i >= 0, nil
}

// lookupOrCreate also adds name at the first free letter, which Dovecot
// only does while it holds the uidlist lock; with 26 keywords, without
// the lock, or when the file could not be read (its letters are unknown),
// the keyword gets no letter.
func (k *keywordsFile) lookupOrCreate(name string) (int, bool) {
	i, ok, err := k.lookup(name)
	if ok || err != nil {
		return i, ok
	}
	i = slices.Index(k.names, "")
	if i < 0 {
		i = len(k.names)
	}
	if i >= maxKeywords || k.m.uidlist.lockCount == 0 {
		return 0, false
	}
	k.create(name, i)
	return i, true
}

func (k *keywordsFile) create(name string, i int) {
	for len(k.names) <= i {
		k.names = append(k.names, "")
	}
	k.names[i] = name
	k.changed = true
}

// name returns letter i's keyword, reading the file once if this
// process does not know the letter (maildir_keywords_idx).
func (k *keywordsFile) name(i int) (string, bool) {
	if i >= len(k.names) && !k.synced && k.sync() != nil {
		return "", false
	}
	if i >= len(k.names) || k.names[i] == "" {
		return "", false
	}
	return k.names[i], true
}

// commit writes the file if this process added keywords
// (maildir_keywords_commit): a leftover dovecot-keywords.lock is removed
// (the uidlist lock is what excludes writers), the new content goes into
// a fresh lock file whose mtime must exceed the one last read, then it
// is fsync'd and renamed over the file.
func (k *keywordsFile) commit() {
	k.synced = false
	if !k.changed {
		return
	}
	env := k.m.env
	lockPath := k.path + ".lock"
	if err := env.FS.Remove(lockPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
		k.m.critical("unlink(%s) failed: %s", lockPath, strerror(err))
	}
	set := env.Settings
	l, err := dotlock.Create(env, k.path, dotlock.Settings{
		Timeout:      set.LockTimeout((keywordsStaleSecs + 2) * time.Second),
		StaleTimeout: keywordsStaleSecs * time.Second,
		UseExcl:      set.DotlockUseExcl,
		NFSFlush:     set.MailNFSStorage,
	}, dotlock.NonBlock)
	if err != nil {
		k.m.critical("file_dotlock_open(%s) failed: %s", k.path, strerror(err))
		return
	}
	if l.ReplaceWith(func(f vfs.File) error { return k.write(f, lockPath) }) != nil {
		return // logged where it failed
	}
	k.changed = false
}

// write is maildir_keywords_write_fd.
func (k *keywordsFile) write(f vfs.File, path string) error {
	var b bytes.Buffer
	for i, name := range k.names {
		if name != "" {
			fmt.Fprintf(&b, "%d %s\n", i, name)
		}
	}
	if _, err := f.Write(b.Bytes()); err != nil {
		k.m.critical("write_full(%s) failed: %s", path, strerror(err))
		return err
	}
	fi, err := f.Stat()
	if err != nil {
		k.m.critical("fstat(%s) failed: %s", path, strerror(err))
		return err
	}
	if fi.ModTime().Unix() <= k.syncedMtime { // mtime must grow every time
		now := k.m.nowSecs()
		k.syncedMtime = max(now, k.syncedMtime+1)
		if err := vfs.Chtimes(k.m.env.FS, path, time.Unix(now, 0), time.Unix(k.syncedMtime, 0)); err != nil {
			k.m.critical("utime(%s) failed: %s", path, strerror(err))
			return err
		}
	}
	if err := f.Sync(); err != nil {
		k.m.critical("fsync(%s) failed: %s", path, strerror(err))
		return err
	}
	return nil
}

// keywordSync maps filename letters to keyword names and back for one
// index sync (struct maildir_keywords_sync_ctx); deinit writes the file
// if letters were added.
type keywordSync struct {
	k      *keywordsFile
	byChar map[byte]string
	byName map[string]byte
}

func (m *Mailbox) keywordSyncInit() *keywordSync {
	return &keywordSync{k: m.keywords, byChar: map[byte]string{}, byName: map[string]byte{}}
}

func (s *keywordSync) deinit() {
	if s != nil {
		s.k.commit()
	}
}

// names returns the keywords of a filename's letters, sorted
// (maildir_keywords_char_idx): a letter the file does not name becomes a
// keyword "unknown-<n>" of its own, added to the file.
func (s *keywordSync) names(letters string) []string {
	var out []string
	for _, c := range []byte(letters) {
		name, ok := s.byChar[c]
		if !ok {
			i := int(c - keywordFirst)
			if name, ok = s.k.name(i); !ok {
				name = "unknown-" + strconv.Itoa(i)
				for {
					if _, dup, _ := s.k.lookup(name); !dup {
						break
					}
					name += "?"
				}
				s.k.create(name, i)
			}
			s.byChar[c] = name
		}
		out = append(out, name)
	}
	return mailstore.SortKeywords(out)
}

// letters returns the filename letters of keywords
// (maildir_keywords_idx_char); a keyword that gets no letter is left out.
func (s *keywordSync) letters(names []string) string {
	var b []byte
	for _, name := range names {
		c, ok := s.byName[name]
		if !ok {
			i, found := s.k.lookupOrCreate(name)
			if !found {
				continue
			}
			c = byte(keywordFirst + i)
			s.byName[name] = c
		}
		b = append(b, c)
	}
	return string(b)
}
