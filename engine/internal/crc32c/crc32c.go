// Package crc32c computes CRC-32C (Castagnoli), the checksum of Kafka's
// record batches, faster than hash/crc32 on CPUs with VPCLMULQDQ: about
// 1.5x for batches of 16 KiB to 1 MiB.
//
// hash/crc32 runs three streams of the SSE4.2 crc32 instruction, 8 bytes
// per stream every 3 cycles: about 8 bytes a cycle at best. Validation
// checksums every byte a producer sends, so on the append path that loop
// costs about a fifth of the write(2) that stores the batch. Carry-less
// multiplication folds 32 bytes per instruction pair instead.
//
// # Folding
//
// Read a message as a polynomial over GF(2), its first bit the highest
// coefficient. CRC-32C is M(x)·x^32 mod P(x), bit-reflected. For a 128-bit
// chunk A = Alo·x^64 + Ahi (Alo the first 8 bytes) that sits D bits before
// the end of the data that follows it,
//
//	A·x^D ≡ Alo·(x^(D+64) mod P) + Ahi·(x^D mod P)   (mod P)
//
// and the right-hand side is two 64×32-bit carry-less products of at most
// 96 bits: XORed into the chunk D bits further on, they leave the CRC of
// the whole unchanged while A drops out. The loop keeps eight 32-byte
// accumulators (sixteen 128-bit lanes) and folds each one 256 bytes
// forward per step, so the multiplications of one step are independent.
// At the end the accumulators are folded onto the last one, its two lanes
// onto the last lane, and the crc32 instruction reduces those 16 bytes
// (and the tail of the message) to the 32-bit result.
//
// The instruction multiplies bit-reflected operands, which shifts the
// product by one bit and reads constants back to front: a fold constant
// x^n mod P is stored reflected and shifted left by one, and, since the
// product lands 32 bits below where the identity above puts it, the
// constants for a fold of D bits are x^(D+32) mod P (for Alo) and
// x^(D-32) mod P (for Ahi); foldConst computes them at start-up.
//
// The initial CRC enters by XORing the (non-inverted) register into the
// first four bytes of the message, which adds I·x^(8n) to M·x^32, as the
// register would.
//
// # Both units at once
//
// On the CPUs measured here the vector multiplier alone reaches only
// about the crc32 instruction's speed, but the two run on different
// units. For inputs of a few KiB and more, foldHybrid cuts the input into
// blocks of 256 bytes for the accumulators followed by three 88-byte
// streams for three independent crc32 chains. A stream's register r (from
// zero) stands for its bytes; r·x^(8n) mod P moves it past n more bytes,
// computed as crc32(0, clmul(r, x^(8n-32) mod P)) (shiftConst). The three
// registers combined are XORed into the first four bytes of the next
// block, the way the initial register enters the first.
package crc32c

import (
	"hash/crc32"
	"math/bits"
)

// Size is the size of a CRC-32C checksum in bytes.
const Size = 4

var table = crc32.MakeTable(crc32.Castagnoli)

// foldMin is the shortest input the folding loop takes: its first step
// loads 256 bytes. Shorter inputs go to hash/crc32.
const foldMin = 256

// Update returns the CRC-32C of p appended to data whose CRC-32C is crc,
// as crc32.Update(crc, crc32.MakeTable(crc32.Castagnoli), p) does.
func Update(crc uint32, p []byte) uint32 {
	if hasFold && len(p) >= foldMin {
		return ^fold(^crc, p)
	}
	return crc32.Update(crc, table, p)
}

// Checksum returns the CRC-32C of p.
func Checksum(p []byte) uint32 { return Update(0, p) }

// poly is CRC-32C's generator without its x^32 term, bit i the coefficient
// of x^i.
const poly = 0x1EDC6F41

// xnModP returns x^n mod P, bit i the coefficient of x^i.
func xnModP(n int) uint32 {
	r := uint32(1)
	for ; n > 0; n-- {
		hi := r >> 31
		r <<= 1
		r ^= poly & -hi
	}
	return r
}

// foldConst is x^n mod P as the carry-less multiply wants it: reflected,
// then shifted left by one.
func foldConst(n int) uint64 { return uint64(bits.Reverse32(xnModP(n))) << 1 }

// shiftConst is the constant that moves a CRC register r past n more
// bytes: crc32(0, clmul(r, shiftConst(n))) = r·x^(8n) mod P. The product
// of r (degree < 32) and x^(8n-32) mod P fits 64 bits, and the crc32
// instruction over those 8 bytes multiplies by x^32 and reduces.
func shiftConst(n int) uint64 { return foldConst(8*n - 32) }

// foldConsts returns the constant pairs (for the first and second 8 bytes
// of a 128-bit lane) that fold a lane forward by 2048, 1024, 512, 256 and
// 128 bits, in that order: the layout the assembly reads.
func foldConsts() (k [10]uint64) {
	for i, d := range []int{2048, 1024, 512, 256, 128} {
		k[2*i] = foldConst(d + 32)
		k[2*i+1] = foldConst(d - 32)
	}
	return k
}
