package osfs_test

import (
	"testing"

	"github.com/nfsmail/nfsmail/vfs/osfs"
	"github.com/nfsmail/nfsmail/vfs/vfstest"
)

// The local file system passes the conformance suite: the suite's
// expectations are POSIX's, not the simulation's.
func TestLocalFSConforms(t *testing.T) {
	if err := vfstest.TestFS(osfs.New(t.TempDir()), "conf"); err != nil {
		t.Fatal(err)
	}
}
