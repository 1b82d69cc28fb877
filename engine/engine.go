package engine

import (
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"sluice/engine/internal/checkpoint"
	"sluice/engine/internal/segment"
	"sluice/engine/vfs"
)

// Engine owns the log dirs (log.dirs) and the partition logs in them.
type Engine struct {
	opts Options
	fs   vfs.FS
	dirs []*logDir

	mu struct {
		sync.Mutex
		logs         map[TopicPartition]*Log
		recoveryErrs map[TopicPartition]error
		pending      []pendingDelete
		closed       bool
	}

	corruptReads atomic.Int64

	// moveMu serialises MoveLog calls.
	moveMu sync.Mutex

	stop chan struct{}
	wg   sync.WaitGroup
}

// pendingDelete is a file waiting for file.delete.delay.ms.
type pendingDelete struct {
	path string
	due  time.Time
}

// Open locks the log dirs, writes meta.properties and loads every log in
// them, recovering those that were not shut down cleanly. A partition that
// cannot be opened is reported in RecoveryErrors and does not fail Open;
// a dir that cannot be used is offline (Dirs). Open fails only when the
// options are invalid, a dir is locked by another process, or no dir works.
func Open(opts Options) (*Engine, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts.EnsureDefaults()
	e := &Engine{opts: opts, fs: opts.FS, stop: make(chan struct{})}
	e.mu.logs = make(map[TopicPartition]*Log)
	e.mu.recoveryErrs = make(map[TopicPartition]error)
	online := 0
	for _, path := range opts.Dirs {
		d := &logDir{path: filepath.Clean(path)}
		e.dirs = append(e.dirs, d)
		err := e.makeDir(d.path)
		if err == nil {
			d.lock, err = lockDir(e.fs, d.path)
		}
		if errors.Is(err, ErrDirLocked) {
			e.unlockAll()
			return nil, err
		}
		if err == nil {
			err = writeMetaProperties(e.fs, d.path, opts.NodeID, opts.ClusterID, opts.Now())
			if errors.Is(err, ErrInvalidOptions) {
				e.unlockAll()
				return nil, err
			}
		}
		if err != nil {
			d.markOffline(err)
			opts.Logger.Error("log dir offline", "component", "engine", "dir", d.path, "err", err)
			continue
		}
		d.res = segment.NewReservations(reserveLimit(d.path, opts.ReserveDirPercent))
		d.online.Store(true)
		online++
		e.loadDir(d)
		e.makeSpare(d)
	}
	if online == 0 {
		e.unlockAll()
		return nil, fmt.Errorf("%w: no usable log dir", ErrStorage)
	}
	if !opts.DisableBackground {
		e.startBackground()
	}
	return e, nil
}

// makeDir creates a log dir and, when it is new, fsyncs its parent so
// that the dir itself survives a crash (as Kafka's LogManager does).
func (e *Engine) makeDir(path string) error {
	if _, err := e.fs.Stat(path); err == nil {
		return nil
	}
	if err := e.fs.MkdirAll(path, 0o755); err != nil {
		return err
	}
	return e.fs.SyncDir(filepath.Dir(path))
}

func (e *Engine) unlockAll() {
	for _, d := range e.dirs {
		if d.lock != nil {
			_ = d.lock.Close()
			d.lock = nil
		}
	}
}

