package realdovecot

import (
	"os"
	"os/exec"
	"testing"
)

// needFUSE skips unless the test can mount FUSE views directly.
func needFUSE(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("realdovecot: skipped in -short mode (wall-clock FUSE tests)")
	}
	if os.Geteuid() != 0 {
		t.Skip("realdovecot: needs root to mount FUSE views directly (run as root, e.g. in CI)")
	}
	if _, err := os.Stat("/dev/fuse"); err != nil {
		t.Skip("realdovecot: /dev/fuse is missing (modprobe fuse / run the container with --device /dev/fuse)")
	}
}

// needDovecot skips unless FUSE works and Dovecot 2.3 and the vmail user
// are installed.
func needDovecot(t *testing.T) {
	t.Helper()
	needFUSE(t)
	if err := Check(); err != nil {
		t.Skipf("realdovecot: %v", err)
	}
}

// mountViews starts an in-process store and one view per mount options
// string, unmounted when the test ends.
func mountViews(t *testing.T, opts ...string) (*Store, []*HostView) {
	t.Helper()
	st := NewStore()
	t.Cleanup(func() { st.Close() })
	var views []*HostView
	for i, o := range opts {
		dir := t.TempDir()
		v, err := MountView(ViewConfig{Host: hostName(i), Dir: dir, MountOpts: o, UID: 5000, GID: 5000, Dial: st.Dialer(hostName(i))})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := v.Close(); err != nil {
				t.Errorf("unmount: %v", err)
				exec.Command("umount", "-l", dir).Run()
			}
		})
		views = append(views, v)
	}
	return st, views
}
