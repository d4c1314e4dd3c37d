package nfsserver

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"testing"
)

// Only wallclock.go (the serve path) may read or wait on the wall clock:
// everything else in the server runs on the caller's virtual clock.
func TestOnlyWallClockReadsTheWallClock(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	forbidden := map[string]bool{"Now": true, "Since": true, "Sleep": true, "After": true,
		"NewTimer": true, "NewTicker": true, "Tick": true, "Until": true, "AfterFunc": true}
	for _, name := range files {
		if name == "wallclock.go" || filepath.Ext(name) != ".go" || len(name) > 8 && name[len(name)-8:] == "_test.go" {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		local := ""
		for _, is := range f.Imports {
			if p, _ := strconv.Unquote(is.Path.Value); p == "time" {
				local = "time"
				if is.Name != nil {
					local = is.Name.Name
				}
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok {
				if id, ok := sel.X.(*ast.Ident); ok && local != "" && id.Name == local && forbidden[sel.Sel.Name] {
					t.Errorf("%s uses time.%s: only wallclock.go may", name, sel.Sel.Name)
				}
			}
			return true
		})
	}
}
