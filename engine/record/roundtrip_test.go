package record

import (
	"bytes"
	"errors"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestRoundTripEveryCodec(t *testing.T) {
	shapes := []struct {
		name      string
		n, vsize  int
		base      int64
		pid       int64
		epoch     int16
		seq       int32
		txn       bool
		leaderEpo int32
	}{
		{name: "one", n: 1, vsize: 10},
		{name: "mixed-100", n: 100, vsize: 100},
		{name: "big-values", n: 20, vsize: 70 << 10}, // spans snappy/lz4 blocks
		{name: "idempotent", n: 5, vsize: 3, pid: 42, epoch: 3, seq: 7},
		{name: "transactional", n: 3, vsize: 3, pid: 9, epoch: 0, seq: 0, txn: true},
	}
	for _, c := range allCodecs {
		for _, s := range shapes {
			t.Run(c.String()+"/"+s.name, func(t *testing.T) {
				o := codecOpts(c)
				if s.pid != 0 {
					o.ProducerID, o.ProducerEpoch, o.BaseSequence, o.Transactional = s.pid, s.epoch, s.seq, s.txn
				}
				recs := sampleRecords(s.n, s.vsize)
				batch := buildBatch(t, o, recs)
				var v Validator
				h, err := v.Validate(batch, &ValidateOptions{NowMs: testNow, MaxMessageBytes: 1 << 30})
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				if h.Codec() != c || h.NumRecords != int32(s.n) || h.LastOffsetDelta != int32(s.n-1) ||
					h.FirstTimestamp != testNow || h.MaxTimestamp != testNow+int64(s.n-1) ||
					h.ProducerID != o.ProducerID || h.ProducerEpoch != o.ProducerEpoch ||
					h.BaseSequence != o.BaseSequence || h.IsTransactional() != s.txn || h.Size() != len(batch) {
					t.Fatalf("header %+v", h)
				}
				checkRecords(t, collect(t, &v, batch), recs, 0)
				// The broker-side rewrites keep the batch valid.
				SetBaseOffset(batch, 1000)
				SetPartitionLeaderEpoch(batch, 7)
				if !CRCValid(batch) {
					t.Fatal("offset/epoch rewrite broke the CRC")
				}
				h2, err := ParseHeader(batch)
				if err != nil || h2.BaseOffset != 1000 || h2.PartitionLeaderEpoch != 7 || h2.LastOffset() != 1000+int64(s.n-1) {
					t.Fatalf("after rewrite: %+v %v", h2, err)
				}
				checkRecords(t, collect(t, &v, batch), recs, 1000)
			})
		}
	}
}

// TestKmsgInterop checks our encoding against franz-go's independent one:
// batches written by kmsg validate here, and ours decode with kmsg.
func TestKmsgInterop(t *testing.T) {
	recs := sampleRecords(10, 30)
	// kmsg -> record
	var body []byte
	for i, r := range recs {
		kr := kmsg.Record{TimestampDelta64: r.ts - testNow, OffsetDelta: int32(i), Key: r.key, Value: r.value}
		for _, h := range r.headers {
			kr.Headers = append(kr.Headers, kmsg.Header{Key: h.Key, Value: h.Value})
		}
		enc := kr.AppendTo(nil)
		kr.Length = int32(len(enc) - 1) // Length itself was encoded as a 1-byte 0
		body = kr.AppendTo(body)
	}
	kb := kmsg.RecordBatch{Magic: 2, LastOffsetDelta: 9, FirstTimestamp: testNow, MaxTimestamp: testNow + 9,
		ProducerID: -1, ProducerEpoch: -1, FirstSequence: -1, NumRecords: 10, Records: body, PartitionLeaderEpoch: -1}
	raw := kb.AppendTo(nil)
	put32(raw, offLength, int32(len(raw)-LogOverhead))
	UpdateCRC(raw)
	var v Validator
	if _, err := v.Validate(raw, &ValidateOptions{NowMs: testNow}); err != nil {
		t.Fatalf("kmsg batch rejected: %v", err)
	}
	checkRecords(t, collect(t, &v, raw), recs, 0)
	ours := buildBatch(t, DefaultBuilderOptions(), recs)
	if !bytes.Equal(ours, raw) {
		t.Fatalf("Builder output differs from kmsg encoding:\n%x\n%x", ours, raw)
	}

	// record -> kmsg
	var kb2 kmsg.RecordBatch
	if err := kb2.ReadFrom(ours); err != nil {
		t.Fatal(err)
	}
	p := kb2.Records
	for i := range recs {
		var kr kmsg.Record
		if err := kr.ReadFrom(p); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if !equalNil(kr.Key, recs[i].key) || !equalNil(kr.Value, recs[i].value) || kr.OffsetDelta != int32(i) {
			t.Fatalf("record %d decoded by kmsg: %+v", i, kr)
		}
		p = p[int(kr.Length)+varintLen(int64(kr.Length)):]
	}
	if len(p) != 0 {
		t.Fatalf("%d bytes left after records", len(p))
	}
}

func TestRecompress(t *testing.T) {
	recs := sampleRecords(50, 200)
	for _, from := range allCodecs {
		for _, to := range allCodecs {
			o := codecOpts(from)
			o.ProducerID, o.ProducerEpoch, o.BaseSequence = 5, 1, 100
			src := buildBatch(t, o, recs)
			SetBaseOffset(src, 0)
			out, err := Recompress(src, to)
			if err != nil {
				t.Fatalf("%v->%v: %v", from, to, err)
			}
			var v Validator
			h, err := v.Validate(out, &ValidateOptions{NowMs: testNow})
			if err != nil {
				t.Fatalf("%v->%v: recompressed batch invalid: %v", from, to, err)
			}
			hs, _ := ParseHeader(src)
			if h.Codec() != to || h.ProducerID != 5 || h.BaseSequence != 100 || h.MaxTimestamp != hs.MaxTimestamp || h.NumRecords != 50 {
				t.Fatalf("%v->%v: header %+v", from, to, h)
			}
			checkRecords(t, collect(t, &v, out), recs, 0)
		}
	}
	if _, err := Recompress([]byte{1, 2, 3}, Zstd); !errors.Is(err, ErrCorruptMessage) {
		t.Fatalf("short input: %v", err)
	}
	if _, err := Recompress(buildBatch(t, codecOpts(None), recs[:1]), Codec(6)); !errors.Is(err, ErrUnsupportedCompression) {
		t.Fatalf("bad codec: %v", err)
	}
}

func TestBuilderAddRecordKeepsOffsetsAndReset(t *testing.T) {
	b := NewBuilder(DefaultBuilderOptions())
	for _, od := range []int32{0, 3, 9} {
		if err := b.AddRecord(&Record{OffsetDelta: od, Timestamp: testNow + int64(od), Key: []byte("k")}); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.AddRecord(&Record{OffsetDelta: 9}); !errors.Is(err, ErrInvalidRecord) {
		t.Fatalf("non-increasing delta accepted: %v", err)
	}
	batch := b.Build()
	h, err := ParseHeader(batch)
	if err != nil || h.LastOffsetDelta != 9 || h.NumRecords != 3 || !CRCValid(batch) {
		t.Fatalf("%+v %v", h, err)
	}
	var v Validator
	// Client produce requires deltas 0..n-1; replication (which carries
	// compacted batches) accepts gaps.
	if _, err := v.Validate(batch, &ValidateOptions{NowMs: testNow}); !errors.Is(err, ErrInvalidRecord) {
		t.Fatalf("client batch with offset gaps accepted: %v", err)
	}
	if _, err := v.Validate(batch, &ValidateOptions{NowMs: testNow, Origin: OriginReplication}); err != nil {
		t.Fatalf("replicated compacted batch rejected: %v", err)
	}
	var deltas []int32
	_ = v.ForEachRecord(batch, func(r *Record) error { deltas = append(deltas, r.OffsetDelta); return nil })
	if len(deltas) != 3 || deltas[1] != 3 || deltas[2] != 9 {
		t.Fatalf("deltas %v", deltas)
	}

	// An emptied batch keeps its offset range when asked to.
	o := DefaultBuilderOptions()
	o.LastOffsetDelta = 4
	o.FirstTimestamp = testNow
	b.Reset(o)
	empty := b.Build()
	h, err = ParseHeader(empty)
	if err != nil || h.NumRecords != 0 || h.LastOffsetDelta != 4 || h.FirstTimestamp != testNow || len(empty) != HeaderSize {
		t.Fatalf("empty batch %+v %v", h, err)
	}
	if _, err := v.Validate(empty, &ValidateOptions{Origin: OriginReplication}); err != nil {
		t.Fatalf("empty replicated batch: %v", err)
	}
	if _, err := v.Validate(empty, &ValidateOptions{}); !errors.Is(err, ErrInvalidRecord) {
		t.Fatalf("empty client batch: %v", err)
	}
	if NewBuilder(BuilderOptions{Codec: 7}).Build() != nil {
		t.Fatal("unknown codec built")
	}
}
