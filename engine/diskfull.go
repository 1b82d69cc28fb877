package engine

import (
	"errors"
	"fmt"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"sluice/engine/internal/segment"
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
// The full flag is cleared by the next append that succeeds in the dir,
// or by the flusher when statfs shows space again (probeFullDirs).

// freeSpaceResume is how much free space the probe wants to see before it
// reports a full dir as usable again.
const freeSpaceResume = 1 << 20

func isNoSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

func isFDLimit(err error) bool {
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE)
}

// diskErr classifies an error of a disk operation on the log (see above)
// and wraps it for the caller.
func (l *Log) diskErr(op string, err error) error {
	return l.eng.diskErr(l.ldir, op, l.name, err)
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
	d.markOffline(err)
	e.opts.Logger.Error("log dir offline after disk error", "component", "engine", "dir", d.path,
		"partition", what, "op", op, "err", err)
	return fmt.Errorf("%w: %s %s: %v", ErrStorage, op, what, err)
}

// markFull records that the dir's volume is out of space.
func (e *Engine) markFull(d *logDir, err error) {
	d.mu.Lock()
	was := d.full.Swap(true)
	if !was {
		d.mu.fullErr, d.mu.fullSince = err, e.opts.Now()
	}
	d.mu.Unlock()
	if !was {
		e.opts.Logger.Error("log dir full: appends refused until space is freed; reads, deletes and retention go on",
			"component", "engine", "dir", d.path, "err", err)
	}
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
		e.opts.Logger.Warn("log dir has space again: appends resume", "component", "engine", "dir", d.path,
			"why", why, "full_for", e.opts.Now().Sub(since).Round(time.Millisecond).String())
	}
}

// probeFullDirs clears the full flag of dirs whose volume has space again
// (the flusher runs it), so that the state reported does not wait for the
// next append.
func (e *Engine) probeFullDirs() {
	for _, d := range e.dirs {
		if !d.full.Load() || !d.online.Load() {
			continue
		}
		var st unix.Statfs_t
		if unix.Statfs(d.path, &st) == nil && int64(st.Bavail)*st.Bsize >= freeSpaceResume {
			e.clearFull(d, "free space")
		}
	}
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
		if l.ldir != d {
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
