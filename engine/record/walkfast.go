package record

// The fast record walk. Nearly every record a producer sends has the same
// shape: a length, timestamp and offset deltas, key and value lengths that
// each fit a varint of up to three bytes, and no headers. nextRecordFast
// checks exactly that shape and keeps only what validation reads; for
// anything else (longer varints, headers, and every malformed record) it
// declines, and nextRecord decodes the record from the same position,
// producing the same result or error it always did. Only well-formed
// records are accepted here, so the fast path adds no way to fail.
//
// Speed comes from inlining: varint2 (one or two bytes, the width of
// almost every field) is small enough for the compiler to inline at each
// of the five fields, and only wider varints pay for a call.

// varint2 decodes a zig-zag varint whose first two bytes are c0, c1; n is
// 0 when it is longer than two bytes.
func varint2(c0, c1 byte) (v int32, n int) {
	if c0 < 0x80 {
		return int32(c0>>1) ^ -int32(c0&1), 1
	}
	if c1 >= 0x80 {
		return 0, 0
	}
	u := uint32(c0&0x7f) | uint32(c1)<<7
	return int32(u>>1) ^ -int32(u&1), 2
}

// shortVarint decodes a zig-zag varint of one to three bytes at b[p:] (up to
// ±2^20: record and value lengths, offset deltas of batches of up to a
// million records); n is 0 when the varint is longer or b ends before it
// does.
func shortVarint(b []byte, p int) (v int32, n int) {
	if uint(p) >= uint(len(b)) {
		return 0, 0
	}
	c := b[p]
	if c < 0x80 {
		return int32(c>>1) ^ -int32(c&1), 1
	}
	if uint(p+1) >= uint(len(b)) {
		return 0, 0
	}
	u := uint32(c&0x7f) | uint32(b[p+1]&0x7f)<<7
	if b[p+1] < 0x80 {
		return int32(u>>1) ^ -int32(u&1), 2
	}
	if uint(p+2) >= uint(len(b)) || b[p+2] >= 0x80 {
		return 0, 0
	}
	u |= uint32(b[p+2]) << 14
	return int32(u>>1) ^ -int32(u&1), 3
}

// fastRecord is what the validation walk needs of a record.
type fastRecord struct {
	timestampDelta int32
	offsetDelta    int32
	hasKey         bool
}

// nextRecordFast checks the structure of a well-formed record of the
// common shape at b[pos:] and returns the position after it and the fields
// validation reads; ok is false when the record is anything else. It keeps
// no slices of the record, so the walk stores nothing per record.
//
// Every field read here is followed by at least one more byte in a
// well-formed record (the record by its attributes, each body field by the
// header count), so each varint's first two bytes can be loaded once the
// position is checked to be short of the end by one.
func nextRecordFast(b []byte, pos int) (next int, r fastRecord, ok bool) {
	if pos < 0 || pos+1 >= len(b) {
		return pos, r, false
	}
	size, n := varint2(b[pos], b[pos+1])
	if n == 0 {
		if size, n = shortVarint(b, pos); n == 0 {
			return pos, r, false
		}
	}
	if size < 6 || int(size) > len(b)-pos-n {
		return pos, r, false
	}
	start := pos + n
	end := start + int(size)
	body := b[start:end:end]
	last := len(body) - 1 // the header count's position
	p := 1                // body[0] is the attributes byte

	if r.timestampDelta, n = varint2(body[p], body[p+1]); n == 0 {
		if r.timestampDelta, n = shortVarint(body, p); n == 0 {
			return pos, r, false
		}
	}
	if p += n; p >= last {
		return pos, r, false
	}
	if r.offsetDelta, n = varint2(body[p], body[p+1]); n == 0 {
		if r.offsetDelta, n = shortVarint(body, p); n == 0 {
			return pos, r, false
		}
	}
	if p += n; p >= last {
		return pos, r, false
	}
	klen, n := varint2(body[p], body[p+1])
	if n == 0 {
		if klen, n = shortVarint(body, p); n == 0 {
			return pos, r, false
		}
	}
	p += n
	if klen > 0 {
		p += int(klen)
	}
	if p >= last {
		return pos, r, false
	}
	vlen, n := varint2(body[p], body[p+1])
	if n == 0 {
		if vlen, n = shortVarint(body, p); n == 0 {
			return pos, r, false
		}
	}
	p += n
	if vlen > 0 {
		p += int(vlen)
	}
	// Exactly one byte left: a header count of zero.
	if p != last || body[p] != 0 {
		return pos, r, false
	}
	r.hasKey = klen >= 0
	return end, r, true
}
