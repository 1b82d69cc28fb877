package record

import "encoding/binary"

// BuilderOptions describe the batch a Builder makes. Fields are written
// literally: pass ProducerID -1 (and ProducerEpoch, BaseSequence -1) for a
// batch without a producer, as DefaultBuilderOptions does.
type BuilderOptions struct {
	Codec                Codec
	BaseOffset           int64
	PartitionLeaderEpoch int32
	ProducerID           int64
	ProducerEpoch        int16
	BaseSequence         int32
	Transactional        bool
	Control              bool
	// LogAppendTime sets attributes bit 3; records then read MaxTimestamp.
	LogAppendTime bool
	// FirstTimestamp is used only when the batch ends up without records;
	// otherwise the first record's timestamp is the batch's base timestamp.
	FirstTimestamp int64
	// LastOffsetDelta, when larger than the last record's offset delta,
	// overrides it (compaction keeps a batch's offset range when its last
	// records are removed).
	LastOffsetDelta int32
}

// DefaultBuilderOptions returns options for a plain producer batch:
// uncompressed, no producer id, leader epoch -1 (what clients send).
func DefaultBuilderOptions() BuilderOptions {
	return BuilderOptions{
		PartitionLeaderEpoch: NoPartitionLeader,
		ProducerID:           NoProducerID,
		ProducerEpoch:        NoProducerEpoch,
		BaseSequence:         NoSequence,
		FirstTimestamp:       NoTimestamp,
	}
}

// Builder builds one batch. Use NewBuilder, Add or AddRecord, then Build.
// A Builder can be reused with Reset.
type Builder struct {
	o        BuilderOptions
	recs     []byte // uncompressed records section
	n        int32
	lastOD   int32
	firstTs  int64
	maxTs    int64
	haveTime bool
}

// NewBuilder returns a Builder for one batch.
func NewBuilder(o BuilderOptions) *Builder {
	b := &Builder{}
	b.Reset(o)
	return b
}

// Reset starts a new batch, keeping the Builder's buffer.
func (b *Builder) Reset(o BuilderOptions) {
	*b = Builder{o: o, recs: b.recs[:0], lastOD: -1, maxTs: NoTimestamp}
}

// Len returns the number of records added so far.
func (b *Builder) Len() int { return int(b.n) }

// Add appends a record with the next offset delta. key or value nil means
// null; ts is the record's CreateTime in Unix milliseconds.
func (b *Builder) Add(key, value []byte, ts int64, headers ...RecordHeader) {
	b.add(b.lastOD+1, ts, 0, key, value, headers)
}

// AddRecord appends r keeping its OffsetDelta (which must be larger than
// the previous record's, else ErrInvalidRecord) and its absolute
// Timestamp; TimestampDelta and Offset are ignored.
func (b *Builder) AddRecord(r *Record) error {
	if r.OffsetDelta <= b.lastOD {
		return newError(ErrInvalidRecord, "builder: offset deltas must strictly increase")
	}
	b.add(r.OffsetDelta, r.Timestamp, r.Attributes, r.Key, r.Value, r.Headers)
	return nil
}

func (b *Builder) add(od int32, ts int64, attrs int8, key, value []byte, headers []RecordHeader) {
	if !b.haveTime {
		b.firstTs, b.haveTime = ts, true
	}
	if ts > b.maxTs {
		b.maxTs = ts
	}
	tsDelta := ts - b.firstTs
	size := 1 + varintLen(tsDelta) + varintLen(int64(od)) + bytesLen(key) + bytesLen(value) + varintLen(int64(len(headers)))
	for _, h := range headers {
		size += varintLen(int64(len(h.Key))) + len(h.Key) + bytesLen(h.Value)
	}
	r := appendVarint(b.recs, int64(size))
	r = append(r, byte(attrs))
	r = appendVarint(r, tsDelta)
	r = appendVarint(r, int64(od))
	r = appendBytes(r, key)
	r = appendBytes(r, value)
	r = appendVarint(r, int64(len(headers)))
	for _, h := range headers {
		r = appendVarint(r, int64(len(h.Key)))
		r = append(r, h.Key...)
		r = appendBytes(r, h.Value)
	}
	b.recs = r
	b.n++
	b.lastOD = od
}

func bytesLen(p []byte) int {
	if p == nil {
		return 1
	}
	return varintLen(int64(len(p))) + len(p)
}

func appendBytes(dst, p []byte) []byte {
	if p == nil {
		return appendVarint(dst, -1)
	}
	dst = appendVarint(dst, int64(len(p)))
	return append(dst, p...)
}

// Build returns the finished batch in a new slice, CRC set. It returns nil
// only when the options name an unknown codec.
func (b *Builder) Build() []byte {
	out, err := b.AppendTo(nil)
	if err != nil {
		return nil
	}
	return out
}

// AppendTo appends the finished batch to dst.
func (b *Builder) AppendTo(dst []byte) ([]byte, error) {
	if !b.o.Codec.Valid() {
		return dst, unsupported(b.o.Codec)
	}
	start := len(dst)
	dst = append(dst, make([]byte, HeaderSize)...)
	var err error
	if dst, err = Compress(dst, b.o.Codec, b.recs); err != nil {
		return dst[:start], err
	}
	first, maxTs := b.firstTs, b.maxTs
	if !b.haveTime {
		first, maxTs = b.o.FirstTimestamp, b.o.FirstTimestamp
	}
	lastOD := max(b.lastOD, b.o.LastOffsetDelta, 0)
	if b.n == 0 && b.o.LastOffsetDelta <= 0 {
		lastOD = 0
	}
	attrs := uint16(b.o.Codec)
	if b.o.LogAppendTime {
		attrs |= attrLogAppendTime
	}
	if b.o.Transactional {
		attrs |= attrTransactional
	}
	if b.o.Control {
		attrs |= attrControl
	}
	h := dst[start:]
	binary.BigEndian.PutUint64(h[offBaseOffset:], uint64(b.o.BaseOffset))
	binary.BigEndian.PutUint32(h[offLength:], uint32(len(h)-LogOverhead))
	binary.BigEndian.PutUint32(h[offLeaderEpoch:], uint32(b.o.PartitionLeaderEpoch))
	h[offMagic] = Magic
	binary.BigEndian.PutUint16(h[offAttributes:], attrs)
	binary.BigEndian.PutUint32(h[offLastOffsetDelta:], uint32(lastOD))
	binary.BigEndian.PutUint64(h[offFirstTimestamp:], uint64(first))
	binary.BigEndian.PutUint64(h[offMaxTimestamp:], uint64(maxTs))
	binary.BigEndian.PutUint64(h[offProducerID:], uint64(b.o.ProducerID))
	binary.BigEndian.PutUint16(h[offProducerEpoch:], uint16(b.o.ProducerEpoch))
	binary.BigEndian.PutUint32(h[offBaseSequence:], uint32(b.o.BaseSequence))
	binary.BigEndian.PutUint32(h[offRecordCount:], uint32(b.n))
	UpdateCRC(h)
	return dst, nil
}
