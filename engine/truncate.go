package engine

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"sluice/engine/internal/checkpoint"
	"sluice/engine/internal/segment"
)

// Truncation (TruncateTo) is crash-safe by an intent record:
//
//  1. "truncate.pending" ("<offset> partial|full") is written and made
//     durable (tmp file, fsync, rename, directory fsync) before anything is
//     cut;
//  2. the segments at or after the offset are renamed .deleted, and the
//     segment holding it is cut in place and fsynced, or, when readers hold
//     ranges of it, replaced by a copy of its kept prefix renamed over it
//     (the readers keep the old file open, so their bytes do not change);
//  3. the directory is fsynced, the intent removed, the directory fsynced
//     again, and only then are appends let in.
//
// A crash before 1 is durable leaves the log uncut; after, the next open
// finds the intent and completes the cut (applyTruncateIntent) before
// loading the log, so a crash anywhere recovers the synced log either
// uncut or cut at the offset, never with a gap below it.
const truncateIntentFile = "truncate.pending"

// TruncateTo removes every record at or after offset (follower truncation
// to the leader's epoch end). The batch holding offset goes as a whole, so
// the new log end may be below offset when offset is not a batch boundary.
// Segments after it are deleted; the one holding it is cut, or, if readers
// hold ranges of it, replaced by a copy of its kept prefix so that their
// bytes stay unchanged. The leader-epoch cache and the producer state are
// truncated too. offset below the log start empties the log and restarts
// it at offset. offset at or past the log end removes no record but still
// drops the leader-epoch cache entries starting at or after it (Kafka's
// truncateTo): a follower's epoch that it started as leader and never
// wrote to must not survive into its fetches.
func (l *Log) TruncateTo(offset int64) error {
	cfg := l.cfg.Load()
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.checkWritableLocked(); err != nil {
		return err
	}
	if offset < 0 {
		return fmt.Errorf("%w: cannot truncate %s to %d", ErrOffsetOutOfRange, l.name, offset)
	}
	if offset >= l.leo.Load() {
		if l.mu.epochs.truncateFromEnd(offset) {
			if err := l.writeEpochsLocked(); err != nil {
				return l.storageErr("leader-epoch-checkpoint", err)
			}
		}
		return nil
	}
	full := offset < l.logStart.Load() || offset <= l.mu.segs[0].Base()
	if err := l.writeTruncateIntent(offset, full); err != nil {
		return l.diskErr("truncate intent", err)
	}
	var err error
	if full {
		err = l.truncateFullyLocked(offset, cfg)
	} else {
		err = l.cutLocked(offset, cfg)
	}
	if err != nil {
		return err // the intent stays: the next open completes the cut
	}
	if err := l.dropTruncateIntent(); err != nil {
		return l.storageErr("truncate", err)
	}
	return l.afterTruncateLocked(l.active().Next())
}

// cutLocked cuts the log at the batch holding offset (offset is above the
// first segment's base).
// REQUIRES: l.mu held.
func (l *Log) cutLocked(offset int64, cfg *TopicConfig) error {
	n := len(l.mu.segs)
	for n > 1 && l.mu.segs[n-1].Base() >= offset {
		n--
	}
	if n < len(l.mu.segs) {
		gone := append([]*segment.Segment(nil), l.mu.segs[n:]...)
		l.mu.segs = l.mu.segs[:n]
		if err := l.removeSegmentsLocked(gone); err != nil {
			return err
		}
	}
	s := l.active()
	if s.Refs() > 1 {
		ns, err := l.copyPrefixLocked(s, offset, cfg)
		if err != nil {
			return l.storageErr("truncate", err)
		}
		ns.SetReservations(l.logDir().res)
		l.mu.segs[len(l.mu.segs)-1] = ns
		s.Detach()
		s.Release() // its readers keep the replaced file open
		s = ns
	} else if _, err := s.TruncateTo(offset, cfg.IndexIntervalBytes); err != nil {
		return l.storageErr("truncate", err)
	}
	if err := s.Sync(); err != nil {
		return l.storageErr("truncate", err)
	}
	if err := s.Preallocate(); err != nil {
		return l.storageErr("truncate", err)
	}
	return nil
}

// afterTruncateLocked resets the offsets, the epoch cache and the producer
// state to a new log end.
// REQUIRES: l.mu held.
func (l *Log) afterTruncateLocked(leo int64) error {
	l.mu.rewrites++
	l.leo.Store(leo)
	if l.hw.Load() > leo {
		l.hw.Store(leo)
	}
	if l.recoveryPoint.Load() > leo {
		l.recoveryPoint.Store(leo)
	}
	if l.flushed.Load() > leo {
		l.flushed.Store(leo)
	}
	if l.cleanerOffset.Load() > leo {
		l.cleanerOffset.Store(leo)
	}
	l.updateSizeLocked()
	if l.mu.epochs.truncateFromEnd(leo) {
		if err := l.writeEpochsLocked(); err != nil {
			return l.storageErr("leader-epoch-checkpoint", err)
		}
	}
	if err := l.rebuildProducersLocked(); err != nil {
		return l.storageErr("producer state", err)
	}
	l.eng.opts.Logger.Info("truncated log", "component", "engine", "partition", l.name, "logEndOffset", leo)
	return nil
}

