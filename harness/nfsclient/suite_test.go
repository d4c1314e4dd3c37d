package nfsclient_test

import (
	"testing"
	"time"

	"github.com/nfsmail/nfsmail/harness/nfsclient"
	"github.com/nfsmail/nfsmail/vfs/vfstest"
)

// promise is what Linux promises for a mount-option set (nfs(5)).
func promise(o nfsclient.Options) vfstest.Promise {
	p := vfstest.Promise{CTO: !o.NoCTO}
	if o.NoAC {
		return p
	}
	p.AttrMin, p.AttrMax = o.ACRegMin, o.ACRegMax
	if o.LookupCache == nfsclient.LookupAll {
		p.NegMin, p.NegMax = o.ACDirMin, o.ACDirMax
	}
	return p
}

func TestCoherence(t *testing.T) {
	for _, opts := range []string{"noac", "", "actimeo=10", "lookupcache=positive", "acregmin=1,acregmax=5,acdirmin=2,acdirmax=9"} {
		t.Run(opts, func(t *testing.T) {
			w := newWorld(t)
			o, err := nfsclient.ParseOptions(opts)
			if err != nil {
				t.Fatal(err)
			}
			a, b := w.mount("a", ""), w.mount("b", opts)
			if err := vfstest.TestCoherence(a, b, "coh", promise(o), func(d time.Duration) { w.clk.t += d }); err != nil {
				t.Fatal(err)
			}
		})
	}
}
