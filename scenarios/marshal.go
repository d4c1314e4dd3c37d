package scenarios

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/pelletier/go-toml/v2"
)

// Marshal writes sc as a scenario file that Parse reads back into an equal
// scenario. Fault plans and events are not written yet: Marshal refuses
// scenarios that have them. INDEX=MEMORY is not a dovecot.conf setting
// and is written as index_memory.
func Marshal(sc Scenario) ([]byte, error) {
	if len(sc.Faults.Rules) > 0 || len(sc.Events) > 0 {
		return nil, fmt.Errorf("scenario %s: faults and events cannot be written yet", sc.Name)
	}
	f := fileScenario{Name: sc.Name, Format: sc.Format, Claim: sc.Claim, Expected: string(sc.Expected),
		Why: sc.Why, Disputed: sc.Disputed, Claims: sc.ClaimIDs, Hosts: sc.Hosts, Routing: sc.Routing, Mount: sc.Mount, MaxSteps: sc.MaxSteps,
		Delivery: sc.Delivery, QuotaStatus: sc.QuotaStatus, DRC: sc.DRC, Unmounted: sc.Unmounted,
		Settings: settingsMap(sc.Settings)}
	if sc.Purge != nil {
		f.Purge = &filePurge{Every: sc.Purge.Every.String(), Via: sc.Purge.Via}
	}
	if sc.DeliverySettings != nil {
		f.DeliverySettings = settingsMap(*sc.DeliverySettings)
	}
	for _, d := range sc.Skew {
		f.Skew = append(f.Skew, d.String())
	}
	w := sc.Workload
	f.Workload = fileWorkload{Users: w.Users, Deliveries: w.Deliveries, Sessions: w.Sessions,
		Commands: w.Commands, Duration: w.Duration.String(), Idle: w.Idle.String(), ClientIPs: w.ClientIPs}
	var b bytes.Buffer
	err := toml.NewEncoder(&b).Encode(f)
	return b.Bytes(), err
}

// settingsMap renders the modelled settings by their dovecot.conf names.
func settingsMap(s mailstore.Settings) map[string]any {
	yes := map[bool]string{true: "yes", false: "no"}
	return map[string]any{
		"mmap_disable":          yes[s.MmapDisable],
		"mail_nfs_storage":      yes[s.MailNFSStorage],
		"mail_nfs_index":        yes[s.MailNFSIndex],
		"dotlock_use_excl":      yes[s.DotlockUseExcl],
		"mail_fsync":            s.MailFsync.String(),
		"lock_method":           strings.ToLower(s.LockMethod.String()),
		"mail_max_lock_timeout": s.MailMaxLockTimeout.String(),
		"index_memory":          yes[s.IndexMemory],
	}
}
