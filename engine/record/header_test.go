package record

import (
	"errors"
	"io"
	"testing"
)

func TestNextBatchSplitsAndDetectsTornTails(t *testing.T) {
	var blob []byte
	var sizes []int
	for i, c := range allCodecs {
		o := codecOpts(c)
		o.BaseOffset = int64(i * 100)
		b := buildBatch(t, o, sampleRecords(i+1, 50))
		sizes = append(sizes, len(b))
		blob = append(blob, b...)
	}
	rest := blob
	for i := range allCodecs {
		batch, r, err := NextBatch(rest)
		if err != nil || len(batch) != sizes[i] || !CRCValid(batch) {
			t.Fatalf("batch %d: len %d err %v", i, len(batch), err)
		}
		h, err := ParseHeader(batch)
		if err != nil || h.BaseOffset != int64(i*100) || h.Codec() != allCodecs[i] {
			t.Fatalf("batch %d: %+v %v", i, h, err)
		}
		rest = r
	}
	if len(rest) != 0 {
		t.Fatalf("%d bytes left", len(rest))
	}
	// Every cut inside the last batch is a torn tail.
	last := blob[len(blob)-sizes[len(sizes)-1]:]
	for cut := 0; cut < len(last); cut++ {
		batch, rest, err := NextBatch(last[:cut])
		if cut == 0 {
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("empty: %v", err)
			}
			continue
		}
		if !errors.Is(err, io.ErrUnexpectedEOF) || batch != nil || len(rest) != cut {
			t.Fatalf("cut %d: batch %d err %v", cut, len(batch), err)
		}
	}
}

func TestNextBatchNonsense(t *testing.T) {
	b := buildBatch(t, DefaultBuilderOptions(), sampleRecords(1, 1))
	for _, l := range []int32{-1, 0, 48, -1 << 31} {
		if _, _, err := NextBatch(put32(clone(b), offLength, l)); !errors.Is(err, ErrCorruptMessage) {
			t.Fatalf("length %d: %v", l, err)
		}
	}
	bad := clone(b)
	bad[offMagic] = 1
	if _, _, err := NextBatch(bad); !errors.Is(err, ErrCorruptMessage) {
		t.Fatalf("magic: %v", err)
	}
	if _, err := ParseHeader(bad); !errors.Is(err, ErrCorruptMessage) {
		t.Fatalf("ParseHeader magic: %v", err)
	}
	if _, err := ParseHeader(b[:HeaderSize-1]); !errors.Is(err, ErrCorruptMessage) {
		t.Fatalf("ParseHeader short: %v", err)
	}
	// A huge length is a torn tail, not an allocation.
	if _, _, err := NextBatch(put32(clone(b), offLength, 1<<31-1)); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("huge length: %v", err)
	}
}

func TestHeaderAccessorsAndSetters(t *testing.T) {
	o := DefaultBuilderOptions()
	o.Codec, o.Transactional = LZ4, true
	o.ProducerID, o.ProducerEpoch, o.BaseSequence = 11, 2, 0
	b := buildBatch(t, o, sampleRecords(3, 5))
	h, err := ParseHeader(b)
	if err != nil {
		t.Fatal(err)
	}
	if h.Codec() != LZ4 || !h.IsTransactional() || h.IsControl() || h.LogAppendTime() || !h.HasProducerID() ||
		h.Magic != 2 || h.PartitionLeaderEpoch != -1 || h.LastOffset() != 2 || h.NextOffset() != 3 {
		t.Fatalf("%+v", h)
	}
	SetLogAppendTime(b, 1234)
	h, _ = ParseHeader(b)
	if !h.LogAppendTime() || h.MaxTimestamp != 1234 || !CRCValid(b) || h.Codec() != LZ4 || !h.IsTransactional() {
		t.Fatalf("after SetLogAppendTime: %+v crc ok %v", h, CRCValid(b))
	}
	var v Validator
	for _, r := range collect(t, &v, b) {
		if r.Timestamp != 1234 {
			t.Fatalf("record timestamp %d after LogAppendTime", r.Timestamp)
		}
	}
	// A LogAppendTime topic accepts the broker-stamped batch on replication.
	if _, err := v.Validate(b, &ValidateOptions{Origin: OriginReplication}); err != nil {
		t.Fatal(err)
	}
	// Setters ignore buffers too short to be a batch instead of panicking.
	for _, f := range []func([]byte){
		func(b []byte) { SetBaseOffset(b, 1) }, func(b []byte) { SetPartitionLeaderEpoch(b, 1) },
		func(b []byte) { SetLogAppendTime(b, 1) }, func(b []byte) { SetMaxTimestamp(b, 1) }, UpdateCRC,
	} {
		f(make([]byte, 10))
	}
	if CRCValid(make([]byte, 10)) {
		t.Fatal("short buffer has a valid CRC")
	}
}

func TestCodecNames(t *testing.T) {
	for _, c := range allCodecs {
		p, ok := ParseCodec(c.String())
		if !ok || p != c || !c.Valid() {
			t.Fatalf("%v", c)
		}
	}
	if Codec(5).Valid() || Codec(-1).Valid() {
		t.Fatal("invalid codec reported valid")
	}
	if _, ok := ParseCodec("producer"); ok {
		t.Fatal("producer is not a codec")
	}
}
