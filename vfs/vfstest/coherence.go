package vfstest

import (
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/nfsmail/nfsmail/vfs"
)

// Promise is what a mount-option set promises about one host seeing
// another host's changes. The zero value is a single coherent store (a
// local file system): every change is visible at once.
type Promise struct {
	// CTO: an open that starts after another host's close reads its data.
	CTO bool
	// AttrMin and AttrMax bound how long another host's change of a file's
	// size stays invisible to stat after this host cached the file's
	// attributes: invisible for at least AttrMin, visible after AttrMax
	// (acregmin/acregmax on Linux; both 0 with noac).
	AttrMin, AttrMax time.Duration
	// NegMin and NegMax bound the same for a name another host created
	// after this host looked it up and found nothing (acdirmin/acdirmax
	// with lookupcache=all; 0 with lookupcache=positive or none, or noac).
	NegMin, NegMax time.Duration
}

// margin keeps checks clear of the exact window edges.
const margin = 10 * time.Millisecond

// TestCoherence checks that two hosts' views a and b of one store keep
// exactly promise p: the guarantees hold, and the staleness a Linux client
// is certain to show is shown. advance moves both hosts' clock. It works in
// a fresh directory dir and returns every problem found, joined.
func TestCoherence(a, b vfs.FS, dir string, p Promise, advance func(time.Duration)) error {
	if err := a.Mkdir(dir, 0o755); err != nil {
		return fmt.Errorf("vfstest: mkdir %s: %w", dir, err)
	}
	var errs []error
	errs = append(errs, checkCTO(a, b, dir+"/cto", p)...)
	errs = append(errs, checkAttr(a, b, dir+"/attr", p, advance)...)
	errs = append(errs, checkNegative(a, b, dir+"/neg", p, advance)...)
	return errors.Join(errs...)
}

func checkCTO(a, b vfs.FS, name string, p Promise) []error {
	var errs []error
	for i, data := range []string{"first version", "second, longer version"} {
		if err := vfs.WriteFile(a, name, []byte(data), 0o644); err != nil {
			return []error{fmt.Errorf("cto: write: %w", err)}
		}
		got, err := vfs.ReadFile(b, name)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("cto: read #%d on the other host: %w", i+1, err))
		case p.CTO && string(got) != data:
			errs = append(errs, fmt.Errorf("cto: open after the other host's close read %q, want %q", got, data))
		}
	}
	return errs
}

func size(fsys vfs.FS, name string) (int64, error) {
	fi, err := fsys.Stat(name)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

func checkAttr(a, b vfs.FS, name string, p Promise, advance func(time.Duration)) []error {
	if err := vfs.WriteFile(a, name, []byte("1234"), 0o644); err != nil {
		return []error{fmt.Errorf("attr: write: %w", err)}
	}
	if _, err := size(b, name); err != nil {
		return []error{fmt.Errorf("attr: first stat: %w", err)}
	}
	if err := vfs.WriteFile(a, name, []byte("12345678"), 0o644); err != nil {
		return []error{fmt.Errorf("attr: rewrite: %w", err)}
	}
	var errs []error
	if p.AttrMin > margin {
		advance(p.AttrMin - margin)
		if n, err := size(b, name); err != nil || n != 4 {
			errs = append(errs, fmt.Errorf("attr: within %v the cached size must still show: got %d, %v", p.AttrMin, n, err))
		}
		advance(p.AttrMax - p.AttrMin + 2*margin)
	} else if p.AttrMax > 0 {
		advance(p.AttrMax + margin)
	}
	if n, err := size(b, name); err != nil || n != 8 {
		errs = append(errs, fmt.Errorf("attr: after %v the new size must show: got %d, %v", p.AttrMax, n, err))
	}
	return errs
}

func checkNegative(a, b vfs.FS, dir string, p Promise, advance func(time.Duration)) []error {
	if err := a.Mkdir(dir, 0o755); err != nil {
		return []error{fmt.Errorf("negative: mkdir: %w", err)}
	}
	name := dir + "/late"
	if _, err := b.Stat(name); !errors.Is(err, fs.ErrNotExist) {
		return []error{fmt.Errorf("negative: stat of a missing name: %v", err)}
	}
	if err := vfs.WriteFile(a, name, []byte("x"), 0o644); err != nil {
		return []error{fmt.Errorf("negative: create: %w", err)}
	}
	var errs []error
	if p.NegMin > margin {
		advance(p.NegMin - margin)
		if _, err := b.Stat(name); !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("negative: within %v the cached miss must still show: got %v", p.NegMin, err))
		}
		advance(p.NegMax - p.NegMin + 2*margin)
	} else if p.NegMax > 0 {
		advance(p.NegMax + margin)
	}
	if _, err := b.Stat(name); err != nil {
		errs = append(errs, fmt.Errorf("negative: after %v the new name must show: %v", p.NegMax, err))
	}
	return errs
}
