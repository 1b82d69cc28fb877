// Package index implements Kafka's sparse segment indexes.
//
// Offset index (<base>.index): fixed 8-byte entries, big endian, sorted by
// offset and by position:
//
//	| relativeOffset int32 | position int32 |
//
// relativeOffset = batch base offset - segment base offset; position is the
// byte position of that batch in the .log file. An entry is added for a
// batch when more than index.interval.bytes of the segment were written
// since the previous entry, so the first batch (position 0) never has one
// and an all-zero entry marks the end of a preallocated file.
//
// Time index (<base>.timeindex): fixed 12-byte entries, big endian, strictly
// increasing in both fields:
//
//	| timestamp int64 | relativeOffset int32 |
//
// meaning "every record at or below this offset has a timestamp <= this
// timestamp" (the segment's running maximum). The last entry, added when the
// segment is sealed, carries the segment's max timestamp.
//
// Both files are preallocated to segment.index.bytes when a segment is
// created and trimmed to their entries when it is sealed (rolled). They are
// not memory mapped: the entries live in memory and are written with one
// pwrite when the segment is sealed, so a file is never truncated under a
// mapping. Entry sizes are on-disk constants that must never change.
package index

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sort"
)

// On-disk entry sizes (never change).
const (
	OffsetEntrySize = 8
	TimeEntrySize   = 12
)

// ErrCorrupt: an index file fails its sanity checks; rebuild it.
var ErrCorrupt = errors.New("index: corrupt index file")

// OffsetIndex maps offsets to .log positions for one segment.
type OffsetIndex struct {
	base    int64
	entries []byte // encoded entries, the file's image
}

// NewOffsetIndex returns an empty index for a segment.
func NewOffsetIndex(base int64) *OffsetIndex { return &OffsetIndex{base: base} }

// ParseOffsetIndex decodes an offset index file, stopping at the first
// all-zero entry (preallocated tail). It checks that offsets and positions
// strictly increase and that offsets fit below limit (the segment's next
// offset) and positions below size (the .log size); otherwise ErrCorrupt.
func ParseOffsetIndex(data []byte, base, limit, size int64) (*OffsetIndex, error) {
	ix := &OffsetIndex{base: base}
	n := len(data) / OffsetEntrySize
	prevOff, prevPos := int64(-1), int64(0)
	for i := 0; i < n; i++ {
		e := data[i*OffsetEntrySize:]
		rel, pos := int32(binary.BigEndian.Uint32(e)), int32(binary.BigEndian.Uint32(e[4:]))
		if rel == 0 && pos == 0 {
			break
		}
		off := base + int64(rel)
		if rel < 0 || pos <= 0 || off <= prevOff || int64(pos) <= prevPos || off >= limit || int64(pos) >= size {
			return nil, fmt.Errorf("%w: entry %d (%d, %d)", ErrCorrupt, i, rel, pos)
		}
		prevOff, prevPos = off, int64(pos)
		ix.entries = append(ix.entries, e[:OffsetEntrySize]...)
	}
	return ix, nil
}

// Len is the number of entries.
func (ix *OffsetIndex) Len() int { return len(ix.entries) / OffsetEntrySize }

// Bytes is the encoded image of the entries.
func (ix *OffsetIndex) Bytes() []byte { return ix.entries }

// Entry returns entry i as an absolute offset and position.
func (ix *OffsetIndex) Entry(i int) (offset, position int64) {
	e := ix.entries[i*OffsetEntrySize:]
	return ix.base + int64(int32(binary.BigEndian.Uint32(e))), int64(int32(binary.BigEndian.Uint32(e[4:])))
}

// Append adds an entry; offsets and positions must increase.
func (ix *OffsetIndex) Append(offset, position int64) {
	ix.entries = binary.BigEndian.AppendUint32(ix.entries, uint32(int32(offset-ix.base)))
	ix.entries = binary.BigEndian.AppendUint32(ix.entries, uint32(int32(position)))
}

// Lookup returns the entry with the largest offset <= target, or the
// segment start (base, 0) when there is none.
func (ix *OffsetIndex) Lookup(target int64) (offset, position int64) {
	n := ix.Len()
	i := sort.Search(n, func(i int) bool { o, _ := ix.Entry(i); return o > target })
	if i == 0 {
		return ix.base, 0
	}
	return ix.Entry(i - 1)
}

// TruncateTo drops the entries for offsets >= offset. The entries kept
// are not written over by later appends (a View of them stays valid).
func (ix *OffsetIndex) TruncateTo(offset int64) {
	n := ix.Len()
	i := sort.Search(n, func(i int) bool { o, _ := ix.Entry(i); return o >= offset })
	ix.entries = slices.Clip(ix.entries[:i*OffsetEntrySize])
}

