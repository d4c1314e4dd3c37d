package index

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/vfs"
)

// logFile is one open transaction log (struct mail_transaction_log_file):
// the bytes read so far and how far they parse as whole transactions.
type logFile struct {
	ix         *Index
	path       string
	f          vfs.File
	ino        uint64
	hdr        LogHeader
	data       []byte // the file from offset 0, as last read
	syncOffset int64  // end of the last complete transaction
	locked     bool
	corrupted  bool
}

// openLog opens path and reads its header. A missing file returns an
// error wrapping fs.ErrNotExist.
func (ix *Index) openLog(path string) (*logFile, error) {
	f, err := ix.env.FS.OpenFile(path, vfs.O_RDWR|vfs.O_APPEND, 0)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, vfs.ErrStale) {
			ix.errorf("open(%s) failed: %s", path, mailstore.Strerror(err))
		}
		return nil, err
	}
	lf := &logFile{ix: ix, path: path, f: f}
	if fi, err := f.Stat(); err == nil {
		lf.ino = vfs.StatOf(fi).Ino
	}
	if err := lf.read(false); err != nil {
		f.Close()
		return nil, err
	}
	if err := lf.readHeader(); err != nil {
		f.Close()
		return nil, err
	}
	lf.syncOffset = int64(lf.hdr.HdrSize)
	return lf, nil
}

func (lf *logFile) readHeader() error {
	h, err := ParseLogHeader(lf.data)
	if err != nil {
		lf.ix.corruptLog(lf, "%v", err)
		return ErrCorrupted
	}
	lf.hdr = h
	if h.IndexID == 0 {
		lf.corrupted = true
		lf.ix.errorf("Transaction log file %s: marked corrupted", lf.path)
		return ErrCorrupted
	}
	return nil
}

// ErrCorrupted: the log is corrupted (or another index's); a refresh that
// meets it fails until a new open replaces the log.
var ErrCorrupted = errors.New("index: transaction log corrupted")

// ErrDeleted: the log vanished while the index was open, which Dovecot
// takes for the mailbox's deletion (index_deleted): "Mailbox was deleted
// under us".
var ErrDeleted = errors.New("Mailbox was deleted under us")

func (lf *logFile) close() {
	if lf.f != nil {
		if lf.locked {
			lf.ix.unlockLog(lf)
		}
		lf.f.Close()
		lf.f = nil
	}
}

// read brings data up to the file's end: through vfs.Mmap (the host's
// cached pages, maybe stale) unless mmap_disable, else by pread of the
// part after what was read before. With mail_nfs_index an unlocked reader
// first flushes the attribute cache (open+close).
func (lf *logFile) read(flush bool) error {
	ix := lf.ix
	if ix.env.Settings.MailNFSIndex && flush && !lf.locked {
		ix.flushAttrCache(lf.path)
	}
	if !ix.env.Settings.MmapDisable {
		b, err := vfs.Mmap(lf.f)
		if err != nil {
			return lf.syscallErr("mmap()", err)
		}
		lf.data = append(lf.data[:0], b...)
		return nil
	}
	buf := make([]byte, 4096)
	for {
		n, err := lf.f.ReadAt(buf, int64(len(lf.data)))
		lf.data = append(lf.data, buf[:n]...)
		if errors.Is(err, io.EOF) || (err == nil && n == 0) {
			return nil
		}
		if err != nil {
			return lf.syscallErr("pread()", err)
		}
	}
}

func (lf *logFile) syscallErr(call string, err error) error {
	if !errors.Is(err, vfs.ErrStale) {
		lf.ix.errorf("%s failed with file %s: %s", call, lf.path, mailstore.Strerror(err))
	}
	return fmt.Errorf("index: %s %s: %w", call, lf.path, err)
}

// sync advances syncOffset over complete transactions
// (mail_transaction_log_file_sync). Bytes after them are left for a
// writer to finish, unless this process holds the lock: then they are
// garbage and the file is marked corrupted.
func (lf *logFile) sync() error {
	if int64(len(lf.data)) < lf.syncOffset {
		lf.ix.corruptLog(lf, "log file shrank (%d < %d)", len(lf.data), lf.syncOffset)
		lf.syncOffset = int64(len(lf.data))
		return ErrCorrupted
	}
	for lf.syncOffset+txHeaderSize <= int64(len(lf.data)) {
		size, typ := splitRecord(lf.data[lf.syncOffset:])
		if size == 0 {
			break // unfinished
		}
		if size < txHeaderSize {
			lf.ix.corruptLog(lf, "hdr.size too small (%d)", size)
			return ErrCorrupted
		}
		if lf.syncOffset+int64(size) > int64(len(lf.data)) {
			break
		}
		if typ&txTypeMask == TxBoundary && size >= txHeaderSize+4 {
			total := binary.LittleEndian.Uint32(lf.data[lf.syncOffset+txHeaderSize:])
			if lf.syncOffset+int64(total) > int64(len(lf.data)) {
				break // the whole transaction isn't written yet
			}
		}
		lf.syncOffset += int64(size)
	}
	if lf.syncOffset != int64(len(lf.data)) {
		if lf.locked {
			lf.ix.corruptLog(lf, "Unexpected garbage at EOF")
			return ErrCorrupted
		}
		lf.ix.flushReadCache(lf)
	}
	return nil
}

// transactions returns the complete transactions in [from, syncOffset),
// each as its records.
func (lf *logFile) transactions(from int64) ([][]record, error) {
	var out [][]record
	off := from
	for off < lf.syncOffset {
		size, typ := splitRecord(lf.data[off:])
		if size < txHeaderSize || off+int64(size) > lf.syncOffset {
			return out, fmt.Errorf("Invalid offset: %d", off)
		}
		end := off + int64(size)
		if typ&txTypeMask == TxBoundary {
			end = off + int64(binary.LittleEndian.Uint32(lf.data[off+txHeaderSize:]))
			off += int64(size)
		}
		var recs []record
		for off < end {
			size, typ := splitRecord(lf.data[off:])
			if size < txHeaderSize || off+int64(size) > end {
				return out, fmt.Errorf("record size too small (type=0x%x, offset=%d, size=%d)", uint32(typ), off, size)
			}
			recs = append(recs, record{typ: typ, data: lf.data[off+txHeaderSize : off+int64(size)], offset: off})
			off += int64(size)
		}
		out = append(out, recs)
	}
	return out, nil
}
