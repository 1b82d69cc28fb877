package engine

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"

	"sluice/engine/internal/checkpoint"
	"sluice/engine/internal/segment"
	"sluice/engine/record"
)

// The log cleaner (cleanup.policy=compact): keeps the latest record per
// key. Per run and log:
//
//  1. plan (under l.mu): the cleanable range is the sealed segments wholly
//     below the high watermark whose records are all older than
//     min.compaction.lag.ms; the dirty part starts at the cleaner offset
//     (cleaner-offset-checkpoint). Skip unless dirty/(clean+dirty) reaches
//     min.cleanable.dirty.ratio or a dirty segment's newest record is older
//     than max.compaction.lag.ms. The segments are referenced.
//  2. map (no lock): key -> last offset over the dirty part.
//  3. copy (no lock): every cleanable segment is rewritten to
//     <base>.log.cleaned keeping a record only if it is its key's latest
//     (or its key is not in the map), dropping tombstones whose segment is
//     older than delete.retention.ms. Batches keep their offsets, epochs,
//     producer fields and codec; unchanged batches are copied verbatim.
//  4. swap (under l.mu, if the segments are still in place): per segment,
//     write "<base>.swapend" (the offset the replaced range ends at;
//     durable, with the .cleaned files' names), rename .cleaned -> .swap
//     and fsync the directory (the commit point), rename the old files ->
//     .deleted and .swap -> live, remove the marker; the directory is
//     fsynced again once every segment is swapped. A crash before the
//     commit point leaves the old segment; after it, the swap is completed
//     on open (open.go).
//
// The active segment is never touched; offsets are preserved.

// RunCleaner compacts, once, every log whose cleanup.policy contains
// compact and whose dirty ratio reaches min.cleanable.dirty.ratio.
func (e *Engine) RunCleaner() {
	for _, l := range e.Logs() {
		if l.cfg.Load().CleanupPolicy.Compact() {
			if _, err := l.compact(e.opts.Now().UnixMilli(), false); err != nil {
				e.opts.Logger.Error("log cleaner failed", "component", "engine", "partition", l.name, "err", err)
			}
		}
	}
}

// cleanPlan is the outcome of step 1.
type cleanPlan struct {
	segs       []*segment.Segment // cleanable, referenced
	views      []segment.View     // of segs, taken under l.mu
	firstDirty int64
	end        int64 // first offset not cleaned
}

// compact runs one cleaning pass; force ignores min.cleanable.dirty.ratio.
// It reports whether anything was rewritten.
func (l *Log) compact(nowMs int64, force bool) (bool, error) {
	cfg := l.cfg.Load()
	plan, ok := l.planClean(cfg, nowMs, force)
	if !ok {
		return false, nil
	}
	defer func() {
		for _, s := range plan.segs {
			s.Release()
		}
	}()
	var v record.Validator
	latest := map[string]int64{}
	for i, s := range plan.segs {
		if s.Next() <= plan.firstDirty {
			continue
		}
		err := forEachBatch(&plan.views[i], func(batch []byte, h *record.Header) error {
			if h.IsControl() {
				return nil
			}
			return v.ForEachRecord(batch, func(r *record.Record) error {
				if r.Key != nil && r.Offset >= plan.firstDirty {
					latest[string(r.Key)] = r.Offset
				}
				return nil
			})
		})
		if err != nil {
			return false, err
		}
	}
	cleaned := make([]*segment.Segment, len(plan.segs))
	discard := func() {
		for _, c := range cleaned {
			if c != nil {
				for _, p := range c.Paths() {
					_ = l.eng.fs.Remove(p)
				}
				c.Release()
			}
		}
	}
	for i, s := range plan.segs {
		ts, _ := s.MaxTimestamp()
		// Kafka measures delete.retention.ms from when a segment was
		// first cleaned; we measure it from the segment's newest record.
		dropTombstones := ts >= 0 && nowMs-ts > cfg.DeleteRetentionMs
		c, err := l.cleanSegment(s, &plan.views[i], &v, latest, dropTombstones, cfg)
		cleaned[i] = c
		if err != nil {
			discard()
			return false, err
		}
	}
	if err := l.swapCleaned(plan, cleaned); err != nil {
		discard()
		return false, err
	}
	if err := l.eng.checkpointDir(l.logDir()); err != nil {
		return true, err
	}
	return true, nil
}

