// Package segment manages one log segment: the .log file holding record
// batches back to back, exactly as Kafka writes them, and its sparse
// .index/.timeindex (see package index for their entry formats).
//
//	<20-digit base offset>.log        | batch | batch | batch | ...
//	<20-digit base offset>.index      | relOffset int32 | position int32 | ...
//	<20-digit base offset>.timeindex  | timestamp int64 | relOffset int32 | ...
//
// A batch is Kafka's v2 record batch (package record draws it): the first
// 12 bytes are baseOffset int64 and length int32, so the file can be walked
// batch by batch. Writes are one pwrite per batch at the segment's end,
// into disk blocks the active segment reserves ahead (reserve.go).
//
// Suffixes: ".deleted" marks files waiting for removal (file.delete.delay.ms),
// ".cleaned" and ".swap" are the log cleaner's replacement segments.
//
// Segments are reference counted: the owning log holds one reference and
// every reader holding a file range holds one. The files are closed when
// the last reference goes, so a range stays readable (same bytes) even after
// the segment was deleted or replaced. A View, taken under the owner's
// lock, lets a reader walk the file without it; every batch header a read
// passes is checked (find.go), so corruption ends a read instead of being
// skipped. All other methods require the owner's lock.
package segment

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"sluice/engine/internal/index"
	"sluice/engine/vfs"
)

// File suffixes.
const (
	LogSuffix       = ".log"
	IndexSuffix     = ".index"
	TimeIndexSuffix = ".timeindex"
	DeletedSuffix   = ".deleted"
	CleanedSuffix   = ".cleaned"
	SwapSuffix      = ".swap"
)

// Errors of the package.
var (
	// ErrCorrupt: the segment holds bytes that are not a valid batch.
	ErrCorrupt = errors.New("segment: corrupt segment")
	// ErrPartialWrite: a failed append left part of its batch in the file
	// (trimming it failed too).
	ErrPartialWrite = errors.New("segment: partial batch left by a failed write")
)

// FileName returns "<20-digit base><suffix>".
func FileName(base int64, suffix string) string { return fmt.Sprintf("%020d%s", base, suffix) }

// Segment is one segment of a partition log.
type Segment struct {
	fs         vfs.FS
	dir        string
	base       int64
	log        vfs.File
	oidx       *index.OffsetIndex
	tidx       *index.TimeIndex
	indexBytes int32
	created    time.Time

	// Guarded by the owner's lock.
	size       int64
	next       int64
	maxTs      int64
	maxTsOff   int64
	firstTs    int64
	sinceIndex int64
	suffix     string // "" or DeletedSuffix / CleanedSuffix / SwapSuffix
	// reserved is the end of the .log blocks reserved ahead of size
	// (reserve.go); 0 when nothing is reserved past size.
	reserved  int64
	noReserve bool          // the file system cannot reserve: stop asking
	res       *Reservations // the dir's budget; nil reserves nothing

	refs   atomic.Int32
	closed atomic.Bool
}

// Create makes a new empty segment; its index files are preallocated to
// indexBytes. suffix is "" for a live segment or CleanedSuffix for a
// cleaner's output.
func Create(fs vfs.FS, dir string, base int64, indexBytes int32, suffix string, now time.Time) (*Segment, error) {
	s := newSegment(fs, dir, base, indexBytes, now)
	s.suffix = suffix
	f, err := fs.OpenFile(s.path(LogSuffix), os.O_CREATE|os.O_RDWR|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, err
	}
	s.log = f
	for _, suf := range []string{IndexSuffix, TimeIndexSuffix} {
		if err := s.preallocate(suf, true); err != nil {
			_ = f.Close()
			return nil, err
		}
	}
	return s, nil
}

