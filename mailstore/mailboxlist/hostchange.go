package mailboxlist

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/vfs"
)

// LastHostFile is the marker HostChange keeps in the user's index root.
const LastHostFile = ".lasthost"

// HostChange runs before a process uses user's mailbox list on this host:
// if the .lasthost marker in the index root names another host, the user
// was served elsewhere since this host last saw them, so this host's copy
// of the list index (when LISTINDEX puts it outside the shared index root)
// is deleted and rebuilt from disk at the next LIST; then the marker is set
// to this host. It reports whether it deleted anything. This is the "way
// to delete the list indexes for users that have already moved" the guide
// asks for (Dovecot Pro ships one as its nfs_hostchange plugin); it costs a
// read of the marker on every login and a rebuild after every move. With
// mailbox_list_index_very_dirty_syncs a stale copy would be trusted; without
// it, new sessions sync the copy anyway and deleting it frees tmpfs space.
func HostChange(env mailstore.Env, format, user string) (bool, error) {
	lay, err := newLayout(format, user, env.Settings)
	if err != nil {
		return false, err
	}
	root, ok := env.Settings.IndexRoot(user, lay.mailRoot())
	if !ok {
		root = lay.mailRoot()
	}
	marker := root + "/" + LastHostFile
	data, err := readRetryingStale(env.FS, marker)
	switch {
	case err == nil && strings.TrimSpace(string(data)) == env.Hostname:
		return false, nil
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return false, lay.failed(env, "open", marker, err)
	}
	deleted := false
	if dir, name, ok := env.Settings.ListIndexPath(user, lay.mailRoot()); ok && dir != root {
		for _, suffix := range []string{"", ".log", ".log.2"} {
			rmErr := env.FS.Remove(dir + "/" + name + suffix)
			switch {
			case rmErr == nil:
				deleted = true
			case !errors.Is(rmErr, fs.ErrNotExist):
				return deleted, lay.failed(env, "unlink", dir+"/"+name+suffix, rmErr)
			}
		}
	}
	if err := vfs.MkdirAll(env.FS, root, 0o700); err != nil {
		return deleted, lay.failed(env, "mkdir", root, err)
	}
	tmp := fmt.Sprintf("%s.%s.%d", marker, env.Hostname, env.PID)
	if err := vfs.WriteFile(env.FS, tmp, []byte(env.Hostname+"\n"), 0o600); err != nil {
		return deleted, lay.failed(env, "write", tmp, err)
	}
	if err := env.FS.Rename(tmp, marker); err != nil {
		_ = env.FS.Remove(tmp)
		return deleted, lay.failed(env, "rename", tmp, err)
	}
	return deleted, nil
}

// readRetryingStale reads path, opening it again while the read fails
// with ESTALE (the marker is replaced by rename on every host change).
func readRetryingStale(fsys vfs.FS, path string) ([]byte, error) {
	for try := 0; ; try++ {
		data, err := vfs.ReadFile(fsys, path)
		if !errors.Is(err, vfs.ErrStale) || try == mailstore.ESTALERetryCount {
			return data, err
		}
	}
}