// planClean is step 1.
func (l *Log) planClean(cfg *TopicConfig, nowMs int64, force bool) (cleanPlan, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.mu.closed || l.mu.deleted || !l.logDir().online.Load() || l.logDir().full.Load() {
		return cleanPlan{}, false // out of space the cleaner would eat the spare
	}
	hw := l.hw.Load()
	var p cleanPlan
	var cleanBytes, dirtyBytes int64
	overdue := false // max.compaction.lag.ms passed for some dirty record
	p.firstDirty = max(l.cleanerOffset.Load(), l.logStart.Load())
	for _, s := range l.mu.segs[:len(l.mu.segs)-1] {
		ts, _ := s.MaxTimestamp()
		if s.Next() > hw || (cfg.MinCompactionLagMs > 0 && ts >= 0 && nowMs-ts < cfg.MinCompactionLagMs) {
			break
		}
		p.segs = append(p.segs, s)
		p.end = s.Next()
		if s.Next() <= p.firstDirty {
			cleanBytes += s.Size()
		} else {
			dirtyBytes += s.Size()
			if ts < 0 {
				ts = s.Created().UnixMilli()
			}
			overdue = overdue || nowMs-ts > cfg.MaxCompactionLagMs
		}
	}
	if dirtyBytes == 0 {
		return cleanPlan{}, false
	}
	if !force && !overdue && float64(dirtyBytes)/float64(cleanBytes+dirtyBytes) < cfg.MinCleanableDirtyRatio {
		return cleanPlan{}, false
	}
	for _, s := range p.segs {
		s.Acquire()
		p.views = append(p.views, s.View())
	}
	return p, true
}

// forEachBatch reads a segment batch by batch, checking each header as
// reads do: the cleaner never copies past a corrupt batch.
func forEachBatch(v *segment.View, fn func(batch []byte, h *record.Header) error) error {
	var buf []byte
	return v.Walk(func(pos int64, h *record.Header) error {
		if cap(buf) < h.Size() {
			buf = make([]byte, h.Size())
		}
		b := buf[:h.Size()]
		if _, err := v.ReadAt(b, pos); err != nil {
			return err
		}
		return fn(b, h)
	})
}

