package bench

import (
	"fmt"

	"github.com/nfsmail/nfsmail/nfs3"
)

// skipAttr skips a post_op_attr.
func skipAttr(d *nfs3.Decoder) { nfs3.DecodePostOpAttr(d) }

// newObj decodes a CREATE/MKDIR result's handle.
func newObj(d *nfs3.Decoder) ([]byte, error) {
	if !d.Bool() {
		return nil, fmt.Errorf("no handle returned")
	}
	fh := append([]byte(nil), d.Opaque(nfs3.MaxFileHandle)...)
	return fh, d.Err()
}

func (c *client) mkdir(dir []byte, name string) ([]byte, error) {
	mode := uint32(0o755)
	d, err := c.nfs(nfs3.ProcMkdir, func(e *nfs3.Encoder) {
		e.Opaque(dir)
		e.String(name)
		(&nfs3.Sattr{Mode: &mode}).Encode(e)
	})
	if err != nil {
		return nil, err
	}
	return newObj(d)
}

func (c *client) create(dir []byte, name string) ([]byte, error) {
	mode := uint32(0o600)
	d, err := c.nfs(nfs3.ProcCreate, func(e *nfs3.Encoder) {
		e.Opaque(dir)
		e.String(name)
		e.Uint32(nfs3.CreateGuarded)
		(&nfs3.Sattr{Mode: &mode}).Encode(e)
	})
	if err != nil {
		return nil, err
	}
	return newObj(d)
}

func (c *client) write(fh []byte, data []byte) error {
	_, err := c.nfs(nfs3.ProcWrite, func(e *nfs3.Encoder) {
		e.Opaque(fh)
		e.Uint64(0)
		e.Uint32(uint32(len(data)))
		e.Uint32(nfs3.Unstable)
		e.Opaque(data)
	})
	return err
}

func (c *client) commit(fh []byte) error {
	_, err := c.nfs(nfs3.ProcCommit, func(e *nfs3.Encoder) {
		e.Opaque(fh)
		e.Uint64(0)
		e.Uint32(0)
	})
	return err
}

func (c *client) rename(from []byte, fname string, to []byte, tname string) error {
	_, err := c.nfs(nfs3.ProcRename, func(e *nfs3.Encoder) {
		e.Opaque(from)
		e.String(fname)
		e.Opaque(to)
		e.String(tname)
	})
	return err
}

func (c *client) remove(dir []byte, name string) error {
	_, err := c.nfs(nfs3.ProcRemove, func(e *nfs3.Encoder) {
		e.Opaque(dir)
		e.String(name)
	})
	return err
}

func (c *client) read(fh []byte, n uint32) (int, error) {
	d, err := c.nfs(nfs3.ProcRead, func(e *nfs3.Encoder) {
		e.Opaque(fh)
		e.Uint64(0)
		e.Uint32(n)
	})
	if err != nil {
		return 0, err
	}
	skipAttr(d)
	d.Uint32()
	d.Bool()
	data := d.Opaque(nfs3.MaxOpaque)
	return len(data), d.Err()
}

// List page sizes: READDIRPLUS dircount and maxcount.
const (
	listDirCount = 64 << 10
	listMaxCount = 1 << 20
)

// list reads a whole directory with READDIRPLUS and returns the number of
// entries other than "." and "..".
func (c *client) list(dir []byte) (int, error) {
	var cookie uint64
	var verf [8]byte
	n := 0
	for {
		d, err := c.nfs(nfs3.ProcReaddirplus, func(e *nfs3.Encoder) {
			e.Opaque(dir)
			e.Uint64(cookie)
			e.Fixed(verf[:])
			e.Uint32(listDirCount)
			e.Uint32(listMaxCount)
		})
		if err != nil {
			return n, err
		}
		skipAttr(d)
		copy(verf[:], d.Fixed(8))
		for d.Bool() {
			d.Uint64()
			name := d.String(nfs3.MaxOpaque)
			cookie = d.Uint64()
			skipAttr(d)
			if d.Bool() {
				d.Opaque(nfs3.MaxFileHandle)
			}
			if name != "." && name != ".." {
				n++
			}
		}
		eof := d.Bool()
		if err := d.Err(); err != nil {
			return n, fmt.Errorf("READDIRPLUS: %w", err)
		}
		if eof {
			return n, nil
		}
	}
}
