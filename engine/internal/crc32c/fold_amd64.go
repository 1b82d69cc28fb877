package crc32c

import (
	"hash/crc32"

	"golang.org/x/sys/cpu"
)

// hasFold: the folding loop needs VPCLMULQDQ on 256-bit registers (VEX
// encoded, so no AVX-512), AVX2 and SSE4.2's crc32 instruction.
// x/sys/cpu reports VPCLMULQDQ only together with AVX-512, so its CPUID
// bit is read here.
var hasFold = cpu.X86.HasAVX2 && cpu.X86.HasPCLMULQDQ && cpu.X86.HasSSE42 && cpuidVPCLMULQDQ()

var consts = amd64Consts()

// hybridBlock is foldHybrid's block: 256 bytes for the folding
// accumulators and three streams of hybridStream bytes for the crc32
// instruction (the assembly has these numbers written in).
const (
	hybridStream = 88
	hybridBlock  = 256 + 3*hybridStream
)

// hybridMin is the shortest input worth foldHybrid's per-call reduction.
const hybridMin = 4 * hybridBlock

// amd64Consts extends foldConsts with foldHybrid's: the fold by one block,
// and the shifts of a stream register past two streams, one stream and
// three streams (x^(8n-32) mod P, see shiftConst).
func amd64Consts() (k [16]uint64) {
	f := foldConsts()
	copy(k[:], f[:])
	k[10], k[11] = foldConst(8*hybridBlock+32), foldConst(8*hybridBlock-32)
	k[12], k[13] = shiftConst(2*hybridStream), shiftConst(hybridStream)
	k[14] = shiftConst(3 * hybridStream)
	return k
}

// fold returns the CRC-32C register (not inverted) after p, starting from
// register crc. len(p) >= foldMin.
func fold(crc uint32, p []byte) uint32 {
	if len(p) >= hybridMin {
		n := len(p) - len(p)%hybridBlock
		crc, p = foldHybrid(crc, p[:n], &consts), p[n:]
		if len(p) < foldMin {
			return ^crc32.Update(^crc, table, p)
		}
	}
	return foldVPCLMUL(crc, p, &consts)
}

//go:noescape
func foldVPCLMUL(crc uint32, p []byte, k *[16]uint64) uint32

//go:noescape
func foldHybrid(crc uint32, p []byte, k *[16]uint64) uint32

// cpuidVPCLMULQDQ reports CPUID.(EAX=7,ECX=0):ECX bit 10.
func cpuidVPCLMULQDQ() bool
