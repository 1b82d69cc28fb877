package record

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestValidateRejects(t *testing.T) {
	good := func(c Codec) []byte { return buildBatch(t, codecOpts(c), sampleRecords(4, 10)) }
	keyed := func(ts ...int64) []byte {
		b := NewBuilder(DefaultBuilderOptions())
		for _, x := range ts {
			b.Add([]byte("k"), []byte("v"), x)
		}
		return b.Build()
	}
	tests := []struct {
		name     string
		batch    []byte
		opts     ValidateOptions
		want     error
		msg      string  // substring of the error
		recordIx []int32 // expected RecordErrors indexes
	}{
		{name: "empty", batch: nil, want: ErrCorruptMessage},
		{name: "shorter than header", batch: good(None)[:40], want: ErrCorruptMessage},
		{name: "magic 1", batch: func() []byte { b := good(None); b[offMagic] = 1; return b }(), want: ErrInvalidRecord, msg: "magic"},
		{name: "length too small", batch: put32(good(None), offLength, 10), want: ErrCorruptMessage},
		{name: "length beyond data", batch: put32(good(None), offLength, 5000), want: ErrCorruptMessage},
		{name: "two batches", batch: append(good(None), good(None)...), want: ErrInvalidRecord, msg: "more than one batch"},
		{name: "base offset from client", batch: put64(good(None), offBaseOffset, 5), want: ErrInvalidRecord, msg: "baseOffset"},
		{name: "too large", batch: good(None), opts: ValidateOptions{MaxMessageBytes: 100}, want: ErrMessageTooLarge, msg: "exceeds the maximum configured value of 100"},
		{name: "crc", batch: func() []byte { b := good(Gzip); b[len(b)-1] ^= 1; return b }(), want: ErrCorruptMessage, msg: "crc"},
		{name: "crc of header field", batch: func() []byte { b := good(None); b[offProducerID+7] ^= 1; return b }(), want: ErrCorruptMessage, msg: "crc"},
		{name: "offset range negative", batch: fixCRC(put32(good(None), offLastOffsetDelta, -1)), want: ErrInvalidRecord, msg: "invalid offset range"},
		{name: "count mismatch", batch: fixCRC(put32(good(None), offLastOffsetDelta, 7)), want: ErrInvalidRecord, msg: "Inconsistent batch offset range"},
		{name: "count zero", batch: fixCRC(put32(put32(good(None), offRecordCount, 0), offLastOffsetDelta, 0)), want: ErrInvalidRecord, msg: "Invalid reported count"},
		{name: "count negative", batch: fixCRC(put32(good(None), offRecordCount, -3)), want: ErrInvalidRecord},
		{name: "control from client", batch: func() []byte {
			o := DefaultBuilderOptions()
			o.Control = true
			return buildBatch(t, o, sampleRecords(1, 1))
		}(), want: ErrInvalidRecord, msg: "control records"},
		{name: "pid without sequence", batch: func() []byte {
			o := DefaultBuilderOptions()
			o.ProducerID, o.ProducerEpoch, o.BaseSequence = 3, 0, -1
			return buildBatch(t, o, sampleRecords(1, 1))
		}(), want: ErrInvalidRecord, msg: "Invalid sequence number -1"},
		{name: "declared more records than present", batch: fixCRC(put32(put32(good(None), offRecordCount, 5), offLastOffsetDelta, 4)), want: ErrInvalidRecord, msg: "premature EOF"},
		{name: "declared fewer records than present", batch: fixCRC(put32(put32(good(None), offRecordCount, 3), offLastOffsetDelta, 2)), want: ErrInvalidRecord, msg: "still remaining"},
		{name: "declared more records, compressed", batch: fixCRC(put32(put32(good(Zstd), offRecordCount, 5), offLastOffsetDelta, 4)), want: ErrInvalidRecord, msg: "premature EOF"},
		{name: "record length lies", batch: func() []byte { b := good(None); b[HeaderSize] = 0x7e; return fixCRC(b) }(), want: ErrInvalidRecord},
		{name: "record length short", batch: func() []byte { b := good(None); b[HeaderSize] -= 2; return fixCRC(b) }(), want: ErrInvalidRecord},
		{name: "garbage records", batch: func() []byte {
			b := good(None)
			for i := HeaderSize; i < len(b); i++ {
				b[i] = 0xff
			}
			return fixCRC(b)
		}(), want: ErrInvalidRecord},
		{name: "unknown codec", batch: func() []byte { b := good(None); b[offAttributes+1] |= 5; return fixCRC(b) }(), want: ErrUnsupportedCompression},
		{name: "corrupt gzip", batch: func() []byte { b := good(Gzip); b[HeaderSize+12] ^= 0xff; b[HeaderSize+13] ^= 0xff; return fixCRC(b) }(), want: ErrCorruptMessage},
		{name: "corrupt zstd", batch: func() []byte { b := good(Zstd); b[HeaderSize+8] ^= 0xff; return fixCRC(b) }(), want: ErrCorruptMessage},
		{name: "corrupt lz4", batch: func() []byte { b := good(LZ4); b[HeaderSize+1] ^= 0xff; return fixCRC(b) }(), want: ErrCorruptMessage},
		{name: "corrupt snappy", batch: func() []byte { b := good(Snappy); b[HeaderSize] = 0xff; return fixCRC(b) }(), want: ErrCorruptMessage},
		{name: "compacted without key", batch: good(Snappy), opts: ValidateOptions{Compacted: true}, want: ErrInvalidRecord,
			msg: "Compacted topic cannot accept message without key", recordIx: []int32{1}},
		{name: "timestamp too old", batch: keyed(testNow, testNow-2000, testNow-500, testNow-5000),
			opts: ValidateOptions{TimestampBeforeMaxMs: 1000}, want: ErrInvalidTimestamp, recordIx: []int32{1, 3}},
		{name: "timestamp in the future", batch: keyed(testNow+10, testNow+3600_001),
			opts: ValidateOptions{TimestampAfterMaxMs: 3600_000}, want: ErrInvalidTimestamp, recordIx: []int32{1}},
		{name: "timestamp and key errors", batch: func() []byte {
			b := NewBuilder(DefaultBuilderOptions())
			b.Add(nil, []byte("v"), testNow)
			b.Add([]byte("k"), []byte("v"), 1)
			return b.Build()
		}(), opts: ValidateOptions{Compacted: true, TimestampBeforeMaxMs: 1000}, want: ErrInvalidTimestamp, recordIx: []int32{0, 1}},
		{name: "producer set LogAppendTime", batch: func() []byte {
			o := DefaultBuilderOptions()
			o.LogAppendTime = true
			return buildBatch(t, o, sampleRecords(2, 1))
		}(), opts: ValidateOptions{LogAppendTime: true}, want: ErrInvalidTimestamp, msg: "LogAppendTime", recordIx: []int32{0, 1}},
		{name: "offset deltas not sequential", batch: func() []byte {
			b := NewBuilder(DefaultBuilderOptions())
			_ = b.AddRecord(&Record{OffsetDelta: 0, Timestamp: testNow})
			_ = b.AddRecord(&Record{OffsetDelta: 2, Timestamp: testNow})
			return fixCRC(put32(b.Build(), offLastOffsetDelta, 1))
		}(), want: ErrInvalidRecord, msg: "offset delta", recordIx: []int32{1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var v Validator
			o := tc.opts
			o.NowMs = testNow
			o.Partition = "t-0"
			orig := clone(tc.batch)
			_, err := v.Validate(tc.batch, &o)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if tc.msg != "" && !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("error %q lacks %q", err, tc.msg)
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("%T is not a *ValidationError", err)
			}
			var ix []int32
			for _, re := range ve.RecordErrors {
				ix = append(ix, re.Index)
				if re.Msg == "" {
					t.Fatal("record error without message")
				}
			}
			if !slices.Equal(ix, tc.recordIx) {
				t.Fatalf("record errors at %v, want %v (%v)", ix, tc.recordIx, ve.RecordErrors)
			}
			if !slices.Equal(orig, tc.batch) {
				t.Fatal("a rejected batch was modified")
			}
		})
	}
}

