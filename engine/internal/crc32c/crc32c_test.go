package crc32c

import (
	"hash/crc32"
	"math/bits"
	"math/rand/v2"
	"testing"
)

func reference(crc uint32, p []byte) uint32 { return crc32.Update(crc, table, p) }

// TestUpdateMatchesHashCRC32 compares every length up to a few KiB, at
// every alignment mod 32, with random initial CRCs: each length exercises a
// different split between the 256-byte loop, the 32-byte loop and the tails.
func TestUpdateMatchesHashCRC32(t *testing.T) {
	if !hasFold {
		t.Log("no VPCLMULQDQ here: Update is hash/crc32 itself")
	}
	r := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, 4096+64)
	for i := range buf {
		buf[i] = byte(r.Uint32())
	}
	for n := 0; n <= 4096; n++ {
		for _, off := range []int{0, 1, 7, 8, 15, 31} {
			p := buf[off : off+n]
			crc := r.Uint32()
			if got, want := Update(crc, p), reference(crc, p); got != want {
				t.Fatalf("len %d off %d crc %#x: Update = %#x, hash/crc32 = %#x", n, off, crc, got, want)
			}
		}
	}
}

func TestUpdateLarge(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	buf := make([]byte, 3<<20)
	for i := range buf {
		buf[i] = byte(r.Uint32())
	}
	for _, n := range []int{64 << 10, 1 << 20, 1<<20 + 4093, len(buf)} {
		if got, want := Checksum(buf[:n]), reference(0, buf[:n]); got != want {
			t.Fatalf("len %d: Checksum = %#x, hash/crc32 = %#x", n, got, want)
		}
	}
	// Split at arbitrary points, as the validator's cursor does.
	crc, pos := uint32(0), 0
	for pos < len(buf) {
		n := min(r.IntN(40<<10), len(buf)-pos)
		crc = Update(crc, buf[pos:pos+n])
		pos += n
	}
	if want := reference(0, buf); crc != want {
		t.Fatalf("incremental: %#x, hash/crc32 = %#x", crc, want)
	}
}

// TestSingleBitErrors: every single-bit flip in a folded buffer changes
// the checksum, as a CRC must; a wrong fold constant would let some
// through (or fail the comparisons above).
func TestSingleBitErrors(t *testing.T) {
	buf := make([]byte, 600)
	for i := range buf {
		buf[i] = byte(i * 7)
	}
	sum := Checksum(buf)
	for bit := 0; bit < len(buf)*8; bit++ {
		buf[bit/8] ^= 1 << (bit % 8)
		if Checksum(buf) == sum {
			t.Fatalf("flipping bit %d leaves the checksum unchanged", bit)
		}
		buf[bit/8] ^= 1 << (bit % 8)
	}
}

// TestXnModP checks the constant generator against the table-driven
// definition: x^(8k+32) mod P is the reflected CRC register after
// feeding a 1 bit followed by zeros.
func TestXnModP(t *testing.T) {
	for k := 1; k <= 300; k++ {
		msg := make([]byte, k)
		msg[0] = 1 // the first bit of the message: coefficient of x^(8k-1)
		// Raw register (no pre/post inversion) = msg·x^32 mod P = x^(8k+31) mod P.
		got := bits.Reverse32(xnModP(8*k + 31))
		want := ^crc32.Update(^uint32(0), table, msg)
		if got != want {
			t.Fatalf("k=%d: x^%d mod P = %#x reflected, CRC register %#x", k, 8*k+31, got, want)
		}
	}
}

func FuzzUpdate(f *testing.F) {
	f.Add(uint32(0), make([]byte, 300))
	f.Add(uint32(0xffffffff), make([]byte, 1000))
	f.Fuzz(func(t *testing.T, crc uint32, p []byte) {
		if got, want := Update(crc, p), reference(crc, p); got != want {
			t.Fatalf("len %d: Update = %#x, hash/crc32 = %#x", len(p), got, want)
		}
	})
}
