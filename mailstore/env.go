package mailstore

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/nfsmail/nfsmail/vfs"
)

// Clock is a host's clock. It may be skewed relative to the NFS server,
// whose own clock stamps mtime and ctime.
type Clock interface {
	Now() time.Time
	// Sleep is how a simulated process waits (e.g. polling a dotlock); in
	// a simulation it yields to the scheduler and advances virtual time.
	Sleep(d time.Duration)
}

// Level is the severity of a log line, as Dovecot classifies it.
type Level int

// Log levels. Critical is what Dovecot's mail_storage_set_critical and
// mailbox_set_critical report; Dovecot writes those as "Error:" lines with a
// "Mailbox INBOX: " prefix, which engines leave out.
const (
	Warning Level = iota + 1
	Error
	Critical
	Panic
)

// String names the level as Dovecot's log prefix does.
func (l Level) String() string {
	switch l {
	case Warning:
		return "Warning"
	case Error:
		return "Error"
	case Critical:
		return "Critical"
	case Panic:
		return "Panic"
	}
	return fmt.Sprintf("Level(%d)", int(l))
}

// Logger receives Dovecot's own log text, formatted with Go verbs, so
// findings can be matched against real Dovecot logs.
type Logger interface {
	Logf(level Level, format string, args ...any)
}

// Env is everything an engine takes from the host process that runs it.
type Env struct {
	FS       vfs.FS
	Clock    Clock
	Hostname string
	PID      int
	Log      Logger // nil discards
	Settings Settings
	// Alive reports whether a process with this PID exists on this host
	// (Dovecot's kill(pid, 0)). nil: every PID is presumed alive, so locks
	// are never overridden by the PID check.
	Alive func(pid int) bool
	// Rand is the process's seeded random stream (lock wait jitter, GUIDs,
	// temp names). nil: fixed midpoints and counters are used instead.
	Rand *rand.Rand
}

// Logf logs through e.Log, if any.
func (e Env) Logf(level Level, format string, args ...any) {
	if e.Log != nil {
		e.Log.Logf(level, format, args...)
	}
}

// IsAlive applies e.Alive, presuming life when it is nil.
func (e Env) IsAlive(pid int) bool {
	return e.Alive == nil || e.Alive(pid)
}

// ESTALERetryCount is NFS_ESTALE_RETRY_COUNT: how often Dovecot opens and
// reads a file again by name while it fails with ESTALE (another host
// replaced it between the lookup and the read).
const ESTALERetryCount = 10

// Strerror renders err the way Dovecot's %m does ("No such file or
// directory"), through the closest errno.
func Strerror(err error) string {
	s := vfs.Errno(err).Error()
	if s == "" {
		return s
	}
	if c := s[0]; c >= 'a' && c <= 'z' {
		s = string(c-'a'+'A') + s[1:]
	}
	return s
}