// View returns the index as it is now, safe to read without the owner's
// lock while appends go on (they only write past its end).
func (ix *OffsetIndex) View() OffsetIndex {
	return OffsetIndex{base: ix.base, entries: slices.Clip(ix.entries)}
}

// Search returns the number of entries whose position is <= pos.
func (ix *OffsetIndex) Search(pos int64) int {
	return sort.Search(ix.Len(), func(i int) bool { _, p := ix.Entry(i); return p > pos })
}

// TimeIndex maps timestamps to offsets for one segment.
type TimeIndex struct {
	base    int64
	entries []byte
}

// NewTimeIndex returns an empty time index for a segment.
func NewTimeIndex(base int64) *TimeIndex { return &TimeIndex{base: base} }

// ParseTimeIndex decodes a time index file, stopping at the first all-zero
// entry; timestamps and offsets must strictly increase and offsets stay
// below limit, else ErrCorrupt.
func ParseTimeIndex(data []byte, base, limit int64) (*TimeIndex, error) {
	ix := &TimeIndex{base: base}
	n := len(data) / TimeEntrySize
	prevTs, prevOff := int64(-1<<63), int64(-1)
	for i := 0; i < n; i++ {
		e := data[i*TimeEntrySize:]
		ts, rel := int64(binary.BigEndian.Uint64(e)), int32(binary.BigEndian.Uint32(e[8:]))
		if ts == 0 && rel == 0 && i > 0 {
			break
		}
		off := base + int64(rel)
		if rel < 0 || ts <= prevTs || off <= prevOff || off >= limit {
			if ts == 0 && rel == 0 {
				break // empty preallocated file
			}
			return nil, fmt.Errorf("%w: time entry %d (%d, %d)", ErrCorrupt, i, ts, rel)
		}
		prevTs, prevOff = ts, off
		ix.entries = append(ix.entries, e[:TimeEntrySize]...)
	}
	return ix, nil
}

// Len is the number of entries.
func (ix *TimeIndex) Len() int { return len(ix.entries) / TimeEntrySize }

// Bytes is the encoded image of the entries.
func (ix *TimeIndex) Bytes() []byte { return ix.entries }

// Entry returns entry i.
func (ix *TimeIndex) Entry(i int) (timestamp, offset int64) {
	e := ix.entries[i*TimeEntrySize:]
	return int64(binary.BigEndian.Uint64(e)), ix.base + int64(int32(binary.BigEndian.Uint32(e[8:])))
}

// Last returns the last entry, if any.
func (ix *TimeIndex) Last() (timestamp, offset int64, ok bool) {
	if ix.Len() == 0 {
		return 0, 0, false
	}
	ts, off := ix.Entry(ix.Len() - 1)
	return ts, off, true
}

// MaybeAppend adds (timestamp, offset) if both exceed the last entry.
func (ix *TimeIndex) MaybeAppend(timestamp, offset int64) {
	if ts, off, ok := ix.Last(); ok && (timestamp <= ts || offset <= off) {
		return
	}
	ix.entries = binary.BigEndian.AppendUint64(ix.entries, uint64(timestamp))
	ix.entries = binary.BigEndian.AppendUint32(ix.entries, uint32(int32(offset-ix.base)))
}

// Before returns the largest offset whose running max timestamp is below
// target: every record at or below it is older than target. ok is false
// when no entry qualifies (scan from the segment start).
func (ix *TimeIndex) Before(target int64) (offset int64, ok bool) {
	n := ix.Len()
	i := sort.Search(n, func(i int) bool { ts, _ := ix.Entry(i); return ts >= target })
	if i == 0 {
		return 0, false
	}
	_, off := ix.Entry(i - 1)
	return off, true
}

// TruncateTo drops entries for offsets >= offset.
func (ix *TimeIndex) TruncateTo(offset int64) {
	n := ix.Len()
	i := sort.Search(n, func(i int) bool { _, o := ix.Entry(i); return o >= offset })
	ix.entries = ix.entries[:i*TimeEntrySize]
}

// FloorPosition returns the entry with the largest position <= pos, or the
// segment start (base, 0).
func (ix *OffsetIndex) FloorPosition(pos int64) (offset, position int64) {
	n := ix.Len()
	i := sort.Search(n, func(i int) bool { _, p := ix.Entry(i); return p > pos })
	if i == 0 {
		return ix.base, 0
	}
	return ix.Entry(i - 1)
}