// cleanSegment is step 3 for one segment.
func (l *Log) cleanSegment(s *segment.Segment, view *segment.View, v *record.Validator, latest map[string]int64, dropTombstones bool, cfg *TopicConfig) (*segment.Segment, error) {
	out, err := segment.Create(l.eng.fs, l.dirPath(), s.Base(), cfg.SegmentIndexBytes, segment.CleanedSuffix, s.Created())
	if err != nil {
		return nil, err
	}
	var b record.Builder
	err = forEachBatch(view, func(batch []byte, h *record.Header) error {
		if h.IsControl() {
			return out.AppendOne(batch, segment.Batch{BaseOffset: h.BaseOffset, LastOffset: h.LastOffset(), MaxTimestamp: h.MaxTimestamp}, cfg.IndexIntervalBytes)
		}
		b.Reset(record.BuilderOptions{Codec: h.Codec(), BaseOffset: h.BaseOffset, PartitionLeaderEpoch: h.PartitionLeaderEpoch,
			ProducerID: h.ProducerID, ProducerEpoch: h.ProducerEpoch, BaseSequence: h.BaseSequence,
			Transactional: h.IsTransactional(), LogAppendTime: h.LogAppendTime(), FirstTimestamp: h.FirstTimestamp,
			LastOffsetDelta: h.LastOffsetDelta})
		kept, total := 0, 0
		err := v.ForEachRecord(batch, func(r *record.Record) error {
			total++
			if r.Key != nil {
				if last, ok := latest[string(r.Key)]; ok && last > r.Offset {
					return nil // superseded
				}
				if r.Value == nil && dropTombstones {
					return nil
				}
			}
			kept++
			return b.AddRecord(r)
		})
		if err != nil {
			return err
		}
		switch {
		case kept == 0:
			return nil
		case kept == total:
			return out.AppendOne(batch, segment.Batch{BaseOffset: h.BaseOffset, LastOffset: h.LastOffset(), MaxTimestamp: h.MaxTimestamp}, cfg.IndexIntervalBytes)
		}
		nb := b.Build()
		if nb == nil {
			return fmt.Errorf("%w: cannot rebuild batch at %d", ErrCorruptLog, h.BaseOffset)
		}
		nh, err := record.ParseHeader(nb)
		if err != nil {
			return err
		}
		maxTs := nh.MaxTimestamp
		if h.LogAppendTime() {
			maxTs = h.MaxTimestamp
			record.SetLogAppendTime(nb, maxTs)
		}
		return out.AppendOne(nb, segment.Batch{BaseOffset: nh.BaseOffset, LastOffset: nh.LastOffset(), MaxTimestamp: maxTs}, cfg.IndexIntervalBytes)
	})
	if err == nil {
		err = out.WriteIndexes(false)
	}
	if err == nil {
		err = out.Sync()
	}
	if err != nil {
		for _, p := range out.Paths() {
			_ = l.eng.fs.Remove(p)
		}
		out.Release()
		return nil, err
	}
	return out, nil
}

// swapCleaned is step 4.
func (l *Log) swapCleaned(p cleanPlan, cleaned []*segment.Segment) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.mu.closed || l.mu.deleted {
		return ErrClosed
	}
	// The planned segments must still be in the log, in place.
	idx := -1
	for i, s := range l.mu.segs {
		if s == p.segs[0] {
			idx = i
			break
		}
	}
	if idx < 0 || idx+len(p.segs) > len(l.mu.segs)-1 {
		return errCleanAborted
	}
	for i, s := range p.segs {
		if l.mu.segs[idx+i] != s {
			return errCleanAborted
		}
	}
	fs := l.eng.fs
	for i, old := range p.segs {
		c := cleaned[i]
		end := l.mu.segs[idx+i+1].Base()
		marker := filepath.Join(l.dirPath(), segment.FileName(old.Base(), swapEndSuffix))
		if err := checkpoint.Write(fs, marker, []byte(strconv.FormatInt(end, 10)+"\n")); err != nil {
			return l.diskErr("clean swap", err)
		}
		if err := c.Rename(segment.SwapSuffix); err != nil {
			return l.storageErr("clean swap", err)
		}
		cleaned[i] = nil // from here on the swap completes, now or on recovery
		if err := fs.SyncDir(l.dirPath()); err != nil {
			return l.storageErr("clean swap", err)
		}
		l.mu.segs[idx+i] = c
		if err := l.removeSegmentsLocked([]*segment.Segment{old}); err != nil {
			return err
		}
		if err := c.Rename(""); err != nil {
			return l.storageErr("clean swap", err)
		}
		_ = fs.Remove(marker)
	}
	// Drop segments the cleaning emptied (never the first: it anchors the
	// log start).
	kept := l.mu.segs[:idx+1]
	var empty []*segment.Segment
	for _, s := range l.mu.segs[idx+1:] {
		if s.Empty() && s != l.active() {
			empty = append(empty, s)
			continue
		}
		kept = append(kept, s)
	}
	l.mu.segs = kept
	if len(empty) > 0 {
		if err := l.removeSegmentsLocked(empty); err != nil {
			return err
		}
	}
	if err := fs.SyncDir(l.dirPath()); err != nil {
		return l.storageErr("clean swap", err)
	}
	l.cleanerOffset.Store(max(l.cleanerOffset.Load(), p.end))
	l.updateSizeLocked()
	return nil
}

var errCleanAborted = errors.New("engine: cleaning aborted: the log changed meanwhile")
