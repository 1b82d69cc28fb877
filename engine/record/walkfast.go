package record

// The fast record walk. Nearly every record a producer sends has the same
// shape: a length, timestamp and offset deltas, key and value lengths that
// each fit a varint of up to three bytes, and no headers. nextRecordFast
// checks exactly that shape and keeps only what validation reads; for
// anything else (longer varints, headers, and every malformed record) it
// declines, and nextRecord decodes the record from the same position,
// producing the same result or error it always did. Only well-formed
// records are accepted here, so the fast path adds no way to fail.

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
func nextRecordFast(b []byte, pos int) (next int, r fastRecord, ok bool) {
	size, n := shortVarint(b, pos)
	if n == 0 || size < 6 || int(size) > len(b)-pos-n {
		return pos, r, false
	}
	start := pos + n
	end := start + int(size)
	body := b[start:end:end]
	p := 1 // body[0] is the attributes byte
	if c := body[p]; c < 0x80 {
		r.timestampDelta, p = int32(c>>1)^-int32(c&1), p+1
	} else if r.timestampDelta, n = shortVarint(body, p); n == 0 {
		return pos, r, false
	} else {
		p += n
	}
	if r.offsetDelta, n = shortVarint(body, p); n == 0 {
		return pos, r, false
	}
	p += n
	klen, n := shortVarint(body, p)
	if n == 0 || int(klen) > len(body)-p-n {
		return pos, r, false
	}
	p += n
	if klen >= 0 {
		p += int(klen)
	}
	vlen, n := shortVarint(body, p)
	if n == 0 || int(vlen) > len(body)-p-n {
		return pos, r, false
	}
	p += n
	if vlen >= 0 {
		p += int(vlen)
	}
	// Exactly one byte left: a header count of zero.
	if p != len(body)-1 || body[p] != 0 {
		return pos, r, false
	}
	r.hasKey = klen >= 0
	return end, r, true
}
