// Package recordtest provides deterministic sample record batches for the
// tests and fuzz seeds of packages that consume Kafka batches (engine
// recovery, produce/fetch handlers, the dump tool). It knows nothing of
// those packages.
//
// Valid samples pass record.Validator.Validate as a client produce with the
// zero ValidateOptions (unless their Origin says otherwise); each invalid
// sample names the sentinel Validate must reject it with.
package recordtest

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/klauspost/compress/snappy"

	"sluice/engine/record"
)

// BaseTime is the CreateTime of the first record of every sample.
const BaseTime = 1_700_000_000_000

// Sample is one batch.
type Sample struct {
	Name  string
	Batch []byte
	// Origin is the record.Origin* the batch is valid for (OriginClient
	// unless it is a control or offset-carrying batch).
	Origin int8
	// Want is nil for valid samples, else the sentinel Validate returns.
	Want error
	// Records is the number of records a valid sample holds.
	Records int
}

// Valid returns well-formed batches: every codec, producer ids,
// transactions, control markers, null keys and values, headers, a
// Java-style xerial snappy batch, and a 1 MiB batch of 1 KiB records (just under the default
// max.message.bytes).
func Valid() []Sample {
	var out []Sample
	add := func(name string, origin int8, n int, b []byte) {
		out = append(out, Sample{Name: name, Batch: b, Origin: origin, Records: n})
	}
	for _, c := range []record.Codec{record.None, record.Gzip, record.Snappy, record.LZ4, record.Zstd} {
		add("mixed-"+c.String(), record.OriginClient, 8, build(c, nil, mixed(8, 100)))
	}
	add("single-empty-value", record.OriginClient, 1, build(record.None, nil, []rec{{key: []byte("k"), value: []byte{}}}))
	add("null-key-null-value", record.OriginClient, 1, build(record.None, nil, []rec{{}}))
	add("idempotent", record.OriginClient, 3, build(record.None, func(o *record.BuilderOptions) {
		o.ProducerID, o.ProducerEpoch, o.BaseSequence = 1000, 0, 0
	}, mixed(3, 10)))
	add("transactional-zstd", record.OriginClient, 4, build(record.Zstd, func(o *record.BuilderOptions) {
		o.ProducerID, o.ProducerEpoch, o.BaseSequence, o.Transactional = 2000, 3, 42, true
	}, mixed(4, 10)))
	add("sequence-wraps", record.OriginClient, 3, build(record.None, func(o *record.BuilderOptions) {
		o.ProducerID, o.ProducerEpoch, o.BaseSequence = 7, 1, 1<<31-2
	}, mixed(3, 1)))
	add("many-headers", record.OriginClient, 2, build(record.LZ4, nil, []rec{
		{key: []byte("a"), value: []byte("1"), headers: []record.RecordHeader{{Key: "x", Value: []byte("y")}, {Key: "nil", Value: nil}, {Key: "", Value: []byte{}}}},
		{key: []byte("b"), value: []byte("2"), headers: []record.RecordHeader{{Key: "trace-id", Value: bytes.Repeat([]byte{7}, 300)}}},
	}))
	add("large-1000x1KiB", record.OriginClient, 1000, build(record.None, nil, sized(1000, 1024))) // just under max.message.bytes
	add("xerial-snappy", record.OriginClient, 50, xerial(mixed(50, 2000)))
	ctl := record.DefaultBuilderOptions()
	ctl.BaseOffset, ctl.ProducerID, ctl.ProducerEpoch, ctl.PartitionLeaderEpoch = 17, 2000, 3, 1
	add("commit-marker", record.OriginCoordinator, 1, record.EndTxnMarker(ctl, true, 0, BaseTime))
	add("abort-marker", record.OriginCoordinator, 1, record.EndTxnMarker(ctl, false, 0, BaseTime))
	add("replicated-offset-gap", record.OriginReplication, 2, func() []byte {
		o := record.DefaultBuilderOptions()
		o.BaseOffset, o.PartitionLeaderEpoch = 100, 4
		b := record.NewBuilder(o)
		_ = b.AddRecord(&record.Record{OffsetDelta: 1, Timestamp: BaseTime, Key: []byte("k1"), Value: []byte("v")})
		_ = b.AddRecord(&record.Record{OffsetDelta: 5, Timestamp: BaseTime + 5, Key: []byte("k5"), Value: []byte("v")})
		return b.Build()
	}())
	lat := build(record.Gzip, nil, mixed(3, 5))
	record.SetBaseOffset(lat, 300)
	record.SetLogAppendTime(lat, BaseTime+999)
	add("log-append-time-stored", record.OriginReplication, 3, lat)
	return out
}

