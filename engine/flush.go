package engine

import (
	"time"

	"sluice/engine/internal/segment"
)

// Flush fsyncs everything appended so far. Concurrent callers share fsyncs
// (group commit): they queue on flushMu, the first to get it syncs up to
// the log end at that moment, and those whose appends it covered return
// without another fsync. The recovery point advances to the synced offset.
func (l *Log) Flush() error {
	target := l.leo.Load()
	if l.flushed.Load() >= target {
		return nil
	}
	l.flushMu.Lock()
	defer l.flushMu.Unlock()
	if l.flushed.Load() >= target {
		return nil // a concurrent flush covered our appends
	}
	var buf [4]*segment.Segment
	l.mu.Lock()
	if l.mu.closed {
		l.mu.Unlock()
		return ErrClosed
	}
	end := l.leo.Load()
	rp := l.recoveryPoint.Load()
	segs := buf[:0]
	for _, s := range l.mu.segs {
		if s.Next() > rp || s == l.active() {
			s.Acquire()
			segs = append(segs, s)
		}
	}
	l.mu.unflushed = 0
	l.mu.Unlock()
	var err error
	start := time.Now()
	for _, s := range segs {
		if err == nil {
			err = s.Sync()
		}
		s.Release()
	}
	if err == nil && l.dirDirty.Swap(false) {
		if err = l.eng.fs.SyncDir(l.dirPath()); err != nil {
			l.dirDirty.Store(true)
		}
	}
	if err != nil {
		return l.storageErr("fsync", err)
	}
	if f := l.eng.opts.OnFlush; f != nil {
		f(time.Since(start))
	}
	l.flushed.Store(end)
	if end > rp {
		l.recoveryPoint.Store(end)
	}
	l.lastFlushMs.Store(l.eng.opts.Now().UnixMilli())
	return nil
}

// maybeFlushByTime applies flush.ms (called by the engine's flusher).
func (l *Log) maybeFlushByTime(nowMs int64) error {
	cfg := l.cfg.Load()
	if cfg.FlushMs <= 0 && l.flushed.Load() < l.leo.Load() {
		return l.Flush()
	}
	if nowMs-l.lastFlushMs.Load() >= cfg.FlushMs && l.flushed.Load() < l.leo.Load() {
		return l.Flush()
	}
	return nil
}
