package engine

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"sluice/engine/internal/segment"
	"sluice/engine/vfs"
)

// Disk errors are not all alike (Kafka takes the dir offline for any
// IOException):
//
//   - ENOSPC (and EDQUOT) is a full volume, not a broken disk. The dir is
//     marked full: appends fail with ErrDiskFull (KAFKA_STORAGE_ERROR), each
//     after trying again, so they resume by themselves once space is back;
//     reads, DeleteRecords, topic deletion and retention go on (they free
//     space). An append that failed part-way has already been cut back
//     (segment.AppendOne), and nothing else of it was kept. Before an
//     append or a checkpoint gives up, the blocks other segments of the dir
//     hold reserved ahead are released and it is tried once more, so that
//     reservation never causes an ENOSPC real data would not.
//   - EMFILE/ENFILE is the process's descriptor limit: the operation fails
//     with ErrTooManyOpenFiles and nothing else changes; the log says which
//     limit to raise.
//   - Anything else (EIO, a partial write that could not be cut back...)
//     takes the dir offline until a restart (storageErr).
//
// While a dir is full its appends are refused at once, without writing,
// so that the spare space below goes to deletes and metadata: each append
// (at most every probeEvery) and the flusher (every second) look at the
// volume with statfs, and once it has room again (the spare plus
// freeSpaceResume) the flag is cleared and appends go on.
//
// Each log dir keeps a spare file of reserved blocks (".sluice-spare",
// min(4 MiB, 1/64 of the volume)); it is given up as soon as the dir is
// full, so that what must still be written on a full volume (the topic
// metadata and checkpoints of a DeleteTopics, DeleteRecords' checkpoints,
// index files of a roll by retention) has room, and made again when the
// dir takes writes.

const (
	// freeSpaceResume is how much free space, beyond the spare, the probe
	// wants to see before it lets appends in again.
	freeSpaceResume = 1 << 20
	// probeEvery bounds how often appends to a full dir look at statfs.
	probeEvery = 100 * time.Millisecond
	spareFile  = ".sluice-spare"
	maxSpare   = 4 << 20
)

func isNoSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

func isFDLimit(err error) bool {
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE)
}

// diskErr classifies an error of a disk operation on the log (see above)
// and wraps it for the caller.
func (l *Log) diskErr(op string, err error) error {
	return l.eng.diskErr(l.logDir(), op, l.name, err)
}

func (e *Engine) diskErr(d *logDir, op, what string, err error) error {
	switch {
	case isNoSpace(err) && !errors.Is(err, segment.ErrPartialWrite):
		e.markFull(d, err)
		return fmt.Errorf("%w: %s %s: %v", ErrDiskFull, op, what, err)
	case isFDLimit(err):
		e.opts.Logger.Error("too many open files: raise the broker's file-descriptor limit (ulimit -n, or LimitNOFILE= in its systemd unit)",
			"component", "engine", "dir", d.path, "op", op, "partition", what, "err", err)
		return fmt.Errorf("%w: %s %s: %v; raise the file-descriptor limit (ulimit -n / LimitNOFILE)", ErrTooManyOpenFiles, op, what, err)
	}
	return e.offline(d, op, what, err)
}

// offline takes the dir offline after a disk error and wraps err as
// ErrStorage.
func (e *Engine) offline(d *logDir, op, what string, err error) error {
	d.markOffline(err)
	e.opts.Logger.Error("log dir offline after disk error", "component", "engine", "dir", d.path,
		"partition", what, "op", op, "err", err)
	return fmt.Errorf("%w: %s %s: %v", ErrStorage, op, what, err)
}

// markFull records that the dir's volume is out of space and gives up its
// spare blocks.
func (e *Engine) markFull(d *logDir, err error) {
	d.mu.Lock()
	was := d.full.Swap(true)
	if !was {
		d.mu.fullErr, d.mu.fullSince = err, e.opts.Now()
	}
	d.mu.Unlock()
	if !was {
		e.releaseSpare(d)
		e.opts.Logger.Error("log dir full: appends refused until space is freed; reads, deletes and retention go on",
			"component", "engine", "dir", d.path, "err", err)
	}
}

