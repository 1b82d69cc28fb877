package producer

import (
	"bytes"
	"errors"
	"math"
	"testing"
)

func TestCheckTable(t *testing.T) {
	s := NewState()
	off := int64(0)
	add := func(pid int64, epoch int16, first, last int32) {
		s.Update(pid, epoch, Batch{FirstSeq: first, LastSeq: last, FirstOffset: off, LastOffset: off + int64(last-first)})
		off += int64(last-first) + 1
	}
	add(7, 0, 0, 4)
	add(7, 0, 5, 9)
	for _, c := range []struct {
		name        string
		epoch       int16
		first, last int32
		dup         bool
		err         error
	}{
		{"next in sequence", 0, 10, 12, false, nil},
		{"duplicate of last", 0, 5, 9, true, nil},
		{"duplicate of first", 0, 0, 4, true, nil},
		{"gap", 0, 12, 13, false, ErrOutOfOrderSequence},
		{"overlap not equal", 0, 6, 9, false, ErrOutOfOrderSequence},
		{"older epoch", -1, 10, 10, false, ErrInvalidEpoch},
		{"new epoch at 0", 1, 0, 3, false, nil},
		{"new epoch not at 0", 1, 3, 4, false, ErrOutOfOrderSequence},
	} {
		dup, err := s.Check(7, c.epoch, c.first, c.last)
		if (dup != nil) != c.dup || !errors.Is(err, c.err) || (c.err == nil && err != nil) {
			t.Errorf("%s: dup=%v err=%v", c.name, dup, err)
		}
	}
	if dup, err := s.Check(99, 0, 42, 43); dup != nil || err != nil {
		t.Errorf("unknown producer must be accepted: %v %v", dup, err)
	}
	// Only the last five batches are remembered.
	for i := int32(10); i < 40; i += 5 {
		add(7, 0, i, i+4)
	}
	if dup, _ := s.Check(7, 0, 0, 4); dup != nil {
		t.Error("batch older than the last five still detected as duplicate")
	}
	if LastSeq(math.MaxInt32-1, 3) != 1 {
		t.Errorf("wrap: %d", LastSeq(math.MaxInt32-1, 3))
	}
}

func TestSnapshotRoundTrip(t *testing.T) {
	s := NewState()
	for pid := int64(0); pid < 20; pid++ {
		for i := int32(0); i < int32(pid%7); i++ {
			s.Update(pid, int16(pid), Batch{FirstSeq: i, LastSeq: i, FirstOffset: int64(i), LastOffset: int64(i), Timestamp: 1000})
		}
	}
	b := s.Encode()
	back, err := Decode(b)
	if err != nil || !bytes.Equal(back.Encode(), b) {
		t.Fatalf("round trip: %v", err)
	}
	for i := range b {
		c := append([]byte(nil), b...)
		c[i] ^= 0x10
		if _, err := Decode(c); err == nil {
			t.Fatalf("bit flip at %d accepted", i)
		}
	}
}

func FuzzDecodeSnapshot(f *testing.F) {
	s := NewState()
	s.Update(1, 0, Batch{FirstSeq: 0, LastSeq: 3})
	f.Add(s.Encode())
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := Decode(b)
		if err != nil {
			return
		}
		if _, err := Decode(st.Encode()); err != nil {
			t.Fatal(err)
		}
	})
}
