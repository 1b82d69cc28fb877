package index

import (
	"bytes"
	"errors"
	"testing"
)

func TestOffsetIndexLookupEveryBoundary(t *testing.T) {
	ix := NewOffsetIndex(100)
	// entries at offsets 110, 120, ..., 190 at positions 1000, 2000, ...
	for i := int64(1); i <= 9; i++ {
		ix.Append(100+10*i, 1000*i)
	}
	for target := int64(90); target <= 200; target++ {
		off, pos := ix.Lookup(target)
		wantOff, wantPos := int64(100), int64(0)
		if target >= 110 {
			k := (target - 100) / 10
			if k > 9 {
				k = 9
			}
			wantOff, wantPos = 100+10*k, 1000*k
		}
		if off != wantOff || pos != wantPos {
			t.Fatalf("Lookup(%d) = (%d,%d), want (%d,%d)", target, off, pos, wantOff, wantPos)
		}
	}
	// Round trip through the file image with a preallocated zero tail.
	img := append(append([]byte(nil), ix.Bytes()...), make([]byte, 64)...)
	back, err := ParseOffsetIndex(img, 100, 200, 10000)
	if err != nil || !bytes.Equal(back.Bytes(), ix.Bytes()) {
		t.Fatalf("parse: %v", err)
	}
	if _, err := ParseOffsetIndex(img, 100, 150, 10000); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("offset past limit accepted: %v", err)
	}
	if _, err := ParseOffsetIndex(img, 100, 200, 5000); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("position past size accepted: %v", err)
	}
	ix.TruncateTo(150)
	if ix.Len() != 4 {
		t.Fatalf("TruncateTo(150) left %d entries", ix.Len())
	}
}

func TestTimeIndex(t *testing.T) {
	ix := NewTimeIndex(0)
	ix.MaybeAppend(1000, 9)
	ix.MaybeAppend(1000, 19) // same timestamp: skipped
	ix.MaybeAppend(2000, 29)
	ix.MaybeAppend(1500, 39) // older: skipped
	if ix.Len() != 2 {
		t.Fatalf("len %d", ix.Len())
	}
	for _, c := range []struct {
		ts   int64
		off  int64
		okay bool
	}{{500, 0, false}, {1000, 0, false}, {1001, 9, true}, {2000, 9, true}, {2001, 29, true}} {
		off, ok := ix.Before(c.ts)
		if ok != c.okay || (ok && off != c.off) {
			t.Errorf("Before(%d) = %d,%v", c.ts, off, ok)
		}
	}
	back, err := ParseTimeIndex(append(ix.Bytes(), make([]byte, 24)...), 0, 30)
	if err != nil || back.Len() != 2 {
		t.Fatalf("%v", err)
	}
}

func FuzzParseOffsetIndex(f *testing.F) {
	ix := NewOffsetIndex(0)
	ix.Append(5, 4100)
	ix.Append(9, 8300)
	f.Add(ix.Bytes(), int64(20), int64(9000))
	f.Add([]byte{0, 0, 0, 1, 0, 0, 0, 0}, int64(1), int64(1))
	f.Fuzz(func(t *testing.T, data []byte, limit, size int64) {
		ix, err := ParseOffsetIndex(data, 0, limit, size)
		if err != nil {
			return
		}
		prevO, prevP := int64(-1), int64(0)
		for i := 0; i < ix.Len(); i++ {
			o, p := ix.Entry(i)
			if o <= prevO || p <= prevP || o >= limit || p >= size {
				t.Fatalf("accepted bad entry %d: %d %d", i, o, p)
			}
			prevO, prevP = o, p
			if lo, lp := ix.Lookup(o); lo != o || lp != p {
				t.Fatalf("lookup %d = %d %d", o, lo, lp)
			}
		}
	})
}

func FuzzParseTimeIndex(f *testing.F) {
	ix := NewTimeIndex(0)
	ix.MaybeAppend(1000, 3)
	ix.MaybeAppend(2000, 7)
	f.Add(ix.Bytes(), int64(10))
	f.Fuzz(func(t *testing.T, data []byte, limit int64) {
		ix, err := ParseTimeIndex(data, 0, limit)
		if err != nil {
			return
		}
		for i := 1; i < ix.Len(); i++ {
			t0, o0 := ix.Entry(i - 1)
			t1, o1 := ix.Entry(i)
			if t1 <= t0 || o1 <= o0 || o1 >= limit {
				t.Fatalf("accepted non-monotonic entries")
			}
		}
	})
}
