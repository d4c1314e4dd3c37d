package simtest

import (
	"fmt"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/nfsmail/nfsmail/harness/nfsclient"
)

func init() {
	commands["mount"] = cmdMount
	commands["advance"] = cmdAdvance
	commands["crash"] = cmdCrash
}

// mount host=a [opts=...] [skew=150s]
func cmdMount(e *Env, t testing.TB, td *datadriven.TestData) (string, error) {
	name := arg(t, td, "host")
	opts, err := nfsclient.ParseOptions(optArg(td, "opts", ""))
	if err != nil {
		return "", err
	}
	conn, err := e.server().Dial(name)
	if err != nil {
		return "", err
	}
	m, err := nfsclient.Dial(conn, nfsclient.Config{Host: name, Options: opts, Clock: e.clk,
		OnRPC: func(p string) { e.rpcs = append(e.rpcs, p) }})
	if err != nil {
		return "", err
	}
	h := &host{name: name, mount: m, pid: 100 * (len(e.hosts) + 1)}
	if s := optArg(td, "skew", ""); s != "" {
		h.skew = duration(t, td, s)
	}
	e.hosts[name] = h
	return fmt.Sprintf("mounted %s (%s)", name, m.Options()), nil
}

// advance DURATION
func cmdAdvance(e *Env, t testing.TB, td *datadriven.TestData) (string, error) {
	if len(td.CmdArgs) != 1 {
		t.Fatalf("%s: usage: advance DURATION", td.Pos)
	}
	e.clk.t += duration(t, td, td.CmdArgs[0].Key)
	return e.now(), nil
}

// crash host=a: the host loses its caches, dirty pages and local locks.
func cmdCrash(e *Env, t testing.TB, td *datadriven.TestData) (string, error) {
	h := e.host(t, td)
	h.mount.Crash()
	for name, f := range e.files {
		if f.(*openFile).host == h {
			delete(e.files, name)
		}
	}
	return "crashed " + h.name + "; open files and dirty data are gone", nil
}
