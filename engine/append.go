package engine

import (
	"errors"
	"fmt"
	"math"

	"sluice/engine/internal/producer"
	"sluice/engine/internal/segment"
	"sluice/engine/record"
)

// Append validates a record batch as Kafka's LogValidator does and appends
// it. For OriginClient and OriginCoordinator records is exactly one batch:
// its base offset and leader epoch are rewritten in place (outside the
// CRC), LogAppendTime topics get the broker time (CRC recomputed), and it
// is recompressed when the topic's compression.type names another codec.
// For OriginReplication records may hold several batches whose offsets and
// epochs are kept. A rejected batch leaves the log untouched; errors wrap
// record.Err* (re-exported here), ErrOutOfOrderSequence,
// ErrInvalidProducerEpoch, ErrDiskFull (the volume is full: refused
// without writing until it has room) or ErrStorage. Out of space, the
// other segments' reservations are released and the append tried once
// more first.
func (l *Log) Append(records []byte, o AppendOptions) (AppendResult, error) {
	// The header fields an append rewrites, for a second attempt.
	var hdr [record.LogOverhead + 4]byte
	copy(hdr[:], records)
	res, flush, err := l.append(records, o)
	if errors.Is(err, ErrDiskFull) && l.eng.releaseReservations(l.logDir()) > 0 {
		// Space held reserved by other segments may be enough.
		copy(records, hdr[:min(len(hdr), len(records))])
		res, flush, err = l.append(records, o)
	}
	if err == nil && flush {
		err = l.Flush()
	}
	return res, err
}

func (l *Log) append(records []byte, o AppendOptions) (res AppendResult, flush bool, err error) {
	cfg := l.cfg.Load()
	nowMs := l.eng.opts.Now().UnixMilli()
	l.mu.Lock()
	defer l.mu.Unlock()
	if err = l.checkWritableLocked(); err != nil {
		return res, false, err
	}
	if l.logDir().full.Load() && !l.eng.roomAgain(l.logDir(), false) {
		return res, false, fmt.Errorf("%w: %s: appends are refused until space is freed", ErrDiskFull, l.logDir().path)
	}
	if o.Origin == OriginReplication {
		res, flush, err = l.appendReplicaLocked(records, cfg, nowMs)
	} else {
		res, flush, err = l.appendLeaderLocked(records, o, cfg, nowMs)
	}
	if err == nil && !res.Duplicate && res.LastOffset >= 0 {
		l.eng.clearFull(l.logDir(), "append")
	}
	return res, flush, err
}

// REQUIRES: l.mu held.
func (l *Log) validateOptionsLocked(cfg *TopicConfig, origin AppendOrigin, budget *record.Budget, nowMs int64) *record.ValidateOptions {
	vo := &l.mu.vopts
	before := min(cfg.MessageTimestampBeforeMaxMs, cfg.MessageTimestampDifferenceMaxMs)
	after := min(cfg.MessageTimestampAfterMaxMs, cfg.MessageTimestampDifferenceMaxMs)
	if before == 0 {
		before = -1 // record: negative means 0, 0 means unbounded
	}
	if after == 0 {
		after = -1
	}
	*vo = record.ValidateOptions{
		MaxMessageBytes:      cfg.MaxMessageBytes,
		Compacted:            cfg.CleanupPolicy.Compact(),
		LogAppendTime:        cfg.MessageTimestampType == TimestampLogAppendTime,
		TimestampBeforeMaxMs: before,
		TimestampAfterMaxMs:  after,
		NowMs:                nowMs,
		Origin:               int8(origin),
		MaxDecompressed:      l.eng.opts.MaxBatchDecompressed,
		Budget:               budget,
		Partition:            l.name,
	}
	return vo
}

// targetCodec is the codec batches are stored with, ok=false for "producer".
func targetCodec(cfg *TopicConfig) (record.Codec, bool) {
	switch cfg.CompressionType {
	case "producer", "":
		return 0, false
	case "uncompressed":
		return record.None, true
	}
	c, ok := record.ParseCodec(cfg.CompressionType)
	return c, ok
}

