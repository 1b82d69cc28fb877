package record

import (
	"encoding/binary"
	"strconv"
)

// Record is one decoded record. Key, Value and header values alias the
// batch (or the Validator's decompression buffer): they are valid only
// until fn returns in ForEachRecord; copy what you keep.
type Record struct {
	Attributes     int8
	TimestampDelta int64
	OffsetDelta    int32
	Key, Value     []byte // nil = null
	Headers        []RecordHeader

	// Offset and Timestamp are the absolute values computed from the batch
	// header (BaseOffset+OffsetDelta; FirstTimestamp+TimestampDelta, or the
	// batch's MaxTimestamp for LogAppendTime batches). Builder.AddRecord
	// reads Timestamp, not TimestampDelta.
	Offset    int64
	Timestamp int64
}

// RecordHeader is one record header. Kafka forbids null header keys; a
// null value is nil.
type RecordHeader struct {
	Key   string
	Value []byte
}

// rawRecord is a record decoded without its headers, used on the hot
// validation path; headers is the undecoded header section.
type rawRecord struct {
	attributes     int8
	timestampDelta int64
	offsetDelta    int32
	key, value     []byte
	hasKey         bool
	numHeaders     int32
	headers        []byte
}

// recordErr is a record-structure failure: always INVALID_RECORD, as Kafka's
// DefaultRecord.readFrom throws InvalidRecordException.
func recordErr(msg string) error { return newError(ErrInvalidRecord, msg) }

var errStructure = recordErr("Found invalid record structure")

// varint32 reads a zig-zag varint that must fit in an int32. The one-byte
// case (most fields of most records) is inlined into the walk.
func varint32(b []byte, pos int) (int32, int, bool) {
	if pos < len(b) && b[pos] < 0x80 {
		c := int32(b[pos])
		return c>>1 ^ -(c & 1), pos + 1, true
	}
	return varint32Slow(b, pos)
}

// zigzag1 decodes a one-byte zig-zag varint.
func zigzag1(c byte) int32 { return int32(c>>1) ^ -int32(c&1) }

func varint32Slow(b []byte, pos int) (int32, int, bool) {
	if pos+1 < len(b) && b[pos+1] < 0x80 { // two bytes: record and value lengths up to 8 KiB
		u := uint32(b[pos]&0x7f) | uint32(b[pos+1])<<7
		if b[pos] < 0x80 {
			u = uint32(b[pos])
			return int32(u>>1) ^ -int32(u&1), pos + 1, true
		}
		return int32(u>>1) ^ -int32(u&1), pos + 2, true
	}
	var u uint32
	for i := 0; i < 5; i++ {
		if pos+i >= len(b) {
			return 0, pos, false
		}
		c := b[pos+i]
		if i == 4 && c > 0x0f {
			return 0, pos, false // more than 32 bits
		}
		u |= uint32(c&0x7f) << (7 * i)
		if c < 0x80 {
			return int32(u>>1) ^ -int32(u&1), pos + i + 1, true
		}
	}
	return 0, pos, false
}

func varint64(b []byte, pos int) (int64, int, bool) {
	if pos < len(b) && b[pos] < 0x80 {
		c := int64(b[pos])
		return c>>1 ^ -(c & 1), pos + 1, true
	}
	if pos >= len(b) {
		return 0, pos, false
	}
	v, n := binary.Varint(b[pos:])
	if n <= 0 {
		return 0, pos, false
	}
	return v, pos + n, true
}

// readBytes reads a varint length (negative = null, as Kafka reads it) and
// that many bytes.
func readBytes(b []byte, pos int) ([]byte, bool, int, bool) {
	n, pos, ok := varint32(b, pos)
	if !ok {
		return nil, false, pos, false
	}
	if n < 0 {
		return nil, false, pos, true // any negative length is null, as in Kafka
	}
	if int(n) > len(b)-pos {
		return nil, false, pos, false
	}
	end := pos + int(n)
	return b[pos:end:end], true, end, true
}

