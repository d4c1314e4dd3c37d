package cli

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/nfsmail/nfsmail/scenarios"
	"github.com/spf13/cobra"
)

// scenarioInfo is the --json form of a catalog entry.
type scenarioInfo struct {
	Name     string `json:"name"`
	Format   string `json:"format"`
	Hosts    int    `json:"hosts"`
	Routing  string `json:"routing"`
	Mount    string `json:"mount"`
	Expected string `json:"expected_verdict"`
	Claim    string `json:"claim"`
	Why      string `json:"why"`
}

func newScenariosCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "scenarios",
		Short: "List the scenarios with the claim of the guide each one tests",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var infos []scenarioInfo
			for _, s := range scenarios.All() {
				mount := s.Mount
				if mount == "" {
					mount = "defaults"
				}
				infos = append(infos, scenarioInfo{s.Name, s.Format, s.Hosts, s.Routing, mount, string(s.Expected), s.Claim, s.Why})
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(infos)
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tFORMAT\tHOSTS\tROUTING\tMOUNT\tEXPECTED\tCLAIM")
			for _, i := range infos {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\n", i.Name, i.Format, i.Hosts, i.Routing, i.Mount, i.Expected, clip(i.Claim, 70))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array")
	return cmd
}

// clip shortens s to at most n characters (runes), marking the cut.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
