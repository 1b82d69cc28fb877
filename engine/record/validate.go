package record

import (
	"encoding/binary"
	"errors"
	"math"
	"strconv"
	"strings"

	"sluice/engine/internal/crc32c"
)

// Validator checks batches the way Kafka's LogValidator (plus the checks of
// UnifiedLog.analyzeAndValidateRecords) does. It keeps scratch slices
// between calls, so it is not safe for concurrent use; decompression
// buffers come from a package-wide pool. In steady state a batch is
// validated without allocating.
type Validator struct {
	hdrs   []RecordHeader // ForEachRecord's header scratch
	recErr []RecordError  // per-record failures of the current call
	kinds  uint8          // which sentinels recErr holds
	maxTs  int64          // max record timestamp of the last validated batch
}

const (
	kindInvalidRecord uint8 = 1 << iota
	kindInvalidTimestamp
)

// Validate checks one batch (exactly one: trailing bytes are an error) and
// returns its header. Failures wrap ErrCorruptMessage, ErrInvalidRecord,
// ErrMessageTooLarge, ErrInvalidTimestamp or ErrUnsupportedCompression and
// are *ValidationError values; record-level failures list every offending
// record in RecordErrors.
//
// Like Kafka, Validate corrects a CreateTime batch whose maxTimestamp does
// not equal its largest record timestamp, rewriting it in place (and the
// CRC). It changes nothing else; offsets, leader epoch and LogAppendTime
// are the caller's to set (SetBaseOffset, SetPartitionLeaderEpoch,
// SetLogAppendTime).
func (v *Validator) Validate(batch []byte, o *ValidateOptions) (Header, error) {
	if o == nil {
		o = &ValidateOptions{}
	}
	v.recErr = v.recErr[:0]
	v.kinds = 0
	if len(batch) <= offMagic {
		return Header{}, newError(ErrCorruptMessage, "Record batch is corrupt: "+strconv.Itoa(len(batch))+" bytes is smaller than the minimum batch overhead"+o.inPartition())
	}
	if m := int8(batch[offMagic]); m != Magic {
		return Header{}, newError(ErrInvalidRecord, "Produce requests are only allowed to contain record batches with magic version 2, got magic "+strconv.Itoa(int(m))+o.inPartition())
	}
	h, err := ParseHeader(batch)
	if err != nil {
		return h, err
	}
	if h.Size() != len(batch) {
		if h.Size() > len(batch) {
			return h, newError(ErrCorruptMessage, "Record batch is corrupt: length field says "+strconv.Itoa(h.Size())+" bytes but "+strconv.Itoa(len(batch))+" bytes are present"+o.inPartition())
		}
		return h, newError(ErrInvalidRecord, "Compressed outer record has more than one batch"+o.inPartition())
	}
	if o.Origin == OriginClient && h.BaseOffset != 0 {
		return h, newError(ErrInvalidRecord, "The baseOffset of the record batch in the append to "+o.partitionName()+" should be 0, but it is "+strconv.FormatInt(h.BaseOffset, 10))
	}
	if o.Origin != OriginReplication && len(batch) > o.maxMessageBytes() {
		return h, newError(ErrMessageTooLarge, "The record batch size in the append to "+o.partitionName()+" is "+strconv.Itoa(len(batch))+" bytes which exceeds the maximum configured value of "+strconv.Itoa(o.maxMessageBytes())+".")
	}
	// An uncompressed batch is checksummed while its records are walked,
	// a few KiB ahead of the walk, so that each record header is read from
	// cache instead of from memory a second time (see crcCursor). A CRC
	// failure still takes precedence over every later check, as in Kafka.
	fused := h.Codec() == None && o.Origin != OriginReplication
	cur := crcCursor{b: batch, done: offAttributes}
	if !fused {
		cur.finish()
		if err := cur.check(&h, o); err != nil {
			return h, err
		}
	}
	err = validateBatchHeader(&h, o)
	if err == nil && !h.Codec().Valid() {
		err = unsupported(h.Codec())
	}
	if err == nil && o.Origin != OriginReplication {
		recs, bp, rerr := v.records(batch, h.Codec(), o.maxUncompressed(), o.Budget)
		if err = rerr; err == nil {
			c := &cur
			if !fused {
				c = nil
			}
			err = v.checkRecords(&h, recs, o, c)
		}
		putBuf(bp)
	}
	if fused {
		cur.finish()
		if cerr := cur.check(&h, o); cerr != nil {
			return h, cerr
		}
	}
	if err != nil {
		return h, err
	}
	if o.Origin != OriginReplication && h.NumRecords > 0 && !o.LogAppendTime && !h.LogAppendTime() && v.maxTs != h.MaxTimestamp {
		// Kafka's setMaxTimestamp: the broker's computed value wins. Not
		// for a follower's append: its records were not walked (v.maxTs is
		// stale) and the leader's bytes are kept as they are.
		SetMaxTimestamp(batch, v.maxTs)
		h.MaxTimestamp = v.maxTs
		h.CRC = binary.BigEndian.Uint32(batch[offCRC:])
	}
	return h, nil
}