// Open opens an existing segment's .log; the caller then calls Load or
// Scan to build its state.
func Open(fs vfs.FS, dir string, base int64, indexBytes int32, now time.Time) (*Segment, error) {
	s := newSegment(fs, dir, base, indexBytes, now)
	f, err := fs.OpenFile(s.path(LogSuffix), os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	s.log, s.size, s.created = f, st.Size(), st.ModTime()
	return s, nil
}

func newSegment(fs vfs.FS, dir string, base int64, indexBytes int32, now time.Time) *Segment {
	s := &Segment{fs: fs, dir: dir, base: base, indexBytes: indexBytes, created: now,
		oidx: index.NewOffsetIndex(base), tidx: index.NewTimeIndex(base),
		next: base, maxTs: -1, maxTsOff: -1, firstTs: -1}
	s.refs.Store(1)
	return s
}

func (s *Segment) path(suffix string) string {
	return filepath.Join(s.dir, FileName(s.base, suffix+s.suffix))
}

// preallocate sizes an index file to the maximum (the active segment's
// state), creating it if needed; trunc empties it first.
func (s *Segment) preallocate(suffix string, trunc bool) error {
	flag := os.O_CREATE | os.O_RDWR
	if trunc {
		flag |= os.O_TRUNC
	}
	f, err := s.fs.OpenFile(s.path(suffix), flag, 0o644)
	if err != nil {
		return err
	}
	n := int64(s.indexBytes)
	if suffix == IndexSuffix {
		n -= n % index.OffsetEntrySize
	} else {
		n -= n % index.TimeEntrySize
	}
	err = f.Truncate(n)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Base is the segment's base offset.
func (s *Segment) Base() int64 { return s.base }

// Size is the number of valid bytes in the .log.
func (s *Segment) Size() int64 { return s.size }

// Next is the offset after the segment's last batch (Base when empty).
func (s *Segment) Next() int64 { return s.next }

// Empty reports whether the segment holds no batch.
func (s *Segment) Empty() bool { return s.size == 0 }

// MaxTimestamp is the largest batch max timestamp and the last offset of
// its batch, (-1, -1) when no batch carries a timestamp.
func (s *Segment) MaxTimestamp() (ts, offset int64) { return s.maxTs, s.maxTsOff }

// FirstTimestamp is the max timestamp of the first batch (Kafka's
// rollingBasedTimestamp), -1 if none.
func (s *Segment) FirstTimestamp() int64 { return s.firstTs }

// Created is when the segment was created (file mtime for opened ones).
func (s *Segment) Created() time.Time { return s.created }

// File is the .log file, for file ranges.
func (s *Segment) File() vfs.File { return s.log }

// IndexFull reports whether either index reached segment.index.bytes.
func (s *Segment) IndexFull() bool {
	return int64(s.oidx.Len()+1)*index.OffsetEntrySize > int64(s.indexBytes) ||
		int64(s.tidx.Len()+1)*index.TimeEntrySize > int64(s.indexBytes)
}

// Acquire takes a reference; the caller must know the segment is live
// (it holds the owner's lock or another reference).
func (s *Segment) Acquire() { s.refs.Add(1) }

// Refs is the current reference count.
func (s *Segment) Refs() int32 { return s.refs.Load() }

// Detach gives the segment's reservation back to the dir's budget when
// its owner lets it go (deleted, replaced, closed): the reserved blocks
// leave with the file.
// REQUIRES: the owner's lock.
func (s *Segment) Detach() {
	s.dropReserved()
	s.res = nil
}

// Release drops a reference; the last one closes the .log file.
func (s *Segment) Release() {
	if s.refs.Add(-1) == 0 && s.closed.CompareAndSwap(false, true) {
		_ = s.log.Close()
	}
}

// Sync fsyncs the .log.
func (s *Segment) Sync() error { return s.log.Sync() }

// Rename moves all three files to a new suffix ("" for live). Files that
// do not exist are skipped. The open .log stays usable.
func (s *Segment) Rename(suffix string) error {
	for _, suf := range []string{LogSuffix, IndexSuffix, TimeIndexSuffix} {
		from := s.path(suf)
		to := filepath.Join(s.dir, FileName(s.base, suf+suffix))
		if err := s.fs.Rename(from, to); err != nil {
			if _, serr := s.fs.Stat(from); serr != nil && suf != LogSuffix {
				continue
			}
			return err
		}
	}
	s.suffix = suffix
	return nil
}

// Paths lists the segment's file paths under its current suffix.
func (s *Segment) Paths() []string {
	return []string{s.path(LogSuffix), s.path(IndexSuffix), s.path(TimeIndexSuffix)}
}

// Preallocate re-extends both index files to segment.index.bytes (the
// active segment's state after a reopen or a truncation).
func (s *Segment) Preallocate() error {
	for _, suf := range []string{IndexSuffix, TimeIndexSuffix} {
		if err := s.preallocate(suf, false); err != nil {
			return err
		}
	}
	return nil
}
