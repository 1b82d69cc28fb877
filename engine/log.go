package engine

import (
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"

	"sluice/engine/internal/checkpoint"
	"sluice/engine/internal/producer"
	"sluice/engine/internal/segment"
	"sluice/engine/record"
)

// Log is one partition's log: a sequence of segments in the partition dir
// <log.dir>/<topic>-<partition>/, the last of which (the active segment)
// takes appends. One writer at a time (mu); readers take segment
// references and read files without the lock.
type Log struct {
	eng     *Engine
	tp      TopicPartition
	topicID [16]byte
	// loc is the log dir holding the partition and the partition dir's
	// path; MoveLog changes it with l.mu and l.flushMu held.
	loc  atomic.Pointer[logLoc]
	name string // "<topic>-<partition>"
	cfg  atomic.Pointer[TopicConfig]

	// Lock-free copies of mu's offsets for the getters.
	leo, logStart, hw atomic.Int64
	size              atomic.Int64
	recoveryPoint     atomic.Int64
	cleanerOffset     atomic.Int64

	mu struct {
		sync.Mutex
		segs       []*segment.Segment // ascending base offsets; last is active
		hwWait     chan struct{}      // closed when hw advances; nil until Wait
		epochs     epochCache
		producers  *producer.State
		validator  record.Validator
		vopts      record.ValidateOptions
		unflushed  int64 // messages appended since the last flush
		rollJitter int64 // segment.jitter.ms draw for the active segment
		sweptSize  int64 // active segment's size at the last reservation sweep
		closed     bool
		deleted    bool
		// rewrites counts truncations and moves: changes to segment files
		// other than appends (MoveLog's first pass checks it).
		rewrites int64
	}

	// flushMu serialises fsyncs (group commit): callers queue on it and
	// the first one fsyncs everything appended so far for all of them.
	flushMu     sync.Mutex
	flushed     atomic.Int64 // offset up to which data is fsynced
	lastFlushMs atomic.Int64
	// rolled is set by a roll; the engine's flusher then fsyncs the sealed
	// segment off the append path (Kafka's flush on roll), advancing the
	// recovery point.
	rolled atomic.Bool
	// dirDirty is set when a segment file is created: the next Flush
	// fsyncs the partition dir too, so that the new file's name, not only
	// its data, survives a crash.
	dirDirty atomic.Bool
}

// logLoc is where a log lives: its log dir and <log dir>/<topic>-<partition>.
type logLoc struct {
	dir  *logDir
	path string
}

// logDir is the log dir (an entry of log.dirs) holding the log now.
func (l *Log) logDir() *logDir { return l.loc.Load().dir }

// dirPath is the partition dir's path now.
func (l *Log) dirPath() string { return l.loc.Load().path }

// TopicPartition is the partition this log holds.
func (l *Log) TopicPartition() TopicPartition { return l.tp }

// TopicID is the topic id from partition.metadata.
func (l *Log) TopicID() [16]byte { return l.topicID }

// Dir is the log dir (an entry of log.dirs) holding this log.
func (l *Log) Dir() string { return l.logDir().path }

// Config returns the topic configuration in effect.
func (l *Log) Config() TopicConfig { return *l.cfg.Load() }

// SetConfig changes the topic configuration (AlterConfigs); it applies to
// the next append, roll, retention and cleaning.
func (l *Log) SetConfig(cfg TopicConfig) {
	if cfg.isZero() {
		cfg = l.eng.opts.Defaults
	}
	l.cfg.Store(&cfg)
}

// LogStartOffset is the first offset readable.
func (l *Log) LogStartOffset() int64 { return l.logStart.Load() }

// LogEndOffset is the offset the next appended record will get.
func (l *Log) LogEndOffset() int64 { return l.leo.Load() }

// HighWatermark is the offset below which records are committed.
func (l *Log) HighWatermark() int64 { return l.hw.Load() }

// Size is the number of bytes in the log's segments.
func (l *Log) Size() int64 { return l.size.Load() }

// Offline reports whether the log's dir is offline after a disk error.
func (l *Log) Offline() bool { return !l.logDir().online.Load() }

// SetHighWatermark moves the high watermark (clamped to [logStart, LEO]);
// an advance wakes the Wait channel. The value is checkpointed to the
// dir's replication-offset-checkpoint periodically and on Close.
func (l *Log) SetHighWatermark(hw int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.setHighWatermarkLocked(hw)
}

// REQUIRES: l.mu held.
func (l *Log) setHighWatermarkLocked(hw int64) {
	hw = max(min(hw, l.leo.Load()), l.logStart.Load())
	old := l.hw.Swap(hw)
	if hw > old && l.mu.hwWait != nil {
		close(l.mu.hwWait)
		l.mu.hwWait = nil
	}
}

// Wait returns a channel closed when the high watermark next advances
// (fetch long polls).
func (l *Log) Wait() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.mu.hwWait == nil {
		l.mu.hwWait = make(chan struct{})
	}
	return l.mu.hwWait
}

// LatestEpoch is the latest leader epoch in the log, -1 if none.
func (l *Log) LatestEpoch() int32 {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e, ok := l.mu.epochs.latest(); ok {
		return e.Epoch
	}
	return -1
}

// EndOffsetForEpoch answers OffsetForLeaderEpoch: the end offset of the
// requested epoch and the largest epoch <= it; (-1, -1) when unknown.
func (l *Log) EndOffsetForEpoch(epoch int32) (int32, int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.mu.epochs.endOffsetFor(epoch, l.leo.Load())
}

// REQUIRES: l.mu held.
func (l *Log) active() *segment.Segment { return l.mu.segs[len(l.mu.segs)-1] }

// REQUIRES: l.mu held.
func (l *Log) updateSizeLocked() {
	var n int64
	for _, s := range l.mu.segs {
		n += s.Size()
	}
	l.size.Store(n)
}

// REQUIRES: l.mu held. Writes the leader-epoch-checkpoint.
func (l *Log) writeEpochsLocked() error {
	return checkpoint.Write(l.eng.fs, filepath.Join(l.dirPath(), leaderEpochFile), checkpoint.FormatEpochs(l.mu.epochs.entries))
}

// storageErr takes the log's dir offline and wraps err as ErrStorage, for
// failures that leave the log in doubt whatever their cause (a failed
// fsync, a cut half done); diskErr classifies the others.
func (l *Log) storageErr(op string, err error) error {
	return l.eng.offline(l.logDir(), op, l.name, err)
}

// REQUIRES: l.mu held. checkWritable fails when the log cannot take writes.
func (l *Log) checkWritableLocked() error {
	if l.mu.closed || l.mu.deleted {
		return ErrClosed
	}
	if !l.logDir().online.Load() {
		return fmt.Errorf("%w: log dir %s is offline: %v", ErrStorage, l.logDir().path, l.logDir().offlineErr())
	}
	return nil
}
