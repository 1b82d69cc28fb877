package engine

// Moving a partition's log to another log dir (AlterReplicaLogDirs).
//
// Kafka creates a future replica in the destination, fetches into it from
// the current log and swaps the two once it has caught up. Sluice copies
// files instead, in two passes, and keeps the same *Log (its location,
// Log.loc, changes), so that holders of the log go on using it:
//
//  1. Without the log's lock, appends and reads going on: the sealed
//     segments' files (immutable once sealed) are copied to
//     <dst>/<topic>-<partition>.<uuid>-future and fsynced.
//  2. With l.flushMu and l.mu held, appends and reads of this partition
//     waiting: the log is brought to the state Close leaves it in (every
//     segment fsynced, the active segment's indexes and a producer
//     snapshot written), then every file not already copied in pass 1 (the
//     active segment, segments the cleaner or a truncation changed since,
//     snapshots and checkpoints) is copied and fsynced, files gone from
//     the source are removed from the copy, and the copy's dir is fsynced.
//  3. Still locked, the swap, crash-safe at every step:
//     a. the marker file moved-out is written (and fsynced) in the source;
//     b. the copy is renamed to <dst>/<topic>-<partition> and dst fsynced;
//     c. the source is renamed to <topic>-<partition>.<uuid>-delete (removed
//     after file.delete.delay.ms) and src fsynced.
//     Open removes -future dirs (a move cut short before b: the source is
//     intact) and, when a partition dir holding moved-out has a twin in
//     another log dir (a crash between b and c), discards that one: both
//     are complete, the twin is the destination. A moved-out marker
//     without a twin (a crash between a and b) is removed.
//  4. The log is reopened from the destination (clean: no recovery) and
//     its segments replace the old ones; readers holding ranges of the old
//     files keep them until released. Both dirs' checkpoints are written.
//
// Pass 2 holds the partition for as long as copying its active segment and
// the small files takes (at most segment.bytes), not for the whole log.
// What a crash can lose: a crash after 3b and before the destination's
// checkpoints are written (step 4) reopens the moved log without a
// checkpointed high watermark and log start offset, as a partition created
// just before a crash (the high watermark is learnt again from the leader;
// a log start offset moved by DeleteRecords inside a segment goes back to
// that segment's base).

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"sluice/engine/internal/checkpoint"
	"sluice/engine/internal/segment"
)

const (
	futureDirSuffix = "-future"
	// movedOutFile marks a partition dir whose copy in another log dir is
	// complete (see the swap above).
	movedOutFile = "moved-out"
)

