package mdbox

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/vfs"
)

// DEVIATION: mailstore/index cannot carry extension data (Dovecot keeps
// mdbox's "map"/"ref" record extensions and the mailbox's map_uid in the
// index records themselves). Until it can, each index has a side file
// "<index>.ext" beside it, rewritten through "<index>.ext.tmp" + rename
// while the index's sync lock is held and read after every refresh. Text,
// one line each:
//
//	nfsmail-ext 1 <name> indexid=<indexid>
//	hdr <v>...
//	<uid> <v>...
//
// Records are sorted by uid. A record for a uid the index does not have is
// ignored; a uid the index has without a record reads as zeros, which is
// how Dovecot sees a record whose extension data was never written.
type ext struct {
	name    string // "map" or "mailbox"
	indexID uint32
	hdr     []uint32
	recs    map[uint32][]uint32
}

const extMagic = "nfsmail-ext 1"

var errExtCorrupt = errors.New("ext file corrupt")

func newExt(name string, indexID uint32, nhdr int) *ext {
	return &ext{name: name, indexID: indexID, hdr: make([]uint32, nhdr), recs: map[uint32][]uint32{}}
}

// marshal renders e deterministically.
func (e *ext) marshal() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s indexid=%d\nhdr", extMagic, e.name, e.indexID)
	for _, v := range e.hdr {
		fmt.Fprintf(&b, " %d", v)
	}
	b.WriteByte('\n')
	uids := make([]uint32, 0, len(e.recs))
	for uid := range e.recs {
		uids = append(uids, uid)
	}
	slices.Sort(uids)
	for _, uid := range uids {
		fmt.Fprintf(&b, "%d", uid)
		for _, v := range e.recs[uid] {
			fmt.Fprintf(&b, " %d", v)
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// parseExt decodes a side file with nhdr header values and nrec values
// per record.
func parseExt(data []byte, name string, nhdr, nrec int) (*ext, error) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	if !sc.Scan() {
		return nil, errExtCorrupt
	}
	var id uint32
	if _, err := fmt.Sscanf(sc.Text(), extMagic+" "+name+" indexid=%d", &id); err != nil {
		return nil, errExtCorrupt
	}
	e := newExt(name, id, nhdr)
	if !sc.Scan() {
		return nil, errExtCorrupt
	}
	hdr, err := parseUints(strings.TrimPrefix(sc.Text(), "hdr"), nhdr)
	if err != nil || !strings.HasPrefix(sc.Text(), "hdr") {
		return nil, errExtCorrupt
	}
	copy(e.hdr, hdr)
	for sc.Scan() {
		v, err := parseUints(sc.Text(), nrec+1)
		if err != nil {
			return nil, errExtCorrupt
		}
		e.recs[v[0]] = v[1:]
	}
	return e, nil
}

func parseUints(s string, n int) ([]uint32, error) {
	f := strings.Fields(s)
	if len(f) != n {
		return nil, errExtCorrupt
	}
	out := make([]uint32, n)
	for i, x := range f {
		v, err := strconv.ParseUint(x, 10, 32)
		if err != nil {
			return nil, errExtCorrupt
		}
		out[i] = uint32(v)
	}
	return out, nil
}

// readExt reads path; a missing file is (nil, nil).
func readExt(fsys vfs.FS, path, name string, nhdr, nrec int) (*ext, error) {
	data, err := vfs.ReadFile(fsys, path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return parseExt(data, name, nhdr, nrec)
}

// writeExt replaces path with e through path.tmp, as Dovecot writes
// dovecot.index: a leftover temp file is unlinked, the new one created
// O_EXCL, fdatasync'd unless mail_fsync=never, renamed over.
func writeExt(env mailstore.Env, path string, e *ext) error {
	tmp := path + ".tmp"
	_ = env.FS.Remove(tmp)
	f, err := env.FS.OpenFile(tmp, vfs.O_WRONLY|vfs.O_CREATE|vfs.O_EXCL, 0o600)
	if err != nil {
		env.Logf(mailstore.Critical, "open(%s) failed: %s", tmp, mailstore.Strerror(err))
		return err
	}
	_, err = f.Write(e.marshal())
	if err == nil && env.Settings.MailFsync != mailstore.FsyncNever {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = env.FS.Rename(tmp, path)
	}
	if err != nil {
		env.Logf(mailstore.Critical, "write(%s) failed: %s", path, mailstore.Strerror(err))
		_ = env.FS.Remove(tmp)
	}
	return err
}
