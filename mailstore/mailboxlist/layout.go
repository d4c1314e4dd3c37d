package mailboxlist

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/index"
	"github.com/nfsmail/nfsmail/vfs"
)

// Errors of CREATE and DELETE, with Dovecot's texts.
var (
	ErrExists      = errors.New("Mailbox already exists")
	ErrNotFound    = errors.New("Mailbox doesn't exist")
	ErrInvalidName = errors.New("Invalid mailbox name")
	// ErrTargetExists: RENAME to a folder that exists.
	ErrTargetExists = errors.New("Target mailbox already exists")
	// ErrHasChildren and ErrStillExists: a DELETE that found no folder
	// when it opened it, but one under mailboxes.lock (see List.Delete);
	// the texts of dbox's and Maildir++'s list backends, sent as a NO
	// without a response code.
	ErrHasChildren = errors.New("Mailbox has children, delete them first")
	ErrStillExists = errors.New("Mailbox exists")
	// ErrDeletedUnderUs: a DELETE whose opened folder was deleted (and
	// maybe created again) before it held mailboxes.lock. It is an
	// ErrNotFound, answered NO [NONEXISTENT].
	ErrDeletedUnderUs error = deletedUnderUs{}
)

type deletedUnderUs struct{}

func (deletedUnderUs) Error() string        { return index.ErrDeleted.Error() }
func (deletedUnderUs) Is(target error) bool { return target == ErrNotFound }

const (
	inbox        = "INBOX"
	maildirTrash = ".DOVECOT-TRASHED" // where Maildir++ DELETE moves a folder first
)

// layout maps folder names to directories for one user and format.
type layout struct {
	format string // "maildir", "sdbox" or "mdbox"
	user   string
	set    mailstore.Settings
}

func newLayout(format, user string, set mailstore.Settings) (layout, error) {
	switch format {
	case "maildir", "sdbox", "mdbox":
		return layout{format: format, user: user, set: set}, nil
	}
	return layout{}, fmt.Errorf("mailboxlist: unknown mailbox format %q", format)
}

func (l layout) maildir() bool { return l.format == "maildir" }

// mailRoot is the root of the user's mail: ~/Maildir or the dbox root.
func (l layout) mailRoot() string {
	if l.maildir() {
		return l.user + "/Maildir"
	}
	return l.user
}

// under returns the directory name of folder under root: ".name" in
// Maildir++, "mailboxes/name" in dbox.
func (l layout) under(root, name string) string {
	if l.maildir() {
		return root + "/." + name
	}
	return root + "/mailboxes/" + name
}

// mailboxDir is the folder's mail directory.
func (l layout) mailboxDir(name string) string { return l.under(l.mailRoot(), name) }

// boxIndex is where the folder keeps its own index (dovecot.index*),
// where the engines open it: beside its mail, or under INDEX=; false with
// INDEX=MEMORY.
func (l layout) boxIndex(name string) (index.Options, bool) {
	dir, ok := l.indexDir(name)
	switch {
	case l.set.IndexMemory:
		return index.Options{}, false
	case !ok:
		return index.Options{Dir: l.openPath(name), Prefix: "dovecot.index", DirMustExist: true}, true
	}
	return index.Options{Dir: dir, Prefix: "dovecot.index"}, true
}

// openIndex opens the folder's index, creating its log when missing, as
// opening a mailbox does (mailbox_open); nil when it keeps none. A folder
// gone since it was found fails with fs.ErrNotExist.
func (l layout) openIndex(env mailstore.Env, name string) (*index.Index, error) {
	opts, ok := l.boxIndex(name)
	if !ok {
		return nil, nil
	}
	return index.Open(env, opts)
}

// openPath is what opening the folder stats: its mail directory, or in
// dbox the dbox-Mails in it (the mailbox path, DBOX_MAILDIR_NAME).
func (l layout) openPath(name string) string {
	if l.maildir() {
		return l.mailboxDir(name)
	}
	return l.mailboxDir(name) + "/dbox-Mails"
}

// indexDir is the folder's own index directory when INDEX= is set.
func (l layout) indexDir(name string) (string, bool) {
	if l.set.IndexDir == "" || l.set.IndexMemory {
		return "", false
	}
	root, _ := l.set.IndexRoot(l.user, l.mailRoot())
	return l.under(root, name), true
}

// scanDir is the directory whose entries are the folders: the mail root,
// or with ITERINDEX the index root.
func (l layout) scanDir() string {
	root := l.mailRoot()
	if l.set.IterIndex {
		root, _ = l.set.IndexRoot(l.user, root)
	}
	if l.maildir() {
		return root
	}
	return root + "/mailboxes"
}

// folderOf returns the folder an entry of scanDir stands for.
func (l layout) folderOf(e fs.DirEntry) (string, bool) {
	name := e.Name()
	if !e.IsDir() {
		return "", false
	}
	if !l.maildir() {
		return name, name != inbox
	}
	if !strings.HasPrefix(name, ".") || name == maildirTrash || len(name) == 1 {
		return "", false
	}
	return name[1:], true
}