// MoveLog moves a partition's log to the log dir dir (an entry of
// log.dirs, compared after filepath.Clean). Moving it where it is does
// nothing. ErrUnknownLog: no such log; ErrLogDirNotFound: dir is not a log
// dir; ErrStorage: either dir is offline or a disk error (the source is
// kept and the log goes on serving from it, unless the error took its dir
// offline). One move runs at a time.
func (e *Engine) MoveLog(tp TopicPartition, dir string) error {
	var dst *logDir
	for _, d := range e.dirs {
		if d.path == filepath.Clean(dir) {
			dst = d
		}
	}
	if dst == nil {
		return fmt.Errorf("%w: %s", ErrLogDirNotFound, dir)
	}
	e.moveMu.Lock()
	defer e.moveMu.Unlock()
	l, ok := e.Log(tp)
	if !ok {
		return fmt.Errorf("%w: %s", ErrUnknownLog, partitionDirName(tp))
	}
	src := l.logDir()
	if src == dst {
		return nil
	}
	if !dst.online.Load() {
		return fmt.Errorf("%w: log dir %s is offline", ErrStorage, dst.path)
	}
	if !src.online.Load() {
		return fmt.Errorf("%w: log dir %s is offline", ErrStorage, src.path)
	}
	future := filepath.Join(dst.path, l.name+"."+randomHex()+futureDirSuffix)
	if err := e.fs.MkdirAll(future, 0o755); err != nil {
		return e.diskErr(dst, "move", l.name, err)
	}
	done := false
	defer func() {
		if !done {
			_ = e.fs.RemoveAll(future)
		}
	}()

	// Pass 1: sealed segments, unlocked.
	l.mu.Lock()
	if l.mu.closed || l.mu.deleted {
		l.mu.Unlock()
		return ErrClosed
	}
	sealed := make(map[*segment.Segment]int64, len(l.mu.segs))
	for _, s := range l.mu.segs[:len(l.mu.segs)-1] {
		sealed[s] = s.Size()
	}
	rewrites := l.mu.rewrites
	srcPath := l.dirPath()
	l.mu.Unlock()
	copied := map[string]bool{}
	for s := range sealed {
		for _, suf := range []string{segment.LogSuffix, segment.IndexSuffix, segment.TimeIndexSuffix} {
			name := segment.FileName(s.Base(), suf)
			err := e.copyFile(filepath.Join(srcPath, name), filepath.Join(future, name))
			if errors.Is(err, os.ErrNotExist) {
				continue // retention or the cleaner took it: pass 2 sees
			}
			if err != nil {
				return e.diskErr(dst, "move", l.name, err)
			}
			copied[name] = true
		}
	}

	// Pass 2, the swap and the reopen, locked; the checkpoints after (they
	// may take the locks of the dir's logs).
	if err := e.finishMove(l, dst, future, srcPath, sealed, copied, rewrites, &done); err != nil {
		return err
	}
	e.opts.Logger.Info("moved log", "component", "engine", "partition", l.name, "from", src.path, "to", dst.path)
	for _, d := range []*logDir{dst, src} {
		if err := e.checkpointDir(d); err != nil {
			e.opts.Logger.Error("cannot write checkpoints", "component", "engine", "dir", d.path, "err", err)
		}
	}
	return nil
}

