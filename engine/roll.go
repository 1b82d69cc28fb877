package engine

import (
	"math/rand/v2"
	"path/filepath"
	"time"

	"sluice/engine/internal/segment"
)

// rollLocked seals the active segment (its indexes written, trimmed and
// fsynced), starts a new one at the log end and snapshots the producer
// state at that offset.
// REQUIRES: l.mu held.
func (l *Log) rollLocked(cfg *TopicConfig, nowMs int64) error {
	old := l.active()
	leo := l.leo.Load()
	if old.Empty() && old.Base() == leo {
		return nil
	}
	// A failure before the new segment is in place leaves the old one
	// active (its reservation released, its indexes rewritten next time).
	if err := old.WriteIndexes(false); err != nil {
		return l.diskErr("roll", err)
	}
	s, err := segment.Create(l.eng.fs, l.dirPath(), leo, cfg.SegmentIndexBytes, "", time.UnixMilli(nowMs))
	if err != nil {
		return l.diskErr("roll", err)
	}
	s.SetReservations(l.logDir().res)
	l.mu.segs = append(l.mu.segs, s)
	l.dirDirty.Store(true)
	l.rolled.Store(true)
	l.mu.rollJitter = 0
	if cfg.SegmentJitterMs > 0 {
		l.mu.rollJitter = rand.Int64N(min(cfg.SegmentJitterMs, cfg.SegmentMs))
	}
	if err := l.writeSnapshotLocked(leo); err != nil {
		if !isNoSpace(err) {
			return l.storageErr("producer snapshot", err)
		}
		// The snapshot only shortens the replay on open; the roll stands.
		l.eng.markFull(l.logDir(), err)
		l.eng.opts.Logger.Warn("producer snapshot not written: no space", "component", "engine", "partition", l.name,
			"offset", leo, "err", err)
	}
	l.eng.opts.Logger.Debug("rolled segment", "component", "engine", "partition", l.name, "base", leo)
	return nil
}

// removeSegmentsLocked takes segments out of service: their files get the
// .deleted suffix at once and are removed after file.delete.delay.ms; the
// open file stays readable for readers holding references.
// REQUIRES: l.mu held; segs are no longer in l.mu.segs.
func (l *Log) removeSegmentsLocked(segs []*segment.Segment) error {
	delay := time.Duration(l.cfg.Load().FileDeleteDelayMs) * time.Millisecond
	var firstErr error
	for _, s := range segs {
		s.Detach()
		if err := s.Rename(segment.DeletedSuffix); err != nil && firstErr == nil {
			firstErr = l.storageErr("rename to .deleted", err)
		}
		l.eng.scheduleDelete(s.Paths(), delay)
		s.Release()
	}
	l.updateSizeLocked()
	return firstErr
}

// snapshotPath is "<dir>/<20-digit offset>.snapshot".
func (l *Log) snapshotPath(offset int64) string {
	return filepath.Join(l.dirPath(), segment.FileName(offset, snapshotSuffix))
}
