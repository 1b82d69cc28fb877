package segment

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"

	"sluice/engine/internal/index"
	"sluice/engine/record"
)

// Reading checks every batch header it walks over, so that no corruption
// is skipped: a read either returns whole, consistent batches or fails
// with a *CorruptError naming the position. A batch header must lie
// within the segment, carry magic 2 and a length that fits the segment;
// its base offset must follow the previous batch's last offset (or be at
// least the segment's base for the first), equal the offset of an index
// entry pointing at it, and its last offset stay below the segment's next
// offset (the segment's last batch must end exactly there); no index
// entry may point inside a batch. A batch is served only once it is
// vouched for: by following its predecessor exactly, or, when its base
// offset leaves a gap (compaction), by a good header after it; an order
// violation puts both batches in doubt. The CRC is the client's to check
// (it covers everything after it); the partition leader epoch cannot be
// checked.

// CorruptError is a batch header that fails those checks.
type CorruptError struct {
	File   string
	Pos    int64
	Reason string
	// Order: the header's base offset does not follow the previous batch,
	// so either of the two may be the damaged one.
	Order bool
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("%v: %s at position %d: %s", ErrCorrupt, e.File, e.Pos, e.Reason)
}

// Unwrap returns ErrCorrupt.
func (e *CorruptError) Unwrap() error { return ErrCorrupt }

// View is what a reader needs of a segment: its size, next offset and
// offset index as they were when the view was taken (under the owner's
// lock, with a reference held). Its methods read the file without the
// owner's lock: the bytes below size do not change while the reference is
// held.
type View struct {
	s      *Segment
	size   int64
	next   int64
	oidx   index.OffsetIndex
	suffix string // the segment's file suffix when the view was taken
}

// file is the .log's path as of the view.
func (v *View) file() string {
	return filepath.Join(v.s.dir, FileName(v.s.base, LogSuffix+v.suffix))
}

// View takes a view of the segment.
// REQUIRES: the owner's lock.
func (s *Segment) View() View {
	return View{s: s, size: s.size, next: s.next, oidx: s.oidx.View(), suffix: s.suffix}
}

// Size is the segment's size when the view was taken.
func (v *View) Size() int64 { return v.size }

// ReadAt reads bytes of the .log (within Size).
func (v *View) ReadAt(b []byte, pos int64) (int, error) { return v.s.log.ReadAt(b, pos) }

// walker reads and checks batch headers from a position on. Small
// batches are read a window at a time (growing from 4 KiB to 64 KiB as the
// walk goes on), large ones a header at a time.
type walker struct {
	v     *View
	pos   int64 // position of the next batch
	lo    int64 // smallest base offset the next batch may have
	entry int   // next index entry to meet
	buf   *[]byte
	bpos  int64 // file position of (*buf)[0]
	blen  int   // valid bytes in buf
	win   int   // size of the next window
	small bool  // the last batch was small: read ahead a window
}

const maxWindow = 64 << 10

var windows = sync.Pool{New: func() any { b := make([]byte, maxWindow); return &b }}

func newWalker(v *View) *walker {
	return &walker{v: v, lo: v.s.base, small: true, bpos: -1, win: 4 << 10, buf: windows.Get().(*[]byte)}
}

// release returns the window buffer.
func (w *walker) release() { windows.Put(w.buf) }

// walkFrom starts at the index entry at or before target (or the
// segment's start).
func (v *View) walkFrom(target int64) *walker {
	w := newWalker(v)
	off, pos := v.oidx.Lookup(target)
	if pos > 0 {
		w.pos, w.lo = pos, off
	}
	w.entry = v.oidx.Search(w.pos)
	return w
}

func (w *walker) corrupt(pos int64, format string, args ...any) error {
	return &CorruptError{File: w.v.file(), Pos: pos, Reason: fmt.Sprintf(format, args...)}
}

// header reads and checks the batch header at w.pos; it does not advance.
func (w *walker) header() (record.Header, error) {
	pos := w.pos
	if pos+record.HeaderSize > w.v.size {
		return record.Header{}, w.corrupt(pos, "a batch header would end at %d, past the segment's end %d", pos+record.HeaderSize, w.v.size)
	}
	if w.bpos < 0 || pos < w.bpos || pos+record.HeaderSize > w.bpos+int64(w.blen) {
		n := record.HeaderSize
		if w.small {
			n = int(min(int64(w.win), w.v.size-pos))
			w.win = min(2*w.win, maxWindow)
		}
		k, err := w.v.s.log.ReadAt((*w.buf)[:n], pos)
		if k < record.HeaderSize {
			if err == nil {
				err = fmt.Errorf("short read of %d bytes", k)
			}
			return record.Header{}, fmt.Errorf("read %s at %d: %w", w.v.file(), pos, err)
		}
		w.bpos, w.blen = pos, k
	}
	b := (*w.buf)[pos-w.bpos:]
	h, err := record.ParseHeader(b)
	switch {
	case err != nil:
		return h, w.corrupt(pos, "%v", err)
	case pos+int64(h.Size()) > w.v.size:
		return h, w.corrupt(pos, "batch length %d runs past the segment's end %d", h.Length, w.v.size)
	case h.LastOffsetDelta < 0:
		return h, w.corrupt(pos, "negative last offset delta %d", h.LastOffsetDelta)
	case h.BaseOffset < w.lo:
		err := w.corrupt(pos, "base offset %d where at least %d was expected", h.BaseOffset, w.lo)
		err.(*CorruptError).Order = true
		return h, err
	case h.LastOffset() >= w.v.next || h.LastOffset() < h.BaseOffset:
		return h, w.corrupt(pos, "batch offsets [%d, %d] reach past the segment's end offset %d", h.BaseOffset, h.LastOffset(), w.v.next)
	case pos+int64(h.Size()) == w.v.size && h.LastOffset() != w.v.next-1:
		return h, w.corrupt(pos, "the segment's last batch ends at offset %d, the segment at %d", h.LastOffset(), w.v.next-1)
	}
	for w.entry < w.v.oidx.Len() {
		off, epos := w.v.oidx.Entry(w.entry)
		if epos > pos {
			break
		}
		if epos < pos {
			return h, w.corrupt(epos, "the offset index points inside a batch (entry for offset %d)", off)
		}
		if off != h.BaseOffset {
			return h, w.corrupt(pos, "base offset %d where the offset index says %d", h.BaseOffset, off)
		}
		w.entry++
	}
	return h, nil
}

