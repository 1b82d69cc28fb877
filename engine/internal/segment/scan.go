package segment

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"sluice/engine/internal/index"
	"sluice/engine/record"
)

// ScanFunc is told about every valid batch found by Scan or Load's tail
// scan, in order: its header and position.
type ScanFunc func(h *record.Header, pos int64)

const scanChunk = 1 << 20

// Scan walks the whole .log batch by batch, rebuilding the indexes and
// the segment's offsets and timestamps. It stops at the first torn or
// invalid batch (bad length, magic, CRC when checkCRC, offsets going
// backwards or below minOffset, offsets not fitting the segment) and
// truncates the file there; truncated is the number of bytes cut. An error
// is returned only for I/O failures.
func (s *Segment) Scan(checkCRC bool, minOffset int64, interval int32, fn ScanFunc) (truncated int64, err error) {
	return s.scan(checkCRC, minOffset, math.MaxInt64, interval, fn, true)
}

// Recover is the scan of recovery: Scan with CRCs checked, and batches
// whose offsets reach limit (the next segment's base) counted as bad too.
func (s *Segment) Recover(minOffset, limit int64, interval int32, fn ScanFunc) (truncated int64, err error) {
	return s.scan(true, minOffset, limit, interval, fn, true)
}

// scan is Scan bounded by limit; with cut false it leaves the file whole
// and returns the number of bytes from the first bad batch to the end (the
// caller decides).
func (s *Segment) scan(checkCRC bool, minOffset, limit int64, interval int32, fn ScanFunc, cut bool) (truncated int64, err error) {
	if err := s.releaseReserved(); err != nil {
		return 0, err
	}
	st, err := s.log.Stat()
	if err != nil {
		return 0, err
	}
	fileSize := st.Size()
	s.resetState()
	var (
		buf  = make([]byte, 0, min(scanChunk, max(fileSize, record.LogOverhead)))
		pos  int64 // file position of buf[0]
		prev = minOffset - 1
	)
	if prev < s.base-1 {
		prev = s.base - 1
	}
	for {
		at := s.size - pos // start of the next batch within buf
		if int64(len(buf))-at < record.LogOverhead || int64(len(buf))-at < int64(batchLen(buf[at:])) {
			// Refill: keep the unread tail, read more.
			rest := copy(buf[:cap(buf)], buf[at:])
			pos = s.size
			need := int(min(scanChunk, fileSize-pos))
			if rest >= record.LogOverhead {
				if l := batchLen(buf[:rest]); l > need && int64(l) <= fileSize-pos {
					need = l
				}
			}
			if cap(buf) < need {
				nb := make([]byte, rest, need)
				copy(nb, buf[:rest])
				buf = nb
			}
			buf = buf[:cap(buf)]
			want := min(int64(len(buf)-rest), fileSize-pos-int64(rest))
			n := 0
			if want > 0 {
				n, err = s.log.ReadAt(buf[rest:rest+int(want)], pos+int64(rest))
				if err != nil && !errors.Is(err, io.EOF) {
					return 0, err
				}
				err = nil
			}
			buf = buf[:rest+n]
			at = 0
			if n == 0 {
				break
			}
		}
		batch, _, berr := record.NextBatch(buf[at:])
		if berr != nil {
			break
		}
		h, herr := record.ParseHeader(batch)
		if herr != nil || !offsetsSane(&h) || h.BaseOffset <= prev || !s.FitsOffsets(h.LastOffset()) || h.LastOffset() >= limit ||
			(checkCRC && !record.CRCValid(batch)) {
			break
		}
		p := s.size
		s.indexBatch(p, int64(len(batch)), &Batch{BaseOffset: h.BaseOffset, LastOffset: h.LastOffset(), MaxTimestamp: h.MaxTimestamp}, interval)
		prev = h.LastOffset()
		if fn != nil {
			fn(&h, p)
		}
	}
	if s.size < fileSize {
		if !cut {
			return fileSize - s.size, nil
		}
		if err := s.log.Truncate(s.size); err != nil {
			return 0, err
		}
		return fileSize - s.size, nil
	}
	return 0, nil
}

// offsetsSane: the last offset delta is not negative and base + delta does
// not overflow.
func offsetsSane(h *record.Header) bool {
	return h.LastOffsetDelta >= 0 && h.LastOffset() >= h.BaseOffset
}

func batchLen(b []byte) int {
	if len(b) < record.LogOverhead {
		return record.LogOverhead
	}
	return record.LogOverhead + int(int32(binary.BigEndian.Uint32(b[8:])))
}

func (s *Segment) resetState() {
	s.oidx = index.NewOffsetIndex(s.base)
	s.tidx = index.NewTimeIndex(s.base)
	s.size, s.next, s.maxTs, s.maxTsOff, s.firstTs, s.sinceIndex = 0, s.base, -1, -1, -1, 0
}