// nextRecord decodes the record at b[pos:] into r and returns the position
// after it. The record's length prefix must match its body exactly.
func nextRecord(b []byte, pos int, r *rawRecord) (int, error) {
	size, p, ok := varint32(b, pos)
	if !ok {
		return pos, errStructure
	}
	if size < 0 || int(size) > len(b)-p {
		return pos, recordErr("Invalid record size: expected " + strconv.Itoa(int(size)) + " bytes in record payload, but only " + strconv.Itoa(len(b)-p) + " bytes remain")
	}
	end := p + int(size)
	body := b[:end]
	if p >= end {
		return pos, errStructure
	}
	r.attributes = int8(body[p])
	p++
	// One-byte varints (timestamp and offset deltas of small batches,
	// short or null keys) are decoded inline: this is the produce hot path.
	if p < end && body[p] < 0x80 {
		r.timestampDelta = int64(zigzag1(body[p]))
		p++
	} else if r.timestampDelta, p, ok = varint64(body, p); !ok {
		return pos, errStructure
	}
	if p < end && body[p] < 0x80 {
		r.offsetDelta = zigzag1(body[p])
		p++
	} else if r.offsetDelta, p, ok = varint32(body, p); !ok {
		return pos, errStructure
	}
	if p < end && body[p] < 0x80 {
		n := int(zigzag1(body[p]))
		p++
		switch {
		case n < 0:
			r.key, r.hasKey = nil, false
		case n > end-p:
			return pos, errStructure
		default:
			r.key, r.hasKey = body[p:p+n:p+n], true
			p += n
		}
	} else if r.key, r.hasKey, p, ok = readBytes(body, p); !ok {
		return pos, errStructure
	}
	if r.value, _, p, ok = readBytes(body, p); !ok {
		return pos, errStructure
	}
	if p < end && body[p] < 0x80 {
		r.numHeaders = zigzag1(body[p])
		p++
	} else if r.numHeaders, p, ok = varint32(body, p); !ok {
		return pos, errStructure
	}
	if r.numHeaders < 0 {
		return pos, recordErr("Found invalid number of record headers " + strconv.Itoa(int(r.numHeaders)))
	}
	hstart := p
	for i := int32(0); i < r.numHeaders; i++ {
		var klen int32
		if klen, p, ok = varint32(body, p); !ok {
			return pos, errStructure
		}
		if klen < 0 {
			return pos, recordErr("Invalid negative header key size " + strconv.Itoa(int(klen)))
		}
		if int(klen) > end-p {
			return pos, errStructure
		}
		p += int(klen)
		if _, _, p, ok = readBytes(body, p); !ok {
			return pos, errStructure
		}
	}
	r.headers = body[hstart:p]
	if p != end {
		return pos, recordErr("Invalid record size: expected to read " + strconv.Itoa(int(size)) + " bytes in record payload, but instead read " + strconv.Itoa(int(size)-(end-p)))
	}
	return end, nil
}

// decodeHeaders appends the headers of r to dst.
func decodeHeaders(dst []RecordHeader, r *rawRecord) []RecordHeader {
	b, p := r.headers, 0
	for i := int32(0); i < r.numHeaders; i++ {
		klen, np, _ := varint32(b, p)
		p = np
		key := string(b[p : p+int(klen)])
		p += int(klen)
		val, _, np2, _ := readBytes(b, p)
		p = np2
		dst = append(dst, RecordHeader{Key: key, Value: val})
	}
	return dst
}

// appendVarint appends v zig-zag encoded.
func appendVarint(dst []byte, v int64) []byte { return binary.AppendVarint(dst, v) }

// varintLen is the encoded size of v.
func varintLen(v int64) int {
	u := uint64(v<<1) ^ uint64(v>>63)
	n := 1
	for u >= 0x80 {
		u >>= 7
		n++
	}
	return n
}
