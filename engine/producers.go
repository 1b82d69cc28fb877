package engine

import (
	"sort"
	"strconv"
	"strings"

	"sluice/engine/internal/checkpoint"
	"sluice/engine/internal/producer"
	"sluice/engine/record"
)

const snapshotSuffix = ".snapshot"

// writeSnapshotLocked persists the producer table as of offset (which must
// be the log end) to <offset>.snapshot (format: package producer).
// REQUIRES: l.mu held.
func (l *Log) writeSnapshotLocked(offset int64) error {
	return checkpoint.Write(l.eng.fs, l.snapshotPath(offset), l.mu.producers.Encode())
}

// snapshotOffsets lists the offsets of the partition's snapshot files.
func (l *Log) snapshotOffsets() ([]int64, error) {
	ents, err := l.eng.fs.ReadDir(l.dirPath())
	if err != nil {
		return nil, err
	}
	var out []int64
	for _, e := range ents {
		name := e.Name()
		if !strings.HasSuffix(name, snapshotSuffix) {
			continue
		}
		off, err := strconv.ParseInt(strings.TrimSuffix(name, snapshotSuffix), 10, 64)
		if err == nil && len(name) == 20+len(snapshotSuffix) {
			out = append(out, off)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out, nil
}

// rebuildProducersLocked restores the producer table for the current log
// end: snapshots past it are deleted, the latest readable one at or below
// it is loaded and the batches after it are replayed from the segments.
// REQUIRES: l.mu held.
func (l *Log) rebuildProducersLocked() error {
	leo := l.leo.Load()
	offs, err := l.snapshotOffsets()
	if err != nil {
		return err
	}
	state, from := producer.NewState(), l.mu.segs[0].Base()
	for i := len(offs) - 1; i >= 0; i-- {
		off := offs[i]
		if off > leo {
			_ = l.eng.fs.Remove(l.snapshotPath(off))
			continue
		}
		data, err := checkpoint.Read(l.eng.fs, l.snapshotPath(off))
		if err == nil {
			var st *producer.State
			if st, err = producer.Decode(data); err == nil {
				state, from = st, max(off, from)
				break
			}
		}
		l.eng.opts.Logger.Warn("ignoring unreadable producer snapshot", "component", "engine", "partition", l.name, "offset", off, "err", err)
		_ = l.eng.fs.Remove(l.snapshotPath(off))
	}
	l.mu.producers = state
	err = l.walkBatchesLocked(from, func(h *record.Header) {
		if h.ProducerID >= 0 && !h.IsControl() {
			state.Update(h.ProducerID, h.ProducerEpoch, producer.Batch{FirstSeq: h.BaseSequence,
				LastSeq: producer.LastSeq(h.BaseSequence, h.LastOffsetDelta), FirstOffset: h.BaseOffset,
				LastOffset: h.LastOffset(), Timestamp: h.MaxTimestamp})
		}
	})
	// Producers that expired while the log was closed are not brought back
	// (Kafka filters them when it loads a snapshot).
	state.RemoveExpired(l.eng.opts.Now().UnixMilli(), l.eng.opts.ProducerIDExpiration.Milliseconds())
	return err
}

// RunProducerExpiration forgets, in every log, the idempotent producers
// whose last batch is producer.id.expiration.ms old (Kafka's
// PeriodicProducerExpirationCheck); the next snapshot leaves them out. The
// background goroutine calls it every producer.id.expiration.check.interval.ms;
// tests with DisableBackground call it directly.
func (e *Engine) RunProducerExpiration() {
	nowMs, expMs := e.opts.Now().UnixMilli(), e.opts.ProducerIDExpiration.Milliseconds()
	for _, l := range e.Logs() {
		l.removeExpiredProducers(nowMs, expMs)
	}
}

func (l *Log) removeExpiredProducers(nowMs, expMs int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.mu.closed || l.mu.producers == nil {
		return
	}
	if n := l.mu.producers.RemoveExpired(nowMs, expMs); n > 0 {
		l.eng.opts.Logger.Debug("expired producer ids", "component", "engine", "partition", l.name,
			"removed", n, "left", l.mu.producers.Len())
	}
}

// ProducerCount is the number of idempotent producers whose state the log
// keeps (Kafka's ProducerIdCount, per partition).
func (l *Log) ProducerCount() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.mu.producers == nil {
		return 0
	}
	return l.mu.producers.Len()
}

// walkBatchesLocked calls fn with the header of every batch whose last
// offset is >= from, in order, reading headers only.
// REQUIRES: l.mu held.
func (l *Log) walkBatchesLocked(from int64, fn func(h *record.Header)) error {
	for _, s := range l.mu.segs {
		if s.Next() <= from {
			continue
		}
		pos, _, ok, err := s.Find(from)
		if err != nil {
			return err
		}
		for ok && pos < s.Size() {
			h, err := s.HeaderAt(pos)
			if err != nil {
				return err
			}
			fn(&h)
			pos += int64(h.Size())
		}
	}
	return nil
}

// deleteSnapshotsBeforeLocked removes snapshot files below offset (the
// first segment's base after retention; replay starts there when no
// snapshot is left).
// REQUIRES: l.mu held.
func (l *Log) deleteSnapshotsBeforeLocked(offset int64) {
	offs, err := l.snapshotOffsets()
	if err != nil {
		return
	}
	for _, off := range offs {
		if off < offset {
			_ = l.eng.fs.Remove(l.snapshotPath(off))
		}
	}
}

// ProducerInfo is one idempotent producer a log keeps state for (Kafka's
// ProducerStateEntry as DescribeProducers reports it).
type ProducerInfo struct {
	ProducerID    int64
	Epoch         int16
	LastSequence  int32 // -1 when unknown
	LastTimestamp int64 // max timestamp of its last batch, -1 when unknown
}

// Producers lists the producers whose state the log keeps, by producer id.
func (l *Log) Producers() []ProducerInfo {
	l.mu.Lock()
	var out []ProducerInfo
	if l.mu.producers != nil {
		out = make([]ProducerInfo, 0, l.mu.producers.Len())
		l.mu.producers.Each(func(pid int64, e *producer.Entry) {
			out = append(out, ProducerInfo{ProducerID: pid, Epoch: e.Epoch, LastSequence: e.LastSequence(), LastTimestamp: e.LastTimestamp()})
		})
	}
	l.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].ProducerID < out[j].ProducerID })
	return out
}
