package engine

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync/atomic"

	"sluice/engine/internal/segment"
	"sluice/engine/record"
)

// ReadResult is the answer to Read: byte ranges of segment files aligned to
// batch boundaries, for sendfile(2). The ranges hold references on their
// segments: they stay valid (file open, bytes unchanged) until Release,
// even if retention, compaction or truncation removes the segment.
type ReadResult struct {
	Ranges []FileRange
	Size   int64
	// NextOffset is where the next read continues: the base offset of the
	// first batch not returned (the requested offset when nothing was).
	NextOffset int64

	segs     []*segment.Segment
	released atomic.Bool
}

// Release drops the segment references; the ranges must not be used after.
// It is safe to call more than once.
func (r *ReadResult) Release() {
	if r == nil || !r.released.CompareAndSwap(false, true) {
		return
	}
	for _, s := range r.segs {
		s.Release()
	}
}

// AppendTo appends the ranges' bytes to dst (the copying path).
func (r *ReadResult) AppendTo(dst []byte) ([]byte, error) {
	if r.released.Load() {
		return dst, fmt.Errorf("%w: read result already released", ErrClosed)
	}
	for _, fr := range r.Ranges {
		n := len(dst)
		dst = slices.Grow(dst, int(fr.Length))[:n+int(fr.Length)]
		if _, err := fr.File.ReadAt(dst[n:], fr.Offset); err != nil {
			return dst[:n], fmt.Errorf("%w: read: %v", ErrStorage, err)
		}
	}
	return dst, nil
}

// Read returns the batches starting with the one holding offset, at most
// maxBytes (or one whole batch when o.MinOneBatch), only batches wholly
// below o.MaxOffset (-1: the log end). offset must be within [log start,
// log end], else ErrOffsetOutOfRange. Reading at the end returns an empty
// result. The caller must Release the result.
//
// Log.mu is held only to pick the segment and take a view of it; the batch
// headers are read from the file without it, so a read that misses the
// page cache does not hold up the partition's appends. Every header read
// over is checked (segment.View): a corrupt one ends the result before it,
// or, when it is the first, fails the read with ErrCorruptRead.
func (l *Log) Read(offset int64, maxBytes int32, o ReadOptions) (*ReadResult, error) {
	l.mu.Lock()
	if l.mu.closed {
		l.mu.Unlock()
		return nil, ErrClosed
	}
	leo, start := l.leo.Load(), l.logStart.Load()
	if offset < start || offset > leo {
		l.mu.Unlock()
		return nil, fmt.Errorf("%w: offset %d is outside [%d, %d] of %s", ErrOffsetOutOfRange, offset, start, leo, l.name)
	}
	maxOff := o.MaxOffset
	if maxOff < 0 || maxOff > leo {
		maxOff = leo
	}
	res := &ReadResult{NextOffset: offset}
	if offset >= maxOff {
		l.mu.Unlock()
		return res, nil
	}
	segs := l.mu.segs
	i := sort.Search(len(segs), func(i int) bool { return segs[i].Base() > offset }) - 1
	var (
		s    *segment.Segment
		view segment.View
	)
	for i = max(i, 0); i < len(segs); i++ {
		if segs[i].Next() > offset {
			s = segs[i]
			break
		}
	}
	if s != nil {
		s.Acquire()
		view = s.View()
	}
	l.mu.Unlock()
	if s == nil {
		return res, nil
	}
	pos, n, next, err := view.ReadRange(offset, int64(maxBytes), maxOff, o.MinOneBatch)
	if err != nil {
		s.Release()
		if errors.Is(err, segment.ErrCorrupt) {
			return nil, l.corruptRead(offset, err)
		}
		return nil, fmt.Errorf("%w: read %s at %d: %v", ErrStorage, l.name, offset, err)
	}
	if n == 0 {
		s.Release()
		return res, nil
	}
	res.segs = []*segment.Segment{s}
	res.Ranges = []FileRange{{File: s.File(), Offset: pos, Length: n}}
	res.Size = n
	res.NextOffset = next
	return res, nil
}

// OffsetForTimestamp returns the first offset whose record timestamp is >=
// ts (ListOffsets by time), with that record's timestamp and the batch's
// leader epoch.
func (l *Log) OffsetForTimestamp(ts int64) (OffsetAndTimestamp, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	start := l.logStart.Load()
	for _, s := range l.mu.segs {
		if mts, _ := s.MaxTimestamp(); mts < ts || s.Next() <= start {
			continue
		}
		pos := s.TimestampScanStart(ts)
		for pos < s.Size() {
			h, err := s.HeaderAt(pos)
			if err != nil {
				return OffsetAndTimestamp{}, false
			}
			if h.MaxTimestamp >= ts && h.LastOffset() >= start {
				if r, ok := l.findRecordLocked(s, pos, &h, func(off, rts int64) bool { return off >= start && rts >= ts }); ok {
					return r, true
				}
			}
			pos += int64(h.Size())
		}
	}
	return OffsetAndTimestamp{}, false
}

// MaxTimestamp returns the record with the largest timestamp (ListOffsets
// MAX_TIMESTAMP, KIP-734); the earliest one on ties.
func (l *Log) MaxTimestamp() (OffsetAndTimestamp, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var best *segment.Segment
	bestTs := int64(-1)
	for _, s := range l.mu.segs {
		if ts, _ := s.MaxTimestamp(); ts > bestTs {
			best, bestTs = s, ts
		}
	}
	if best == nil {
		return OffsetAndTimestamp{}, false
	}
	_, off := best.MaxTimestamp()
	pos, h, ok, err := best.Find(off)
	if err != nil || !ok {
		return OffsetAndTimestamp{}, false
	}
	return l.findRecordLocked(best, pos, &h, func(_, rts int64) bool { return rts == bestTs })
}

// findRecordLocked reads the batch at pos and returns its first record
// matching match(offset, timestamp).
// REQUIRES: l.mu held.
func (l *Log) findRecordLocked(s *segment.Segment, pos int64, h *record.Header, match func(off, ts int64) bool) (OffsetAndTimestamp, bool) {
	buf := make([]byte, h.Size())
	if _, err := s.ReadAt(buf, pos); err != nil {
		return OffsetAndTimestamp{}, false
	}
	var out OffsetAndTimestamp
	found := false
	stop := fmt.Errorf("found")
	_ = l.mu.validator.ForEachRecord(buf, func(r *record.Record) error {
		ts := r.Timestamp
		if h.LogAppendTime() {
			ts = h.MaxTimestamp
		}
		off := h.BaseOffset + int64(r.OffsetDelta)
		if match(off, ts) {
			out, found = OffsetAndTimestamp{Offset: off, Timestamp: ts, LeaderEpoch: h.PartitionLeaderEpoch}, true
			return stop
		}
		return nil
	})
	return out, found
}