// loadDir opens every partition dir of a log dir.
func (e *Engine) loadDir(d *logDir) {
	clean := exists(e.fs, filepath.Join(d.path, cleanShutdownFile))
	states := e.readDirCheckpoints(d)
	ents, err := e.fs.ReadDir(d.path)
	if err != nil {
		d.markOffline(err)
		return
	}
	for _, ent := range ents {
		if !ent.IsDir() {
			continue
		}
		name := ent.Name()
		if strings.HasSuffix(name, deleteDirSuffix) || isFutureDir(name) {
			// A DeleteLog, or a MoveLog's copy, interrupted by a restart.
			_ = e.fs.RemoveAll(filepath.Join(d.path, name))
			continue
		}
		tp, ok := parsePartitionDir(name)
		if !ok {
			continue
		}
		if e.resolveMovedOut(d, name) {
			continue
		}
		if _, dup := e.mu.logs[tp]; dup {
			e.mu.recoveryErrs[tp] = fmt.Errorf("%w: %s exists in more than one log dir", ErrCorruptLog, name)
			continue
		}
		st := states[tp]
		st.clean = clean
		l, err := e.openLog(d, tp, e.opts.Defaults, st)
		if err != nil {
			e.opts.Logger.Error("cannot open log", "component", "engine", "partition", name, "err", err)
			e.mu.recoveryErrs[tp] = err
			continue
		}
		e.mu.logs[tp] = l
	}
	if clean {
		if err := e.fs.Remove(filepath.Join(d.path, cleanShutdownFile)); err == nil {
			_ = e.fs.SyncDir(d.path)
		}
	}
	if !clean {
		// Recovery may have moved offsets: record them at once.
		if err := e.checkpointDir(d); err != nil {
			e.opts.Logger.Error("cannot write checkpoints", "component", "engine", "dir", d.path, "err", err)
		}
	}
}

// CreateLog creates the log of a new partition in the online log dir
// holding the fewest partitions, with its partition.metadata.
func (e *Engine) CreateLog(tp TopicPartition, topicID [16]byte, cfg TopicConfig) (*Log, error) {
	if !validTopic(tp.Topic) || tp.Partition < 0 {
		return nil, fmt.Errorf("%w: %q partition %d", ErrInvalidTopic, tp.Topic, tp.Partition)
	}
	var discard *Log // a failed creation's dir, put aside once e.mu is released
	defer func() {
		if discard != nil {
			_ = e.discardDir(discard)
		}
	}()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.mu.closed {
		return nil, ErrClosed
	}
	if _, ok := e.mu.logs[tp]; ok {
		return nil, fmt.Errorf("%w: %s", ErrLogExists, partitionDirName(tp))
	}
	count := map[*logDir]int{}
	if len(e.dirs) > 1 {
		for _, l := range e.mu.logs {
			count[l.logDir()]++
		}
	}
	var d *logDir
	for _, c := range e.dirs {
		if c.online.Load() && (d == nil || count[c] < count[d]) {
			d = c
		}
	}
	if d == nil {
		return nil, fmt.Errorf("%w: no online log dir", ErrStorage)
	}
	l := e.newLog(d, tp, topicID, cfg)
	// A failure leaves nothing behind: out of space or descriptors, the
	// request fails and the dir stays as it was; other errors take the
	// dir offline.
	fail := func(err error) (*Log, error) {
		if isNoSpace(err) || isFDLimit(err) {
			// Renamed aside (no descriptor needed) and removed later.
			discard = l
		}
		return nil, l.diskErr("create", err)
	}
	if err := e.fs.MkdirAll(l.dirPath(), 0o755); err != nil {
		return fail(err)
	}
	if err := checkpoint.Write(e.fs, filepath.Join(l.dirPath(), partitionMetadataFile), formatPartitionMetadata(topicID)); err != nil {
		return fail(err)
	}
	st := dirState{clean: true}
	nl, err := e.openLog(d, tp, *l.cfg.Load(), st)
	if err != nil {
		return fail(err)
	}
	if err := e.fs.SyncDir(d.path); err != nil {
		nl.releaseAll()
		return fail(err)
	}
	e.mu.logs[tp] = nl
	delete(e.mu.recoveryErrs, tp)
	return nl, nil
}

// Log returns a partition's log.
func (e *Engine) Log(tp TopicPartition) (*Log, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	l, ok := e.mu.logs[tp]
	return l, ok
}

// Logs returns every open log, sorted by topic and partition.
func (e *Engine) Logs() []*Log {
	e.mu.Lock()
	out := make([]*Log, 0, len(e.mu.logs))
	for _, l := range e.mu.logs {
		out = append(out, l)
	}
	e.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].tp.Topic != out[j].tp.Topic {
			return out[i].tp.Topic < out[j].tp.Topic
		}
		return out[i].tp.Partition < out[j].tp.Partition
	})
	return out
}

