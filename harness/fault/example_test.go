package fault_test

import (
	"fmt"

	"github.com/nfsmail/nfsmail/harness/fault"
)

// A plan that loses the reply to the first RENAME into a Maildir's new/.
func ExampleParsePlan() {
	plan, err := fault.ParsePlan("plan.toml", []byte(`
[[rule]]
name   = "lost-rename"
proc   = "RENAME"
path   = "**/new/*"
nth    = 1
action = "drop-reply"
`))
	if err != nil {
		panic(err)
	}
	eng := fault.New(plan, 1)
	for i := 0; i < 2; i++ {
		acts := eng.Decide(fault.Call{Host: "backend1", Program: "NFS", Procedure: "RENAME", Path: "u/Maildir/new/1"})
		fmt.Println(len(acts))
	}
	fmt.Println(eng.Fired()[0])
	// Output:
	// 1
	// 0
	// #1 lost-rename drop-reply on backend1 NFS.RENAME "u/Maildir/new/1" at 0s
}
