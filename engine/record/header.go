package record

import (
	"encoding/binary"
	"io"

	"sluice/engine/internal/crc32c"
	"strconv"
)

// Batch header layout (magic 2). These offsets are the wire and disk format:
// never change them.
const (
	offBaseOffset      = 0
	offLength          = 8
	offLeaderEpoch     = 12
	offMagic           = 16
	offCRC             = 17
	offAttributes      = 21
	offLastOffsetDelta = 23
	offFirstTimestamp  = 27
	offMaxTimestamp    = 35
	offProducerID      = 43
	offProducerEpoch   = 51
	offBaseSequence    = 53
	offRecordCount     = 57
	offRecords         = 61

	// HeaderSize is the size of a v2 batch header; records start here.
	HeaderSize = offRecords
	// LogOverhead is the part of the header not counted in Length
	// (baseOffset + length).
	LogOverhead = 12
	// Magic is the only batch format version this package reads.
	Magic = 2
)

// Attribute bits (attributes int16).
const (
	attrCodecMask     = 0x07
	attrLogAppendTime = 0x08
	attrTransactional = 0x10
	attrControl       = 0x20
)

// NoTimestamp, NoProducerID, NoSequence are Kafka's "absent" markers.
const (
	NoTimestamp       = -1
	NoProducerID      = -1
	NoProducerEpoch   = -1
	NoSequence        = -1
	NoPartitionLeader = -1
)

// Header is a decoded batch header.
type Header struct {
	BaseOffset           int64
	Length               int32
	PartitionLeaderEpoch int32
	Magic                int8
	CRC                  uint32
	Attributes           int16
	LastOffsetDelta      int32
	FirstTimestamp       int64
	MaxTimestamp         int64
	ProducerID           int64
	ProducerEpoch        int16
	BaseSequence         int32
	NumRecords           int32
}

// ParseHeader decodes the header of the batch b starts with. It fails with
// ErrCorruptMessage when b is shorter than HeaderSize, the magic is not 2 or
// the length field is smaller than a header. It does not check the CRC.
func ParseHeader(b []byte) (Header, error) {
	if len(b) < HeaderSize {
		return Header{}, newError(ErrCorruptMessage, "Record batch is shorter than the "+strconv.Itoa(HeaderSize)+"-byte header: "+strconv.Itoa(len(b))+" bytes")
	}
	h := Header{
		BaseOffset:           int64(binary.BigEndian.Uint64(b[offBaseOffset:])),
		Length:               int32(binary.BigEndian.Uint32(b[offLength:])),
		PartitionLeaderEpoch: int32(binary.BigEndian.Uint32(b[offLeaderEpoch:])),
		Magic:                int8(b[offMagic]),
		CRC:                  binary.BigEndian.Uint32(b[offCRC:]),
		Attributes:           int16(binary.BigEndian.Uint16(b[offAttributes:])),
		LastOffsetDelta:      int32(binary.BigEndian.Uint32(b[offLastOffsetDelta:])),
		FirstTimestamp:       int64(binary.BigEndian.Uint64(b[offFirstTimestamp:])),
		MaxTimestamp:         int64(binary.BigEndian.Uint64(b[offMaxTimestamp:])),
		ProducerID:           int64(binary.BigEndian.Uint64(b[offProducerID:])),
		ProducerEpoch:        int16(binary.BigEndian.Uint16(b[offProducerEpoch:])),
		BaseSequence:         int32(binary.BigEndian.Uint32(b[offBaseSequence:])),
		NumRecords:           int32(binary.BigEndian.Uint32(b[offRecordCount:])),
	}
	if h.Magic != Magic {
		return h, newError(ErrCorruptMessage, "Unsupported record batch magic "+strconv.Itoa(int(h.Magic))+" (only magic 2 is supported)")
	}
	if h.Length < HeaderSize-LogOverhead {
		return h, newError(ErrCorruptMessage, "Record batch length "+strconv.Itoa(int(h.Length))+" is smaller than the minimum "+strconv.Itoa(HeaderSize-LogOverhead))
	}
	return h, nil
}

// Codec returns the compression codec (attributes bits 0-2).
func (h Header) Codec() Codec { return Codec(h.Attributes & attrCodecMask) }

// LogAppendTime reports whether the timestamp type is LogAppendTime (bit 3).
func (h Header) LogAppendTime() bool { return h.Attributes&attrLogAppendTime != 0 }