// spareSize is the size of a dir's spare file.
func spareSize(path string) int64 {
	var st unix.Statfs_t
	if unix.Statfs(path, &st) != nil {
		return 0
	}
	return min(maxSpare, int64(st.Blocks)*st.Bsize/64)
}

// makeSpare reserves the dir's spare blocks (best effort: a volume that
// cannot reserve, or has no room, has no spare).
func (e *Engine) makeSpare(d *logDir) {
	n := spareSize(d.path)
	if n <= 0 || d.spare.Load() {
		return
	}
	f, err := e.fs.OpenFile(filepath.Join(d.path, spareFile), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return
	}
	err = vfs.Allocate(f, 0, n)
	_ = f.Close()
	if err != nil {
		_ = e.fs.Remove(filepath.Join(d.path, spareFile))
		return
	}
	d.spare.Store(true)
}

// releaseSpare gives the dir's spare blocks up; it reports whether there
// were any.
func (e *Engine) releaseSpare(d *logDir) bool {
	if !d.spare.Swap(false) {
		return false
	}
	if err := e.fs.Remove(filepath.Join(d.path, spareFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		e.opts.Logger.Warn("cannot release the spare blocks", "component", "engine", "dir", d.path, "err", err)
		return false
	}
	return true
}

// roomAgain reports whether a full dir's volume has room for appends again,
// clearing the flag if so; at most every probeEvery unless force.
func (e *Engine) roomAgain(d *logDir, force bool) bool {
	now := time.Now().UnixNano()
	last := d.lastProbe.Load()
	if !force && now-last < int64(probeEvery) || !d.lastProbe.CompareAndSwap(last, now) {
		return false
	}
	var st unix.Statfs_t
	if unix.Statfs(d.path, &st) != nil || int64(st.Bavail)*st.Bsize < spareSize(d.path)+freeSpaceResume {
		return false
	}
	e.clearFull(d, "free space")
	return true
}

// clearFull records that the dir takes writes again.
func (e *Engine) clearFull(d *logDir, why string) {
	if !d.full.Load() {
		return
	}
	d.mu.Lock()
	was := d.full.Swap(false)
	since := d.mu.fullSince
	d.mu.fullErr = nil
	d.mu.Unlock()
	if was {
		e.makeSpare(d)
		e.opts.Logger.Warn("log dir has space again: appends resume", "component", "engine", "dir", d.path,
			"why", why, "full_for", e.opts.Now().Sub(since).Round(time.Millisecond).String())
	}
}

// probeFullDirs clears the full flag of dirs whose volume has room again
// (the flusher runs it every second).
func (e *Engine) probeFullDirs() {
	for _, d := range e.dirs {
		if d.full.Load() && d.online.Load() {
			e.roomAgain(d, true)
		}
	}
}

// MakeRoom gives up the reserved blocks of the log dir holding path (its
// spare and its segments' reservations) and marks it full, for a write
// outside the engine that ran out of space there (the cluster metadata);
// it reports whether anything was released, so that the write may be
// tried again.
func (e *Engine) MakeRoom(path string, cause error) bool {
	for _, d := range e.dirs {
		if rel, err := filepath.Rel(d.path, path); err == nil && rel != ".." && !strings.HasPrefix(rel, "../") {
			e.markFull(d, cause)
			return e.releaseReservations(d) > 0 || e.releaseSpare(d)
		}
	}
	return false
}

// releaseReservations gives back the blocks every active segment of the
// dir holds reserved ahead of its data (an append or a checkpoint ran out
// of space); it returns the bytes released.
// REQUIRES: no Log.mu held.
func (e *Engine) releaseReservations(d *logDir) int64 {
	if d.res == nil || d.res.Used() == 0 {
		return 0
	}
	var n int64
	for _, l := range e.Logs() {
		if l.logDir() != d {
			continue
		}
		l.mu.Lock()
		if !l.mu.closed && !l.mu.deleted && len(l.mu.segs) > 0 {
			s := l.active()
			if r := s.Reserved(); r > 0 {
				if err := s.ReleaseReserved(); err == nil {
					n += r
				}
			}
		}
		l.mu.Unlock()
	}
	if n > 0 {
		e.opts.Logger.Info("released reserved blocks for data", "component", "engine", "dir", d.path, "bytes", n)
	}
	return n
}
