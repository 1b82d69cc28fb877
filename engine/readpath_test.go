package engine

import (
	"errors"
	"testing"
	"time"
)

// Batches of varying size with a small index interval: every offset must
// be found (Read returns the batch holding it first), across segments and
// after a reopen that loads the indexes from disk.
func TestReadEveryOffsetAndIndexBoundaries(t *testing.T) {
	env := newEnv(t, 1)
	e := env.open()
	l := mustCreate(t, e, tp0, map[string]string{"index.interval.bytes": "300", "segment.bytes": "6000"})
	type span struct{ base, last int64 }
	var spans []span
	for i := 0; i < 60; i++ {
		r := mustAppend(t, l, env.batch(batchSpec{n: 1 + i%5, valSize: 20 + 37*(i%7)}))
		spans = append(spans, span{r.BaseOffset, r.LastOffset})
	}
	check := func(l *Log) {
		t.Helper()
		for _, sp := range spans {
			for off := sp.base; off <= sp.last; off++ {
				r, err := l.Read(off, 1, ReadOptions{MaxOffset: -1, MinOneBatch: true})
				if err != nil {
					t.Fatalf("Read(%d): %v", off, err)
				}
				got := readHeaders(t, r)
				if len(got) != 1 || got[0].BaseOffset != sp.base || got[0].LastOffset() != sp.last {
					t.Fatalf("Read(%d) = %+v, want batch %d-%d", off, got, sp.base, sp.last)
				}
			}
		}
		// maxBytes aligned down to batch boundaries; never a partial batch.
		for _, mb := range []int32{1, 100, 500, 1000, 5000, 1 << 20} {
			r, err := l.Read(0, mb, ReadOptions{MaxOffset: -1})
			if err != nil {
				t.Fatal(err)
			}
			if r.Size > int64(mb) {
				t.Fatalf("maxBytes %d: got %d bytes", mb, r.Size)
			}
			next := r.NextOffset
			if hs := readHeaders(t, r); len(hs) > 0 && next != hs[len(hs)-1].LastOffset()+1 || len(hs) == 0 && next != 0 {
				t.Fatalf("maxBytes %d: NextOffset %d after %d batches", mb, next, len(hs))
			}
		}
		// MaxOffset excludes the batch holding it.
		r, _ := l.Read(0, 1<<20, ReadOptions{MaxOffset: spans[2].base + 1})
		if got := readHeaders(t, r); len(got) != 2 {
			t.Fatalf("MaxOffset: %d batches", len(got))
		}
		if _, err := l.Read(l.LogEndOffset()+1, 100, ReadOptions{MaxOffset: -1}); !errors.Is(err, ErrOffsetOutOfRange) {
			t.Fatalf("read past end: %v", err)
		}
		r, err := l.Read(l.LogEndOffset(), 100, ReadOptions{MaxOffset: -1})
		if err != nil || r.Size != 0 {
			t.Fatalf("read at end: %v %v", r, err)
		}
	}
	check(l)
	e.Close()
	e = env.open()
	defer e.Close()
	l, _ = e.Log(tp0)
	check(l)
}

func readHeaders(t *testing.T, r *ReadResult) []hdr {
	t.Helper()
	defer r.Release()
	data, err := r.AppendTo(nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []hdr
	for len(data) > 0 {
		h := parseHdr(t, data)
		out = append(out, h)
		data = data[h.Size():]
	}
	return out
}

// TestNoRollForOldTimestamps: segment.ms compares the incoming batch's
// timestamp with the segment's first one (Kafka's timeWaitedForRoll), so a
// producer replaying old data does not roll a segment per batch.
func TestNoRollForOldTimestamps(t *testing.T) {
	env := newEnv(t, 1)
	e := env.open()
	defer e.Close()
	l := mustCreate(t, e, tp0, map[string]string{"segment.ms": "60000"})
	old := env.clock.Now().Add(-365 * 24 * time.Hour).UnixMilli()
	for i := 0; i < 10; i++ {
		mustAppend(t, l, env.batch(batchSpec{n: 1, valSize: 10, ts: old + int64(i)}))
	}
	l.mu.Lock()
	n := len(l.mu.segs)
	l.mu.Unlock()
	if n != 1 {
		t.Fatalf("10 batches a year old in one minute made %d segments, want 1", n)
	}
	// A batch whose timestamp is past segment.ms after the first rolls.
	mustAppend(t, l, env.batch(batchSpec{n: 1, valSize: 10, ts: old + 61_000}))
	l.mu.Lock()
	n = len(l.mu.segs)
	l.mu.Unlock()
	if n != 2 {
		t.Fatalf("segment.ms by record time: %d segments, want 2", n)
	}
}

func TestRollOnSegmentBytesMsAndIndex(t *testing.T) {
	env := newEnv(t, 1)
	e := env.open()
	defer e.Close()
	l := mustCreate(t, e, tp0, map[string]string{"segment.bytes": "1500", "segment.ms": "60000",
		"segment.index.bytes": "16", "index.interval.bytes": "10"})
	segs := func() int { l.mu.Lock(); defer l.mu.Unlock(); return len(l.mu.segs) }
	mustAppend(t, l, env.batch(batchSpec{n: 1, valSize: 500}))
	mustAppend(t, l, env.batch(batchSpec{n: 1, valSize: 500}))
	if segs() != 1 {
		t.Fatalf("rolled too early: %d", segs())
	}
	mustAppend(t, l, env.batch(batchSpec{n: 1, valSize: 10})) // index full (2 entries of 8 bytes)
	if segs() != 2 {
		t.Fatalf("index-full roll: %d segments", segs())
	}
	mustAppend(t, l, env.batch(batchSpec{n: 1, valSize: 900}))
	mustAppend(t, l, env.batch(batchSpec{n: 1, valSize: 900})) // segment.bytes
	if segs() != 3 {
		t.Fatalf("segment.bytes roll: %d segments", segs())
	}
	env.clock.Advance(61_000_000_000)
	mustAppend(t, l, env.batch(batchSpec{n: 1, valSize: 10})) // segment.ms
	if segs() != 4 {
		t.Fatalf("segment.ms roll: %d segments", segs())
	}
	// Sealed segments have trimmed indexes; the active one is preallocated.
	l.mu.Lock()
	for i, s := range l.mu.segs {
		for _, p := range s.Paths()[1:] {
			st, err := env.fs.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			active := i == len(l.mu.segs)-1
			if active && st.Size() == 0 || !active && st.Size() > 16 {
				t.Errorf("segment %d %s size %d", i, p, st.Size())
			}
		}
	}
	l.mu.Unlock()
	if got := readAll(t, l, 0); len(got) != 6 {
		t.Fatalf("read %d batches", len(got))
	}
}
