package segment

import "sluice/engine/vfs"

// The active segment's .log reserves its disk blocks ahead of the appends,
// step bytes at a time, with vfs.Allocate (fallocate FALLOC_FL_KEEP_SIZE):
// the file's size stays the end of the last batch, so readers, recovery
// and Kafka tools see exactly the same file, while each pwrite lands in
// blocks that are already allocated. On ext4 that moves the delayed-
// allocation bookkeeping out of every write: the broker's CPU per GB in
// write(2) falls by about a quarter (bench/README.md). Sealing (roll,
// close) and truncation release what is left past the end; a crash can
// leave at most one step reserved past the end of a segment, which goes
// with the segment.

// ReserveAhead makes sure the blocks for the next n bytes are reserved:
// when they are not, it reserves from the furthest point reserved so far
// up to step bytes ahead, but not past limit (segment.bytes) unless the n
// bytes need it. step <= 0 turns it off. Errors are ignored: a file
// system that cannot reserve is asked no more.
// REQUIRES: the owner's lock.
func (s *Segment) ReserveAhead(n, step, limit int64) {
	need := s.size + n
	if step <= 0 || s.noReserve || need <= s.reserved {
		return
	}
	from := max(s.reserved, s.size)
	end := max(min(from+step, limit), need)
	if err := vfs.Allocate(s.log, from, end-from); err != nil {
		s.noReserve = true
		return
	}
	s.reserved = end
}

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
	s.reserved = 0
	return nil
}