// Invalid returns batches Validate must reject (as a client produce with
// the zero options, or the options noted in the name), each with its
// sentinel.
func Invalid() []Sample {
	good := func() []byte { return build(record.None, nil, mixed(4, 20)) }
	fix := func(b []byte) []byte { record.UpdateCRC(b); return b }
	put32 := func(b []byte, off int, v uint32) []byte { binary.BigEndian.PutUint32(b[off:], v); return b }
	var out []Sample
	add := func(name string, want error, b []byte) {
		out = append(out, Sample{Name: name, Batch: b, Want: want})
	}
	add("empty", record.ErrCorruptMessage, nil)
	add("truncated-header", record.ErrCorruptMessage, good()[:30])
	add("truncated-records", record.ErrCorruptMessage, func() []byte { b := good(); return b[:len(b)-5] }())
	add("bad-crc", record.ErrCorruptMessage, func() []byte { b := good(); b[len(b)-1] ^= 0x40; return b }())
	add("magic-1", record.ErrInvalidRecord, func() []byte { b := good(); b[16] = 1; return b }())
	add("base-offset-not-0", record.ErrInvalidRecord, func() []byte { b := good(); record.SetBaseOffset(b, 9); return b }())
	add("count-mismatch", record.ErrInvalidRecord, fix(put32(good(), 57, 3)))
	add("last-offset-delta-mismatch", record.ErrInvalidRecord, fix(put32(good(), 23, 9)))
	add("control-from-client", record.ErrInvalidRecord, func() []byte {
		o := record.DefaultBuilderOptions()
		o.ProducerID, o.ProducerEpoch = 1, 0
		return record.EndTxnMarker(o, true, 0, BaseTime)
	}())
	add("producer-id-without-sequence", record.ErrInvalidRecord, build(record.None, func(o *record.BuilderOptions) {
		o.ProducerID, o.ProducerEpoch = 5, 0
	}, mixed(2, 1)))
	add("record-length-lies", record.ErrInvalidRecord, func() []byte { b := good(); b[record.HeaderSize] = 0x7e; return fix(b) }())
	add("unknown-codec-6", record.ErrUnsupportedCompression, func() []byte { b := good(); b[22] |= 6; return fix(b) }())
	add("corrupt-zstd-payload", record.ErrCorruptMessage, func() []byte {
		b := build(record.Zstd, nil, mixed(4, 50))
		for i := record.HeaderSize + 6; i < len(b); i++ {
			b[i] ^= 0x5a
		}
		return fix(b)
	}())
	add("two-batches", record.ErrInvalidRecord, append(good(), good()...))
	return out
}

// Seeds returns every sample's bytes, for testing.F.Add.
func Seeds() [][]byte {
	var out [][]byte
	for _, s := range append(Valid(), Invalid()...) {
		out = append(out, s.Batch)
	}
	return out
}

// Concat joins the valid samples that are valid at any offset
// (replication origin) into one blob with consecutive offsets, as a
// segment file would hold them.
func Concat() []byte {
	var blob []byte
	next := int64(0)
	for _, s := range Valid() {
		b := append([]byte(nil), s.Batch...)
		h, err := record.ParseHeader(b)
		if err != nil {
			panic(fmt.Sprintf("recordtest: sample %s: %v", s.Name, err)) // a bug in this package
		}
		record.SetBaseOffset(b, next)
		next += int64(h.LastOffsetDelta) + 1
		blob = append(blob, b...)
	}
	return blob
}