func TestValidateOrigins(t *testing.T) {
	var v Validator
	// The coordinator writes control batches and the replica copies
	// batches with real offsets; neither is a client.
	o := DefaultBuilderOptions()
	o.Control, o.BaseOffset = true, 77
	o.ProducerID, o.ProducerEpoch, o.BaseSequence = 1, 0, -1
	ctrl := buildBatch(t, o, []testRecord{{key: []byte{0, 0, 0, 0}, value: []byte{0, 0, 0, 0, 0, 0}, ts: testNow}})
	for _, origin := range []int8{OriginCoordinator, OriginReplication} {
		if _, err := v.Validate(ctrl, &ValidateOptions{Origin: origin, NowMs: testNow}); err != nil {
			t.Fatalf("origin %d: %v", origin, err)
		}
	}
	// Replication skips record policy (keys, timestamps, size) but not the CRC.
	noKey := buildBatch(t, DefaultBuilderOptions(), []testRecord{{value: []byte("x"), ts: 1}})
	ro := &ValidateOptions{Origin: OriginReplication, Compacted: true, TimestampBeforeMaxMs: 1, MaxMessageBytes: 10, NowMs: testNow}
	if _, err := v.Validate(noKey, ro); err != nil {
		t.Fatalf("replica: %v", err)
	}
	noKey[len(noKey)-1] ^= 1
	if _, err := v.Validate(noKey, ro); !errors.Is(err, ErrCorruptMessage) {
		t.Fatalf("replica crc: %v", err)
	}
}

