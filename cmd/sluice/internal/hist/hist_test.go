package hist

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
)

func TestIndexBoundsRoundTrip(t *testing.T) {
	// Every bucket's bounds map back to it, and buckets tile the range.
	prevHi := int64(-1)
	for i := 0; i < numBuckets; i++ {
		lo, hi := bounds(i)
		if lo != prevHi+1 {
			t.Fatalf("bucket %d starts at %d, previous ended at %d", i, lo, prevHi)
		}
		if index(lo) != i || index(hi) != i {
			t.Fatalf("bucket %d [%d,%d]: index(lo)=%d index(hi)=%d", i, lo, hi, index(lo), index(hi))
		}
		if i >= subCount && float64(hi-lo+1)/float64(lo) > 1.0/subCount+1e-12 {
			t.Fatalf("bucket %d [%d,%d] wider than the precision", i, lo, hi)
		}
		prevHi = hi
		if hi == math.MaxInt64 {
			break
		}
	}
	if prevHi != math.MaxInt64 {
		t.Fatalf("buckets end at %d", prevHi)
	}
}

func TestExactSmallValues(t *testing.T) {
	var h Histogram
	for v := int64(1); v <= 100; v++ {
		h.Record(v)
	}
	for _, tc := range []struct {
		q    float64
		want int64
	}{{0, 1}, {0.5, 50}, {0.95, 95}, {0.99, 99}, {0.999, 100}, {1, 100}} {
		if got := h.Quantile(tc.q); got != tc.want {
			t.Errorf("Quantile(%v) = %d, want %d", tc.q, got, tc.want)
		}
	}
	if h.Count() != 100 || h.Min() != 1 || h.Max() != 100 || h.Mean() != 50.5 {
		t.Errorf("count %d min %d max %d mean %v", h.Count(), h.Min(), h.Max(), h.Mean())
	}
}

func TestQuantilesAgainstSorted(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var h Histogram
	vals := make([]int64, 200000)
	for i := range vals {
		// Log-normal-ish latencies from ~100µs to seconds, in ns.
		vals[i] = int64(math.Exp(r.NormFloat64()*1.5+14) + 1)
		h.Record(vals[i])
	}
	sort.Slice(vals, func(i, j int) bool { return vals[i] < vals[j] })
	for _, q := range []float64{0.5, 0.95, 0.99, 0.999} {
		exact := vals[int(math.Ceil(q*float64(len(vals))))-1]
		got := h.Quantile(q)
		if rel := math.Abs(float64(got-exact)) / float64(exact); rel > 1.0/subCount {
			t.Errorf("q%v: got %d exact %d (rel err %.4f)", q, got, exact, rel)
		}
	}
	if h.Quantile(1) != vals[len(vals)-1] || h.Max() != vals[len(vals)-1] {
		t.Errorf("max %d, want %d", h.Quantile(1), vals[len(vals)-1])
	}
}

func TestMergeAndEdges(t *testing.T) {
	var a, b, empty Histogram
	if empty.Quantile(0.5) != 0 || empty.Mean() != 0 {
		t.Error("empty histogram not zero")
	}
	a.Record(10)
	a.Record(-5) // recorded as 0
	b.RecordN(1_000_000, 3)
	b.Record(math.MaxInt64)
	a.Merge(&b)
	a.Merge(&empty)
	if a.Count() != 6 || a.Min() != 0 || a.Max() != math.MaxInt64 {
		t.Fatalf("count %d min %d max %d", a.Count(), a.Min(), a.Max())
	}
	if got := a.Quantile(0.5); got < 1_000_000 || float64(got) > 1_000_000*(1+1.0/subCount) {
		t.Errorf("median %d", got)
	}
	a.Reset()
	if a.Count() != 0 {
		t.Error("Reset")
	}
}
