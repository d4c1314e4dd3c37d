package conventions

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/nfsmail/nfsmail"

// pkg is one package of the module as the tests see it.
type pkg struct {
	dir   string // relative to the module root, "/"-separated
	files map[string]*ast.File
	tests map[string]*ast.File
}

func loadPackages(t *testing.T) []*pkg {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	byDir := map[string]*pkg{}
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		rel = filepath.ToSlash(rel)
		p := byDir[rel]
		if p == nil {
			p = &pkg{dir: rel, files: map[string]*ast.File{}, tests: map[string]*ast.File{}}
			byDir[rel] = p
		}
		if strings.HasSuffix(path, "_test.go") {
			p.tests[filepath.Base(path)] = f
		} else {
			p.files[filepath.Base(path)] = f
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var out []*pkg
	for _, p := range byDir {
		if len(p.files) > 0 {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b *pkg) int { return strings.Compare(a.dir, b.dir) })
	return out
}

func TestEveryPackageHasADocComment(t *testing.T) {
	for _, p := range loadPackages(t) {
		ok := false
		for _, f := range p.files {
			if f.Doc != nil && strings.TrimSpace(f.Doc.Text()) != "" {
				ok = true
			}
		}
		if !ok {
			t.Errorf("package %s has no doc comment", p.dir)
		}
		if len(p.files) > 3 {
			if _, has := p.files["doc.go"]; !has && p.dir != "." {
				t.Errorf("package %s has %d files and no doc.go", p.dir, len(p.files))
			}
		}
	}
}

// allowed lists, per package directory, the module packages it may import
// (a trailing "/..." allows a subtree). Packages not listed may import
// nothing from the module. DESIGN.md §3: imports flow downward only.
var allowed = map[string][]string{
	"vfs":               {},
	"vfs/memfs":         {"vfs"},
	"vfs/vfstest":       {"vfs"},
	"nfs3":              {"vfs"},
	"nfsserver/simfs":   {"vfs"},
	"nfsserver":         {"nfs3", "nfsserver/simfs", "vfs", "harness/fault"},
	"nfsserver/bench":   {"nfs3"},
	"harness/sim":       {},
	"harness/fault":     {"harness/sim", "nfs3"},
	"harness/nfsclient": {"nfs3", "vfs"},
	"harness/host":      {"harness/sim", "mailstore", "vfs", "vfs/memfs"},
	"harness/cluster":   {},
	"harness/check":     {"mailstore", "vfs"},
	"harness/simtest":   {"harness/...", "mailstore/...", "nfsserver/...", "nfs3", "vfs/..."},
	"mailstore":         {"vfs"},
	"mailstore/dotlock": {"mailstore", "vfs"},
	"mailstore/index":   {"mailstore", "mailstore/dotlock", "vfs"},
	// the engines autocreate INBOX under the list's mailboxes.lock and
	// keep each mailbox's list index record up to date
	"mailstore/maildir":     {"mailstore", "mailstore/dotlock", "mailstore/index", "mailstore/mailboxlist", "vfs"},
	"mailstore/dbox":        {"mailstore", "mailstore/dotlock", "mailstore/index", "mailstore/mailboxlist", "vfs"},
	"mailstore/sdbox":       {"mailstore", "mailstore/dbox", "mailstore/dotlock", "mailstore/index", "mailstore/mailboxlist", "vfs"},
	"mailstore/mdbox":       {"mailstore", "mailstore/dbox", "mailstore/dotlock", "mailstore/index", "mailstore/mailboxlist", "vfs"},
	"mailstore/mailboxlist": {"mailstore", "mailstore/dotlock", "mailstore/index", "vfs"},
	"mailstore/mailtest":    {"mailstore", "mailstore/index", "vfs", "vfs/memfs"},
	"mailgen":               {"harness/sim", "mailstore"},
	"assess":                {"scenarios", "harness/check", "harness/nfsclient", "mailstore"},
	"scenarios":             {"harness/...", "mailstore/...", "mailgen", "nfsserver/...", "nfs3", "vfs/..."},
	"study":                 {"scenarios", "harness/check"},
	"reports":               {"study", "scenarios", "harness/check"},
	"nfsmailtest":           {"scenarios", "harness/check"},
	"reproduce":             {"scenarios", "assess", "mailgen", "harness/check", "harness/fault", "mailstore"},
	"realdovecot":           {"scenarios", "harness/...", "mailgen", "mailstore", "nfsserver/...", "vfs/...", "realdovecot/fuseview"},
	"realdovecot/fuseview":  {"vfs"},
	"internal/cli":          {"assess", "scenarios", "study", "reports", "realdovecot", "reproduce", "harness/...", "nfsserver/...", "mailgen", "mailstore"},
	"vfs/osfs":              {"vfs"},
	"internal/conventions":  {},
	"cmd/nfsmail":           {"internal/cli"},
}

func allows(rules []string, imp string) bool {
	for _, r := range rules {
		if r == imp || (strings.HasSuffix(r, "/...") && (imp == strings.TrimSuffix(r, "/...") || strings.HasPrefix(imp, strings.TrimSuffix(r, "...")))) {
			return true
		}
	}
	return false
}

func TestImportsFlowAlongAllowedEdges(t *testing.T) {
	for _, p := range loadPackages(t) {
		rules, known := allowed[p.dir]
		if !known {
			t.Errorf("package %s is not in the allowed-imports table: add it with its edges", p.dir)
			continue
		}
		for name, f := range p.files {
			for _, is := range f.Imports {
				imp, _ := strconv.Unquote(is.Path.Value)
				if !strings.HasPrefix(imp, module+"/") {
					continue
				}
				if rel := strings.TrimPrefix(imp, module+"/"); !allows(rules, rel) {
					t.Errorf("%s/%s imports %s: not an allowed edge", p.dir, name, rel)
				}
			}
		}
	}
}

// simulation packages run under the deterministic scheduler.
var simulation = []string{
	"harness/sim", "harness/nfsclient", "harness/host", "harness/cluster", "harness/check",
	"harness/fault", "mailstore", "mailstore/dotlock", "mailstore/index", "mailstore/maildir",
	"mailstore/dbox", "mailstore/sdbox", "mailstore/mdbox", "mailstore/mailboxlist", "mailgen", "nfsserver/simfs", "vfs", "vfs/memfs", "nfs3",
}

// goroutineOK are the files allowed to start goroutines: the scheduler's
// processes run only while they hold its baton.
var goroutineOK = map[string]bool{"harness/sim/scheduler.go": true}

var forbiddenTime = map[string]bool{"Now": true, "Sleep": true, "After": true, "AfterFunc": true,
	"NewTimer": true, "NewTicker": true, "Tick": true, "Since": true, "Until": true}

// randSeeded are the names of math/rand/v2 that build or name seeded
// generators; everything else exported there uses the global source.
var randSeeded = map[string]bool{"New": true, "NewPCG": true, "NewChaCha8": true, "NewZipf": true,
	"Rand": true, "PCG": true, "ChaCha8": true, "Zipf": true, "Source": true}

func TestSimulationPackagesAreDeterministic(t *testing.T) {
	for _, p := range loadPackages(t) {
		if !slices.Contains(simulation, p.dir) {
			continue
		}
		for name, f := range p.files {
			checkDeterministic(t.Errorf, p.dir+"/"+name, f)
		}
	}
}

func checkDeterministic(errorf func(format string, args ...any), file string, f *ast.File) {
	names := map[string]string{} // local name -> import path
	for _, is := range f.Imports {
		path, _ := strconv.Unquote(is.Path.Value)
		local := path[strings.LastIndex(path, "/")+1:]
		if path == "math/rand/v2" {
			local = "rand"
		}
		if is.Name != nil {
			local = is.Name.Name
		}
		names[local] = path
		if path == "math/rand" || path == "crypto/rand" {
			errorf("%s imports %s: derive randomness from sim.Stream", file, path)
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.GoStmt:
			if !goroutineOK[file] {
				errorf("%s starts a goroutine: simulated work runs as sim processes", file)
			}
		case *ast.SelectorExpr:
			id, ok := n.X.(*ast.Ident)
			if !ok {
				return true
			}
			switch names[id.Name] {
			case "time":
				if forbiddenTime[n.Sel.Name] {
					errorf("%s uses time.%s: use the virtual clock", file, n.Sel.Name)
				}
			case "math/rand/v2":
				if !randSeeded[n.Sel.Name] {
					errorf("%s uses the global rand.%s: use a seeded stream", file, n.Sel.Name)
				}
			}
		}
		return true
	})
}

func TestConventionCheckerCatchesViolations(t *testing.T) {
	src := `package x
import ("time"; "math/rand/v2")
func f() { go f(); _ = time.Now(); _ = rand.IntN(3); _ = rand.New(rand.NewPCG(1, 2)) }`
	f, err := parser.ParseFile(token.NewFileSet(), "x.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	checkDeterministic(func(format string, args ...any) { got = append(got, fmt.Sprintf(format, args...)) }, "x/x.go", f)
	if len(got) != 3 {
		t.Fatalf("checker reported %d violations in a file with 3: %q", len(got), got)
	}
}
