package record

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"
)

var allCodecs = []Codec{None, Gzip, Snappy, LZ4, Zstd}

const testNow = 1_700_000_000_000

// testRecord is what a test adds and expects back.
type testRecord struct {
	key, value []byte
	ts         int64
	headers    []RecordHeader
}

func sampleRecords(n, valueSize int) []testRecord {
	out := make([]testRecord, n)
	for i := range out {
		v := bytes.Repeat([]byte{byte('a' + i%26)}, valueSize)
		out[i] = testRecord{key: []byte(fmt.Sprintf("key-%d", i)), value: v, ts: testNow + int64(i)}
		switch i % 4 {
		case 1:
			out[i].key = nil
		case 2:
			out[i].headers = []RecordHeader{{Key: "h1", Value: []byte("v1")}, {Key: "", Value: nil}}
		case 3:
			out[i].key = []byte{}
			out[i].value = nil
		}
	}
	return out
}

func buildBatch(t testing.TB, o BuilderOptions, recs []testRecord) []byte {
	t.Helper()
	b := NewBuilder(o)
	for _, r := range recs {
		b.Add(r.key, r.value, r.ts, r.headers...)
	}
	out := b.Build()
	if out == nil {
		t.Fatalf("Build returned nil for %+v", o)
	}
	return out
}

func codecOpts(c Codec) BuilderOptions {
	o := DefaultBuilderOptions()
	o.Codec = c
	return o
}

// fixCRC recomputes the CRC after a test tampered with the batch.
func fixCRC(b []byte) []byte { UpdateCRC(b); return b }

func put32(b []byte, off int, v int32) []byte {
	binary.BigEndian.PutUint32(b[off:], uint32(v))
	return b
}

func put64(b []byte, off int, v int64) []byte {
	binary.BigEndian.PutUint64(b[off:], uint64(v))
	return b
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

// collect decodes every record of batch.
func collect(t testing.TB, v *Validator, batch []byte) []Record {
	t.Helper()
	var out []Record
	err := v.ForEachRecord(batch, func(r *Record) error {
		c := *r
		c.Key = cloneNil(r.Key)
		c.Value = cloneNil(r.Value)
		c.Headers = nil
		for _, h := range r.Headers {
			c.Headers = append(c.Headers, RecordHeader{Key: h.Key, Value: cloneNil(h.Value)})
		}
		out = append(out, c)
		return nil
	})
	if err != nil {
		t.Fatalf("ForEachRecord: %v", err)
	}
	return out
}

func cloneNil(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte{}, b...)
}

func equalNil(a, b []byte) bool { return (a == nil) == (b == nil) && bytes.Equal(a, b) }

func checkRecords(t testing.TB, got []Record, want []testRecord, base int64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d records, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if !equalNil(g.Key, w.key) || !equalNil(g.Value, w.value) {
			t.Fatalf("record %d: key %q value %q, want %q %q (nil-ness matters)", i, g.Key, g.Value, w.key, w.value)
		}
		if g.Timestamp != w.ts || g.Offset != base+int64(i) || g.OffsetDelta != int32(i) {
			t.Fatalf("record %d: ts %d offset %d delta %d", i, g.Timestamp, g.Offset, g.OffsetDelta)
		}
		if len(g.Headers) != len(w.headers) {
			t.Fatalf("record %d: %d headers, want %d", i, len(g.Headers), len(w.headers))
		}
		for j, h := range w.headers {
			if g.Headers[j].Key != h.Key || !equalNil(g.Headers[j].Value, h.Value) {
				t.Fatalf("record %d header %d: %+v want %+v", i, j, g.Headers[j], h)
			}
		}
	}
}
