package engine

// This file is the engine's public surface: the types the rest of Sluice
// (protocol, cluster, cmd/sluice) programs against. Implementations live in
// the other files of this package and in engine/internal/.

import (
	"log/slog"
	"time"

	"sluice/engine/record"
	"sluice/engine/vfs"
)

// TopicPartition names one partition log.
type TopicPartition struct {
	Topic     string
	Partition int32
}

// Options configures an Engine. The zero value of each field means Kafka's
// default (see EnsureDefaults).
type Options struct {
	// Dirs are the log directories (log.dirs). At least one is required.
	Dirs []string
	// FS is the file system; nil means the operating system's.
	FS vfs.FS
	// Now is the clock; nil means time.Now. Tests inject one.
	Now func() time.Time
	// Logger receives engine events; nil discards them.
	Logger *slog.Logger
	// Defaults are the broker-wide topic defaults (from log.* broker
	// properties) that per-topic overrides are applied on top of.
	Defaults TopicConfig
	// RetentionCheckInterval is log.retention.check.interval.ms (5 min).
	RetentionCheckInterval time.Duration
	// FlushCheckInterval is log.flush.scheduler.interval.ms; it is how
	// often flush.ms is checked (Kafka's default is Long.MAX_VALUE, we check
	// once a second when any log has a finite flush.ms).
	FlushCheckInterval time.Duration
	// CleanerEnable is log.cleaner.enable. Kafka's default is true, but a
	// bool's zero value cannot say so: false here runs no background
	// cleaner (RunCleaner still works); the broker sets it from its config.
	CleanerEnable bool
	// CleanerBackoff is log.cleaner.backoff.ms (15 s).
	CleanerBackoff time.Duration
	// MaxBatchDecompressed caps the decompressed size of one appended
	// batch's records, and the window of its zstd frames
	// (sluice.batch.decompressed.max.bytes, 64 MiB): past it the append
	// fails with ErrInvalidRecord and decoding stops there.
	MaxBatchDecompressed int
	// NodeID and ClusterID are written to meta.properties.
	NodeID    int32
	ClusterID string
	// DisableBackground turns off the retention, flush and cleaner
	// goroutines; tests then call RunRetention / RunCleaner directly.
	DisableBackground bool
	// ReserveAhead is how far ahead of the appends the active segment's
	// disk blocks are reserved (fallocate FALLOC_FL_KEEP_SIZE, never past
	// segment.bytes; file sizes are unchanged; sealing releases the rest):
	// 0 means DefaultReserveAhead, negative turns it off.
	ReserveAhead int64
	// ProducerIDExpiration is producer.id.expiration.ms (1 day): a
	// producer whose last batch is older is forgotten (producers.go).
	ProducerIDExpiration time.Duration
	// ProducerIDExpirationCheckInterval is
	// producer.id.expiration.check.interval.ms (10 min).
	ProducerIDExpirationCheckInterval time.Duration
	// ReserveDirPercent caps what all the active segments of one log dir
	// may hold reserved ahead of their data, as a percent of the dir's
	// volume (sluice.log.dir.reserve.max.percent): 0 means
	// DefaultReserveDirPercent, negative reserves nothing. Idle segments
	// give theirs back, so it goes to the partitions that write.
	ReserveDirPercent float64
	// OnFlush, when set, is called after each log fsync (Log.Flush) with
	// how long the fsyncs took, for the broker's log flush time metric. It
	// runs on the flushing goroutine and must not block.
	OnFlush func(d time.Duration)
}

// AppendOrigin says who produced a batch; it decides which validations run.
type AppendOrigin int8

const (
	// OriginClient is a producer: full LogValidator checks, offsets assigned.
	OriginClient AppendOrigin = iota
	// OriginCoordinator is the broker's own group/transaction coordinator:
	// offsets assigned, control batches allowed, no client-only checks.
	OriginCoordinator
	// OriginReplication is a follower copying the leader: offsets and
	// epochs kept as sent, several batches allowed.
	OriginReplication
)

// AppendOptions qualifies one Append.
type AppendOptions struct {
	Origin AppendOrigin
	// LeaderEpoch is written into each batch (OriginClient/Coordinator).
	LeaderEpoch int32
	// Budget, when set, bounds the bytes decompressed by all the appends
	// sharing it (one Produce request, sluice.request.decompressed.max.bytes)
	// on top of MaxBatchDecompressed.
	Budget *record.Budget
}

// AppendResult describes a successful append.
type AppendResult struct {
	BaseOffset int64
	LastOffset int64
	// LogAppendTime is the broker time stamped into the batch when the topic
	// uses LogAppendTime, else -1.
	LogAppendTime  int64
	LogStartOffset int64
	// Duplicate is set when an idempotent producer resent a batch already
	// in the log; nothing was appended and the offsets are the original's.
	Duplicate bool
	// RecordCount is the number of records appended.
	RecordCount int32
}

// ReadOptions qualifies one Read.
type ReadOptions struct {
	// MaxOffset bounds the read (exclusive): the high watermark for
	// consumers, the log end offset for followers. -1 means the log end.
	MaxOffset int64
	// MinOneBatch returns the first batch even when it is larger than
	// maxBytes (KIP-74), so that consumers never stall.
	MinOneBatch bool
}

// FileRange is a byte range of a segment file, aligned to batch
// boundaries, ready for sendfile(2).
type FileRange struct {
	File   vfs.File
	Offset int64
	Length int64
}

// OffsetAndTimestamp answers a lookup by time.
type OffsetAndTimestamp struct {
	Offset      int64
	Timestamp   int64
	LeaderEpoch int32
}

// DirInfo describes one log directory.
type DirInfo struct {
	Path    string
	Offline bool
	Err     error // why it is offline
	// Full is set while the volume is out of space: appends fail with
	// ErrDiskFull, reads and deletes go on (FullErr and FullSince say
	// what and since when).
	Full        bool
	FullErr     error
	FullSince   time.Time
	TotalBytes  int64
	UsableBytes int64
	// ReservedBytes is what the dir's active segments hold reserved ahead
	// of their data, at most ReserveLimit.
	ReservedBytes, ReserveLimit int64
}
