package record

import (
	"bytes"
	"encoding/binary"
	"errors"

	"github.com/klauspost/compress/snappy"
)

// xerialMagic opens a snappy-java (xerial) framed stream, which Java
// producers write:
//
//	| magic [8]byte 82 'S' 'N' 'A' 'P' 'P' 'Y' 0 | version int32 | compatible int32 |
//	then repeated: | blockLen int32 (big endian) | raw snappy block |
//
// A raw snappy block never starts with these bytes in practice (0x82 would
// be a varint continuation of a length > 2^7, followed by 'S' = 0x53 giving
// a length whose upper bits are 'N'...), and snappy-java itself uses the same
// test to tell the two apart.
var xerialMagic = []byte{0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0}

const xerialHeaderLen = 16

var errXerial = errors.New("snappy: malformed xerial framing")

// snappyDecode appends the decoding of src (raw or xerial-framed) to dst,
// bounded by max bytes of output.
func snappyDecode(dst, src []byte, max int) ([]byte, error) {
	if len(src) >= len(xerialMagic) && bytes.Equal(src[:len(xerialMagic)], xerialMagic) {
		if len(src) < xerialHeaderLen {
			return dst, errXerial
		}
		start := len(dst)
		p := xerialHeaderLen
		for p < len(src) {
			if len(src)-p < 4 {
				return dst[:start], errXerial
			}
			n := int(binary.BigEndian.Uint32(src[p:]))
			p += 4
			if n < 0 || n > len(src)-p {
				return dst[:start], errXerial
			}
			var err error
			if dst, err = snappyBlock(dst, src[p:p+n], max-(len(dst)-start)); err != nil {
				return dst[:start], err
			}
			p += n
		}
		return dst, nil
	}
	return snappyBlock(dst, src, max)
}

// snappyBlock appends one raw snappy block, checking its declared length
// against max before allocating.
func snappyBlock(dst, block []byte, max int) ([]byte, error) {
	n, err := snappy.DecodedLen(block)
	if err != nil {
		return dst, err
	}
	if n > max {
		return dst, errTooBig
	}
	dst = grow(dst, n)
	out, err := snappy.Decode(dst[len(dst):len(dst)+n], block)
	if err != nil {
		return dst, err
	}
	if len(out) != n {
		return dst, snappy.ErrCorrupt
	}
	return dst[:len(dst)+n], nil
}

// appendXerial frames src the way snappy-java does (32 KiB blocks). Sluice
// writes raw snappy; this exists so tests can feed what Java producers send.
func appendXerial(dst, src []byte) []byte {
	dst = append(dst, xerialMagic...)
	dst = binary.BigEndian.AppendUint32(dst, 1) // version
	dst = binary.BigEndian.AppendUint32(dst, 1) // compatible version
	for len(src) > 0 || len(dst) == xerialHeaderLen {
		chunk := src
		if len(chunk) > 32<<10 {
			chunk = chunk[:32<<10]
		}
		src = src[len(chunk):]
		enc := snappy.Encode(nil, chunk)
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(enc)))
		dst = append(dst, enc...)
		if len(src) == 0 {
			break
		}
	}
	return dst
}
