package engine

import (
	"fmt"
	"io"
	"time"

	"sluice/engine/internal/segment"
)

// TruncateTo removes every record at or after offset (follower truncation
// to the leader's epoch end). The batch holding offset goes as a whole, so
// the new log end may be below offset when offset is not a batch boundary.
// Segments after it are deleted; the one holding it is cut, or, if readers
// hold ranges of it, replaced by a copy of its kept prefix so that their
// bytes stay unchanged. The leader-epoch cache and the producer state are
// truncated too. offset below the log start empties the log and restarts
// it at offset.
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
		return nil
	}
	if offset < l.logStart.Load() || offset <= l.mu.segs[0].Base() {
		return l.truncateFullyLocked(offset, cfg)
	}
	// Drop whole segments at or after offset.
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
		l.mu.segs[len(l.mu.segs)-1] = ns
		s = ns
	} else if _, err := s.TruncateTo(offset, cfg.IndexIntervalBytes); err != nil {
		return l.storageErr("truncate", err)
	}
	if err := s.Preallocate(); err != nil {
		return l.storageErr("truncate", err)
	}
	return l.afterTruncateLocked(s.Next())
}

// afterTruncateLocked resets the offsets, the epoch cache and the producer
// state to a new log end.
// REQUIRES: l.mu held.
func (l *Log) afterTruncateLocked(leo int64) error {
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
	gone := append([]*segment.Segment(nil), l.mu.segs...)
	// Remove first: the new segment may reuse the base offset (file name).
	l.mu.segs = nil
	if err := l.removeSegmentsLocked(gone); err != nil {
		return err
	}
	s, err := segment.Create(l.eng.fs, l.path, offset, cfg.SegmentIndexBytes, "", l.eng.opts.Now())
	if err != nil {
		return l.storageErr("truncate", err)
	}
	l.mu.segs = []*segment.Segment{s}
	l.logStart.Store(offset)
	l.hw.Store(offset)
	l.mu.epochs.entries = nil
	_ = l.writeEpochsLocked()
	l.deleteSnapshotsBeforeLocked(1<<63 - 1)
	return l.afterTruncateLocked(offset)
}

// copyPrefixLocked writes the batches of s below offset to a new segment
// (same base) and swaps it in: s is renamed .deleted and stays readable
// for its current readers.
// REQUIRES: l.mu held.
func (l *Log) copyPrefixLocked(s *segment.Segment, offset int64, cfg *TopicConfig) (*segment.Segment, error) {
	pos, _, ok, err := s.Find(offset)
	if err != nil {
		return nil, err
	}
	if !ok {
		pos = s.Size()
	}
	ns, err := segment.Create(l.eng.fs, l.path, s.Base(), cfg.SegmentIndexBytes, segment.CleanedSuffix, time.Now())
	if err != nil {
		return nil, err
	}
	buf := make([]byte, 1<<20)
	for at := int64(0); at < pos; {
		n := min(int64(len(buf)), pos-at)
		if _, err := s.ReadAt(buf[:n], at); err != nil && err != io.EOF {
			ns.Release()
			return nil, err
		}
		if _, err := ns.File().WriteAt(buf[:n], at); err != nil {
			ns.Release()
			return nil, err
		}
		at += n
	}
	if _, err := ns.Scan(false, s.Base(), cfg.IndexIntervalBytes, nil); err != nil {
		ns.Release()
		return nil, err
	}
	if err := ns.Sync(); err != nil {
		ns.Release()
		return nil, err
	}
	if err := l.removeSegmentsLocked([]*segment.Segment{s}); err != nil {
		ns.Release()
		return nil, err
	}
	if err := ns.Rename(""); err != nil {
		return nil, err
	}
	return ns, nil
}
