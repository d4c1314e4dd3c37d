package nfsclient

import (
	"errors"
	"io"
	"io/fs"

	"github.com/nfsmail/nfsmail/nfs3"
	"github.com/nfsmail/nfsmail/vfs"
)

// rsize and wsize are the transfer sizes of READ and WRITE.
const (
	rsize = 1 << 20
	wsize = 1 << 20
)

// file is an open file description.
type file struct {
	m      *Mount
	ino    *inode
	name   string
	flag   int
	off    int64
	closed bool
	locks  bool   // holds a lock
	id     uint64 // open-file number: the lock owner
}

var _ vfs.File = (*file)(nil)

func (f *file) Name() string { return f.name }

func (f *file) check(op string) error {
	if f.closed {
		return pathErr(op, f.name, fs.ErrClosed)
	}
	if f.ino.stale {
		return pathErr(op, f.name, vfs.ErrStale)
	}
	return nil
}

// Stat answers from the attribute cache while it is fresh (fstat).
func (f *file) Stat() (fs.FileInfo, error) {
	if err := f.check("stat"); err != nil {
		return nil, err
	}
	f.m.begin()
	if err := f.m.getattr(f.ino, f.m.opts.NoAC); err != nil {
		return nil, pathErr("stat", f.name, err)
	}
	return newFileInfo(baseName(f.name), f.ino), nil
}

func (f *file) Read(p []byte) (int, error) {
	n, err := f.ReadAt(p, f.off)
	f.off += int64(n)
	return n, err
}