// REQUIRES: l.mu held.
func (l *Log) appendLeaderLocked(batch []byte, o AppendOptions, cfg *TopicConfig, nowMs int64) (AppendResult, bool, error) {
	h, err := l.mu.validator.Validate(batch, l.validateOptionsLocked(cfg, o.Origin, o.Budget, nowMs))
	if err != nil {
		return AppendResult{}, false, err
	}
	idempotent := h.ProducerID >= 0 && !h.IsControl()
	var lastSeq int32
	if idempotent {
		lastSeq = producer.LastSeq(h.BaseSequence, h.LastOffsetDelta)
		dup, err := l.mu.producers.Check(h.ProducerID, h.ProducerEpoch, h.BaseSequence, lastSeq)
		switch {
		case errors.Is(err, producer.ErrInvalidEpoch):
			return AppendResult{}, false, fmt.Errorf("%w: %v", ErrInvalidProducerEpoch, err)
		case errors.Is(err, producer.ErrOutOfOrderSequence):
			return AppendResult{}, false, fmt.Errorf("%w: %v", ErrOutOfOrderSequence, err)
		case dup != nil:
			return AppendResult{BaseOffset: dup.FirstOffset, LastOffset: dup.LastOffset, LogAppendTime: -1,
				LogStartOffset: l.logStart.Load(), Duplicate: true, RecordCount: h.NumRecords}, false, nil
		}
	}
	if to, ok := targetCodec(cfg); ok && to != h.Codec() {
		if batch, err = record.Recompress(batch, to); err != nil {
			return AppendResult{}, false, err
		}
		if h, err = record.ParseHeader(batch); err != nil {
			return AppendResult{}, false, err
		}
		if o.Origin != OriginReplication && len(batch) > int(cfg.MaxMessageBytes) {
			return AppendResult{}, false, fmt.Errorf("%w: the record batch is %d bytes after recompression to %s, more than max.message.bytes %d",
				ErrMessageTooLarge, len(batch), cfg.CompressionType, cfg.MaxMessageBytes)
		}
	}
	base := l.leo.Load()
	last := base + int64(h.LastOffsetDelta)
	record.SetBaseOffset(batch, base)
	record.SetPartitionLeaderEpoch(batch, o.LeaderEpoch)
	appendTime, maxTs := int64(-1), h.MaxTimestamp
	if cfg.MessageTimestampType == TimestampLogAppendTime {
		record.SetLogAppendTime(batch, nowMs)
		appendTime, maxTs = nowMs, nowMs
	}
	if err := l.maybeRollLocked(int64(len(batch)), last, maxTs, cfg, nowMs); err != nil {
		return AppendResult{}, false, err
	}
	undoEpoch, err := l.assignEpochLocked(o.LeaderEpoch, base)
	if err != nil {
		return AppendResult{}, false, err
	}
	l.active().ReserveAhead(int64(len(batch)), l.reserveStep(cfg), int64(cfg.SegmentBytes))
	if err := l.active().AppendOne(batch, segment.Batch{BaseOffset: base, LastOffset: last, MaxTimestamp: maxTs}, cfg.IndexIntervalBytes); err != nil {
		undoEpoch()
		return AppendResult{}, false, l.diskErr("append", err)
	}
	l.leo.Store(last + 1)
	l.size.Add(int64(len(batch)))
	if idempotent {
		l.mu.producers.Update(h.ProducerID, h.ProducerEpoch, producer.Batch{FirstSeq: h.BaseSequence, LastSeq: lastSeq,
			FirstOffset: base, LastOffset: last, Timestamp: maxTs})
	}
	l.mu.unflushed += int64(h.NumRecords)
	return AppendResult{BaseOffset: base, LastOffset: last, LogAppendTime: appendTime, LogStartOffset: l.logStart.Load(),
		RecordCount: h.NumRecords}, l.mu.unflushed >= cfg.FlushMessages, nil
}

