package dotlock

import (
	"errors"
	"fmt"
	"io/fs"
	"path"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/vfs"
)

// tryCreate makes the lock file; created false means someone else has it.
func (c *creator) tryCreate(now int64) (created bool, err error) {
	if c.set.UseExcl {
		return c.tryCreateExcl()
	}
	return c.tryCreateLink(now)
}

// tryCreateExcl is dotlock_use_excl=yes: O_EXCL create, then the PID.
func (c *creator) tryCreateExcl() (bool, error) {
	fd, err := c.env.FS.OpenFile(c.lockPath, vfs.O_RDWR|vfs.O_EXCL|vfs.O_CREATE, 0o666)
	if errors.Is(err, fs.ErrExist) {
		return false, nil
	}
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, fs.ErrPermission) {
			c.env.Logf(mailstore.Error, "open(%s) failed: %s", c.lockPath, mailstore.Strerror(err))
		}
		return false, err
	}
	if err := c.writePID(fd, c.lockPath); err != nil {
		fd.Close()
		return false, err
	}
	c.fd = fd
	return true, nil
}

// tryCreateLink is dotlock_use_excl=no: a temp file with our PID is
// hard-linked to the lock name with nfs_safe_link. The temp file survives
// failed passes; it is re-stamped so that it does not look stale.
func (c *creator) tryCreateLink(now int64) (bool, error) {
	if c.tempPath == "" {
		if err := c.makeTemp(); err != nil {
			return false, err
		}
	} else if fi, err := c.fd.Stat(); err != nil {
		c.env.Logf(mailstore.Error, "fstat(%s) failed: %s", c.tempPath, mailstore.Strerror(err))
		return false, err
	} else if vfs.StatOf(fi).Ctime.Unix() < now {
		t := c.env.Clock.Now() // utime(NULL); over NFS the server would stamp it
		if err := vfs.Chtimes(c.env.FS, c.tempPath, t, t); err != nil {
			c.env.Logf(mailstore.Error, "utime(%s) failed: %s", c.tempPath, mailstore.Strerror(err))
		}
	}
	err := mailstore.SafeLink(c.env.FS, c.tempPath, c.lockPath, true)
	switch {
	case errors.Is(err, fs.ErrExist):
		return false, nil
	case errors.Is(err, vfs.ErrUnsupported):
		return c.fallBackToExcl(err)
	case err != nil:
		if !errors.Is(err, fs.ErrPermission) {
			c.env.Logf(mailstore.Error, "link(%s, %s) failed: %s", c.tempPath, c.lockPath, mailstore.Strerror(err))
		}
		return false, err
	}
	c.unlink(c.tempPath)
	c.tempPath = ""
	return true, nil
}

// fallBackToExcl handles a file system without hard links. Dovecot fails
// here after logging the link error; we log the same error, then continue
// with O_EXCL so the simulation can go on.
func (c *creator) fallBackToExcl(linkErr error) (bool, error) {
	c.env.Logf(mailstore.Error, "link(%s, %s) failed: %s", c.tempPath, c.lockPath, mailstore.Strerror(linkErr))
	c.cleanup()
	c.set.UseExcl = true
	return c.tryCreateExcl()
}

// makeTemp is safe_mkstemp on TempPrefix with our PID written into it.
func (c *creator) makeTemp() error {
	prefix := c.set.TempPrefix
	if prefix == "" {
		prefix = fmt.Sprintf(".temp.%s.%d.", c.env.Hostname, c.env.PID)
	}
	prefix = joinDir(path.Dir(c.lockPath), prefix)
	for {
		name := prefix + c.randomHex()
		if _, err := c.env.FS.Stat(name); err == nil {
			continue
		} else if !errors.Is(err, fs.ErrNotExist) {
			c.env.Logf(mailstore.Error, "stat(%s) failed: %s", name, mailstore.Strerror(err))
			return err
		}
		fd, err := c.env.FS.OpenFile(name, vfs.O_RDWR|vfs.O_EXCL|vfs.O_CREATE, 0o666)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, fs.ErrPermission) {
				c.env.Logf(mailstore.Error, "open(%s) failed: %s", name, mailstore.Strerror(err))
			}
			return err
		}
		if err := c.writePID(fd, name); err != nil {
			fd.Close()
			c.unlink(name)
			return err
		}
		c.fd, c.tempPath = fd, name
		return nil
	}
}

// randomHex is 8 random bytes in hex, from the seeded stream or a counter.
func (c *creator) randomHex() string {
	c.tempSeq++
	v := c.tempSeq
	if c.env.Rand != nil {
		v = c.env.Rand.Uint64()
	}
	return fmt.Sprintf("%016x", v)
}

// writePID writes "<pid>:<hostname>"; on failure the file is left empty.
func (c *creator) writePID(fd vfs.File, name string) error {
	content := fmt.Sprintf("%d:%s", c.env.PID, c.env.Hostname)
	_, err := fd.Write([]byte(content))
	if err == nil && c.set.NFSFlush {
		err = fd.Sync()
	}
	if err == nil {
		return nil
	}
	if terr := fd.Truncate(0); terr != nil {
		c.env.Logf(mailstore.Error, "ftruncate(%s) failed: %s", name, mailstore.Strerror(terr))
		return terr
	}
	return nil
}

func joinDir(dir, name string) string {
	if dir == "." || dir == "" {
		return name
	}
	return dir + "/" + name
}
