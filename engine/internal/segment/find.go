package segment

import (
	"sluice/engine/record"
)

// Find returns the position and header of the first batch whose last
// offset is >= target; ok is false when there is none.
func (s *Segment) Find(target int64) (pos int64, h record.Header, ok bool, err error) {
	_, pos = s.oidx.Lookup(target)
	for pos < s.size {
		h, err = s.headerAt(pos)
		if err != nil {
			return pos, h, false, err
		}
		if h.LastOffset() >= target {
			return pos, h, true, nil
		}
		pos += int64(h.Size())
	}
	return s.size, record.Header{}, false, nil
}

// floorBoundary returns the largest batch start position <= limit such
// that every batch before it ends at or before limit (limit <= Size).
func (s *Segment) floorBoundary(limit int64) (int64, error) {
	_, pos := s.oidx.FloorPosition(limit)
	for pos < limit {
		h, err := s.headerAt(pos)
		if err != nil {
			return pos, err
		}
		if pos+int64(h.Size()) > limit {
			return pos, nil
		}
		pos += int64(h.Size())
	}
	return pos, nil
}

// ReadRange returns the byte range of whole batches starting with the batch
// holding target, at most maxBytes long (or the first batch alone when
// minOne and it is larger), holding only batches entirely below maxOffset.
// length is 0 when there is nothing to read. next is the offset to read
// after the range: the base offset of the first batch not included (the
// segment's Next when the range reaches its end).
func (s *Segment) ReadRange(target, maxBytes, maxOffset int64, minOne bool) (pos, length, next int64, err error) {
	start, h, ok, err := s.Find(target)
	if err != nil || !ok || h.LastOffset() >= maxOffset {
		return start, 0, target, err
	}
	limit := s.size
	if maxOffset < s.next {
		lp, _, found, err := s.Find(maxOffset)
		if err != nil {
			return start, 0, target, err
		}
		if found {
			limit = lp
		}
	}
	end := limit
	if maxBytes < limit-start {
		if end, err = s.floorBoundary(start + maxBytes); err != nil {
			return start, 0, target, err
		}
	}
	if end <= start {
		if !minOne {
			return start, 0, target, nil
		}
		end = start + int64(h.Size())
	}
	next = s.next
	if end < s.size {
		nh, err := s.headerAt(end)
		if err != nil {
			return start, 0, target, err
		}
		next = nh.BaseOffset
	}
	return start, end - start, next, nil
}

// TimestampScanStart returns the position from which to scan for the first
// batch with a max timestamp >= ts.
func (s *Segment) TimestampScanStart(ts int64) int64 {
	off, ok := s.tidx.Before(ts)
	if !ok {
		return 0
	}
	_, pos := s.oidx.Lookup(off + 1)
	return pos
}

// HeaderAt reads the batch header at pos (pos must be a batch boundary
// below Size).
func (s *Segment) HeaderAt(pos int64) (record.Header, error) { return s.headerAt(pos) }

// ReadAt reads bytes of the .log (within Size).
func (s *Segment) ReadAt(b []byte, pos int64) (int, error) { return s.log.ReadAt(b, pos) }

// TruncateTo removes every batch whose last offset is >= offset (the batch
// holding offset goes too) and rebuilds the indexes. It reports whether
// anything was removed.
func (s *Segment) TruncateTo(offset int64, interval int32) (bool, error) {
	pos, _, ok, err := s.Find(offset)
	if err != nil || !ok {
		return false, err
	}
	if err := s.log.Truncate(pos); err != nil {
		return false, err
	}
	s.dropReserved()
	s.size = pos
	_, err = s.Scan(false, s.base, interval, nil)
	return true, err
}

// Position returns the position a new batch would be written at.
func (s *Segment) Position() int64 { return s.size }