// appendReplicaLocked appends a follower's copy of the leader's batches,
// keeping their offsets and epochs.
// REQUIRES: l.mu held.
func (l *Log) appendReplicaLocked(records []byte, cfg *TopicConfig, nowMs int64) (AppendResult, bool, error) {
	vo := l.validateOptionsLocked(cfg, OriginReplication, nil, nowMs)
	// Validate every batch before writing any.
	var (
		rest  = records
		first = int64(-1)
		prev  = l.leo.Load() - 1
		count int32
	)
	for len(rest) > 0 {
		b, r, err := record.NextBatch(rest)
		if err != nil {
			return AppendResult{}, false, fmt.Errorf("%w: %v", ErrCorruptMessage, err)
		}
		h, err := l.mu.validator.Validate(b, vo)
		if err != nil {
			return AppendResult{}, false, err
		}
		if h.BaseOffset <= prev {
			return AppendResult{}, false, fmt.Errorf("%w: replicated batch at offset %d is not after the log end %d of %s",
				ErrInvalidRecord, h.BaseOffset, prev+1, l.name)
		}
		if first < 0 {
			first = h.BaseOffset
		}
		prev, rest = h.LastOffset(), r
		count += h.NumRecords
	}
	if first < 0 {
		return AppendResult{BaseOffset: -1, LastOffset: -1, LogAppendTime: -1, LogStartOffset: l.logStart.Load()}, false, nil
	}
	// A failure part-way keeps the batches written before it (they are
	// whole batches; the follower fetches again from the log end).
	rest = records
	for len(rest) > 0 {
		b, r, _ := record.NextBatch(rest)
		h, _ := record.ParseHeader(b)
		if err := l.maybeRollLocked(int64(len(b)), h.LastOffset(), h.MaxTimestamp, cfg, nowMs); err != nil {
			return AppendResult{}, false, err
		}
		undoEpoch, err := l.assignEpochLocked(h.PartitionLeaderEpoch, h.BaseOffset)
		if err != nil {
			return AppendResult{}, false, err
		}
		l.active().ReserveAhead(int64(len(b)), l.reserveStep(cfg), int64(cfg.SegmentBytes))
		if err := l.active().AppendOne(b, segment.Batch{BaseOffset: h.BaseOffset, LastOffset: h.LastOffset(), MaxTimestamp: h.MaxTimestamp}, cfg.IndexIntervalBytes); err != nil {
			undoEpoch()
			return AppendResult{}, false, l.diskErr("append", err)
		}
		l.leo.Store(h.LastOffset() + 1)
		l.size.Add(int64(len(b)))
		if h.ProducerID >= 0 && !h.IsControl() {
			l.mu.producers.Update(h.ProducerID, h.ProducerEpoch, producer.Batch{FirstSeq: h.BaseSequence,
				LastSeq: producer.LastSeq(h.BaseSequence, h.LastOffsetDelta), FirstOffset: h.BaseOffset, LastOffset: h.LastOffset(), Timestamp: h.MaxTimestamp})
		}
		rest = r
	}
	l.mu.unflushed += int64(count)
	return AppendResult{BaseOffset: first, LastOffset: prev, LogAppendTime: -1, LogStartOffset: l.logStart.Load(), RecordCount: count},
		l.mu.unflushed >= cfg.FlushMessages, nil
}

// maybeRollLocked rolls the active segment when the next batch (size
// bytes, last offset last) would overflow segment.bytes, the index, or the
// segment's int32 relative offsets, or when segment.ms has passed.
// REQUIRES: l.mu held.
func (l *Log) maybeRollLocked(size, last, maxTs int64, cfg *TopicConfig, nowMs int64) error {
	s := l.active()
	if s.Empty() {
		return nil
	}
	// As Kafka's LogSegment.timeWaitedForRoll: the incoming batch's max
	// timestamp against the segment's first batch timestamp, or the
	// wall clock against the segment's creation when it has none. Batches
	// with old timestamps therefore do not roll a segment each.
	waited := nowMs - s.Created().UnixMilli()
	if first := s.FirstTimestamp(); first >= 0 {
		waited = maxTs - first
	}
	due := cfg.SegmentMs - l.mu.rollJitter
	if s.Size()+size > int64(cfg.SegmentBytes) || s.IndexFull() || !s.FitsOffsets(last) ||
		(due < math.MaxInt64 && waited > due) {
		return l.rollLocked(cfg, nowMs)
	}
	return nil
}

// assignEpochLocked records that epoch starts at offset before the batch
// starting there is written, persisting the leader-epoch-checkpoint when
// the cache changes; undo takes the entry back out of the cache if the
// write of the batch then fails (the file may keep it: entries past the
// log end are dropped on open).
// REQUIRES: l.mu held.
func (l *Log) assignEpochLocked(epoch int32, offset int64) (undo func(), err error) {
	if !l.mu.epochs.assign(epoch, offset) {
		return func() {}, nil
	}
	undo = func() { l.mu.epochs.entries = l.mu.epochs.entries[:len(l.mu.epochs.entries)-1] }
	if err := l.writeEpochsLocked(); err != nil {
		undo()
		return nil, l.diskErr("leader-epoch-checkpoint", err)
	}
	return undo, nil
}

// reserveStep is how far ahead of its appends the active segment reserves
// disk blocks: Options.ReserveAhead, or the whole segment for a topic with
// preallocate=true (Kafka's setting: it creates each segment at full size;
// here the blocks are reserved while the file keeps its size, so readers
// and recovery see the same file either way).
func (l *Log) reserveStep(cfg *TopicConfig) int64 {
	if cfg.Preallocate {
		return int64(cfg.SegmentBytes)
	}
	return l.eng.opts.ReserveAhead
}
