package record

import (
	"bytes"
	"encoding/binary"
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

func TestCompressDecompressAppend(t *testing.T) {
	src := bytes.Repeat([]byte("sluice record batch "), 10000)
	for _, c := range allCodecs {
		comp, err := Compress([]byte("prefix"), c, src)
		if err != nil || string(comp[:6]) != "prefix" {
			t.Fatalf("%v: %v", c, err)
		}
		out, err := Decompress([]byte("pre"), c, comp[6:], len(src))
		if err != nil || string(out[:3]) != "pre" || !bytes.Equal(out[3:], src) {
			t.Fatalf("%v: round trip failed: %v", c, err)
		}
		if _, err := Decompress(nil, c, comp[6:], len(src)-1); !errors.Is(err, ErrInvalidRecord) {
			t.Fatalf("%v: output one byte over the limit: %v", c, err)
		}
		if empty, err := Compress(nil, c, nil); err != nil {
			t.Fatalf("%v: empty: %v", c, err)
		} else if out, err := Decompress(nil, c, empty, 10); err != nil || len(out) != 0 {
			t.Fatalf("%v: empty round trip: %q %v", c, out, err)
		}
	}
	if _, err := Compress(nil, Codec(5), src); !errors.Is(err, ErrUnsupportedCompression) {
		t.Fatal(err)
	}
	if _, err := Decompress(nil, Codec(7), src, 0); !errors.Is(err, ErrUnsupportedCompression) {
		t.Fatal(err)
	}
}

func TestSnappyXerial(t *testing.T) {
	// Hand-encoded: xerial header, one chunk holding the raw snappy block
	// for "hello" (uvarint length 5, literal tag (5-1)<<2, bytes).
	hand := []byte{0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1,
		0, 0, 0, 7, 0x05, 0x10, 'h', 'e', 'l', 'l', 'o'}
	out, err := Decompress(nil, Snappy, hand, 100)
	if err != nil || string(out) != "hello" {
		t.Fatalf("hand-made xerial: %q %v", out, err)
	}
	// The same raw block without framing.
	if out, err := Decompress(nil, Snappy, hand[20:], 100); err != nil || string(out) != "hello" {
		t.Fatalf("raw block: %q %v", out, err)
	}
	// Header only: empty payload.
	if out, err := Decompress(nil, Snappy, hand[:16], 100); err != nil || len(out) != 0 {
		t.Fatalf("empty xerial: %q %v", out, err)
	}
	for _, bad := range [][]byte{
		hand[:12],          // truncated header
		hand[:18],          // truncated chunk length
		hand[:len(hand)-1], // truncated chunk
		append(clone(hand[:16]), 0xff, 0xff, 0xff, 0xff, 1), // negative length
	} {
		if _, err := Decompress(nil, Snappy, bad, 100); !errors.Is(err, ErrCorruptMessage) {
			t.Fatalf("%x: %v", bad, err)
		}
	}
	if _, err := Decompress(nil, Snappy, hand, 4); !errors.Is(err, ErrInvalidRecord) {
		t.Fatalf("limit: %v", err)
	}

	// A Java-style batch: records section xerial-framed in 32 KiB chunks.
	recs := sampleRecords(40, 3000)
	plain := buildBatch(t, DefaultBuilderOptions(), recs)
	framed := appendXerial(nil, plain[HeaderSize:])
	chunks := 0
	for p := xerialHeaderLen; p < len(framed); chunks++ {
		p += 4 + int(binary.BigEndian.Uint32(framed[p:]))
	}
	if chunks != (len(plain)-HeaderSize+32<<10-1)/(32<<10) {
		t.Fatalf("%d xerial chunks for %d bytes, want several", chunks, len(plain)-HeaderSize)
	}
	batch := append(clone(plain[:HeaderSize]), framed...)
	batch[offAttributes+1] |= byte(Snappy)
	put32(batch, offLength, int32(len(batch)-LogOverhead))
	fixCRC(batch)
	var v Validator
	if _, err := v.Validate(batch, &ValidateOptions{NowMs: testNow}); err != nil {
		t.Fatalf("xerial batch: %v", err)
	}
	checkRecords(t, collect(t, &v, batch), recs, 0)
}

// zerosStream compresses n zero bytes with a streaming writer, which
// leaves the decompressed size out of the frame header.
func zerosStream(t *testing.T, c Codec, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w interface {
		Write([]byte) (int, error)
		Close() error
	}
	switch c {
	case Gzip:
		w = gzip.NewWriter(&buf)
	case LZ4:
		w = lz4.NewWriter(&buf)
	case Zstd:
		zw, err := zstd.NewWriter(&buf, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1))
		if err != nil {
			t.Fatal(err)
		}
		w = zw
	}
	chunk := make([]byte, 1<<20)
	for ; n > 0; n -= len(chunk) {
		if _, err := w.Write(chunk[:min(n, len(chunk))]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func bombBatch(payload []byte, c Codec) []byte {
	b := make([]byte, HeaderSize, HeaderSize+len(payload))
	b[offMagic] = Magic
	b[offAttributes+1] = byte(c)
	put32(b, offRecordCount, 1)
	put64(b, offProducerID, -1)
	put32(b, offBaseSequence, -1)
	b = append(b, payload...)
	put32(b, offLength, int32(len(b)-LogOverhead))
	return fixCRC(b)
}

func TestZstdBombFailsCleanly(t *testing.T) {
	// 256 MiB of zeros in a few KiB, no content size in the frame header.
	bomb := zerosStream(t, Zstd, 256<<20)
	t.Logf("zstd bomb: %d bytes -> 256 MiB", len(bomb))
	var v Validator
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := v.Validate(bombBatch(bomb, Zstd), &ValidateOptions{})
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrInvalidRecord) || !strings.Contains(err.Error(), "exceed the limit") {
		t.Fatalf("bomb: %v", err)
	}
	t.Logf("default 64 MiB cap: %d MiB allocated before failing", (after.TotalAlloc-before.TotalAlloc)>>20)
	// With a 4 MiB cap the work done is a small multiple of the cap, not
	// of the 256 MiB the bomb expands to.
	runtime.ReadMemStats(&before)
	_, err = v.Validate(bombBatch(bomb, Zstd), &ValidateOptions{MaxDecompressed: 4 << 20})
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrInvalidRecord) || !strings.Contains(err.Error(), "exceed the limit") {
		t.Fatalf("bomb, 4 MiB cap: %v", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
		t.Fatalf("bomb allocated %d MiB before failing under a 4 MiB cap", alloc>>20)
	}
	// A declared content size over the limit fails before decoding.
	declared := zstdEncoder().EncodeAll(make([]byte, 4<<20), nil)
	if _, err := v.Validate(bombBatch(declared, Zstd), &ValidateOptions{MaxDecompressed: 1 << 20}); !errors.Is(err, ErrInvalidRecord) || !strings.Contains(err.Error(), "exceed the limit") {
		t.Fatalf("declared size: %v", err)
	}
	// Under the cap the same payload is decompressed (and then judged as records).
	if _, err := v.Validate(bombBatch(declared, Zstd), &ValidateOptions{MaxDecompressed: 8 << 20}); !errors.Is(err, ErrInvalidRecord) {
		t.Fatalf("under the cap: %v", err)
	}
}

func TestOtherBombsBounded(t *testing.T) {
	var v Validator
	for _, c := range []Codec{Gzip, LZ4} {
		bomb := zerosStream(t, c, 8<<20)
		if _, err := v.Validate(bombBatch(bomb, c), &ValidateOptions{MaxDecompressed: 1 << 20}); !errors.Is(err, ErrInvalidRecord) || !strings.Contains(err.Error(), "exceed the limit") {
			t.Fatalf("%v bomb: %v", c, err)
		}
	}
	// A snappy block claiming 2 GiB is refused from its length prefix.
	lie := []byte{0x80, 0x80, 0x80, 0x80, 0x08, 0x00}
	if _, err := v.Validate(bombBatch(lie, Snappy), &ValidateOptions{}); !errors.Is(err, ErrInvalidRecord) || !strings.Contains(err.Error(), "exceed the limit") {
		t.Fatalf("snappy lie: %v", err)
	}
}

func TestTruncatedInputsNeverPanic(t *testing.T) {
	var v Validator
	for _, c := range allCodecs {
		b := buildBatch(t, codecOpts(c), sampleRecords(6, 40))
		for cut := 0; cut < len(b); cut++ {
			part := clone(b[:cut])
			if _, err := v.Validate(part, &ValidateOptions{NowMs: testNow}); err == nil {
				t.Fatalf("%v cut at %d accepted", c, cut)
			}
			if cut >= HeaderSize {
				// Lengths fixed up and CRC recomputed: only the records are short.
				put32(part, offLength, int32(cut-LogOverhead))
				fixCRC(part)
				if _, err := v.Validate(part, &ValidateOptions{NowMs: testNow}); err == nil {
					t.Fatalf("%v records cut at %d accepted", c, cut)
				}
				_ = v.ForEachRecord(part, func(*Record) error { return nil })
			}
		}
	}
}

func TestValidateAllocations(t *testing.T) {
	var v Validator
	o := &ValidateOptions{NowMs: testNow, MaxMessageBytes: 4 << 20, Compacted: true, TimestampBeforeMaxMs: 1 << 40}
	plain := buildBatch(t, DefaultBuilderOptions(), keyedRecords(1024, 1024))
	if a := testing.AllocsPerRun(20, func() {
		if _, err := v.Validate(plain, o); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Fatalf("uncompressed 1 MiB batch: %v allocs per Validate, want 0", a)
	}
	if raceEnabled {
		t.Log("race detector: sync.Pool drops items at random, pooled decompression not measured")
		return
	}
	for _, c := range allCodecs[1:] {
		b := buildBatch(t, codecOpts(c), keyedRecords(256, 1024))
		a := testing.AllocsPerRun(20, func() {
			if _, err := v.Validate(b, o); err != nil {
				t.Fatal(err)
			}
		})
		t.Logf("%v: %v allocs per Validate", c, a)
		if a > 8 {
			t.Fatalf("%v: %v allocs per Validate: decompression buffers are not reused", c, a)
		}
	}
}

func keyedRecords(n, valueSize int) []testRecord {
	out := make([]testRecord, n)
	v := bytes.Repeat([]byte("0123456789abcdef"), valueSize/16)
	for i := range out {
		out[i] = testRecord{key: []byte{byte(i), byte(i >> 8)}, value: v, ts: testNow}
	}
	return out
}
