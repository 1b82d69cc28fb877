package engine

// Engine owns the log directories and the partition logs in them.
type Engine struct {
	opts Options
}

// Open locks the log dirs, writes meta.properties and recovers every log.
// A partition that cannot be recovered is reported in RecoveryErrors; it
// does not fail Open.
func Open(opts Options) (*Engine, error) { return nil, ErrNotImplemented }

// Close flushes every log, writes the checkpoints and the clean-shutdown
// marker, and releases the dir locks.
func (e *Engine) Close() error { return ErrNotImplemented }

// CreateLog creates the log of a new partition in the log dir holding the
// fewest partitions.
func (e *Engine) CreateLog(tp TopicPartition, topicID [16]byte, cfg TopicConfig) (*Log, error) {
	return nil, ErrNotImplemented
}

// Log returns the partition's log.
func (e *Engine) Log(tp TopicPartition) (*Log, bool) { return nil, false }

// Logs returns every open log.
func (e *Engine) Logs() []*Log { return nil }

// DeleteLog removes a partition's log: its dir is renamed
// <topic>-<p>.<uuid>-delete and removed after file.delete.delay.ms.
func (e *Engine) DeleteLog(tp TopicPartition) error { return ErrNotImplemented }

// Dirs describes the log dirs.
func (e *Engine) Dirs() []DirInfo { return nil }

// RecoveryErrors lists the partitions that could not be opened.
func (e *Engine) RecoveryErrors() map[TopicPartition]error { return nil }

// RunRetention applies retention to every log once.
func (e *Engine) RunRetention() {}

// RunCleaner compacts every compacted log that is dirty enough, once.
func (e *Engine) RunCleaner() {}
