#include "textflag.h"

// FOLD multiplies both lanes of accumulator ACC by the constant pair in
// Y8 (see the package doc), leaving the 96-bit results in ACC for the
// caller to XOR into the bytes the fold lands on; T is scratch.
#define FOLD(ACC, T) \
	VPCLMULQDQ $0x00, Y8, ACC, T \
	VPCLMULQDQ $0x11, Y8, ACC, ACC \
	VPXOR      T, ACC, ACC

// REDUCE8 folds the eight accumulators onto Y7 (constants at k+16..k+63):
// Y0-Y3 by 128 bytes onto Y4-Y7, Y4-Y5 by 64 onto Y6-Y7, Y6 by 32 onto Y7.
#define REDUCE8 \
	VBROADCASTI128 16(DX), Y8 \
	FOLD(Y0, Y9) \
	VPXOR Y0, Y4, Y4 \
	FOLD(Y1, Y10) \
	VPXOR Y1, Y5, Y5 \
	FOLD(Y2, Y11) \
	VPXOR Y2, Y6, Y6 \
	FOLD(Y3, Y12) \
	VPXOR Y3, Y7, Y7 \
	VBROADCASTI128 32(DX), Y8 \
	FOLD(Y4, Y9) \
	VPXOR Y4, Y6, Y6 \
	FOLD(Y5, Y10) \
	VPXOR Y5, Y7, Y7 \
	VBROADCASTI128 48(DX), Y8 \
	FOLD(Y6, Y9) \
	VPXOR Y6, Y7, Y7

// LANES folds Y7's low lane by 16 bytes onto its high lane (constants at
// k+64) and reduces those 16 bytes with the crc32 instruction from a zero
// register into AX.
#define LANES \
	VMOVDQU      64(DX), X8 \
	VEXTRACTI128 $1, Y7, X1 \
	VPCLMULQDQ   $0x00, X8, X7, X9 \
	VPCLMULQDQ   $0x11, X8, X7, X7 \
	VPXOR        X9, X7, X7 \
	VPXOR        X1, X7, X7 \
	VMOVQ        X7, BX \
	VPEXTRQ      $1, X7, R8 \
	XORL         AX, AX \
	CRC32Q       BX, AX \
	CRC32Q       R8, AX

// func foldVPCLMUL(crc uint32, p []byte, k *[16]uint64) uint32
TEXT ·foldVPCLMUL(SB), NOSPLIT, $0-44
	MOVL crc+0(FP), AX
	MOVQ p_base+8(FP), SI
	MOVQ p_len+16(FP), CX
	MOVQ k+32(FP), DX

	// The first 256 bytes, with the register XORed into the first four.
	VMOVDQU 0(SI), Y0
	VMOVDQU 32(SI), Y1
	VMOVDQU 64(SI), Y2
	VMOVDQU 96(SI), Y3
	VMOVDQU 128(SI), Y4
	VMOVDQU 160(SI), Y5
	VMOVDQU 192(SI), Y6
	VMOVDQU 224(SI), Y7
	VMOVQ   AX, X9
	VPXOR   Y9, Y0, Y0
	ADDQ    $256, SI
	SUBQ    $256, CX

	// Fold each accumulator 256 bytes forward.
	VBROADCASTI128 0(DX), Y8

loop256:
	CMPQ CX, $256
	JB   reduce
	FOLD(Y0, Y9)
	VPXOR 0(SI), Y0, Y0
	FOLD(Y1, Y10)
	VPXOR 32(SI), Y1, Y1
	FOLD(Y2, Y11)
	VPXOR 64(SI), Y2, Y2
	FOLD(Y3, Y12)
	VPXOR 96(SI), Y3, Y3
	FOLD(Y4, Y13)
	VPXOR 128(SI), Y4, Y4
	FOLD(Y5, Y14)
	VPXOR 160(SI), Y5, Y5
	FOLD(Y6, Y15)
	VPXOR 192(SI), Y6, Y6
	FOLD(Y7, Y9)
	VPXOR 224(SI), Y7, Y7
	ADDQ $256, SI
	SUBQ $256, CX
	JMP  loop256

reduce:
	REDUCE8

	// Whole 32-byte blocks left: fold Y7 onto each in turn.
loop32:
	CMPQ CX, $32
	JB   lanes
	FOLD(Y7, Y9)
	VPXOR 0(SI), Y7, Y7
	ADDQ $32, SI
	SUBQ $32, CX
	JMP  loop32

lanes:
	LANES

tail8:
	CMPQ   CX, $8
	JB     tail1
	CRC32Q (SI), AX
	ADDQ   $8, SI
	SUBQ   $8, CX
	JMP    tail8

tail1:
	TESTQ  CX, CX
	JZ     done
	CRC32B (SI), AX
	INCQ   SI
	DECQ   CX
	JMP    tail1

done:
	VZEROUPPER
	MOVL AX, ret+40(FP)
	RET

