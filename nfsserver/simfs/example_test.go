package simfs_test

import (
	"fmt"
	"time"

	"github.com/nfsmail/nfsmail/nfsserver/simfs"
)

// The NFS-safe dotlock relies on link counts: link a unique file to the
// lock name, then check that the unique file has two names.
func ExampleFS_Link() {
	now := time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)
	fsys := simfs.New(simfs.Options{Now: func() time.Time { return now }, Granularity: time.Second})
	tmp, _ := fsys.Create(simfs.RootIno, "lock.host1.123", 0o600, true)
	_, err := fsys.Link(tmp.Ino, simfs.RootIno, "mailbox.lock")
	fmt.Println("link:", err)
	_, err = fsys.Link(tmp.Ino, simfs.RootIno, "mailbox.lock")
	fmt.Println("again:", err)
	a, _ := fsys.GetAttr(tmp.Ino)
	fmt.Println("nlink:", a.Nlink, "ino:", a.Ino)
	// Output:
	// link: <nil>
	// again: link ino 1/mailbox.lock: file already exists
	// nlink: 2 ino: 2
}
