package scenarios

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/nfsmail/nfsmail/harness/fault"
	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/pelletier/go-toml/v2"
)

// Marshal writes sc as a scenario file that Parse reads back into an equal
// scenario, fault rules and events included (a plan's timestamp
// granularity cannot be written: Marshal refuses it). INDEX=MEMORY is not a
// dovecot.conf setting and is written as index_memory.
func Marshal(sc Scenario) ([]byte, error) {
	if sc.Faults.Granularity != 0 {
		return nil, fmt.Errorf("scenario %s: a fault plan's granularity cannot be written yet", sc.Name)
	}
	f := fileScenario{Name: sc.Name, Format: sc.Format, Claim: sc.Claim, Expected: string(sc.Expected),
		Why: sc.Why, Disputed: sc.Disputed, Claims: sc.ClaimIDs, Hosts: sc.Hosts, Routing: sc.Routing, Mount: sc.Mount, MaxSteps: sc.MaxSteps,
		Delivery: sc.Delivery, QuotaStatus: sc.QuotaStatus, HostChange: sc.HostChange, DRC: sc.DRC, Unmounted: sc.Unmounted,
		Settings: settingsMap(sc.Settings)}
	for _, r := range sc.Faults.Rules {
		f.Fault = append(f.Fault, fault.SpecOf(r))
	}
	for _, e := range sc.Events {
		fe := fileEvent{At: e.At.String(), Kind: string(e.Kind), Host: e.Host, Reclaim: e.Reclaim}
		if e.For != 0 {
			fe.For = e.For.String()
		}
		f.Events = append(f.Events, fe)
	}
	if sc.RTT != 0 {
		f.RTT = sc.RTT.String()
	}
	if sc.DirectorKickDelay != 0 {
		f.KickDelay = sc.DirectorKickDelay.String()
	}
	if sc.DirectorUserExpire != 0 {
		f.DirectorExpire = sc.DirectorUserExpire.String()
	}
	if sc.Purge != nil {
		f.Purge = &filePurge{Every: sc.Purge.Every.String(), Via: sc.Purge.Via, AltMove: sc.Purge.AltMove,
			ForceResync: sc.Purge.ForceResync}
	}
	if sc.DeliverySettings != nil {
		f.DeliverySettings = settingsMap(*sc.DeliverySettings)
	}
	for _, d := range sc.Skew {
		f.Skew = append(f.Skew, d.String())
	}
	w := sc.Workload
	f.Workload = fileWorkload{Users: w.Users, Deliveries: w.Deliveries, Sessions: w.Sessions,
		Commands: w.Commands, Duration: w.Duration.String(), Idle: w.Idle.String(), ClientIPs: w.ClientIPs, Zipf: w.Zipf, Folders: w.Folders,
		Keywords: w.Keywords, Moves: w.Moves}
	var b bytes.Buffer
	err := toml.NewEncoder(&b).Encode(f)
	return b.Bytes(), err
}

// settingsMap renders the modelled settings by their dovecot.conf names.
func settingsMap(s mailstore.Settings) map[string]any {
	yes := map[bool]string{true: "yes", false: "no"}
	return map[string]any{
		"mmap_disable":                        yes[s.MmapDisable],
		"mail_nfs_storage":                    yes[s.MailNFSStorage],
		"mail_nfs_index":                      yes[s.MailNFSIndex],
		"dotlock_use_excl":                    yes[s.DotlockUseExcl],
		"mail_fsync":                          s.MailFsync.String(),
		"lock_method":                         strings.ToLower(s.LockMethod.String()),
		"mail_max_lock_timeout":               s.MailMaxLockTimeout.String(),
		"index_memory":                        yes[s.IndexMemory],
		"noaltcheck":                          yes[s.NoAltCheck],
		"alt_dir":                             s.AltDir,
		"index_dir":                           s.IndexDir,
		"list_index":                          s.ListIndex,
		"iterindex":                           yes[s.IterIndex],
		"volatile_dir":                        s.VolatileDir,
		"mailbox_list_index":                  yes[!s.NoMailboxListIndex],
		"mailbox_list_index_very_dirty_syncs": yes[s.ListIndexVeryDirtySyncs],
		"mail_cache_purge_min_size":           s.CachePurgeMinSize,
		"mail_cache_purge_delete_percentage":  int64(s.CachePurgeDeletePercentage),
	}
}
