package scenarios

import (
	"fmt"
	"slices"
	"time"

	"github.com/nfsmail/nfsmail/harness/check"
	"github.com/nfsmail/nfsmail/harness/nfsclient"
	"github.com/nfsmail/nfsmail/mailgen"
	"github.com/nfsmail/nfsmail/mailstore"
)

// Scenario is a cluster shape, its settings, a workload and the verdict the
// guide leads one to expect.
type Scenario struct {
	Name   string
	Format string // mailbox format: "maildir"
	// Claim is the sentence of the guide the scenario tests.
	Claim string
	// ClaimIDs name the guide's claims (Claims) it bears on.
	ClaimIDs []string
	// Expected is the verdict the guide implies.
	Expected check.Verdict
	// Why explains, in terms of the model, what should happen.
	Why     string
	Hosts   int
	Routing string // "director", "source-ip" or "random"
	// Mount is the NFS mount-options string every host uses ("" = Linux defaults).
	Mount    string
	Settings mailstore.Settings
	Workload mailgen.Spec
	// Skew is each host's clock offset from the NFS server (missing = 0).
	Skew []time.Duration
	// MaxSteps bounds the run (0 = a default that fits the workload).
	MaxSteps int
}

// Validate reports what is wrong with a scenario, naming the field.
func (s Scenario) Validate() error {
	switch {
	case s.Name == "":
		return fmt.Errorf("scenario: name is empty")
	case s.Format != "maildir":
		return fmt.Errorf("scenario %s: format %q is not supported (maildir)", s.Name, s.Format)
	case s.Hosts < 1 || s.Hosts > 64:
		return fmt.Errorf("scenario %s: hosts = %d, want 1..64", s.Name, s.Hosts)
	case len(s.Skew) > s.Hosts:
		return fmt.Errorf("scenario %s: %d skews for %d hosts", s.Name, len(s.Skew), s.Hosts)
	case s.Workload.Users < 1:
		return fmt.Errorf("scenario %s: workload has no users", s.Name)
	}
	if _, ok := check.ParseVerdict(string(s.Expected)); !ok {
		return fmt.Errorf("scenario %s: expected verdict %q is not one of CLEAN, SELF-HEALED, CORRUPTED, UNKNOWN", s.Name, s.Expected)
	}
	if !slices.Contains([]string{"director", "source-ip", "random"}, s.Routing) {
		return fmt.Errorf("scenario %s: routing %q is not director, source-ip or random", s.Name, s.Routing)
	}
	for _, id := range s.ClaimIDs {
		if _, ok := ClaimByID(id); !ok {
			return fmt.Errorf("scenario %s: unknown claim %q", s.Name, id)
		}
	}
	if _, err := nfsclient.ParseOptions(s.Mount); err != nil {
		return fmt.Errorf("scenario %s: %w", s.Name, err)
	}
	return nil
}

func (s Scenario) skew(i int) time.Duration {
	if i < len(s.Skew) {
		return s.Skew[i]
	}
	return 0
}
