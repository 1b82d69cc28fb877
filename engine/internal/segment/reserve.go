package segment

import (
	"errors"
	"sync/atomic"

	"sluice/engine/vfs"
)

// The active segment's .log reserves its disk blocks ahead of the appends,
// step bytes at a time, with vfs.Allocate (fallocate FALLOC_FL_KEEP_SIZE):
// the file's size stays the end of the last batch, so readers, recovery
// and Kafka tools see exactly the same file, while each pwrite lands in
// blocks that are already allocated. On ext4 that moves the delayed-
// allocation bookkeeping out of every write: the broker's CPU per GB in
// write(2) falls by about a quarter (bench/README.md). Sealing (roll,
// close), truncation and ReleaseReserved give back what is left past the
// end; a crash can leave at most one step reserved past the end of a
// segment, which goes with the segment.
//
// What all the segments of a log dir hold reserved past their data is
// bounded by the dir's Reservations: a segment gets a step only while the
// total stays under the limit (the rest of its appends simply go
// unreserved), so reservation never takes more than a set share of the
// volume.

// Reservations is the block-reservation budget of a log dir, shared by
// its active segments. It is safe for concurrent use.
type Reservations struct {
	limit int64
	used  atomic.Int64
}

// NewReservations returns a budget of limit bytes (<= 0: nothing may be
// reserved).
func NewReservations(limit int64) *Reservations { return &Reservations{limit: limit} }

// Limit is the budget's size.
func (r *Reservations) Limit() int64 { return r.limit }

// Used is the number of bytes reserved past the data, over all segments.
func (r *Reservations) Used() int64 { return r.used.Load() }

// take grants up to n bytes (possibly fewer, possibly none).
func (r *Reservations) take(n int64) int64 {
	for {
		used := r.used.Load()
		grant := min(n, r.limit-used)
		if grant <= 0 {
			return 0
		}
		if r.used.CompareAndSwap(used, used+grant) {
			return grant
		}
	}
}

func (r *Reservations) give(n int64) {
	if n > 0 {
		r.used.Add(-n)
	}
}

// SetReservations makes the segment draw its reservations from r (nil: no
// reservation at all).
// REQUIRES: the owner's lock; nothing reserved yet.
func (s *Segment) SetReservations(r *Reservations) { s.res = r }

// Reserved is how many bytes the segment holds reserved past its data.
// REQUIRES: the owner's lock.
func (s *Segment) Reserved() int64 { return max(s.reserved-s.size, 0) }

// ReserveAhead makes sure the blocks for the next n bytes are reserved:
// when they are not, it reserves from the furthest point reserved so far
// up to step bytes ahead, but not past limit (segment.bytes) unless the n
// bytes need it, and not past what the dir's budget has left (nothing when
// it cannot cover the n bytes). step <= 0 turns it off. Errors are
// ignored: a file system that cannot reserve is asked no more; one that is
// full is asked again later.
// REQUIRES: the owner's lock.
func (s *Segment) ReserveAhead(n, step, limit int64) {
	need := s.size + n
	if step <= 0 || s.noReserve || s.res == nil || need <= s.reserved {
		return
	}
	from := max(s.reserved, s.size)
	end := max(min(from+step, limit), need)
	grant := s.res.take(end - from)
	if grant < need-from {
		s.res.give(grant)
		return
	}
	if err := vfs.Allocate(s.log, from, grant); err != nil {
		s.res.give(grant)
		if errors.Is(err, vfs.ErrAllocateUnsupported) {
			s.noReserve = true
		}
		return
	}
	s.reserved = from + grant
}

// consumed accounts for a batch written at [pos, end): the part of it
// that landed in reserved blocks is no longer reserved ahead.
func (s *Segment) consumed(pos, end int64) {
	if s.reserved > pos && s.res != nil {
		s.res.give(min(end, s.reserved) - pos)
	}
}

// dropReserved forgets the reservation after the file was cut at or below
// its size (the cut released the blocks past it).
func (s *Segment) dropReserved() {
	if s.res != nil {
		s.res.give(s.reserved - s.size)
	}
	s.reserved = 0
}

// ReleaseReserved gives back the blocks reserved past the data (the
// dir's budget is short, the segment has been idle, or the disk is full).
// REQUIRES: the owner's lock.
func (s *Segment) ReleaseReserved() error { return s.releaseReserved() }

// releaseReserved truncates the .log to its size when blocks are reserved
// past it.
// REQUIRES: the owner's lock.
func (s *Segment) releaseReserved() error {
	if s.reserved <= s.size {
		s.reserved = 0
		return nil
	}
	if err := s.log.Truncate(s.size); err != nil {
		return err
	}
	s.dropReserved()
	return nil
}