// Dirs describes the log dirs.
func (e *Engine) Dirs() []DirInfo {
	out := make([]DirInfo, 0, len(e.dirs))
	for _, d := range e.dirs {
		info := DirInfo{Path: d.path, Offline: !d.online.Load(), Err: d.offlineErr(), Full: d.full.Load()}
		if info.Full {
			d.mu.Lock()
			info.FullErr, info.FullSince = d.mu.fullErr, d.mu.fullSince
			d.mu.Unlock()
		}
		if d.res != nil {
			info.ReservedBytes, info.ReserveLimit = d.res.Used(), d.res.Limit()
		}
		var st unix.Statfs_t
		if unix.Statfs(d.path, &st) == nil {
			info.TotalBytes = int64(st.Blocks) * st.Bsize
			info.UsableBytes = int64(st.Bavail) * st.Bsize
		}
		out = append(out, info)
	}
	return out
}

// RecoveryErrors lists the partitions that could not be opened.
func (e *Engine) RecoveryErrors() map[TopicPartition]error {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make(map[TopicPartition]error, len(e.mu.recoveryErrs))
	for tp, err := range e.mu.recoveryErrs {
		out[tp] = err
	}
	return out
}

// RunRetention applies retention to every log once and removes files whose
// file.delete.delay.ms has passed.
func (e *Engine) RunRetention() {
	nowMs := e.opts.Now().UnixMilli()
	moved := map[*logDir]bool{}
	for _, l := range e.Logs() {
		changed, err := l.applyRetention(nowMs)
		if err != nil {
			e.opts.Logger.Error("retention failed", "component", "engine", "partition", l.name, "err", err)
		}
		if changed {
			moved[l.logDir()] = true
		}
	}
	for d := range moved {
		if err := e.checkpointDir(d); err != nil {
			e.opts.Logger.Error("cannot write checkpoints", "component", "engine", "dir", d.path, "err", err)
		}
	}
	e.processDeletes(false)
}

// Close flushes every log, writes producer snapshots, indexes and
// checkpoints, marks each dir cleanly shut down (.kafka_cleanshutdown) and
// releases the dir locks. Files still waiting for file.delete.delay.ms are
// left for the next start, which removes them.
func (e *Engine) Close() error {
	e.mu.Lock()
	if e.mu.closed {
		e.mu.Unlock()
		return ErrClosed
	}
	e.mu.closed = true
	e.mu.Unlock()
	close(e.stop)
	e.wg.Wait()
	var errs []error
	bad := map[*logDir]bool{}
	for _, l := range e.Logs() {
		if err := l.close(); err != nil {
			errs = append(errs, err)
			bad[l.logDir()] = true
		}
	}
	for _, d := range e.dirs {
		if !d.online.Load() || bad[d] {
			continue
		}
		if err := e.checkpointDir(d); err != nil {
			errs = append(errs, err)
			continue
		}
		if err := checkpoint.Write(e.fs, filepath.Join(d.path, cleanShutdownFile), nil); err != nil {
			errs = append(errs, err)
		}
	}
	e.unlockAll()
	return errors.Join(errs...)
}

// close flushes and closes one log (engine shutdown).
func (l *Log) close() error {
	if err := l.Flush(); err != nil && !errors.Is(err, ErrClosed) {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.mu.closed {
		return nil
	}
	l.mu.closed = true
	if l.mu.hwWait != nil {
		close(l.mu.hwWait)
		l.mu.hwWait = nil
	}
	var err error
	if len(l.mu.segs) > 0 && l.logDir().online.Load() {
		if err = l.active().WriteIndexes(false); err == nil {
			err = l.writeSnapshotLocked(l.leo.Load())
		}
		if err != nil {
			err = l.storageErr("close", err)
		}
	}
	l.releaseAll()
	return err
}
