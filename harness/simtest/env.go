package simtest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
	"github.com/nfsmail/nfsmail/harness/fault"
	"github.com/nfsmail/nfsmail/harness/nfsclient"
	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/dotlock"
	"github.com/nfsmail/nfsmail/nfsserver"
	"github.com/nfsmail/nfsmail/nfsserver/simfs"
	"github.com/nfsmail/nfsmail/vfs"
)

// Epoch is the server's wall-clock time at virtual time zero.
var Epoch = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

// clock is the script's virtual clock; waits advance it directly.
type clock struct{ t time.Duration }

func (c *clock) Now() time.Duration     { return c.t }
func (c *clock) Charge(d time.Duration) { c.t += d }
func (c *clock) Sleep(d time.Duration)  { c.t += d }

// Env is one script's world.
type Env struct {
	clk   *clock
	srv   *nfsserver.Server // created by the first mount (or server)
	plan  fault.Plan        // rules declared before it
	drc   bool
	hosts map[string]*host
	files map[string]vfs.File
	locks map[string]*dotlock.Lock
	boxes map[string]mailstore.Mailbox // open sessions (select)
	rpcs  []string                     // RPCs sent by the current command
	logs  []string                     // what engine code logged during it
}

type host struct {
	name  string
	mount *nfsclient.Mount
	skew  time.Duration
	pid   int
}

// NewEnv returns an empty world; the server starts with the first mount.
func NewEnv() *Env {
	return &Env{clk: &clock{}, hosts: map[string]*host{}, files: map[string]vfs.File{}, locks: map[string]*dotlock.Lock{},
		boxes: map[string]mailstore.Mailbox{}}
}

// server starts the NFS server with the fault rules declared so far.
func (e *Env) server() *nfsserver.Server {
	if e.srv == nil {
		store := simfs.New(simfs.Options{Now: func() time.Time { return Epoch.Add(e.clk.t) }})
		opts := nfsserver.Options{WriteVerifier: [8]byte{'s', 'i', 'm', 't', 'e', 's', 't'}, DRC: e.drc}
		if len(e.plan.Rules) > 0 {
			opts.Faults = fault.New(e.plan, 1)
		}
		e.srv = nfsserver.New(store, opts)
	}
	return e.srv
}

// Close stops the server.
func (e *Env) Close() {
	for _, h := range e.hosts {
		h.mount.Close()
	}
	if e.srv != nil {
		e.srv.Close()
	}
}

type command func(e *Env, t testing.TB, td *datadriven.TestData) (string, error)

// commands maps each script command to its implementation (cmd_*.go).
var commands = map[string]command{}

// Run executes one datadriven directive and returns its output.
func (e *Env) Run(t testing.TB, td *datadriven.TestData) string {
	cmd, ok := commands[td.Cmd]
	if !ok {
		names := make([]string, 0, len(commands))
		for n := range commands {
			names = append(names, n)
		}
		slices.Sort(names)
		t.Fatalf("%s: unknown command %q (have %s)", td.Pos, td.Cmd, strings.Join(names, ", "))
	}
	e.rpcs, e.logs = nil, nil
	out, err := cmd(e, t, td)
	if err != nil {
		out = "error: " + describe(err)
	}
	for _, l := range e.logs {
		out += "\nlog " + l
	}
	if len(e.rpcs) > 0 {
		out += "\nrpcs: " + strings.Join(e.rpcs, " ")
	}
	return out + "\n"
}

// describe renders an error as errno text, which is what the scripts are
// about, without Go wrapping noise; dotlock outcomes by name.
func describe(err error) string {
	switch {
	case errors.Is(err, dotlock.ErrTimeout):
		return "timed out waiting for the dotlock"
	case errors.Is(err, dotlock.ErrLost):
		return "dotlock lost"
	}
	return vfs.Errno(err).Error()
}

func arg(t testing.TB, td *datadriven.TestData, key string) string {
	var v string
	td.ScanArgs(t, key, &v)
	return v
}

func optArg(td *datadriven.TestData, key, def string) string {
	if a, ok := td.Arg(key); ok && len(a.Vals) > 0 {
		return strings.Join(a.Vals, ",")
	}
	return def
}

func (e *Env) host(t testing.TB, td *datadriven.TestData) *host {
	name := arg(t, td, "host")
	h, ok := e.hosts[name]
	if !ok {
		t.Fatalf("%s: no host %q (mount it first)", td.Pos, name)
	}
	return h
}

func duration(t testing.TB, td *datadriven.TestData, s string) time.Duration {
	d, err := time.ParseDuration(s)
	if err != nil {
		t.Fatalf("%s: %v", td.Pos, err)
	}
	return d
}

func (e *Env) now() string { return fmt.Sprintf("t=%s", e.clk.t) }
