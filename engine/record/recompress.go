package record

import "encoding/binary"

// Recompress returns a new batch holding batch's records compressed with
// codec to (the topic's compression.type when it differs from the
// producer's). Every header field is kept; attributes bits 0-2, the length
// and the CRC are updated. The decompressed records are bounded by
// DefaultMaxUncompressed.
func Recompress(batch []byte, to Codec) ([]byte, error) {
	h, err := ParseHeader(batch)
	if err != nil {
		return nil, err
	}
	if h.Size() > len(batch) {
		return nil, newError(ErrCorruptMessage, "Record batch is truncated")
	}
	if !to.Valid() {
		return nil, unsupported(to)
	}
	if !h.Codec().Valid() {
		return nil, unsupported(h.Codec())
	}
	batch = batch[:h.Size()]
	var raw []byte
	if h.Codec() == None {
		raw = batch[HeaderSize:]
	} else if raw, err = Decompress(nil, h.Codec(), batch[HeaderSize:], DefaultMaxUncompressed); err != nil {
		return nil, err
	}
	out := make([]byte, HeaderSize, HeaderSize+len(raw)/2+64)
	copy(out, batch[:HeaderSize])
	if out, err = Compress(out, to, raw); err != nil {
		return nil, err
	}
	attrs := uint16(h.Attributes)&^attrCodecMask | uint16(to)
	binary.BigEndian.PutUint16(out[offAttributes:], attrs)
	binary.BigEndian.PutUint32(out[offLength:], uint32(len(out)-LogOverhead))
	UpdateCRC(out)
	return out, nil
}