// advance moves past the batch h just read.
func (w *walker) advance(h *record.Header) {
	w.pos += int64(h.Size())
	w.lo = h.LastOffset() + 1
	w.small = h.Size() < 8<<10
}

// Find returns the position and header of the first batch whose last
// offset is >= target; ok is false when there is none.
func (v *View) Find(target int64) (pos int64, h record.Header, ok bool, err error) {
	w := v.walkFrom(target)
	defer w.release()
	for w.pos < v.size {
		if h, err = w.header(); err != nil {
			return w.pos, h, false, err
		}
		if h.LastOffset() >= target {
			return w.pos, h, true, nil
		}
		w.advance(&h)
	}
	return v.size, record.Header{}, false, nil
}

// ReadRange returns the byte range of whole batches starting with the batch
// holding target, at most maxBytes long (or the first batch alone when
// minOne and it is larger), holding only batches entirely below maxOffset.
// length is 0 when there is nothing to read. next is the offset to read
// after the range: the base offset of the first batch not included (the
// segment's next offset when the range reaches its end). Every batch of
// the range is checked; a corrupt one ends the range before it, or, when
// it is the first, fails the read with a *CorruptError.
func (v *View) ReadRange(target, maxBytes, maxOffset int64, minOne bool) (pos, length, next int64, err error) {
	w := v.walkFrom(target)
	defer w.release()
	var h record.Header
	for {
		if w.pos >= v.size {
			return w.pos, 0, target, nil
		}
		if h, err = w.header(); err != nil {
			return w.pos, 0, target, err
		}
		if h.LastOffset() >= target {
			break
		}
		w.advance(&h)
	}
	start := w.pos
	if h.LastOffset() >= maxOffset {
		return start, 0, target, nil
	}
	if int64(h.Size()) > maxBytes && !minOne {
		return start, 0, target, nil
	}
	// A batch goes into the range once the header after it (if any) is
	// read: a base offset out of order puts both in doubt, and a batch
	// whose base offset leaves a gap after its predecessor (compaction) is
	// only vouched for by the next one, so a bad next header puts it in
	// doubt too.
	lastPos, lastLo, lastExact := w.pos, w.lo, h.BaseOffset == w.lo
	w.advance(&h)
	next = v.next
	for w.pos < v.size {
		nh, err := w.header()
		if err != nil {
			var ce *CorruptError
			if errors.As(err, &ce) && (ce.Order || !lastExact) {
				if lastPos == start {
					return start, 0, target, err
				}
				w.pos, w.lo = lastPos, lastLo
			}
			// Serve the good batches; the next read starts at the bad one.
			next = w.lo
			break
		}
		if nh.LastOffset() >= maxOffset || w.pos+int64(nh.Size())-start > maxBytes {
			next = nh.BaseOffset
			break
		}
		lastPos, lastLo, lastExact = w.pos, w.lo, nh.BaseOffset == w.lo
		w.advance(&nh)
	}
	return start, w.pos - start, next, nil
}

// Walk calls fn with the position and header of every batch from the
// start, checking each; it stops at fn's first error or the first corrupt
// header.
func (v *View) Walk(fn func(pos int64, h *record.Header) error) error {
	w := newWalker(v)
	defer w.release()
	for w.pos < v.size {
		h, err := w.header()
		if err != nil {
			return err
		}
		if err := fn(w.pos, &h); err != nil {
			return err
		}
		w.advance(&h)
	}
	return nil
}

// Find is View().Find.
// REQUIRES: the owner's lock.
func (s *Segment) Find(target int64) (pos int64, h record.Header, ok bool, err error) {
	v := s.View()
	return v.Find(target)
}

// ReadRange is View().ReadRange.
// REQUIRES: the owner's lock.
func (s *Segment) ReadRange(target, maxBytes, maxOffset int64, minOne bool) (pos, length, next int64, err error) {
	v := s.View()
	return v.ReadRange(target, maxBytes, maxOffset, minOne)
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
