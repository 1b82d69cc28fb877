package engine

import (
	"errors"
	"fmt"

	"sluice/engine/internal/segment"
)

// applyRetention deletes whole segments that are below the log start
// offset, older than retention.ms or beyond retention.bytes (the latter
// two for cleanup.policy containing delete). Only segments wholly below
// the high watermark go. As in Kafka, an expired non-empty active segment
// below the high watermark is rolled first and then deleted. It reports
// whether the log start offset moved.
func (l *Log) applyRetention(nowMs int64) (bool, error) {
	cfg := l.cfg.Load()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.mu.closed || l.mu.deleted || !l.logDir().online.Load() {
		return false, nil
	}
	hw := l.hw.Load()
	start := l.logStart.Load()
	n := 0 // segments to delete, from the oldest
	size := l.size.Load()
	for n < len(l.mu.segs) {
		s := l.mu.segs[n]
		isActive := n == len(l.mu.segs)-1
		if s.Empty() && !isActive {
			n++ // emptied by the cleaner
			continue
		}
		if s.Empty() || s.Next() > hw {
			break
		}
		below := s.Next() <= start
		expired := false
		if cfg.CleanupPolicy.Delete() {
			if cfg.RetentionMs >= 0 {
				ts, _ := s.MaxTimestamp()
				if ts < 0 {
					ts = s.Created().UnixMilli()
				}
				expired = nowMs-ts > cfg.RetentionMs
			}
			if !expired && cfg.RetentionBytes >= 0 && !isActive && size-s.Size() >= cfg.RetentionBytes {
				expired = true
			}
		}
		if !below && !expired {
			break
		}
		size -= s.Size()
		n++
	}
	if n == 0 {
		return false, nil
	}
	var rollErr error
	if n == len(l.mu.segs) {
		// Out of space the roll may fail: the older segments go anyway.
		if rollErr = l.rollLocked(cfg, nowMs); rollErr != nil {
			n--
		}
	}
	moved, err := l.dropOldestLocked(n)
	return moved, errors.Join(rollErr, err)
}

// dropOldestLocked removes the n oldest segments (never the active one)
// and advances the log start offset to the first remaining batch.
// REQUIRES: l.mu held.
func (l *Log) dropOldestLocked(n int) (bool, error) {
	n = min(n, len(l.mu.segs)-1)
	if n <= 0 {
		return false, nil
	}
	gone := append([]*segment.Segment(nil), l.mu.segs[:n]...)
	l.mu.segs = append(l.mu.segs[:0:0], l.mu.segs[n:]...)
	newStart := max(l.logStart.Load(), l.mu.segs[0].Base())
	moved := l.setLogStartLocked(newStart)
	l.deleteSnapshotsBeforeLocked(l.mu.segs[0].Base())
	err := l.removeSegmentsLocked(gone)
	l.eng.opts.Logger.Info("deleted segments", "component", "engine", "partition", l.name, "count", n, "logStartOffset", newStart)
	return moved, err
}

// setLogStartLocked advances the log start offset (never backwards),
// trimming the leader-epoch cache.
// REQUIRES: l.mu held.
func (l *Log) setLogStartLocked(offset int64) bool {
	if offset <= l.logStart.Load() {
		return false
	}
	l.logStart.Store(offset)
	if l.hw.Load() < offset {
		l.hw.Store(offset)
	}
	if l.mu.epochs.truncateFromStart(offset) {
		_ = l.writeEpochsLocked()
	}
	return true
}

// DeleteRecordsBefore advances the log start offset to offset (DeleteRecords;
// -1 means the high watermark) and deletes the segments wholly below it.
// offset beyond the high watermark is ErrOffsetOutOfRange. It returns the
// new log start offset, which is checkpointed before returning.
func (l *Log) DeleteRecordsBefore(offset int64) (int64, error) {
	l.mu.Lock()
	if err := l.checkWritableLocked(); err != nil {
		l.mu.Unlock()
		return 0, err
	}
	hw := l.hw.Load()
	if offset == -1 {
		offset = hw
	}
	if offset < 0 || offset > hw {
		l.mu.Unlock()
		return 0, fmt.Errorf("%w: cannot delete records of %s before %d: high watermark is %d", ErrOffsetOutOfRange, l.name, offset, hw)
	}
	return l.advanceLogStartLocked(offset)
}

// advanceLogStartLocked moves the log start to offset (raising the high
// watermark to it if below), deletes the segments wholly below it, unlocks
// l.mu and checkpoints the dir.
// REQUIRES: l.mu held; it is released on return.
func (l *Log) advanceLogStartLocked(offset int64) (int64, error) {
	l.setLogStartLocked(offset)
	n := 0
	for n < len(l.mu.segs)-1 && l.mu.segs[n].Next() <= offset {
		n++
	}
	var err error
	if n > 0 {
		_, err = l.dropOldestLocked(n)
	}
	start := l.logStart.Load()
	l.mu.Unlock()
	if err != nil {
		return start, err
	}
	if err := l.eng.checkpointDir(l.logDir()); err != nil && !errors.Is(err, ErrDiskFull) {
		return start, err
	}
	// Out of space the log start offset is not yet checkpointed: a
	// restart before the next checkpoint may start the log at its first
	// segment's base again, below it but never above what was deleted.
	return start, nil
}