// scan lists the folders on disk, INBOX first, the rest sorted: what the
// list index is rebuilt from (the backend's own iteration).
func (l layout) scan(fsys vfs.FS) ([]string, error) {
	dir := l.scanDir()
	entries, err := fsys.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if n, ok := l.folderOf(e); ok {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return append([]string{inbox}, names...), nil
}

// Scan lists user's folders as they are on disk (INBOX first), the way a
// process without a list index sees them. The audit uses it as the truth.
func Scan(fsys vfs.FS, format, user string, set mailstore.Settings) ([]string, error) {
	l, err := newLayout(format, user, set)
	if err != nil {
		return nil, err
	}
	set.IterIndex = false
	l.set = set
	return l.scan(fsys)
}

// ValidName reports whether name can be a folder of the workload: not
// INBOX, no hierarchy separator, no leading dot.
func ValidName(name string) bool {
	return name != "" && !strings.EqualFold(name, inbox) && !strings.ContainsAny(name, "/\x00") && name[0] != '.' && name != maildirTrash
}

// create makes the folder's directories (maildir_mailbox_create,
// dbox's mailbox_mkdir): the mailbox directory first, whose EEXIST means
// the folder exists, then its subdirectories and its index directory.
func (l layout) create(env mailstore.Env, name string) error {
	dir := l.mailboxDir(name)
	if err := vfs.MkdirAll(env.FS, parentOf(dir), 0o700); err != nil {
		return l.failed(env, "mkdir", parentOf(dir), err)
	}
	if err := env.FS.Mkdir(dir, 0o700); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return ErrExists
		}
		return l.failed(env, "mkdir", dir, err)
	}
	var subs []string
	if l.maildir() {
		subs = []string{dir + "/cur", dir + "/new", dir + "/tmp"}
	} else {
		subs = []string{dir + "/dbox-Mails"}
	}
	if idx, ok := l.indexDir(name); ok {
		subs = append(subs, idx)
	}
	for _, d := range subs {
		if err := vfs.MkdirAll(env.FS, d, 0o700); err != nil {
			return l.failed(env, "mkdir", d, err)
		}
	}
	if l.maildir() {
		f, err := env.FS.OpenFile(dir+"/maildirfolder", vfs.O_WRONLY|vfs.O_CREATE, 0o600)
		if err != nil {
			return l.failed(env, "open", dir+"/maildirfolder", err)
		}
		_ = f.Close()
		return nil
	}
	// dbox creates the folder's index with it (dbox_mailbox_create's
	// mailbox_open): a log whose indexid is its creation time, then the
	// storage's first transaction (dbox_mailbox_create_indexes)
	ix, err := l.openIndex(env, name)
	if err != nil || ix == nil {
		return err
	}
	defer ix.Close()
	return l.createIndexes(env, name, ix)
}

// IndexCreator fills a new folder's index map m for its format, as the
// storage's mailbox_create_indexes does at CREATE: UIDVALIDITY
// (dovecot-uidvalidity's next) and the storage's header extension. dir is
// the folder's mailbox path.
type IndexCreator func(env mailstore.Env, user, dir string, m *index.Map) error

var creators = map[string]IndexCreator{}

// RegisterIndexCreator makes CREATE of a format's folder write its first
// index transaction through c. The dbox engines register theirs from
// init, once each; without one a CREATE leaves the header to the folder's
// first open. A second registration for a format panics.
func RegisterIndexCreator(format string, c IndexCreator) {
	if _, dup := creators[format]; dup {
		panic("mailboxlist: a second IndexCreator for " + format)
	}
	creators[format] = c
}

// createIndexes is the rest of dbox_mailbox_create: an index the opening
// found with a UIDVALIDITY is "Mailbox already exists"; otherwise
// dbox_mailbox_create_indexes takes the index's sync lock and writes the
// format's header, unless another process wrote one meanwhile.
func (l layout) createIndexes(env mailstore.Env, name string, ix *index.Index) error {
	c := creators[l.format]
	if c == nil {
		return nil
	}
	if ix.Map().Hdr.UIDValidity != 0 {
		return ErrExists
	}
	s, err := ix.Begin()
	if err != nil {
		return err
	}
	if s.Map().Hdr.UIDValidity != 0 {
		s.Rollback()
		return nil
	}
	m := s.Map().Clone()
	if err := c(env, l.user, l.openPath(name), m); err != nil {
		s.Rollback()
		return err
	}
	return s.Commit(m.Diff(s.Map()))
}

