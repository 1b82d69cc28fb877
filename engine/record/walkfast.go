package record

// The fast record walk. Nearly every record a producer sends has the same
// shape: a length, timestamp and offset deltas, key and value lengths that
// each fit a varint of up to three bytes, and no headers; and it passes
// every per-record rule. fastWalk.run takes such records one after the
// other in one tight loop, reading only what validation needs, and stops
// at the first record that is anything else (longer varints, headers, a
// rule broken, anything malformed). checkRecords' general loop then goes
// on from that record and decides about it exactly as it would have: the
// fast loop accepts only records the general one accepts without a word,
// so it adds no way to fail and changes no message.
//
// Speed comes from inlining: varint2 (one or two bytes, the width of
// almost every field) is small enough for the compiler to inline at each
// of the five fields, and only wider varints pay for a call. At 100-byte
// records the walk, not the CRC, is most of validation's cost.

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

// fastWalk holds the per-record rules of one batch for run.
type fastWalk struct {
	first    int64 // the batch's FirstTimestamp
	lo, hi   int64 // CreateTime bounds
	needKey  bool  // compacted topic
	maxDelta int32 // largest timestamp delta among the records taken
}

// run takes records from recs[pos:], the i-th onwards (i < n), while each
// has the common shape, its offset delta is its index, it has a key when
// needKey, and its CreateTime timestamp is within [lo, hi] (and not
// NoTimestamp). It returns the position and index of the first record it
// did not take. cur, when not nil, is advanced ahead of the walk as in
// checkRecords.
//
// Every field read is followed by at least one more byte in a well-formed
// record (the record by its attributes, each body field by the header
// count), so each varint's first two bytes are loaded once the position is
// checked to be short of the end by one.
func (w *fastWalk) run(recs []byte, pos, i, n int, cur *crcCursor) (int, int) {
	for ; i < n; i++ {
		if cur != nil && HeaderSize+pos+crcAhead/2 > cur.done {
			cur.advance(HeaderSize + pos + crcAhead)
		}
		if pos < 0 || pos+1 >= len(recs) {
			return pos, i
		}
		size, n1 := varint2(recs[pos], recs[pos+1])
		if n1 == 0 {
			if size, n1 = shortVarint(recs, pos); n1 == 0 {
				return pos, i
			}
		}
		if size < 6 || int(size) > len(recs)-pos-n1 {
			return pos, i
		}
		start := pos + n1
		end := start + int(size)
		body := recs[start:end:end]
		last := len(body) - 1 // the header count's position
		p := 1                // body[0] is the attributes byte

		tsDelta, k := varint2(body[p], body[p+1])
		if k == 0 {
			if tsDelta, k = shortVarint(body, p); k == 0 {
				return pos, i
			}
		}
		if p += k; p >= last {
			return pos, i
		}
		offDelta, k := varint2(body[p], body[p+1])
		if k == 0 {
			if offDelta, k = shortVarint(body, p); k == 0 {
				return pos, i
			}
		}
		if p += k; p >= last || int(offDelta) != i {
			return pos, i
		}
		klen, k := varint2(body[p], body[p+1])
		if k == 0 {
			if klen, k = shortVarint(body, p); k == 0 {
				return pos, i
			}
		}
		p += k
		if klen > 0 {
			p += int(klen)
		} else if klen < 0 && w.needKey {
			return pos, i
		}
		if p >= last {
			return pos, i
		}
		vlen, k := varint2(body[p], body[p+1])
		if k == 0 {
			if vlen, k = shortVarint(body, p); k == 0 {
				return pos, i
			}
		}
		p += k
		if vlen > 0 {
			p += int(vlen)
		}
		// Exactly one byte left: a header count of zero.
		if p != last || body[p] != 0 {
			return pos, i
		}
		if ts := w.first + int64(tsDelta); ts == NoTimestamp || ts < w.lo || ts > w.hi {
			return pos, i
		}
		w.maxDelta = max(w.maxDelta, tsDelta)
		pos = end
	}
	return pos, i
}
