package simfs

import (
	"fmt"
	"io/fs"
	"sort"
	"sync"
	"time"

	"github.com/nfsmail/nfsmail/vfs"
)

// Ino is an inode number. Numbers are allocated sequentially and never
// reused; RootIno is the root directory.
type Ino uint64

// RootIno is the inode number of the root directory.
const RootIno Ino = 1

// Type is the kind of a file-system object.
type Type uint8

// Object types.
const (
	TypeRegular Type = iota + 1
	TypeDir
	TypeSymlink
)

func (t Type) String() string {
	switch t {
	case TypeRegular:
		return "regular"
	case TypeDir:
		return "dir"
	case TypeSymlink:
		return "symlink"
	}
	return fmt.Sprintf("type(%d)", uint8(t))
}

// MaxFileSize bounds file sizes; writes or truncations beyond it fail with
// vfs.ErrNoSpace (a garbage WRITE offset must not exhaust memory).
const MaxFileSize = 1 << 31

// permBits are the mode bits an inode stores (no type bits).
const permBits = fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky

// Options configure a store.
type Options struct {
	// Now is the server's clock (virtual time in simulations). Required.
	Now func() time.Time
	// Granularity truncates every timestamp the store records; 0 means 1ns.
	// One second models old servers whose two writes within a second leave
	// mtime and ctime unchanged.
	Granularity time.Duration
}

// FS is the store. All methods are safe for concurrent use.
type FS struct {
	mu      sync.Mutex
	opts    Options
	inodes  map[Ino]*inode
	root    *inode
	nextIno Ino
	nextGen uint64
	tempSeq uint64
	dirty   map[Ino]*inode // files holding unstable writes
	billy   *Billy
}

type inode struct {
	ino      Ino
	gen      uint64
	typ      Type
	mode     fs.FileMode
	uid, gid uint32
	nlink    uint32
	data     []byte            // regular files
	target   string            // symlinks
	entries  map[string]dirent // directories
	stable   []byte            // regular files with unstable data: the stable content
	dirty    bool              // data holds writes not yet committed
	verf     [8]byte           // EXCLUSIVE create verifier, until the first SETATTR
	hasVerf  bool
	cookie   uint64  // last directory cookie handed out
	list     []*slot // directories: entries in cookie order
	dead     int     // dead slots in list
	links    []link  // names of this inode, oldest first
	atime    time.Time
	mtime    time.Time
	ctime    time.Time
}

type dirent struct {
	n      *inode
	cookie uint64
	slot   *slot
}

type link struct {
	dir  *inode
	name string
}

// New returns an empty store holding only the root directory (ino 1,
// mode 0755). It panics if opts.Now is nil: that is a programming error.
func New(opts Options) *FS {
	if opts.Now == nil {
		panic("simfs: harness internal error: Options.Now is required")
	}
	f := &FS{opts: opts, inodes: make(map[Ino]*inode), nextIno: RootIno, nextGen: 1,
		dirty: make(map[Ino]*inode)}
	f.root = f.alloc(TypeDir, 0o755)
	f.root.nlink = 2
	f.billy = &Billy{fs: f}
	return f
}

// now returns the clock reading truncated to the granularity.
func (f *FS) now() time.Time {
	return f.truncate(f.opts.Now())
}

func (f *FS) truncate(t time.Time) time.Time {
	if f.opts.Granularity <= 0 {
		return t.Round(0)
	}
	return t.Truncate(f.opts.Granularity)
}

// alloc creates an inode with all timestamps set to now and nlink 0.
func (f *FS) alloc(typ Type, mode fs.FileMode) *inode {
	t := f.now()
	n := &inode{ino: f.nextIno, gen: f.nextGen, typ: typ, mode: mode & permBits,
		atime: t, mtime: t, ctime: t}
	if typ == TypeDir {
		n.entries = make(map[string]dirent)
	}
	f.nextIno++
	f.nextGen++
	f.inodes[n.ino] = n
	return n
}

// touch sets mtime and ctime of n to now.
func (f *FS) touch(n *inode) {
	t := f.now()
	n.mtime, n.ctime = t, t
}

// get returns the live inode ino or a stale error.
func (f *FS) get(op string, ino Ino) (*inode, error) {
	n := f.inodes[ino]
	if n == nil {
		return nil, inoErr(op, ino, "", vfs.ErrStale)
	}
	return n, nil
}

// dir returns the live directory ino.
func (f *FS) dir(op string, ino Ino) (*inode, error) {
	n, err := f.get(op, ino)
	if err != nil {
		return nil, err
	}
	if n.typ != TypeDir {
		return nil, inoErr(op, ino, "", vfs.ErrNotDir)
	}
	return n, nil
}

// child returns the entry name of directory d.
func (f *FS) child(op string, d *inode, name string) (*inode, error) {
	if err := checkName(op, d.ino, name); err != nil {
		return nil, err
	}
	e, ok := d.entries[name]
	if !ok {
		return nil, inoErr(op, d.ino, name, fs.ErrNotExist)
	}
	return e.n, nil
}

// addEntry links n into d under name and updates nlink, links and d's times.
func (f *FS) addEntry(d *inode, name string, n *inode) {
	d.insert(name, n)
	n.links = append(n.links, link{dir: d, name: name})
	if n.typ == TypeDir {
		n.nlink = 2
		d.nlink++
	} else {
		n.nlink++
	}
	f.touch(d)
}

// dropEntry unlinks name from d; an inode left without names dies.
func (f *FS) dropEntry(d *inode, name string) {
	n := d.entries[name].n
	d.unlink(name)
	for i, l := range n.links {
		if l.dir == d && l.name == name {
			n.links = append(n.links[:i:i], n.links[i+1:]...)
			break
		}
	}
	if n.typ == TypeDir {
		d.nlink--
		n.nlink = 0
	} else {
		n.nlink--
	}
	f.touch(d)
	if n.nlink == 0 {
		delete(f.inodes, n.ino)
		delete(f.dirty, n.ino)
	} else {
		n.ctime = f.now()
	}
}

// isAncestor reports whether a is d or one of d's ancestors.
func isAncestor(a, d *inode) bool {
	for {
		if a == d {
			return true
		}
		if len(d.links) == 0 {
			return false
		}
		d = d.links[0].dir
	}
}

// sortedNames returns d's entry names in byte order.
func sortedNames(d *inode) []string {
	names := make([]string, 0, len(d.entries))
	for name := range d.entries {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

func checkName(op string, dir Ino, name string) error {
	if name == "" || name == "." || name == ".." || len(name) > 255 {
		return inoErr(op, dir, name, fs.ErrInvalid)
	}
	for i := 0; i < len(name); i++ {
		if name[i] == '/' || name[i] == 0 {
			return inoErr(op, dir, name, fs.ErrInvalid)
		}
	}
	return nil
}

func inoErr(op string, ino Ino, name string, err error) error {
	p := fmt.Sprintf("ino %d", ino)
	if name != "" {
		p += "/" + name
	}
	return &fs.PathError{Op: op, Path: p, Err: err}
}
