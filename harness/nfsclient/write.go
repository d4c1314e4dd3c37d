package nfsclient

import (
	"fmt"
	"io/fs"

	"github.com/nfsmail/nfsmail/nfs3"
	"github.com/nfsmail/nfsmail/vfs"
)

func (f *file) Write(p []byte) (int, error) {
	if f.flag&vfs.O_APPEND != 0 {
		if err := f.check("write"); err != nil {
			return 0, err
		}
		f.m.begin()
		// nfs_file_write revalidates the size for O_APPEND only when the
		// attribute cache has expired: appends land at the cached size.
		if err := f.m.getattr(f.ino, false); err != nil {
			return 0, pathErr("write", f.name, err)
		}
		f.off = f.ino.size()
	}
	n, err := f.WriteAt(p, f.off)
	f.off += int64(n)
	return n, err
}

// WriteAt buffers the write (write-back until close or fsync); with noac
// (synchronous mounts) it is sent before returning.
// SetAppend is fcntl(F_SETFL) of O_APPEND: only the client's own flag.
func (f *file) SetAppend(on bool) error {
	if on {
		f.flag |= vfs.O_APPEND
	} else {
		f.flag &^= vfs.O_APPEND
	}
	return nil
}

func (f *file) WriteAt(p []byte, off int64) (int, error) {
	if err := f.check("write"); err != nil {
		return 0, err
	}
	if f.flag&(vfs.O_WRONLY|vfs.O_RDWR) == 0 {
		return 0, pathErr("write", f.name, fs.ErrPermission)
	}
	f.m.begin()
	f.ino.wbuf = append(f.ino.wbuf, extent{off: off, data: append([]byte(nil), p...)})
	if f.m.opts.NoAC {
		if err := f.m.flush(f.ino, nfs3.FileSync); err != nil {
			return 0, pathErr("write", f.name, err)
		}
	}
	return len(p), nil
}

// flush sends the dirty extents with WRITE and, if the server answered
// UNSTABLE, a COMMIT. Data written UNSTABLE is kept until a COMMIT returns
// the verifier the WRITEs returned; a different verifier means the server
// restarted and may have lost it, so everything is sent again.
func (m *Mount) flush(ino *inode, stable uint32) error {
	if len(ino.wbuf) == 0 {
		return nil
	}
	pending := ino.wbuf
	for resend := 0; ; resend++ {
		verf, unstable, err := m.writeAll(ino, pending, stable)
		if err != nil {
			return err
		}
		if !unstable {
			break
		}
		cverf, err := m.commit(ino)
		if err != nil {
			return err
		}
		if cverf == verf {
			break
		}
		m.resends++
		if resend >= maxResends {
			return fmt.Errorf("%w: write verifier keeps changing", vfs.ErrIO)
		}
	}
	for _, x := range pending {
		if ino.dataValid {
			ino.data = overlay(ino.data, x.off, x.data)
		}
	}
	ino.wbuf = nil
	return nil
}

// maxResends bounds how often one flush resends after verifier changes.
const maxResends = 16

// writeAll sends every extent in wsize pieces. It returns the verifier of
// the unstable writes and whether any was answered UNSTABLE; a verifier that
// changes between writes restarts the whole sequence.
func (m *Mount) writeAll(ino *inode, pending []extent, stable uint32) (verf uint64, unstable bool, err error) {
	first, restarts := true, 0
	for i := 0; i < len(pending); i++ {
		x := pending[i]
		for off := 0; off < len(x.data); off += wsize {
			chunk := x.data[off:min(off+wsize, len(x.data))]
			committed, v, err := m.write(ino, x.off+int64(off), chunk, stable)
			if err != nil {
				return 0, false, err
			}
			if committed != nfs3.Unstable {
				continue
			}
			if !first && v != verf {
				if restarts++; restarts > maxResends {
					return 0, false, fmt.Errorf("%w: write verifier keeps changing", vfs.ErrIO)
				}
				m.resends++
				i, first, unstable = -1, true, false
				break
			}
			verf, first, unstable = v, false, true
		}
	}
	return verf, unstable, nil
}

func overlay(data []byte, off int64, p []byte) []byte {
	if end := off + int64(len(p)); end > int64(len(data)) {
		data = append(data, make([]byte, end-int64(len(data)))...)
	}
	copy(data[off:], p)
	return data
}

func (m *Mount) write(ino *inode, off int64, p []byte, stable uint32) (committed uint32, verf uint64, err error) {
	d, st, err := m.nfs(nfs3.ProcWrite, func(e *nfs3.Encoder) {
		e.Opaque(ino.fh)
		e.Uint64(uint64(off))
		e.Uint32(uint32(len(p)))
		e.Uint32(stable)
		e.Opaque(p)
	})
	if err != nil {
		return 0, 0, err
	}
	w := nfs3.DecodeWcc(d)
	if st != nfs3.OK {
		return 0, 0, m.fail(ino, st)
	}
	m.wcc(ino, w)
	d.Uint32() // count
	committed = d.Uint32()
	verf = d.Uint64()
	return committed, verf, d.Err()
}

func (m *Mount) commit(ino *inode) (uint64, error) {
	d, st, err := m.nfs(nfs3.ProcCommit, func(e *nfs3.Encoder) {
		e.Opaque(ino.fh)
		e.Uint64(0)
		e.Uint32(0)
	})
	if err != nil {
		return 0, err
	}
	w := nfs3.DecodeWcc(d)
	if st != nfs3.OK {
		return 0, m.fail(ino, st)
	}
	m.wcc(ino, w)
	verf := d.Uint64()
	return verf, d.Err()
}