func TestValidateTimestampDefaultsUnbounded(t *testing.T) {
	var v Validator
	b := buildBatch(t, DefaultBuilderOptions(), []testRecord{{key: []byte("k"), ts: 1}, {key: []byte("k"), ts: 1 << 62}})
	if _, err := v.Validate(b, &ValidateOptions{NowMs: testNow}); err != nil {
		t.Fatalf("zero options must not bound timestamps: %v", err)
	}
	// A LogAppendTime topic does not check CreateTime values at all.
	if _, err := v.Validate(b, &ValidateOptions{NowMs: testNow, LogAppendTime: true, TimestampBeforeMaxMs: 1, TimestampAfterMaxMs: 1}); err != nil {
		t.Fatalf("LogAppendTime topic: %v", err)
	}
	// -1 timestamps (NO_TIMESTAMP) are never range checked.
	nts := buildBatch(t, DefaultBuilderOptions(), []testRecord{{key: []byte("k"), ts: NoTimestamp}})
	if _, err := v.Validate(nts, &ValidateOptions{NowMs: testNow, TimestampBeforeMaxMs: 1}); err != nil {
		t.Fatalf("NO_TIMESTAMP: %v", err)
	}
	lo, hi := (&ValidateOptions{TimestampBeforeMaxMs: 1<<63 - 1, TimestampAfterMaxMs: 1<<63 - 1}).timestampBounds(testNow)
	if lo != testNow-(1<<63-1) || hi != 1<<63-1 {
		t.Fatalf("saturation: [%d, %d]", lo, hi)
	}
}

func TestValidateCorrectsMaxTimestamp(t *testing.T) {
	var v Validator
	b := buildBatch(t, DefaultBuilderOptions(), sampleRecords(3, 1))
	put64(b, offMaxTimestamp, 5)
	fixCRC(b)
	h, err := v.Validate(b, &ValidateOptions{NowMs: testNow})
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := ParseHeader(b)
	if h.MaxTimestamp != testNow+2 || h2.MaxTimestamp != testNow+2 || !CRCValid(b) || h2.CRC != h.CRC {
		t.Fatalf("maxTimestamp not corrected: %+v / %+v", h, h2)
	}
}

// TestNegativeLengthsAreNull: Kafka reads any negative key/value length as
// null, not only -1 (found by FuzzValidate: a one-byte key length of -20).
func TestNegativeLengthsAreNull(t *testing.T) {
	b := NewBuilder(DefaultBuilderOptions())
	b.Add([]byte("k"), []byte("v"), testNow)
	batch := b.Build()
	// record: len, attrs, tsDelta, offsetDelta, keyLen(1 -> zig-zag 2), 'k', ...
	keyLen := HeaderSize + 4
	if batch[keyLen] != 2 || batch[keyLen+1] != 'k' {
		t.Fatalf("unexpected layout %x", batch[HeaderSize:])
	}
	// Replace key length 1 and 'k' by the single byte 0x27 (length -20)
	// and re-frame the record one byte shorter.
	rec := append([]byte{}, batch[HeaderSize+1:keyLen]...)
	rec = append(rec, 0x27)
	rec = append(rec, batch[keyLen+2:]...)
	out := append(clone(batch[:HeaderSize]), byte(len(rec)<<1))
	out = append(out, rec...)
	put32(out, offLength, int32(len(out)-LogOverhead))
	fixCRC(out)
	var v Validator
	if _, err := v.Validate(out, &ValidateOptions{NowMs: testNow}); err != nil {
		t.Fatalf("negative key length: %v", err)
	}
	if r := collect(t, &v, out); r[0].Key != nil || string(r[0].Value) != "v" {
		t.Fatalf("decoded %+v", r[0])
	}
	if _, err := v.Validate(out, &ValidateOptions{NowMs: testNow, Compacted: true}); !errors.Is(err, ErrInvalidRecord) {
		t.Fatalf("null key on compacted topic: %v", err)
	}
}
