package wire

import "encoding/binary"

// Primitive appenders for hand-written encoders (Kafka's big-endian fixed
// widths, unsigned varints for compact lengths).

func AppendInt16(dst []byte, v int16) []byte { return binary.BigEndian.AppendUint16(dst, uint16(v)) }
func AppendInt32(dst []byte, v int32) []byte { return binary.BigEndian.AppendUint32(dst, uint32(v)) }
func AppendInt64(dst []byte, v int64) []byte { return binary.BigEndian.AppendUint64(dst, uint64(v)) }
func AppendUvarint(dst []byte, v uint32) []byte {
	return binary.AppendUvarint(dst, uint64(v))
}

// UvarintLen is the encoded size of v.
func UvarintLen(v uint32) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

// AppendString appends a string, compact (uvarint len+1) when flexible.
func AppendString(dst []byte, s string, flexible bool) []byte {
	if flexible {
		dst = AppendUvarint(dst, uint32(len(s))+1)
	} else {
		dst = AppendInt16(dst, int16(len(s)))
	}
	return append(dst, s...)
}

// AppendArrayLen appends an array length, compact (len+1) when flexible;
// n < 0 is a null array.
func AppendArrayLen(dst []byte, n int, flexible bool) []byte {
	if flexible {
		return AppendUvarint(dst, uint32(n+1))
	}
	return AppendInt32(dst, int32(n))
}

// AppendBytesLen appends the length prefix of a nullable bytes field
// (n < 0: null), compact when flexible.
func AppendBytesLen(dst []byte, n int64, flexible bool) []byte {
	if flexible {
		return AppendUvarint(dst, uint32(n+1))
	}
	return AppendInt32(dst, int32(n))
}
