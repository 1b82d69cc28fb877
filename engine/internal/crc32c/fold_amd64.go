package crc32c

import "golang.org/x/sys/cpu"

// hasFold: the folding loop needs VPCLMULQDQ on 256-bit registers (VEX
// encoded, so no AVX-512), AVX2 and SSE4.2's crc32 instruction.
// x/sys/cpu reports VPCLMULQDQ only together with AVX-512, so its CPUID
// bit is read here.
var hasFold = cpu.X86.HasAVX2 && cpu.X86.HasPCLMULQDQ && cpu.X86.HasSSE42 && cpuidVPCLMULQDQ()

var consts = foldConsts()

// fold returns the CRC-32C register (not inverted) after p, starting from
// register crc. len(p) >= foldMin.
func fold(crc uint32, p []byte) uint32 { return foldVPCLMUL(crc, p, &consts) }

//go:noescape
func foldVPCLMUL(crc uint32, p []byte, k *[10]uint64) uint32

// cpuidVPCLMULQDQ reports CPUID.(EAX=7,ECX=0):ECX bit 10.
func cpuidVPCLMULQDQ() bool