// validateBatchHeader is LogValidator.validateBatch for magic 2.
func validateBatchHeader(h *Header, o *ValidateOptions) error {
	if h.NumRecords < 0 {
		return newError(ErrInvalidRecord, "Found invalid record count "+strconv.Itoa(int(h.NumRecords))+" in magic v2 batch"+o.inPartition())
	}
	if o.Origin != OriginClient {
		return nil
	}
	countFromOffsets := int64(h.LastOffsetDelta) + 1
	rng := func() string {
		return "[" + strconv.FormatInt(h.BaseOffset, 10) + ", " + strconv.FormatInt(h.LastOffset(), 10) + "]"
	}
	switch {
	case countFromOffsets <= 0:
		return newError(ErrInvalidRecord, "Batch has an invalid offset range: "+rng()+o.inPartition())
	case h.NumRecords <= 0:
		return newError(ErrInvalidRecord, "Invalid reported count for record batch: "+strconv.Itoa(int(h.NumRecords))+o.inPartition())
	case countFromOffsets != int64(h.NumRecords):
		return newError(ErrInvalidRecord, "Inconsistent batch offset range "+rng()+" and count of records "+strconv.Itoa(int(h.NumRecords))+o.inPartition())
	case h.IsControl():
		return newError(ErrInvalidRecord, "Clients are not allowed to write control records"+o.inPartition())
	case h.HasProducerID() && h.BaseSequence < 0:
		return newError(ErrInvalidRecord, "Invalid sequence number "+strconv.Itoa(int(h.BaseSequence))+" in record batch with producerId "+strconv.FormatInt(h.ProducerID, 10)+o.inPartition())
	}
	return nil
}

// records returns the batch's records section, decompressed into a pooled
// buffer when the batch is compressed; the caller returns that buffer with
// putBuf(bp) once it is done with recs (bp is nil for uncompressed batches).
// The output is bounded by max and by what budget (if any) has left, which
// is charged for the bytes decoded.
func (v *Validator) records(batch []byte, c Codec, max int, budget *Budget) (recs []byte, bp *[]byte, err error) {
	if c == None {
		return batch[HeaderSize:], nil, nil
	}
	limit, what := max, ""
	if budget != nil {
		if left := budget.Left(); left < int64(limit) {
			limit, what = int(left), budget.describe()
		}
	}
	bp = getBuf()
	out, n, err := decompress((*bp)[:0], c, batch[HeaderSize:], limit, max)
	*bp = out
	if budget != nil {
		budget.charge(n)
	}
	if errors.Is(err, errTooBig) {
		err = tooBig(c, max, what)
	}
	return out, bp, err
}

