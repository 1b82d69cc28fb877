package record

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// fuzzSeeds are valid batches of every codec plus a few broken ones.
func fuzzSeeds(t testing.TB) [][]byte {
	var seeds [][]byte
	for _, c := range allCodecs {
		seeds = append(seeds, buildBatch(t, codecOpts(c), sampleRecords(3, 20)))
	}
	o := DefaultBuilderOptions()
	o.ProducerID, o.ProducerEpoch, o.BaseSequence, o.Transactional = 7, 1, 0, true
	seeds = append(seeds, buildBatch(t, o, sampleRecords(2, 5)))
	plain := buildBatch(t, DefaultBuilderOptions(), sampleRecords(2, 5))
	xer := append(clone(plain[:HeaderSize]), appendXerial(nil, plain[HeaderSize:])...)
	xer[offAttributes+1] |= byte(Snappy)
	put32(xer, offLength, int32(len(xer)-LogOverhead))
	seeds = append(seeds, fixCRC(xer))
	seeds = append(seeds, nil, plain[:HeaderSize], plain[:20], append(clone(plain), plain...))
	return seeds
}

// FuzzValidate: Validate never panics, and whatever it accepts decodes to
// exactly the declared records and survives recompression.
func FuzzValidate(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s, false, int8(OriginClient), true)
		f.Add(s, true, int8(OriginReplication), false)
	}
	// fix recomputes the length field and CRC so that mutations reach the
	// record decoding instead of stopping at the checksum.
	f.Fuzz(func(t *testing.T, in []byte, compacted bool, origin int8, fix bool) {
		var v Validator
		o := &ValidateOptions{NowMs: testNow, Compacted: compacted, Origin: int8(uint8(origin) % 3), MaxDecompressed: 1 << 20,
			TimestampBeforeMaxMs: 1 << 40, TimestampAfterMaxMs: 1 << 40}
		batch := clone(in) // Validate may correct maxTimestamp in place
		if fix && len(batch) >= HeaderSize {
			put32(batch, offLength, int32(len(batch)-LogOverhead))
			UpdateCRC(batch)
		}
		h, err := v.Validate(batch, o)
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("error %v is not a *ValidationError", err)
			}
			return
		}
		if !CRCValid(batch) || h.Size() != len(batch) {
			t.Fatalf("accepted a batch with a bad CRC or size: %+v", h)
		}
		n := 0
		err = v.ForEachRecordLimit(batch, 1<<20, func(r *Record) error {
			if o.Origin != OriginReplication && r.OffsetDelta != int32(n) {
				t.Fatalf("record %d has offset delta %d", n, r.OffsetDelta)
			}
			n++
			return nil
		})
		if o.Origin == OriginReplication {
			return // records were not decoded by Validate
		}
		if err != nil || n != int(h.NumRecords) {
			t.Fatalf("accepted batch decodes to %d of %d records: %v", n, h.NumRecords, err)
		}
		out, err := Recompress(batch, None)
		if err != nil {
			t.Fatalf("Recompress: %v", err)
		}
		if _, err := v.Validate(out, o); err != nil {
			t.Fatalf("recompressed batch rejected: %v", err)
		}
	})
}

// FuzzNextBatch: NextBatch never panics and splits exactly.
func FuzzNextBatch(f *testing.F) {
	var blob []byte
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
		if len(s) >= HeaderSize {
			blob = append(blob, s...)
		}
	}
	f.Add(blob)
	f.Fuzz(func(t *testing.T, in []byte) {
		rest := in
		for len(rest) > 0 {
			batch, r, err := NextBatch(rest)
			if err != nil {
				if !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, ErrCorruptMessage) {
					t.Fatalf("unexpected error %v", err)
				}
				if !bytes.Equal(r, rest) || batch != nil {
					t.Fatal("failed split consumed input")
				}
				return
			}
			h, err := ParseHeader(batch)
			if err != nil || h.Size() != len(batch) || len(batch)+len(r) != len(rest) {
				t.Fatalf("split %d+%d of %d, header %+v %v", len(batch), len(r), len(rest), h, err)
			}
			var v Validator
			_ = v.ForEachRecordLimit(batch, 1<<20, func(*Record) error { return nil })
			rest = r
		}
	})
}

// FuzzDecompress: every codec's decoder survives arbitrary input and never
// returns more than the limit.
func FuzzDecompress(f *testing.F) {
	src := bytes.Repeat([]byte("seed data "), 300)
	for _, c := range allCodecs {
		comp, _ := Compress(nil, c, src)
		f.Add(int8(c), comp, uint16(4000))
	}
	f.Add(int8(Snappy), appendXerial(nil, src), uint16(3000))
	f.Fuzz(func(t *testing.T, c int8, in []byte, limit uint16) {
		out, err := Decompress([]byte("x"), Codec(c%5), in, int(limit)+1)
		if err == nil && len(out)-1 > int(limit)+1 {
			t.Fatalf("%d bytes out, limit %d", len(out)-1, int(limit)+1)
		}
		if len(out) == 0 || out[0] != 'x' {
			t.Fatal("dst prefix lost")
		}
	})
}