type rec struct {
	key, value []byte
	ts         int64
	headers    []record.RecordHeader
}

func mixed(n, size int) []rec {
	out := make([]rec, n)
	for i := range out {
		out[i] = rec{key: []byte(fmt.Sprintf("key-%03d", i)), value: bytes.Repeat([]byte{'a' + byte(i%26)}, size), ts: BaseTime + int64(i)}
		switch i % 3 {
		case 1:
			out[i].key = nil
		case 2:
			out[i].headers = []record.RecordHeader{{Key: "h", Value: []byte{byte(i)}}}
		}
	}
	return out
}

func sized(n, size int) []rec {
	out := make([]rec, n)
	v := bytes.Repeat([]byte("0123456789abcdef"), size/16)
	for i := range out {
		out[i] = rec{key: []byte{byte(i >> 8), byte(i)}, value: v, ts: BaseTime}
	}
	return out
}

func build(c record.Codec, mod func(*record.BuilderOptions), recs []rec) []byte {
	o := record.DefaultBuilderOptions()
	o.Codec = c
	if mod != nil {
		mod(&o)
	}
	b := record.NewBuilder(o)
	for _, r := range recs {
		b.Add(r.key, r.value, r.ts, r.headers...)
	}
	return b.Build()
}

// xerial builds a snappy batch the way the Java producer does: the records
// section framed by snappy-java (magic, version 1, compatible 1, then
// big-endian length-prefixed raw snappy blocks of at most 32 KiB).
func xerial(recs []rec) []byte {
	plain := build(record.None, nil, recs)
	section := plain[record.HeaderSize:]
	out := append([]byte(nil), plain[:record.HeaderSize]...)
	out = append(out, 0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1)
	for len(section) > 0 {
		chunk := section[:min(len(section), 32<<10)]
		section = section[len(chunk):]
		block := snappy.Encode(nil, chunk)
		out = binary.BigEndian.AppendUint32(out, uint32(len(block)))
		out = append(out, block...)
	}
	out[22] |= byte(record.Snappy) // attributes low byte
	binary.BigEndian.PutUint32(out[8:], uint32(len(out)-record.LogOverhead))
	record.UpdateCRC(out)
	return out
}

// ZstdBomb returns a client batch (one record announced, base offset 0)
// whose records section is a zstd frame of about size bytes made of RLE
// blocks without a frame content size, as a hostile producer sends it:
// every 4 bytes of the frame decode to 128 KiB, so 2 KB announce about
// 64 MiB. The frame's window is 8 MiB, within what decoders accept.
func ZstdBomb(size int) []byte {
	const rleBlock = 128 << 10
	frame := []byte{0x28, 0xb5, 0x2f, 0xfd, // magic
		0x00, // descriptor: no content size, not single-segment, no checksum, no dictionary
		0x68, // window descriptor: 2^(10+13) = 8 MiB
	}
	for n := max((size-len(frame))/4, 1); n > 0; n-- {
		hdr := uint32(rleBlock)<<3 | 1<<1 // RLE block of 128 KiB
		if n == 1 {
			hdr |= 1 // last block
		}
		frame = append(frame, byte(hdr), byte(hdr>>8), byte(hdr>>16), 'x')
	}
	b := make([]byte, record.HeaderSize, record.HeaderSize+len(frame))
	b[16] = record.Magic
	binary.BigEndian.PutUint16(b[21:], uint16(record.Zstd))
	binary.BigEndian.PutUint64(b[27:], uint64(BaseTime))
	binary.BigEndian.PutUint64(b[35:], uint64(BaseTime))
	binary.BigEndian.PutUint64(b[43:], ^uint64(0)) // producer id -1
	binary.BigEndian.PutUint16(b[51:], ^uint16(0)) // producer epoch -1
	binary.BigEndian.PutUint32(b[53:], ^uint32(0)) // base sequence -1
	binary.BigEndian.PutUint32(b[57:], 1)          // one record
	b = append(b, frame...)
	binary.BigEndian.PutUint32(b[8:], uint32(len(b)-record.LogOverhead))
	record.UpdateCRC(b)
	return b
}
