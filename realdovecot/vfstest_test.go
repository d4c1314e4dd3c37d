package realdovecot

import (
	"testing"
	"time"

	"github.com/nfsmail/nfsmail/vfs/osfs"
	"github.com/nfsmail/nfsmail/vfs/vfstest"
)

// TestFUSEViewPassesVFSTest runs the same conformance suite the in-process
// file systems pass (vfs/vfstest) through a FUSE view, with real system
// calls: what real programs see is what the engines see.
func TestFUSEViewPassesVFSTest(t *testing.T) {
	needFUSE(t)
	_, views := mountViews(t, "noac,nolock")
	if err := vfstest.TestFS(osfs.New(views[0].Dir()), "conf"); err != nil {
		t.Fatal(err)
	}
}

// TestFUSEViewsKeepNoacPromises runs the two-host coherence suite
// through two FUSE views with noac: every change is visible to the other
// host at once, and opens after a close see its data. (Attribute-cache
// windows run in wall time here; their staleness is checked in the
// simulated tier, where time is virtual, and by
// TestViewCachesOnlyInTheModel.)
func TestFUSEViewsKeepNoacPromises(t *testing.T) {
	needFUSE(t)
	_, views := mountViews(t, "noac,nolock", "noac,nolock")
	a, b := osfs.New(views[0].Dir()), osfs.New(views[1].Dir())
	if err := vfstest.TestCoherence(a, b, "coh", vfstest.Promise{CTO: true}, func(time.Duration) {}); err != nil {
		t.Fatal(err)
	}
}