// LoadReport says what Load found wrong.
type LoadReport struct {
	// Corrupt is set when a batch failed the checks; CorruptAt is its
	// position and CorruptBytes the bytes from it to the end.
	Corrupt      bool
	CorruptAt    int64
	CorruptBytes int64
	// Cut is set when those bytes were cut off (the last segment, see
	// Load).
	Cut bool
}

// Load builds the segment's state after a clean shutdown: the index files
// are read and checked (limit bounds their offsets: the next segment's base
// or MaxInt64 for the last segment), then the batches after the last index
// entry are walked by header. A failed check falls back to a full scan
// (rebuilding the indexes). When that scan finds a bad batch, a segment
// that is not the last is left whole, its next offset set to limit, so
// that reads reach the bad batch and fail there instead of skipping its
// offsets; the last segment is cut there, as recovery would. fn sees the
// batches of the tail walk (or of the scan).
func (s *Segment) Load(limit int64, interval int32, fn ScanFunc) (LoadReport, error) {
	size := s.size
	ok := s.loadIndexes(limit, size)
	if ok {
		s.size = size
		_, pos := s.oidx.Lookup(math.MaxInt64)
		s.next = s.base
		if n := s.oidx.Len(); n > 0 {
			off, _ := s.oidx.Entry(n - 1)
			s.next = off
		}
		if ts, off, has := s.tidx.Last(); has {
			s.maxTs, s.maxTsOff = ts, off
		}
		s.sinceIndex = size - pos
		if h, err := s.headerAt(0); err == nil && size > 0 {
			s.firstTs = h.MaxTimestamp
		}
		for pos < size {
			h, err := s.headerAt(pos)
			if err != nil || pos+int64(h.Size()) > size || h.BaseOffset < s.next || !offsetsSane(&h) ||
				!s.FitsOffsets(h.LastOffset()) || h.LastOffset() >= limit {
				ok = false
				break
			}
			if h.MaxTimestamp > s.maxTs {
				s.maxTs, s.maxTsOff = h.MaxTimestamp, h.LastOffset()
			}
			s.next = h.LastOffset() + 1
			if fn != nil {
				fn(&h, pos)
			}
			pos += int64(h.Size())
		}
	}
	if ok {
		return LoadReport{}, nil
	}
	s.size = size
	last := limit == math.MaxInt64
	bad, err := s.scan(false, s.base, limit, interval, fn, last)
	if err != nil || bad == 0 {
		return LoadReport{}, err
	}
	rep := LoadReport{Corrupt: true, CorruptAt: s.size, CorruptBytes: bad, Cut: last}
	if !last {
		s.size, s.next = size, limit
	}
	return rep, nil
}

func (s *Segment) loadIndexes(limit, size int64) bool {
	odata, err1 := s.readFile(IndexSuffix)
	tdata, err2 := s.readFile(TimeIndexSuffix)
	if err1 != nil || err2 != nil {
		return false
	}
	oidx, err := index.ParseOffsetIndex(odata, s.base, limit, size)
	if err != nil {
		return false
	}
	tidx, err := index.ParseTimeIndex(tdata, s.base, limit)
	if err != nil {
		return false
	}
	s.oidx, s.tidx = oidx, tidx
	return true
}

func (s *Segment) readFile(suffix string) ([]byte, error) {
	f, err := s.fs.OpenFile(s.path(suffix), os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() > 1<<31 {
		return nil, fmt.Errorf("%w: index too large", ErrCorrupt)
	}
	b := make([]byte, st.Size())
	n, err := f.ReadAt(b, 0)
	if n == len(b) {
		err = nil
	}
	return b, err
}

// headerAt reads the batch header at pos. It may run concurrently (the
// cleaner reads sealed segments without the owner's lock), so the buffer
// is its own.
func (s *Segment) headerAt(pos int64) (record.Header, error) {
	var buf [hdrBuf]byte
	b := buf[:]
	if pos+record.HeaderSize > s.size {
		return record.Header{}, fmt.Errorf("%w: short batch header at %d", ErrCorrupt, pos)
	}
	if _, err := s.log.ReadAt(b, pos); err != nil {
		return record.Header{}, err
	}
	h, err := record.ParseHeader(b)
	if err != nil {
		return h, fmt.Errorf("%w: at %d: %v", ErrCorrupt, pos, err)
	}
	if h.Length < record.HeaderSize-record.LogOverhead || pos+int64(h.Size()) > s.size {
		return h, fmt.Errorf("%w: bad length %d at %d", ErrCorrupt, h.Length, pos)
	}
	return h, nil
}
