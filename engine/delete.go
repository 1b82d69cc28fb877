package engine

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// DeleteLog removes a partition's log as Kafka does: its dir is renamed to
// <topic>-<partition>.<uuid>-delete at once and removed after
// file.delete.delay.ms. Readers holding ranges keep their bytes.
func (e *Engine) DeleteLog(tp TopicPartition) error {
	e.mu.Lock()
	l, ok := e.mu.logs[tp]
	if ok {
		delete(e.mu.logs, tp)
	}
	e.mu.Unlock()
	if !ok {
		return fmt.Errorf("%w: %s", ErrUnknownLog, partitionDirName(tp))
	}
	l.mu.Lock()
	l.mu.deleted = true
	l.releaseAll()
	if l.mu.hwWait != nil {
		close(l.mu.hwWait)
		l.mu.hwWait = nil
	}
	l.mu.Unlock()
	if err := e.discardDir(l); err != nil {
		return l.storageErr("delete", err)
	}
	if err := e.checkpointDir(l.logDir()); err != nil && !errors.Is(err, ErrDiskFull) {
		return err
	}
	// Out of space the old checkpoints still name the partition, which
	// is harmless: its dir is gone, and the next checkpoint drops it.
	return nil
}

// discardDir renames a partition dir to <topic>-<partition>.<uuid>-delete
// and schedules its removal after file.delete.delay.ms.
func (e *Engine) discardDir(l *Log) error {
	var id [16]byte
	_, _ = rand.Read(id[:])
	dst := filepath.Join(l.logDir().path, l.name+"."+hex.EncodeToString(id[:])+deleteDirSuffix)
	if err := e.fs.Rename(l.dirPath(), dst); err != nil {
		return err
	}
	_ = e.fs.SyncDir(l.logDir().path)
	e.scheduleDelete([]string{dst}, time.Duration(l.cfg.Load().FileDeleteDelayMs)*time.Millisecond)
	return nil
}

// scheduleDelete removes paths after delay (file.delete.delay.ms).
func (e *Engine) scheduleDelete(paths []string, delay time.Duration) {
	due := e.opts.Now().Add(delay)
	e.mu.Lock()
	for _, p := range paths {
		e.mu.pending = append(e.mu.pending, pendingDelete{path: p, due: due})
	}
	e.mu.Unlock()
	if delay <= 0 {
		e.processDeletes(false)
	}
}

// processDeletes removes the files whose delay has passed (all if force).
func (e *Engine) processDeletes(force bool) {
	now := e.opts.Now()
	e.mu.Lock()
	var due []string
	keep := e.mu.pending[:0]
	for _, p := range e.mu.pending {
		if force || !now.Before(p.due) {
			due = append(due, p.path)
		} else {
			keep = append(keep, p)
		}
	}
	e.mu.pending = keep
	e.mu.Unlock()
	for _, p := range due {
		if err := e.fs.RemoveAll(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			e.opts.Logger.Warn("cannot remove deleted file", "component", "engine", "path", p, "err", err)
		}
	}
}
