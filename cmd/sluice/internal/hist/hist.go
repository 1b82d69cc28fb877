// Package hist is a small log-linear latency histogram in the style of
// HdrHistogram: every power-of-two range [2^k, 2^(k+1)) is split into
// 2^SubBits equal sub-buckets, so any recorded value is known to within a
// relative error of 2^-SubBits (< 0.8%) over the whole int64 range, in a
// fixed 58 KiB of counters. Values below 2^SubBits are exact.
//
// Bucket layout (S = 2^SubBits = 128):
//
//	index i < S:          value i exactly
//	index i >= S:         shift = i/S - 1, sub = S + i%S,
//	                      values [sub<<shift, (sub+1)<<shift)
//
// A Histogram is not safe for concurrent use; give each goroutine its own
// and Merge them.
package hist

import (
	"math"
	"math/bits"
)

// SubBits is log2 of the sub-buckets per power of two (never change: it
// fixes precision and size).
const SubBits = 7

const (
	subCount = 1 << SubBits
	// buckets: S exact values, then S per shift 0..63-SubBits.
	numBuckets = subCount * (64 - SubBits)
)

// Histogram counts int64 values (e.g. latencies in microseconds). Negative
// values are recorded as 0. The zero value is ready to use.
type Histogram struct {
	counts   [numBuckets]uint64
	n        uint64
	sum      float64
	min, max int64
}

// index maps a non-negative value to its bucket.
func index(v int64) int {
	u := uint64(v)
	if u < subCount {
		return int(u)
	}
	shift := bits.Len64(u) - SubBits - 1
	sub := u >> uint(shift) // in [S, 2S)
	return (shift+1)*subCount + int(sub-subCount)
}

// bounds returns the smallest and largest value of bucket i.
func bounds(i int) (lo, hi int64) {
	if i < subCount {
		return int64(i), int64(i)
	}
	shift := uint(i/subCount - 1)
	sub := uint64(subCount + i%subCount)
	lo64 := sub << shift
	hi64 := (sub+1)<<shift - 1
	if hi64 > math.MaxInt64 || hi64 < lo64 {
		hi64 = math.MaxInt64
	}
	return int64(lo64), int64(hi64)
}

// Record adds one value.
func (h *Histogram) Record(v int64) { h.RecordN(v, 1) }

// RecordN adds n occurrences of v.
func (h *Histogram) RecordN(v int64, n uint64) {
	if n == 0 {
		return
	}
	if v < 0 {
		v = 0
	}
	h.counts[index(v)] += n
	if h.n == 0 || v < h.min {
		h.min = v
	}
	if h.n == 0 || v > h.max {
		h.max = v
	}
	h.n += n
	h.sum += float64(v) * float64(n)
}

// Merge adds every value recorded in o.
func (h *Histogram) Merge(o *Histogram) {
	if o.n == 0 {
		return
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	if h.n == 0 || o.min < h.min {
		h.min = o.min
	}
	if h.n == 0 || o.max > h.max {
		h.max = o.max
	}
	h.n += o.n
	h.sum += o.sum
}

// Reset forgets every value.
func (h *Histogram) Reset() { *h = Histogram{} }

// Count is the number of values recorded.
func (h *Histogram) Count() uint64 { return h.n }

// Min and Max are the exact extremes (0 when empty).
func (h *Histogram) Min() int64 { return h.min }

// Max is the largest value recorded.
func (h *Histogram) Max() int64 { return h.max }

// Mean is the exact mean (0 when empty).
func (h *Histogram) Mean() float64 {
	if h.n == 0 {
		return 0
	}
	return h.sum / float64(h.n)
}

// Quantile returns the value at quantile q in [0, 1]: the highest value of
// the bucket holding the ceil(q*n)-th smallest value, clamped to [Min, Max]
// (HdrHistogram's "highest equivalent value"). It returns 0 when empty.
func (h *Histogram) Quantile(q float64) int64 {
	if h.n == 0 {
		return 0
	}
	q = max(0, min(1, q))
	rank := uint64(math.Ceil(q * float64(h.n)))
	rank = max(rank, 1)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			_, hi := bounds(i)
			return max(h.min, min(hi, h.max))
		}
	}
	return h.max
}
