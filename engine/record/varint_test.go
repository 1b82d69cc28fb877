package record

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"
)

// TestVarintsMatchEncodingBinary checks the hand-rolled decoders against
// the standard library on boundary and random values.
func TestVarintsMatchEncodingBinary(t *testing.T) {
	vals := []int64{0, 1, -1, 63, -64, 64, -65, 8191, -8192, 8192, -8193, math.MaxInt32, math.MinInt32,
		math.MaxInt32 + 1, math.MinInt32 - 1, math.MaxInt64, math.MinInt64}
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 2000; i++ {
		vals = append(vals, r.Int64()>>r.IntN(64))
	}
	for _, v := range vals {
		enc := binary.AppendVarint([]byte{0xaa}, v)
		enc = append(enc, 0x55) // trailing byte must not be consumed
		in32 := v >= math.MinInt32 && v <= math.MaxInt32
		got, p, ok := varint32(enc, 1)
		if ok != in32 || (ok && (int64(got) != v || p != len(enc)-1)) {
			t.Fatalf("varint32(%d): %d %d %v", v, got, p, ok)
		}
		got64, p, ok := varint64(enc, 1)
		if !ok || got64 != v || p != len(enc)-1 {
			t.Fatalf("varint64(%d): %d %d %v", v, got64, p, ok)
		}
		if varintLen(v) != len(enc)-2 {
			t.Fatalf("varintLen(%d) = %d, want %d", v, varintLen(v), len(enc)-2)
		}
		// Every truncation fails.
		for cut := 1; cut < len(enc)-1; cut++ {
			if _, _, ok := varint64(enc[:cut], 1); ok {
				t.Fatalf("varint64(%d) truncated at %d decoded", v, cut)
			}
			if _, _, ok := varint32(enc[:cut], 1); ok {
				t.Fatalf("varint32(%d) truncated at %d decoded", v, cut)
			}
		}
	}
	// Overlong encodings are rejected.
	if _, _, ok := varint32([]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, 0); ok {
		t.Fatal("6-byte varint32 accepted")
	}
}
