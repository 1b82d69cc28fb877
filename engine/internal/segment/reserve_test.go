package segment

import (
	"errors"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"sluice/engine/record"
	"sluice/engine/vfs"
)

// allocated is the disk space the .log holds, in bytes.
func allocated(t *testing.T, s *Segment) int64 {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Fstat(int(s.log.Fd()), &st); err != nil {
		t.Fatal(err)
	}
	return st.Blocks * 512
}

func sizeOnDisk(t *testing.T, s *Segment) int64 {
	t.Helper()
	fi, err := s.log.Stat()
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// Appends land in blocks reserved ahead, never past segment.bytes unless a
// batch needs it; the file's size is always the end of the last batch;
// sealing and truncation give the rest back.
func TestReserveAhead(t *testing.T) {
	dir := t.TempDir()
	s, err := Create(vfs.Default, dir, 0, 4096, "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Release()
	res := NewReservations(1 << 40)
	s.SetReservations(res)
	const step, limit = 1 << 20, 3 << 20
	if err := vfs.Allocate(s.log, 0, 4096); errors.Is(err, vfs.ErrAllocateUnsupported) {
		t.Skip("file system cannot reserve blocks:", err)
	}
	off := int64(0)
	appendOne := func() {
		b := batch(off, 50, 1000)
		h, _ := record.ParseHeader(b)
		s.ReserveAhead(int64(len(b)), step, limit)
		if err := s.AppendOne(b, Batch{BaseOffset: off, LastOffset: h.LastOffset(), MaxTimestamp: h.MaxTimestamp}, 4096); err != nil {
			t.Fatal(err)
		}
		off = h.LastOffset() + 1
	}
	appendOne()
	if s.reserved != step {
		t.Fatalf("reserved %d after the first append, want %d", s.reserved, step)
	}
	if got := sizeOnDisk(t, s); got != s.Size() {
		t.Fatalf("file size %d, want the batches' %d", got, s.Size())
	}
	if got := allocated(t, s); got < step {
		t.Fatalf("%d bytes allocated, want >= %d reserved", got, step)
	}
	for s.Size() < limit+step {
		appendOne()
		if s.reserved < s.Size() {
			t.Fatalf("appended past the reservation: size %d, reserved %d", s.Size(), s.reserved)
		}
		if s.Size() <= limit && s.reserved > limit {
			t.Fatalf("reserved %d past segment.bytes %d", s.reserved, limit)
		}
		if s.Size() > limit && s.reserved != s.Size() {
			t.Fatalf("past segment.bytes only what a batch needs: reserved %d, size %d", s.reserved, s.Size())
		}
	}
	if got := sizeOnDisk(t, s); got != s.Size() {
		t.Fatalf("file size %d, want %d", got, s.Size())
	}

	// Truncation drops the reservation; the next append reserves again.
	if _, err := s.TruncateTo(off/2, 4096); err != nil {
		t.Fatal(err)
	}
	if s.reserved != 0 || allocated(t, s) > s.Size()+64<<10 {
		t.Fatalf("after truncation reserved %d, %d bytes allocated for %d", s.reserved, allocated(t, s), s.Size())
	}
	appendOne()
	if want := min(s.Size()-int64(len(batch(0, 50, 1000)))+step, limit); s.reserved != want {
		t.Fatalf("reserved %d after truncate and append, want %d", s.reserved, want)
	}
	if err := s.WriteIndexes(false); err != nil {
		t.Fatal(err)
	}
	if s.reserved != 0 || allocated(t, s) > s.Size()+64<<10 || sizeOnDisk(t, s) != s.Size() {
		t.Fatalf("sealed: reserved %d, %d bytes allocated for %d, file size %d", s.reserved, allocated(t, s), s.Size(), sizeOnDisk(t, s))
	}
	if res.Used() != 0 {
		t.Fatalf("budget still counts %d bytes after sealing", res.Used())
	}
}

// Segments sharing a budget never hold more than it past their data: the
// first gets a step, the second only what is left, the third nothing;
// what an append fills and what sealing releases goes back to the budget.
func TestReservationsBudget(t *testing.T) {
	dir := t.TempDir()
	const step = 1 << 20
	res := NewReservations(step + step/2)
	var segs []*Segment
	for i := 0; i < 3; i++ {
		s, err := Create(vfs.Default, dir, int64(i*1000), 4096, "", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		defer s.Release()
		s.SetReservations(res)
		segs = append(segs, s)
	}
	if err := vfs.Allocate(segs[0].log, 0, 4096); errors.Is(err, vfs.ErrAllocateUnsupported) {
		t.Skip("file system cannot reserve blocks:", err)
	}
	for _, s := range segs {
		b := batch(s.Base(), 50, 1000)
		s.ReserveAhead(int64(len(b)), step, 1<<30)
		h, _ := record.ParseHeader(b)
		if err := s.AppendOne(b, Batch{BaseOffset: s.Base(), LastOffset: h.LastOffset(), MaxTimestamp: h.MaxTimestamp}, 4096); err != nil {
			t.Fatal(err)
		}
	}
	total := int64(0)
	for _, s := range segs {
		total += s.Reserved()
		if got := allocated(t, s) - s.Size(); got > s.Reserved()+8<<10 {
			t.Fatalf("segment %d holds %d bytes past its data, %d accounted", s.Base(), got, s.Reserved())
		}
	}
	if total != res.Used() || total > res.Limit() {
		t.Fatalf("segments hold %d reserved, budget counts %d of %d", total, res.Used(), res.Limit())
	}
	if segs[0].Reserved() == 0 || segs[1].Reserved() == 0 || segs[2].Reserved() != 0 {
		t.Fatalf("reserved %d, %d, %d: want a step, the rest, nothing", segs[0].Reserved(), segs[1].Reserved(), segs[2].Reserved())
	}
	if err := segs[0].ReleaseReserved(); err != nil {
		t.Fatal(err)
	}
	segs[1].Detach()
	if res.Used() != 0 {
		t.Fatalf("budget counts %d after release and detach", res.Used())
	}
}

// A step of 0 or less reserves nothing.
func TestReserveAheadOff(t *testing.T) {
	s, err := Create(vfs.Default, t.TempDir(), 0, 4096, "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Release()
	s.ReserveAhead(1000, 0, 1<<30)
	s.ReserveAhead(1000, -1, 1<<30)
	if s.reserved != 0 || allocated(t, s) != 0 {
		t.Fatalf("reserved %d, %d bytes allocated", s.reserved, allocated(t, s))
	}
}
