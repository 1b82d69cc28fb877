package record

// The fast record walk. Nearly every record a producer sends has the same
// shape: a length, timestamp and offset deltas, key and value lengths that
// each fit a varint of up to three bytes, and no headers. nextRecordFast
// decodes exactly that shape with straight-line code and no calls; for
// anything else (longer varints, headers, and every malformed record) it
// declines, and nextRecord decodes the record from the same position,
// producing the same result or error it always did. Only well-formed
// records are accepted here, so the fast path adds no way to fail.

// varint12 decodes a zig-zag varint of one to three bytes at b[p:] (up to
// ±2^20: record and value lengths, offset deltas of batches of up to a
// million records); n is 0 when the varint is longer or b ends before it
// does.
func varint12(b []byte, p int) (v int32, n int) {
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

// nextRecordFast is nextRecord for a well-formed record of the common
// shape; ok is false when the record is anything else.
func nextRecordFast(b []byte, pos int, r *rawRecord) (next int, ok bool) {
	size, n := varint12(b, pos)
	if n == 0 || size < 6 || int(size) > len(b)-pos-n {
		return pos, false
	}
	start := pos + n
	end := start + int(size)
	body := b[start:end:end]
	p := 1 // body[0] is the attributes byte
	ts, n := varint12(body, p)
	if n == 0 {
		return pos, false
	}
	p += n
	off, n := varint12(body, p)
	if n == 0 {
		return pos, false
	}
	p += n
	klen, n := varint12(body, p)
	if n == 0 {
		return pos, false
	}
	p += n
	var key []byte
	if klen >= 0 {
		if int(klen) > len(body)-p {
			return pos, false
		}
		key = body[p : p+int(klen) : p+int(klen)]
		p += int(klen)
	}
	vlen, n := varint12(body, p)
	if n == 0 {
		return pos, false
	}
	p += n
	var value []byte
	if vlen >= 0 {
		if int(vlen) > len(body)-p {
			return pos, false
		}
		value = body[p : p+int(vlen) : p+int(vlen)]
		p += int(vlen)
	}
	// Exactly one byte left: a header count of zero.
	if p != len(body)-1 || body[p] != 0 {
		return pos, false
	}
	r.attributes = int8(body[0])
	r.timestampDelta = int64(ts)
	r.offsetDelta = off
	r.key, r.hasKey = key, klen >= 0
	r.value = value
	r.numHeaders = 0
	r.headers = body[len(body):]
	return end, true
}