// truncateFullyLocked deletes every segment and restarts the log at offset.
// REQUIRES: l.mu held.
func (l *Log) truncateFullyLocked(offset int64, cfg *TopicConfig) error {
	l.mu.rewrites++
	gone := append([]*segment.Segment(nil), l.mu.segs...)
	// Remove first: the new segment may reuse the base offset (file name).
	l.mu.segs = nil
	if err := l.removeSegmentsLocked(gone); err != nil {
		return err
	}
	s, err := segment.Create(l.eng.fs, l.dirPath(), offset, cfg.SegmentIndexBytes, "", l.eng.opts.Now())
	if err != nil {
		return l.storageErr("truncate", err)
	}
	s.SetReservations(l.logDir().res)
	l.mu.segs = []*segment.Segment{s}
	l.logStart.Store(offset)
	l.hw.Store(offset)
	l.mu.epochs.entries = nil
	if err := l.writeEpochsLocked(); err != nil {
		return l.storageErr("leader-epoch-checkpoint", err)
	}
	l.deleteSnapshotsBeforeLocked(1<<63 - 1)
	return nil
}

// copyPrefixLocked writes the batches of s below offset to a new segment
// (same base), fsyncs it and renames it over s's files: s stays readable,
// unchanged, through the files its readers hold open.
// REQUIRES: l.mu held.
func (l *Log) copyPrefixLocked(s *segment.Segment, offset int64, cfg *TopicConfig) (*segment.Segment, error) {
	pos, _, ok, err := s.Find(offset)
	if err != nil {
		return nil, err
	}
	if !ok {
		pos = s.Size()
	}
	ns, err := segment.Create(l.eng.fs, l.dirPath(), s.Base(), cfg.SegmentIndexBytes, segment.CleanedSuffix, l.eng.opts.Now())
	if err != nil {
		return nil, err
	}
	discard := func(err error) (*segment.Segment, error) {
		for _, p := range ns.Paths() {
			_ = l.eng.fs.Remove(p)
		}
		ns.Release()
		return nil, err
	}
	buf := make([]byte, 1<<20)
	for at := int64(0); at < pos; {
		n := min(int64(len(buf)), pos-at)
		if _, err := s.ReadAt(buf[:n], at); err != nil && err != io.EOF {
			return discard(err)
		}
		if _, err := ns.File().WriteAt(buf[:n], at); err != nil {
			return discard(err)
		}
		at += n
	}
	if _, err := ns.Scan(false, s.Base(), cfg.IndexIntervalBytes, nil); err != nil {
		return discard(err)
	}
	if err := ns.Sync(); err != nil {
		return discard(err)
	}
	if err := ns.Rename(""); err != nil {
		return discard(err)
	}
	return ns, nil
}

// writeTruncateIntent makes the intent to truncate at offset durable.
func (l *Log) writeTruncateIntent(offset int64, full bool) error {
	mode := "partial"
	if full {
		mode = "full"
	}
	return checkpoint.Write(l.eng.fs, filepath.Join(l.dirPath(), truncateIntentFile), []byte(strconv.FormatInt(offset, 10)+" "+mode+"\n"))
}

// dropTruncateIntent makes the finished cut durable, then removes the
// intent durably (a stale intent would cut appends made after it).
func (l *Log) dropTruncateIntent() error {
	fs := l.eng.fs
	if err := fs.SyncDir(l.dirPath()); err != nil {
		return err
	}
	if err := fs.Remove(filepath.Join(l.dirPath(), truncateIntentFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return fs.SyncDir(l.dirPath())
}

// readTruncateIntent returns a pending truncation of the partition dir.
func readTruncateIntent(l *Log) (offset int64, full, ok bool, err error) {
	data, err := checkpoint.Read(l.eng.fs, filepath.Join(l.dirPath(), truncateIntentFile))
	if errors.Is(err, os.ErrNotExist) {
		return 0, false, false, nil
	}
	if err != nil {
		return 0, false, false, err
	}
	f := strings.Fields(string(data))
	if len(f) != 2 || (f[1] != "full" && f[1] != "partial") {
		return 0, false, false, fmt.Errorf("%w: malformed %s %q", ErrCorruptLog, truncateIntentFile, data)
	}
	offset, err = strconv.ParseInt(f[0], 10, 64)
	if err != nil || offset < 0 {
		return 0, false, false, fmt.Errorf("%w: malformed %s %q", ErrCorruptLog, truncateIntentFile, data)
	}
	return offset, f[1] == "full", true, nil
}
