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

// Producers whose last batch is producer.id.expiration.ms old are
// forgotten (at exactly the expiration, as Kafka's >=); others stay; a
// forgotten one is accepted again at any sequence (KIP-360) and the
// snapshot no longer holds it.
func TestRemoveExpired(t *testing.T) {
	const day = 86_400_000
	s := NewState()
	s.Update(1, 0, Batch{FirstSeq: 0, LastSeq: 4, Timestamp: 1_000})
	s.Update(1, 0, Batch{FirstSeq: 5, LastSeq: 9, Timestamp: 50_000}) // the last batch counts
	s.Update(2, 3, Batch{FirstSeq: 0, LastSeq: 0, Timestamp: 10_000})
	s.Update(3, 0, Batch{FirstSeq: 0, LastSeq: 0, Timestamp: day})
	s.m[4] = &Entry{Epoch: 1} // no batches (e.g. from an old snapshot): timestamp -1
	full := len(s.Encode())
	if n := s.RemoveExpired(10_000+day-1, day); n != 1 || s.Len() != 3 {
		t.Fatalf("removed %d, %d left; want only the batchless producer gone", n, s.Len())
	}
	if n := s.RemoveExpired(10_000+day, day); n != 1 {
		t.Fatalf("removed %d at exactly the expiration of producer 2", n)
	}
	if _, ok := s.Get(2); ok {
		t.Fatal("producer 2 kept")
	}
	if _, ok := s.Get(1); !ok {
		t.Fatal("producer 1 expired by its first batch's timestamp")
	}
	if n := s.RemoveExpired(50_000+day, day); n != 1 || s.Len() != 1 {
		t.Fatalf("removed %d, %d left", n, s.Len())
	}
	if dup, err := s.Check(1, 0, 77, 80); dup != nil || err != nil {
		t.Fatalf("expired producer at sequence 77: dup=%v err=%v", dup, err)
	}
	dec, err := Decode(s.Encode())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := dec.Get(1); ok || dec.Len() != 1 || len(s.Encode()) >= full {
		t.Fatalf("snapshot after expiry: %d producers, %d bytes (was %d)", dec.Len(), len(s.Encode()), full)
	}
}
