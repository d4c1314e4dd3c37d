package mailstore_test

import (
	"io/fs"
	"testing"
	"time"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/vfs"
)

func TestFlagsString(t *testing.T) {
	tests := []struct {
		f    mailstore.Flags
		want string
	}{
		{0, ""},
		{mailstore.Seen, `\Seen`},
		{mailstore.Draft | mailstore.Seen | mailstore.Deleted, `\Seen \Deleted \Draft`},
	}
	for _, tc := range tests {
		if got := tc.f.String(); got != tc.want {
			t.Errorf("%d.String() = %q, want %q", tc.f, got, tc.want)
		}
	}
}

func TestStrerror(t *testing.T) {
	err := &fs.PathError{Op: "open", Path: "x", Err: fs.ErrNotExist}
	if got := mailstore.Strerror(err); got != "No such file or directory" {
		t.Errorf("Strerror = %q", got)
	}
	if got := mailstore.Strerror(vfs.ErrStale); got != "Stale file handle" {
		t.Errorf("Strerror(ErrStale) = %q", got)
	}
}

func TestLockTimeoutCap(t *testing.T) {
	s := mailstore.DefaultSettings()
	if got := s.LockTimeout(122 * time.Second); got != 122*time.Second {
		t.Errorf("uncapped = %v", got)
	}
	s.MailMaxLockTimeout = 30 * time.Second
	if got := s.LockTimeout(122 * time.Second); got != 30*time.Second {
		t.Errorf("capped = %v", got)
	}
}

func TestRecorder(t *testing.T) {
	var r mailstore.Recorder
	env := mailstore.Env{Log: &r}
	env.Logf(mailstore.Warning, "Our dotlock file %s was %s", "a.lock", "deleted")
	mailstore.Env{}.Logf(mailstore.Error, "discarded")
	if got := r.Find("dotlock"); len(got) != 1 || got[0].String() != "Warning: Our dotlock file a.lock was deleted" {
		t.Errorf("Recorder = %v", r.Entries)
	}
}