// checkRecords walks the records section: its structure must hold exactly
// NumRecords records, and each record must pass the per-record rules.
// cur, when not nil, is the CRC of an uncompressed batch whose records
// section recs is; it is advanced ahead of the walk.
func (v *Validator) checkRecords(h *Header, recs []byte, o *ValidateOptions, cur *crcCursor) error {
	var (
		r        rawRecord
		pos      int
		n        = int(h.NumRecords)
		check    = o.Origin == OriginClient || o.Origin == OriginCoordinator
		createTm = !o.LogAppendTime
		now      int64
		lo, hi   int64
	)
	if createTm {
		now = o.now()
		lo, hi = o.timestampBounds(now)
	}
	v.maxTs = NoTimestamp
	i := 0
	if check && createTm && !h.LogAppendTime() && !noFastWalk {
		w := fastWalk{first: h.FirstTimestamp, lo: lo, hi: hi, needKey: o.Compacted, maxDelta: math.MinInt32}
		if pos, i = w.run(recs, 0, 0, n, cur); i > 0 {
			v.maxTs = h.FirstTimestamp + int64(w.maxDelta)
		}
	}
	for ; i < n; i++ {
		if pos >= len(recs) {
			return newError(ErrInvalidRecord, "Incorrect declared batch size, premature EOF reached"+o.inPartition())
		}
		if cur != nil && HeaderSize+pos+crcAhead/2 > cur.done {
			cur.advance(HeaderSize + pos + crcAhead)
		}
		var err error
		if pos, err = nextRecord(recs, pos, &r); err != nil {
			return err
		}
		ts := h.FirstTimestamp + r.timestampDelta
		if h.LogAppendTime() {
			ts = h.MaxTimestamp
		}
		if ts > v.maxTs {
			v.maxTs = ts
		}
		if !check {
			continue
		}
		if int(r.offsetDelta) != i {
			v.addRecordError(kindInvalidRecord, i, "Inner record offset delta "+strconv.Itoa(int(r.offsetDelta))+" does not match expected offset delta "+strconv.Itoa(i))
			continue
		}
		if o.Compacted && !r.hasKey {
			v.addRecordError(kindInvalidRecord, i, "Compacted topic cannot accept message without key"+o.inPartition())
			continue
		}
		if createTm && ts != NoTimestamp {
			if ts < lo || ts > hi {
				v.addRecordError(kindInvalidTimestamp, i, "Timestamp "+strconv.FormatInt(ts, 10)+" of message with offset "+strconv.FormatInt(h.BaseOffset+int64(r.offsetDelta), 10)+" is out of range. The timestamp should be within ["+strconv.FormatInt(lo, 10)+", "+strconv.FormatInt(hi, 10)+"]")
			}
		} else if h.LogAppendTime() {
			v.addRecordError(kindInvalidTimestamp, i, "Invalid timestamp type in message with offset "+strconv.FormatInt(h.BaseOffset+int64(r.offsetDelta), 10)+". Producer should not set timestamp type to LogAppendTime.")
		}
	}
	if pos != len(recs) {
		return newError(ErrInvalidRecord, "Incorrect declared batch size, records still remaining in file"+o.inPartition())
	}
	if len(v.recErr) > 0 {
		return v.recordErrors()
	}
	return nil
}

func (v *Validator) addRecordError(kind uint8, i int, msg string) {
	v.kinds |= kind
	v.recErr = append(v.recErr, RecordError{Index: int32(i), Msg: msg})
}

// recordErrors is LogValidator.processRecordErrors: any timestamp error
// makes the whole batch INVALID_TIMESTAMP, else INVALID_RECORD.
func (v *Validator) recordErrors() error {
	errs := append([]RecordError(nil), v.recErr...)
	if v.kinds&kindInvalidTimestamp != 0 {
		return &ValidationError{Kind: ErrInvalidTimestamp, Msg: "One or more records have been rejected due to invalid timestamp", RecordErrors: errs}
	}
	var b strings.Builder
	b.WriteString("One or more records have been rejected due to ")
	b.WriteString(strconv.Itoa(len(errs)))
	b.WriteString(" record errors in total, and only showing the first three errors at most: [")
	for i, e := range errs[:min(len(errs), 3)] {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("RecordError(batchIndex=" + strconv.Itoa(int(e.Index)) + ", message='" + e.Msg + "')")
	}
	b.WriteString("]")
	return &ValidationError{Kind: ErrInvalidRecord, Msg: b.String(), RecordErrors: errs}
}

// noFastWalk turns fastWalk off, for the tests that compare both loops.
var noFastWalk bool

// crcAhead is how far ahead of the record walk the fused CRC runs: small
// enough to stay in L1/L2, large enough to amortise the calls.
const crcAhead = 16 << 10

// crcCursor computes a batch's CRC-32C incrementally.
type crcCursor struct {
	b    []byte
	done int // b[offAttributes:done] is summed
	sum  uint32
}

func (c *crcCursor) advance(to int) {
	to = min(to, len(c.b))
	if to > c.done {
		c.sum = crc32c.Update(c.sum, c.b[c.done:to])
		c.done = to
	}
}

func (c *crcCursor) finish() { c.advance(len(c.b)) }

func (c *crcCursor) check(h *Header, o *ValidateOptions) error {
	if c.sum != h.CRC {
		return newError(ErrCorruptMessage, "Record is corrupt (stored crc = "+strconv.FormatUint(uint64(h.CRC), 10)+", computed crc = "+strconv.FormatUint(uint64(c.sum), 10)+")"+o.inPartition())
	}
	return nil
}
