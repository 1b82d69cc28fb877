package engine

import (
	"errors"
	"fmt"
	"path/filepath"

	"sluice/engine/internal/segment"
	"sluice/engine/record"
)

// Corruption is never skipped silently (the checks: package segment,
// find.go). A read that meets a bad batch header returns the good batches
// before it; the next read, which starts at the bad one, fails with
// ErrCorruptRead (CORRUPT_MESSAGE), is logged at ERROR with the file and
// position, and counted (Engine.CorruptReads). Recovery that cuts a log
// logs at ERROR what it dropped: the offsets, bytes and segments. A
// non-last segment found corrupt when loading after a clean shutdown is
// kept whole (reads fail at the bad batch) rather than cut, which would
// leave a gap before the next segment.

// CorruptReads is the number of reads that failed on a corrupt segment.
func (e *Engine) CorruptReads() int64 { return e.corruptReads.Load() }

// corruptRead logs and counts a read that met a corrupt batch header and
// wraps the error for the client.
func (l *Log) corruptRead(offset int64, err error) error {
	l.eng.corruptReads.Add(1)
	var ce *segment.CorruptError
	if errors.As(err, &ce) {
		l.eng.opts.Logger.Error("corrupt log segment: read stopped", "component", "engine", "partition", l.name,
			"offset", offset, "file", ce.File, "position", ce.Pos, "reason", ce.Reason)
		return fmt.Errorf("%w: %s at offset %d: %s at position %d: %s", ErrCorruptRead, l.name, offset, filepath.Base(ce.File), ce.Pos, ce.Reason)
	}
	l.eng.opts.Logger.Error("corrupt log segment: read stopped", "component", "engine", "partition", l.name,
		"offset", offset, "err", err)
	return fmt.Errorf("%w: %s at offset %d: %v", ErrCorruptRead, l.name, offset, err)
}

// logRecoveryCut reports what recovery dropped: the bytes of s from its
// first bad batch on (cut of them) and the segments after it.
func (l *Log) logRecoveryCut(s *segment.Segment, cut int64, later []int64) {
	first := s.Next()
	bytes, last := cut, int64(-1)
	for _, b := range later {
		n, lastOff := segmentExtent(l, b)
		bytes += n
		last = max(last, lastOff)
	}
	args := []any{"component", "engine", "partition", l.name, "segment", filepath.Join(l.dirPath(), segment.FileName(s.Base(), segment.LogSuffix)),
		"position", s.Size(), "first_dropped_offset", first, "bytes", bytes, "later_segments_dropped", later}
	if last >= first {
		args = append(args, "last_dropped_offset", last)
	}
	l.eng.opts.Logger.Error("recovery cut the log at a torn or corrupt batch: the offsets from first_dropped_offset on are gone", args...)
}

// logLoadCorruption reports a corrupt batch found when loading a segment
// after a clean shutdown.
func (l *Log) logLoadCorruption(s *segment.Segment, rep segment.LoadReport) {
	file := filepath.Join(l.dirPath(), segment.FileName(s.Base(), segment.LogSuffix))
	if rep.Cut {
		l.eng.opts.Logger.Error("corrupt tail of the last segment cut after a clean shutdown", "component", "engine",
			"partition", l.name, "segment", file, "position", rep.CorruptAt, "bytes", rep.CorruptBytes, "first_dropped_offset", s.Next())
		return
	}
	l.eng.opts.Logger.Error("corrupt log segment kept whole: reads past the bad batch will fail", "component", "engine",
		"partition", l.name, "segment", file, "position", rep.CorruptAt, "bytes", rep.CorruptBytes)
}

// segmentExtent reads a segment about to be dropped leniently (headers
// only, stopping at the first that does not parse): its size and the last
// offset it holds (-1 if none).
func segmentExtent(l *Log, base int64) (size, last int64) {
	s, err := segment.Open(l.eng.fs, l.dirPath(), base, 0, l.eng.opts.Now())
	if err != nil {
		return 0, -1
	}
	defer s.Release()
	size, last = s.Size(), -1
	for pos := int64(0); pos+record.HeaderSize <= size; {
		var buf [record.HeaderSize]byte
		if _, err := s.ReadAt(buf[:], pos); err != nil {
			break
		}
		h, err := record.ParseHeader(buf[:])
		if err != nil || h.LastOffsetDelta < 0 || pos+int64(h.Size()) > size {
			break
		}
		last = max(last, h.LastOffset())
		pos += int64(h.Size())
	}
	return size, last
}
