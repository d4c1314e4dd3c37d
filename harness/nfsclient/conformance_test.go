package nfsclient_test

import (
	"testing"

	"github.com/nfsmail/nfsmail/vfs/vfstest"
)

func TestConformance(t *testing.T) {
	for _, opts := range []string{"noac", "", "actimeo=30,nordirplus", "lookupcache=none,nolock"} {
		t.Run(opts, func(t *testing.T) {
			w := newWorld(t)
			if err := vfstest.TestFS(w.mount("a", opts), "conf"); err != nil {
				t.Fatal(err)
			}
		})
	}
}
