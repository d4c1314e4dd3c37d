package index

import (
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/nfsmail/nfsmail/mailstore"
	"github.com/nfsmail/nfsmail/mailstore/dotlock"
	"github.com/nfsmail/nfsmail/vfs"
)

// Log rotation thresholds (mail_index_log_rotate_*).
const (
	rotateMinSize = 32 * 1024
	rotateMaxSize = 1024 * 1024
	rotateMinAge  = 5 * time.Minute
	logLockSecs   = 180 * time.Second // MAIL_TRANSACTION_LOG_LOCK_TIMEOUT
)

func (ix *Index) logDotlockSettings(suffix string) dotlock.Settings {
	return dotlock.Settings{
		Timeout: ix.env.Settings.LockTimeout(logLockSecs), StaleTimeout: logLockSecs,
		Suffix: suffix, UseExcl: ix.env.Settings.DotlockUseExcl, NFSFlush: ix.env.Settings.MailNFSIndex,
	}
}

// logPos is a position in the log: a file sequence and an offset in it.
type logPos struct {
	seq    uint32
	offset int64
}

// createLog writes a new head log under the ".newlock" dotlock and renames
// it into place (mail_transaction_log_create). prev is the head being
// replaced (nil: none could be opened). from is where the new log
// continues: prev's end for a rotation (rotate, which also keeps prev as
// .log.2), the map's position when a missing or corrupted log is replaced
// (as mail_transaction_log_init_hdr chains it to index->map), nil for a
// reset (mail_index_reset, or an index without dovecot.index), which
// readers' views see as one: prev_file_seq 0. The sequence always grows
// past the log on disk. When another process already replaced the head
// meanwhile, its log is used instead.
func (ix *Index) createLog(indexID uint32, prev *logFile, rotate bool, from *logPos) (*logFile, error) {
	path := ix.logPath()
	l, err := dotlock.Create(ix.env, path, ix.logDotlockSettings(".newlock"), 0)
	if err != nil {
		if errors.Is(err, dotlock.ErrTimeout) {
			ix.errorf("Timeout (%ds) while waiting for dotlock for transaction log file %s",
				int(ix.env.Settings.LockTimeout(logLockSecs).Seconds()), path)
		}
		return nil, fmt.Errorf("create log: %w", err)
	}
	if lf := ix.recreatedMeanwhile(path, prev); lf != nil {
		_ = l.Release()
		return lf, nil
	}
	now := ix.env.Clock.Now().Unix()
	if indexID == 0 {
		indexID = uint32(now)
	}
	h := LogHeader{Major: LogMajor, Minor: LogMinor, HdrSize: LogHeaderSize, IndexID: indexID,
		FileSeq: 1, CreateStamp: uint32(now), InitialModseq: 1, CompatFlags: compatLittleEndian}
	if from != nil && from.seq != 0 {
		h.FileSeq, h.PrevFileSeq, h.PrevFileOffset = from.seq+1, from.seq, uint32(from.offset)
	}
	if rotate {
		ix.linkLog2(path)
	} else if old, err := vfs.ReadFile(ix.env.FS, path); err == nil {
		if oh, err := ParseLogHeader(old); err == nil && oh.FileSeq >= h.FileSeq {
			h.FileSeq = oh.FileSeq + 1 // sequences keep growing
		}
	}
	for _, lf := range []*logFile{prev, ix.head} {
		if lf != nil && lf.hdr.FileSeq >= h.FileSeq {
			h.FileSeq = lf.hdr.FileSeq + 1
		}
	}
	if err := l.Replace(h.Marshal(), ix.env.Settings.MailFsync == mailstore.FsyncAlways); err != nil {
		return nil, fmt.Errorf("create log: %w", err)
	}
	return ix.openLog(path)
}

// recreatedMeanwhile reopens the head if, once we hold .newlock, it is no
// longer the one we meant to replace (someone else created, rotated or
// reset it). With no prev, any valid log will do.
func (ix *Index) recreatedMeanwhile(path string, prev *logFile) *logFile {
	if ix.env.Settings.MailNFSIndex {
		ix.flushAttrCache(path)
	}
	fi, err := ix.env.FS.Stat(path)
	if errors.Is(err, fs.ErrNotExist) || err != nil {
		return nil
	}
	ino := vfs.StatOf(fi).Ino
	if prev == nil {
		if lf, err := ix.openLog(path); err == nil {
			return lf // a valid log appeared
		}
		return nil
	}
	if ino == prev.ino {
		return nil
	}
	if prev.locked {
		ix.errorf("Transaction log %s was recreated while we had it locked - locking is broken (lock_method=%s)",
			path, ix.env.Settings.LockMethod)
	}
	if lf, err := ix.openLog(path); err == nil {
		return lf
	}
	return nil
}

// linkLog2 keeps the rotated head as .log.2 (errors are logged, ignored).
func (ix *Index) linkLog2(path string) {
	p2 := path + ".2"
	if err := ix.env.FS.Remove(p2); err != nil && !errors.Is(err, fs.ErrNotExist) {
		ix.errorf("unlink(%s) failed: %s", p2, mailstore.Strerror(err))
	}
	if err := vfs.Link(ix.env.FS, path, p2); err != nil && !errors.Is(err, fs.ErrNotExist) {
		ix.errorf("link(%s, %s) failed: %s", path, p2, mailstore.Strerror(err))
	}
}

// wantRotate: head > 1 MiB, or > 32 KiB and older than 5 minutes.
func (ix *Index) wantRotate() bool {
	h := ix.head
	if h.syncOffset > rotateMaxSize {
		return true
	}
	age := ix.env.Clock.Now().Unix() - int64(h.hdr.CreateStamp)
	return h.syncOffset > rotateMinSize && age > int64(rotateMinAge.Seconds())
}

// rotate replaces the locked head with a new log (seq+1) and moves the
// lock to it.
func (ix *Index) rotate() error {
	old := ix.head
	lf, err := ix.createLog(old.hdr.IndexID, old, true, &logPos{old.hdr.FileSeq, old.syncOffset})
	if err != nil {
		return err
	}
	if err := ix.lockLog(lf); err != nil {
		lf.close()
		return err
	}
	if lf.hdr.PrevFileSeq == old.hdr.FileSeq && ix.logSeq == old.hdr.FileSeq {
		ix.logSeq, ix.logOffset = lf.hdr.FileSeq, int64(lf.hdr.HdrSize)
	}
	old.close()
	ix.head = lf
	ix.sawLog(lf)
	ix.m.Hdr.Log2RotateTime = uint32(ix.env.Clock.Now().Unix())
	ix.recreate = true
	return nil
}