// IsTransactional reports attributes bit 4.
func (h Header) IsTransactional() bool { return h.Attributes&attrTransactional != 0 }

// IsControl reports attributes bit 5.
func (h Header) IsControl() bool { return h.Attributes&attrControl != 0 }

// LastOffset is BaseOffset + LastOffsetDelta.
func (h Header) LastOffset() int64 { return h.BaseOffset + int64(h.LastOffsetDelta) }

// NextOffset is LastOffset + 1.
func (h Header) NextOffset() int64 { return h.LastOffset() + 1 }

// Size is the batch's total size in bytes: LogOverhead + Length.
func (h Header) Size() int { return LogOverhead + int(h.Length) }

// HasProducerID reports whether the batch carries a producer id (>= 0).
func (h Header) HasProducerID() bool { return h.ProducerID >= 0 }

// NextBatch splits the first batch off b. It returns io.ErrUnexpectedEOF
// when b ends inside the batch (a torn tail: fewer than 17 bytes, or fewer
// than the length field announces) and ErrCorruptMessage when the length
// field or magic is nonsense. It does not check the CRC.
func NextBatch(b []byte) (batch, rest []byte, err error) {
	if len(b) < offMagic+1 {
		return nil, b, io.ErrUnexpectedEOF
	}
	length := int32(binary.BigEndian.Uint32(b[offLength:]))
	if length < HeaderSize-LogOverhead {
		return nil, b, newError(ErrCorruptMessage, "Record batch length "+strconv.Itoa(int(length))+" is smaller than the minimum "+strconv.Itoa(HeaderSize-LogOverhead))
	}
	if b[offMagic] != Magic {
		return nil, b, newError(ErrCorruptMessage, "Unsupported record batch magic "+strconv.Itoa(int(int8(b[offMagic])))+" (only magic 2 is supported)")
	}
	size := LogOverhead + int(length)
	if len(b) < size {
		return nil, b, io.ErrUnexpectedEOF
	}
	return b[:size:size], b[size:], nil
}

// CRCValid reports whether the stored CRC matches CRC-32C of batch[21:].
// batch must be exactly one batch (as NextBatch returns it).
func CRCValid(batch []byte) bool {
	if len(batch) < HeaderSize {
		return false
	}
	return binary.BigEndian.Uint32(batch[offCRC:]) == computeCRC(batch)
}

func computeCRC(batch []byte) uint32 { return crc32c.Checksum(batch[offAttributes:]) }

// UpdateCRC recomputes and stores the CRC of batch (exactly one batch).
func UpdateCRC(batch []byte) {
	if len(batch) < HeaderSize {
		return
	}
	binary.BigEndian.PutUint32(batch[offCRC:], computeCRC(batch))
}

// SetBaseOffset rewrites the base offset. The field is outside the CRC.
func SetBaseOffset(batch []byte, off int64) {
	if len(batch) < HeaderSize {
		return
	}
	binary.BigEndian.PutUint64(batch[offBaseOffset:], uint64(off))
}

// SetPartitionLeaderEpoch rewrites the leader epoch, outside the CRC.
func SetPartitionLeaderEpoch(batch []byte, e int32) {
	if len(batch) < HeaderSize {
		return
	}
	binary.BigEndian.PutUint32(batch[offLeaderEpoch:], uint32(e))
}

// SetLogAppendTime marks the batch's timestamp type LogAppendTime (bit 3),
// stores ts as its maxTimestamp and recomputes the CRC, as Kafka does for
// topics with message.timestamp.type=LogAppendTime.
func SetLogAppendTime(batch []byte, ts int64) {
	if len(batch) < HeaderSize {
		return
	}
	attrs := binary.BigEndian.Uint16(batch[offAttributes:])
	binary.BigEndian.PutUint16(batch[offAttributes:], attrs|attrLogAppendTime)
	binary.BigEndian.PutUint64(batch[offMaxTimestamp:], uint64(ts))
	UpdateCRC(batch)
}

// SetMaxTimestamp stores ts as the batch's maxTimestamp, keeping the
// timestamp type, and recomputes the CRC.
func SetMaxTimestamp(batch []byte, ts int64) {
	if len(batch) < HeaderSize {
		return
	}
	binary.BigEndian.PutUint64(batch[offMaxTimestamp:], uint64(ts))
	UpdateCRC(batch)
}
