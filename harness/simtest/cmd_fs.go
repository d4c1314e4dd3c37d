package simtest

import (
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/nfsmail/nfsmail/vfs"
)

func init() {
	commands["open"] = cmdOpen
	commands["write"] = cmdWrite
	commands["read"] = cmdRead
	commands["sync"] = cmdSync
	commands["close"] = cmdClose
	commands["put"] = cmdPut
	commands["cat"] = cmdCat
	commands["stat"] = cmdStat
	commands["ls"] = cmdLs
	commands["mkdir"] = cmdMkdir
	commands["rm"] = cmdRm
	commands["mv"] = cmdMv
	commands["link"] = cmdLink
}

// openFile remembers which host opened a file.
type openFile struct {
	vfs.File
	host *host
}

var flagNames = map[string]int{
	"r": vfs.O_RDONLY, "w": vfs.O_WRONLY, "rw": vfs.O_RDWR, "creat": vfs.O_CREATE,
	"excl": vfs.O_EXCL, "trunc": vfs.O_TRUNC, "append": vfs.O_APPEND,
}

func parseFlags(t testing.TB, td *datadriven.TestData, s string) int {
	flags := 0
	for _, f := range strings.Split(s, ",") {
		v, ok := flagNames[f]
		if !ok {
			t.Fatalf("%s: unknown open flag %q", td.Pos, f)
		}
		flags |= v
	}
	return flags
}

// open host=a path=f [flags=w,creat] as=F
func cmdOpen(e *Env, t testing.TB, td *datadriven.TestData) (string, error) {
	h := e.host(t, td)
	f, err := h.mount.OpenFile(arg(t, td, "path"), parseFlags(t, td, optArg(td, "flags", "r")), 0o644)
	if err != nil {
		return "", err
	}
	e.files[arg(t, td, "as")] = &openFile{File: f, host: h}
	return "ok", nil
}

func (e *Env) file(t testing.TB, td *datadriven.TestData) (string, *openFile) {
	name := arg(t, td, "f")
	f, ok := e.files[name]
	if !ok {
		t.Fatalf("%s: no open file %q", td.Pos, name)
	}
	return name, f.(*openFile)
}

// write f=F data=...
func cmdWrite(e *Env, t testing.TB, td *datadriven.TestData) (string, error) {
	_, f := e.file(t, td)
	n, err := f.Write([]byte(arg(t, td, "data")))
	return fmt.Sprintf("wrote %d bytes", n), err
}

// read f=F: the whole file from offset 0, as this host sees it.
func cmdRead(e *Env, t testing.TB, td *datadriven.TestData) (string, error) {
	_, f := e.file(t, td)
	buf := make([]byte, 1<<16)
	n, err := f.ReadAt(buf, 0)
	if err != nil && err != io.EOF {
		return "", err
	}
	return fmt.Sprintf("%q", buf[:n]), nil
}

func cmdSync(e *Env, t testing.TB, td *datadriven.TestData) (string, error) {
	_, f := e.file(t, td)
	return "ok", f.Sync()
}

func cmdClose(e *Env, t testing.TB, td *datadriven.TestData) (string, error) {
	name, f := e.file(t, td)
	delete(e.files, name)
	return "ok", f.Close()
}

// put host=a path=f data=...: create or truncate, write, close.
func cmdPut(e *Env, t testing.TB, td *datadriven.TestData) (string, error) {
	h := e.host(t, td)
	return "ok", vfs.WriteFile(h.mount, arg(t, td, "path"), []byte(arg(t, td, "data")), 0o644)
}

// cat host=a path=f: open, read all, close (close-to-open applies).
func cmdCat(e *Env, t testing.TB, td *datadriven.TestData) (string, error) {
	h := e.host(t, td)
	b, err := vfs.ReadFile(h.mount, arg(t, td, "path"))
	return fmt.Sprintf("%q", b), err
}

// stat host=a path=f
func cmdStat(e *Env, t testing.TB, td *datadriven.TestData) (string, error) {
	h := e.host(t, td)
	fi, err := h.mount.Stat(arg(t, td, "path"))
	if err != nil {
		return "", err
	}
	st := vfs.StatOf(fi)
	return fmt.Sprintf("size=%d nlink=%d mtime=+%s", fi.Size(), st.Nlink, st.Mtime.Sub(Epoch)), nil
}

// ls host=a path=d
func cmdLs(e *Env, t testing.TB, td *datadriven.TestData) (string, error) {
	h := e.host(t, td)
	ents, err := h.mount.ReadDir(optArg(td, "path", "."))
	if err != nil {
		return "", err
	}
	names := make([]string, len(ents))
	for i, d := range ents {
		names[i] = d.Name()
	}
	return "[" + strings.Join(names, " ") + "]", nil
}

func cmdMkdir(e *Env, t testing.TB, td *datadriven.TestData) (string, error) {
	return "ok", e.host(t, td).mount.Mkdir(arg(t, td, "path"), 0o755)
}

func cmdRm(e *Env, t testing.TB, td *datadriven.TestData) (string, error) {
	return "ok", e.host(t, td).mount.Remove(arg(t, td, "path"))
}

func cmdMv(e *Env, t testing.TB, td *datadriven.TestData) (string, error) {
	return "ok", e.host(t, td).mount.Rename(arg(t, td, "from"), arg(t, td, "to"))
}

func cmdLink(e *Env, t testing.TB, td *datadriven.TestData) (string, error) {
	return "ok", e.host(t, td).mount.Link(arg(t, td, "from"), arg(t, td, "to"))
}
