package segment

import (
	"fmt"
	"io"
	"math"
	"os"

	"sluice/engine/internal/index"
	"sluice/engine/record"
)

const hdrBuf = record.HeaderSize

// Batch is what the segment needs to know of an appended batch.
type Batch struct {
	BaseOffset, LastOffset int64
	MaxTimestamp           int64
}

// FitsOffsets reports whether a batch with this last offset can go in the
// segment (relative offsets are int32).
func (s *Segment) FitsOffsets(last int64) bool { return last >= s.base && last-s.base <= math.MaxInt32 }

// AppendOne writes one whole batch (data) with one pwrite at the
// segment's end and indexes it. On a write error the partial bytes are
// trimmed and the segment is unchanged; the trim error, if any, is joined.
func (s *Segment) AppendOne(data []byte, b Batch, interval int32) error {
	pos := s.size
	n, err := s.log.WriteAt(data, pos)
	if err == nil && n != len(data) {
		err = io.ErrShortWrite
	}
	if err != nil {
		if n > 0 {
			if terr := s.log.Truncate(pos); terr != nil {
				return fmt.Errorf("%w (%w: trimming the partial write also failed: %v)", err, ErrPartialWrite, terr)
			}
			s.dropReserved()
		}
		return err
	}
	s.consumed(pos, pos+int64(len(data)))
	s.indexBatch(pos, int64(len(data)), &b, interval)
	return nil
}

// indexBatch accounts for a batch written at pos.
func (s *Segment) indexBatch(pos, size int64, b *Batch, interval int32) {
	if s.sinceIndex > int64(interval) {
		s.oidx.Append(b.BaseOffset, pos)
		if s.maxTs >= 0 {
			s.tidx.MaybeAppend(s.maxTs, b.BaseOffset-1)
		}
		s.sinceIndex = 0
	}
	s.sinceIndex += size
	if pos == 0 {
		s.firstTs = b.MaxTimestamp
	}
	if b.MaxTimestamp > s.maxTs {
		s.maxTs, s.maxTsOff = b.MaxTimestamp, b.LastOffset
	}
	s.size = pos + size
	s.next = b.LastOffset + 1
}

// WriteIndexes writes both index files trimmed to their entries (adding the
// final time entry), fsyncs them, and, if keepPreallocated, re-extends
// them for further appends. Called on roll (seal) and close, it first
// releases the .log blocks reserved past its end (reserve.go).
func (s *Segment) WriteIndexes(keepPreallocated bool) error {
	if err := s.releaseReserved(); err != nil {
		return err
	}
	if s.maxTs >= 0 && s.next > s.base {
		s.tidx.MaybeAppend(s.maxTs, s.next-1)
	}
	for _, x := range []struct {
		suffix string
		data   []byte
		entry  int64
	}{{IndexSuffix, s.oidx.Bytes(), index.OffsetEntrySize}, {TimeIndexSuffix, s.tidx.Bytes(), index.TimeEntrySize}} {
		f, err := s.fs.OpenFile(s.path(x.suffix), os.O_CREATE|os.O_RDWR, 0o644)
		if err != nil {
			return err
		}
		if len(x.data) > 0 {
			_, err = f.WriteAt(x.data, 0)
		}
		if err == nil {
			size := int64(len(x.data))
			if keepPreallocated {
				size = int64(s.indexBytes) - int64(s.indexBytes)%x.entry
			}
			err = f.Truncate(size)
		}
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	return nil
}