// ReadAt serves from the page cache, filling it with READs when it is not
// valid. Cached pages are only dropped by a detected attribute change, so
// another host's write stays invisible while attributes look unchanged.
func (f *file) ReadAt(p []byte, off int64) (int, error) {
	if err := f.check("read"); err != nil {
		return 0, err
	}
	if f.flag&(vfs.O_WRONLY) != 0 {
		return 0, pathErr("read", f.name, fs.ErrPermission)
	}
	if f.ino.attr.IsDir() {
		return 0, pathErr("read", f.name, vfs.ErrIsDir)
	}
	f.m.begin()
	// nfs_file_read revalidates the mapping: once the attribute cache has
	// expired (always with noac) a GETATTR comes first, which a file
	// another host replaced answers with ESTALE, and a change drops the
	// cached data
	if err := f.m.getattr(f.ino, false); err != nil {
		return 0, pathErr("read", f.name, err)
	}
	if err := f.m.fill(f.ino); err != nil {
		return 0, pathErr("read", f.name, err)
	}
	data := f.ino.view()
	if off >= int64(len(data)) {
		return 0, io.EOF
	}
	n := copy(p, data[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// view is the file content this host sees: cached data with dirty writes
// laid over it.
func (ino *inode) view() []byte {
	if len(ino.wbuf) == 0 {
		return ino.data
	}
	out := make([]byte, ino.size())
	copy(out, ino.data)
	for _, x := range ino.wbuf {
		copy(out[x.off:], x.data)
	}
	return out
}

// fill reads the whole file into the page cache if it is not valid.
func (m *Mount) fill(ino *inode) error {
	if ino.dataValid {
		return nil
	}
	size := int64(ino.attr.Size)
	buf := make([]byte, 0, size)
	for int64(len(buf)) < size {
		chunk, eof, err := m.read(ino, int64(len(buf)), min(rsize, size-int64(len(buf))))
		if err != nil {
			return err
		}
		buf = append(buf, chunk...)
		if eof || len(chunk) == 0 {
			break
		}
	}
	ino.data, ino.dataValid = buf, true
	return nil
}

func (m *Mount) read(ino *inode, off, count int64) ([]byte, bool, error) {
	d, st, err := m.nfs(nfs3.ProcRead, func(e *nfs3.Encoder) {
		e.Opaque(ino.fh)
		e.Uint64(uint64(off))
		e.Uint32(uint32(count))
	})
	if err != nil {
		return nil, false, err
	}
	a, ok := nfs3.DecodePostOpAttr(d)
	if st != nfs3.OK {
		return nil, false, m.fail(ino, st)
	}
	if ok {
		m.update(ino, a)
	}
	d.Uint32() // count
	eof := d.Bool()
	data := append([]byte(nil), d.Opaque(rsize)...)
	return data, eof, d.Err()
}

// fail turns a status into an error, marking the inode stale on ESTALE.
func (m *Mount) fail(ino *inode, st nfs3.Status) error {
	if st == nfs3.ErrStale {
		ino.stale = true
	}
	return nfs3.StatusError(st)
}

func (f *file) Seek(offset int64, whence int) (int64, error) {
	if err := f.check("seek"); err != nil {
		return 0, err
	}
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += f.off
	case io.SeekEnd:
		f.m.begin()
		if err := f.m.getattr(f.ino, false); err != nil {
			return 0, pathErr("seek", f.name, err)
		}
		offset += f.ino.size()
	default:
		return 0, pathErr("seek", f.name, fs.ErrInvalid)
	}
	if offset < 0 {
		return 0, pathErr("seek", f.name, fs.ErrInvalid)
	}
	f.off = offset
	return offset, nil
}

// Sync writes back dirty data and commits it (fsync).
func (f *file) Sync() error {
	if err := f.check("sync"); err != nil {
		return err
	}
	f.m.begin()
	return pathErr("sync", f.name, f.m.flush(f.ino, nfs3.Unstable))
}

// Truncate sends SETATTR size after writing back dirty data.
func (f *file) Truncate(size int64) error {
	if err := f.check("truncate"); err != nil {
		return err
	}
	f.m.begin()
	if err := f.m.flush(f.ino, nfs3.Unstable); err != nil {
		return pathErr("truncate", f.name, err)
	}
	sz := uint64(size)
	err := f.m.setattr(f.ino, nfs3.Sattr{Size: &sz})
	if err == nil && f.ino.dataValid && int64(len(f.ino.data)) >= size {
		f.ino.data = f.ino.data[:size]
	}
	return pathErr("truncate", f.name, err)
}

// Close writes back dirty data (close-to-open) and releases locks.
func (f *file) Close() error {
	if f.closed {
		return pathErr("close", f.name, fs.ErrClosed)
	}
	f.closed = true
	f.ino.opens--
	defer f.m.lastClose(f.ino)
	if f.locks {
		f.unlockAll()
	}
	if f.ino.stale {
		f.ino.wbuf = nil
		return pathErr("close", f.name, vfs.ErrStale)
	}
	f.m.begin()
	err := f.m.flush(f.ino, nfs3.Unstable)
	if errors.Is(err, vfs.ErrStale) {
		f.ino.wbuf = nil
	}
	return pathErr("close", f.name, err)
}

func baseName(name string) string {
	for i := len(name) - 1; i >= 0; i-- {
		if name[i] == '/' {
			return name[i+1:]
		}
	}
	return name
}

var _ vfs.Mapper = (*file)(nil)

// Mmap returns the cached pages without revalidating attributes: another
// host's change stays invisible until something else (an open, a lock, an
// expired attribute seen by Stat) drops the pages. Pages that were never
// cached are read in.
func (f *file) Mmap() ([]byte, error) {
	if err := f.check("mmap"); err != nil {
		return nil, err
	}
	f.m.begin()
	if err := f.m.fill(f.ino); err != nil {
		return nil, pathErr("mmap", f.name, err)
	}
	return f.ino.view(), nil
}

// lastClose removes a silly-renamed file once nothing has it open.
func (m *Mount) lastClose(ino *inode) {
	if ino.opens > 0 || ino.sillyDir == nil {
		return
	}
	dir, name := ino.sillyDir, ino.sillyName
	ino.sillyDir, ino.sillyName = nil, ""
	m.remove(dir, name, ino)
}