// finishMove is pass 2, the swap and the reopen (see the file comment).
// It sets *done once the future dir has become the destination.
func (e *Engine) finishMove(l *Log, dst *logDir, future, srcPath string, sealed map[*segment.Segment]int64,
	copied map[string]bool, rewrites int64, done *bool) error {
	l.flushMu.Lock()
	defer l.flushMu.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.checkWritableLocked(); err != nil {
		return err
	}
	if l.dirPath() != srcPath {
		return fmt.Errorf("%w: %s moved meanwhile", ErrClosed, l.name)
	}
	src := l.logDir()
	if err := l.quiesceLocked(); err != nil {
		return err
	}
	keep := map[string]bool{} // pass-1 copies still valid
	if l.mu.rewrites == rewrites {
		for _, s := range l.mu.segs[:len(l.mu.segs)-1] {
			if size, ok := sealed[s]; ok && size == s.Size() {
				for _, suf := range []string{segment.LogSuffix, segment.IndexSuffix, segment.TimeIndexSuffix} {
					keep[segment.FileName(s.Base(), suf)] = true
				}
			}
		}
	}
	ents, err := e.fs.ReadDir(srcPath)
	if err != nil {
		return l.storageErr("move", err)
	}
	present := map[string]bool{}
	for _, ent := range ents {
		name := ent.Name()
		if ent.IsDir() || name == movedOutFile {
			continue
		}
		present[name] = true
		if keep[name] && copied[name] {
			continue
		}
		if err := e.copyFile(filepath.Join(srcPath, name), filepath.Join(future, name)); err != nil {
			return e.diskErr(dst, "move", l.name, err)
		}
	}
	for name := range copied {
		if !present[name] {
			if err := e.fs.Remove(filepath.Join(future, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return e.diskErr(dst, "move", l.name, err)
			}
		}
	}
	if err := e.fs.SyncDir(future); err != nil {
		return e.diskErr(dst, "move", l.name, err)
	}

	// The swap.
	marker := filepath.Join(srcPath, movedOutFile)
	if err := checkpoint.Write(e.fs, marker, nil); err != nil {
		return l.diskErr("move", err)
	}
	if err := e.fs.SyncDir(srcPath); err != nil {
		_ = e.fs.Remove(marker)
		return l.storageErr("move", err)
	}
	unmark := func() {
		// The source stays the log and will change: without its marker a
		// twin in dst makes Open refuse the partition instead of picking
		// the stale copy.
		_ = e.fs.Remove(marker)
		_ = e.fs.SyncDir(srcPath)
	}
	dstPath := filepath.Join(dst.path, l.name)
	if err := e.fs.Rename(future, dstPath); err != nil {
		unmark()
		return e.diskErr(dst, "move", l.name, err)
	}
	if err := e.fs.SyncDir(dst.path); err != nil {
		unmark()
		if e.fs.Rename(dstPath, future) != nil {
			*done = true // cannot take it back: leave it, Open reports the twins
		}
		return e.offline(dst, "move", l.name, err)
	}
	*done = true // the future dir is the destination now
	// Reopen from the destination.
	st := dirState{clean: true, haveRP: true, recoveryPoint: l.leo.Load(), haveLS: true, logStart: l.logStart.Load(),
		haveHW: true, hw: l.hw.Load(), haveCO: true, cleanerOffset: l.cleanerOffset.Load()}
	nl, err := e.openLog(dst, l.tp, *l.cfg.Load(), st)
	if err != nil {
		// The source (marked) is still whole; the log cannot go on there
		// since a restart would prefer dst: take the log's dir offline.
		return l.storageErr("move", fmt.Errorf("reopen in %s: %w", dst.path, err))
	}
	l.releaseAll()
	l.mu.segs, l.mu.epochs = nl.mu.segs, nl.mu.epochs
	nl.mu.segs = nil
	l.loc.Store(&logLoc{dir: dst, path: dstPath})
	l.updateSizeLocked()
	l.mu.rewrites++
	trash := filepath.Join(src.path, l.name+"."+randomHex()+deleteDirSuffix)
	if e.fs.Rename(srcPath, trash) == nil {
		_ = e.fs.SyncDir(src.path)
		e.scheduleDelete([]string{trash}, time.Duration(l.cfg.Load().FileDeleteDelayMs)*time.Millisecond)
	} // else the marked source is discarded at the next Open
	return nil
}

// quiesceLocked leaves the log's files as Close does: every segment
// fsynced, the active segment's indexes and a producer snapshot written.
// REQUIRES: l.mu and l.flushMu held.
func (l *Log) quiesceLocked() error {
	for _, s := range l.mu.segs {
		if err := s.Sync(); err != nil {
			return l.storageErr("fsync", err)
		}
	}
	if err := l.active().WriteIndexes(false); err != nil {
		return l.storageErr("move", err)
	}
	if err := l.writeSnapshotLocked(l.leo.Load()); err != nil {
		return l.diskErr("move", err)
	}
	return nil
}

// copyFile copies src to dst (created or truncated) and fsyncs dst.
func (e *Engine) copyFile(src, dst string) error {
	in, err := e.fs.OpenFile(src, os.O_RDONLY, 0)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := e.fs.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err = io.Copy(struct{ io.Writer }{out}, struct{ io.Reader }{in}); err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}

func randomHex() string {
	var id [16]byte
	_, _ = rand.Read(id[:])
	return hex.EncodeToString(id[:])
}

// resolveMovedOut handles a partition dir holding the moved-out marker at
// Open: it reports whether the dir is to be skipped (a twin in another
// log dir is the log; this one is put aside for deletion) or loaded (the
// move never completed: the marker is removed).
func (e *Engine) resolveMovedOut(d *logDir, name string) (skip bool) {
	path := filepath.Join(d.path, name)
	if !exists(e.fs, filepath.Join(path, movedOutFile)) {
		return false
	}
	for _, o := range e.opts.Dirs { // e.dirs is still being filled in by Open
		if o = filepath.Clean(o); o != d.path && exists(e.fs, filepath.Join(o, name)) {
			_ = e.fs.RemoveAll(path)
			_ = e.fs.SyncDir(d.path)
			e.opts.Logger.Warn("discarded the source of a completed move", "component", "engine", "partition", name,
				"dir", d.path, "to", o)
			return true
		}
	}
	_ = e.fs.Remove(filepath.Join(path, movedOutFile))
	_ = e.fs.SyncDir(path)
	return false
}

// isFutureDir: a partition copy left by a move cut short.
func isFutureDir(name string) bool { return strings.HasSuffix(name, futureDirSuffix) }