// remove deletes the folder: Maildir++ first renames it to
// .DOVECOT-TRASHED (an existing one, left by a crashed delete or another
// process, is deleted first) so the folder vanishes atomically; dbox
// deletes the directory tree in place. The index directory goes last.
func (l layout) remove(env mailstore.Env, name string) error {
	dir := l.mailboxDir(name)
	if _, err := env.FS.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return ErrNotFound
	}
	if l.maildir() {
		trash := l.mailRoot() + "/" + maildirTrash
		err := env.FS.Rename(dir, trash)
		if errors.Is(err, vfs.ErrNotEmpty) || errors.Is(err, fs.ErrExist) {
			if err := removeAll(env.FS, trash); err != nil {
				return l.failed(env, "unlink_directory", trash, err)
			}
			err = env.FS.Rename(dir, trash)
		}
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return ErrNotFound
		case err != nil:
			return l.failed(env, "rename", dir, err)
		}
		dir = trash
	}
	if err := removeAll(env.FS, dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return l.failed(env, "unlink_directory", dir, err)
	}
	if idx, ok := l.indexDir(name); ok {
		if err := removeAll(env.FS, idx); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return l.failed(env, "unlink_directory", idx, err)
		}
	}
	return nil
}

// exists reports whether the folder's mail directory is there: what
// opening it for a DELETE finds (the storage's mailbox_open stat of the
// mailbox path, dbox-Mails in dbox).
func (l layout) exists(env mailstore.Env, name string) (bool, error) {
	dir := l.openPath(name)
	_, err := env.FS.Stat(dir)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	}
	return false, l.failed(env, "stat", dir, err)
}

// removeDir is the DELETE of a folder that could not be opened, taken for
// a \Noselect directory (index_storage_mailbox_delete_dir): dbox rmdir()s
// it, so a folder that appeared since answers ErrHasChildren (ENOTEMPTY);
// Maildir++ has no such directories and answers ErrStillExists if it finds
// one. Gone as it was: ErrNotFound. A removed directory takes its index
// directory with it (mailbox_list_delete_finish).
func (l layout) removeDir(env mailstore.Env, name string) error {
	dir := l.mailboxDir(name)
	if l.maildir() {
		found, err := l.exists(env, name)
		switch {
		case err != nil:
			return err
		case found:
			return ErrStillExists
		}
		return ErrNotFound
	}
	switch err := env.FS.Remove(dir); {
	case err == nil:
		if idx, ok := l.indexDir(name); ok {
			if err := removeAll(env.FS, idx); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return l.failed(env, "unlink_directory", idx, err)
			}
		}
		return nil
	case errors.Is(err, fs.ErrNotExist):
		return ErrNotFound
	case errors.Is(err, vfs.ErrNotEmpty), errors.Is(err, fs.ErrExist):
		return ErrHasChildren
	default:
		return l.failed(env, "rmdir", dir, err)
	}
}

// rename moves folder old's directory to new's (the list backend's
// rename_mailbox after index_storage_mailbox_rename checked both names),
// then its index directory when INDEX= keeps one apart.
func (l layout) rename(env mailstore.Env, old, new string) error {
	from, to := l.mailboxDir(old), l.mailboxDir(new)
	if _, err := env.FS.Stat(from); errors.Is(err, fs.ErrNotExist) {
		return ErrNotFound
	}
	if _, err := env.FS.Stat(to); err == nil {
		return ErrTargetExists
	}
	if err := vfs.MkdirAll(env.FS, parentOf(to), 0o700); err != nil {
		return l.failed(env, "mkdir", parentOf(to), err)
	}
	switch err := env.FS.Rename(from, to); {
	case errors.Is(err, fs.ErrNotExist):
		return ErrNotFound
	case errors.Is(err, fs.ErrExist), errors.Is(err, vfs.ErrNotEmpty):
		return ErrTargetExists
	case err != nil:
		return l.failed(env, "rename", from, err)
	}
	oldIdx, ok := l.indexDir(old)
	if !ok {
		return nil
	}
	// the folder has moved: an index directory left behind is logged, as
	// Dovecot's list backends do, and the RENAME still succeeds
	newIdx, _ := l.indexDir(new)
	if err := vfs.MkdirAll(env.FS, parentOf(newIdx), 0o700); err != nil {
		_ = l.failed(env, "mkdir", parentOf(newIdx), err)
	} else if err := env.FS.Rename(oldIdx, newIdx); err != nil && !errors.Is(err, fs.ErrNotExist) {
		env.Logf(mailstore.Critical, "rename(%s, %s) failed: %s", oldIdx, newIdx, mailstore.Strerror(err))
	}
	return nil
}

func (l layout) failed(env mailstore.Env, op, path string, err error) error {
	env.Logf(mailstore.Critical, "%s(%s) failed: %s", op, path, mailstore.Strerror(err))
	return fmt.Errorf("mailboxlist: %s %s: %w", op, path, err)
}

// removeAll deletes dir and everything under it; entries that vanish
// meanwhile (another process deleting too) are not errors.
func removeAll(fsys vfs.FS, dir string) error {
	entries, err := fsys.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range entries {
		p := dir + "/" + e.Name()
		if e.IsDir() {
			err = removeAll(fsys, p)
		} else {
			err = fsys.Remove(p)
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	if err := fsys.Remove(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

func parentOf(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i]
	}
	return "."
}