// foldHybrid: blocks of 520 bytes. The first 256 bytes of each block go to
// the eight folding accumulators, as in foldVPCLMUL; the other 264 bytes
// to three streams of the crc32 instruction (88 bytes each), which run on
// the integer units while the vector units multiply. After each block the
// three stream registers are combined (shifting the first two past the
// bytes after them with a carry-less multiply and a crc32) and the result
// is XORed into the first four bytes of the next block, exactly as the
// initial register enters the first block.

#define STREAMS(off) \
	CRC32Q 256+off(SI), R9 \
	CRC32Q 256+88+off(SI), R10 \
	CRC32Q 256+176+off(SI), R11

// COMBINE leaves in R11 the register of the last block's 264 stream
// bytes: shift(R9, 176) ^ shift(R10, 88) ^ R11, shift constants in X14.
#define COMBINE \
	VMOVQ      R9, X12 \
	VMOVQ      R10, X13 \
	VPCLMULQDQ $0x00, X14, X12, X12 \
	VPCLMULQDQ $0x10, X14, X13, X13 \
	VMOVQ      X12, R9 \
	VMOVQ      X13, R10 \
	XORL       R12, R12 \
	XORL       R13, R13 \
	CRC32Q     R9, R12 \
	CRC32Q     R10, R13 \
	XORL       R12, R11 \
	XORL       R13, R11

// func foldHybrid(crc uint32, p []byte, k *[16]uint64) uint32
TEXT ·foldHybrid(SB), NOSPLIT, $0-44
	MOVL crc+0(FP), AX
	MOVQ p_base+8(FP), SI
	MOVQ p_len+16(FP), CX
	MOVQ k+32(FP), DX
	VBROADCASTI128 80(DX), Y8
	VMOVDQU        96(DX), X14

	// The first block, with the register XORed into its first four bytes.
	VMOVDQU 0(SI), Y0
	VMOVQ   AX, X15
	VPXOR   Y15, Y0, Y0
	XORL    R9, R9
	XORL    R10, R10
	XORL    R11, R11
	STREAMS(0)
	STREAMS(8)
	VMOVDQU 32(SI), Y1
	STREAMS(16)
	STREAMS(24)
	VMOVDQU 64(SI), Y2
	STREAMS(32)
	STREAMS(40)
	VMOVDQU 96(SI), Y3
	STREAMS(48)
	VMOVDQU 128(SI), Y4
	STREAMS(56)
	VMOVDQU 160(SI), Y5
	STREAMS(64)
	VMOVDQU 192(SI), Y6
	STREAMS(72)
	VMOVDQU 224(SI), Y7
	STREAMS(80)
	ADDQ $520, SI
	SUBQ $520, CX

hybridLoop:
	COMBINE
	VMOVQ R11, X15
	CMPQ  CX, $520
	JB    hybridReduce
	FOLD(Y0, Y9)
	VPXOR   0(SI), Y0, Y0
	VPXOR   Y15, Y0, Y0
	XORL    R9, R9
	XORL    R10, R10
	XORL    R11, R11
	STREAMS(0)
	STREAMS(8)
	FOLD(Y1, Y10)
	VPXOR   32(SI), Y1, Y1
	STREAMS(16)
	STREAMS(24)
	FOLD(Y2, Y11)
	VPXOR   64(SI), Y2, Y2
	STREAMS(32)
	STREAMS(40)
	FOLD(Y3, Y12)
	VPXOR   96(SI), Y3, Y3
	STREAMS(48)
	FOLD(Y4, Y13)
	VPXOR   128(SI), Y4, Y4
	STREAMS(56)
	FOLD(Y5, Y9)
	VPXOR   160(SI), Y5, Y5
	STREAMS(64)
	FOLD(Y6, Y10)
	VPXOR   192(SI), Y6, Y6
	STREAMS(72)
	FOLD(Y7, Y11)
	VPXOR   224(SI), Y7, Y7
	STREAMS(80)
	ADDQ $520, SI
	SUBQ $520, CX
	JMP  hybridLoop

hybridReduce:
	// AX: the register up to the last block's stream bytes.
	REDUCE8
	LANES

	// Past the stream bytes: shift(AX, 264) ^ R11.
	VMOVQ      AX, X12
	VPCLMULQDQ $0x00, 112(DX), X12, X12
	VMOVQ      X12, BX
	XORL       AX, AX
	CRC32Q     BX, AX
	XORL       R11, AX
	VZEROUPPER
	MOVL AX, ret+40(FP)
	RET

// func cpuidVPCLMULQDQ() bool
TEXT ·cpuidVPCLMULQDQ(SB), NOSPLIT, $0-1
	MOVL  $7, AX
	XORL  CX, CX
	CPUID
	SHRL  $10, CX
	ANDL  $1, CX
	MOVB  CX, ret+0(FP)
	RET
