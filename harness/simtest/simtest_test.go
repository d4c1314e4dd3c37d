package simtest

import (
	"testing"

	"github.com/cockroachdb/datadriven"
)

func TestScripts(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		e := NewEnv()
		defer e.Close()
		datadriven.RunTest(t, path, func(t *testing.T, td *datadriven.TestData) string {
			return e.Run(t, td)
		})
	})
}
