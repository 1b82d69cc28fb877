package record

import "time"

// Origins (ValidateOptions.Origin). Their values match engine.AppendOrigin.
const (
	// OriginClient is a producer: every LogValidator check runs.
	OriginClient int8 = 0
	// OriginCoordinator is the broker's own coordinator writing its internal
	// topics: control batches and any base offset allowed.
	OriginCoordinator int8 = 1
	// OriginReplication is a follower copying the leader's batches: only
	// the header, size-independent structure and CRC are checked, as Kafka's
	// follower append does.
	OriginReplication int8 = 2
)

// DefaultMaxMessageBytes is Kafka's max.message.bytes default (1 MiB + 12).
const DefaultMaxMessageBytes = 1048588

// ValidateOptions are the topic settings and context Validate checks a
// batch against. The zero value means Kafka's defaults for a client produce
// to a delete-policy CreateTime topic.
type ValidateOptions struct {
	// MaxMessageBytes is max.message.bytes; 0 means 1048588. Not checked
	// for OriginReplication (Kafka ignores it for followers).
	MaxMessageBytes int32
	// Compacted: cleanup.policy contains compact, so every record needs a key.
	Compacted bool
	// LogAppendTime: message.timestamp.type=LogAppendTime. Record
	// timestamps are then not range checked (the broker overwrites them
	// with SetLogAppendTime), but producers must not set the batch's
	// LogAppendTime bit themselves.
	LogAppendTime bool
	// TimestampBeforeMaxMs and TimestampAfterMaxMs are
	// message.timestamp.{before,after}.max.ms (KIP-937). 0 means Kafka's
	// default, Long.MAX_VALUE, i.e. unbounded; a negative value means 0.
	TimestampBeforeMaxMs, TimestampAfterMaxMs int64
	// NowMs is the broker's clock in Unix milliseconds; 0 means time.Now.
	NowMs int64
	// Origin is OriginClient, OriginCoordinator or OriginReplication.
	Origin int8
	// MaxDecompressed caps the decompressed size of one batch's records,
	// for every codec, and the window of zstd frames; 0 means
	// DefaultMaxUncompressed (64 MiB). Beyond it the batch fails with
	// ErrInvalidRecord, and decoding stops there.
	MaxDecompressed int
	// Budget, when set, also bounds the bytes decompressed by every batch
	// validated with it together (the batches of one Produce request);
	// each batch is charged what it decoded, also when it failed.
	Budget *Budget
	// Partition names the topic partition in error messages ("t-0");
	// empty leaves it out.
	Partition string
}

func (o *ValidateOptions) maxMessageBytes() int {
	if o.MaxMessageBytes <= 0 {
		return DefaultMaxMessageBytes
	}
	return int(o.MaxMessageBytes)
}

func (o *ValidateOptions) now() int64 {
	if o.NowMs == 0 {
		return time.Now().UnixMilli()
	}
	return o.NowMs
}

func (o *ValidateOptions) maxUncompressed() int {
	if o.MaxDecompressed <= 0 {
		return DefaultMaxUncompressed
	}
	return min(o.MaxDecompressed, 1<<40)
}

// timestampBounds returns the inclusive [lo, hi] window for CreateTime
// timestamps, saturating instead of overflowing.
func (o *ValidateOptions) timestampBounds(now int64) (lo, hi int64) {
	const maxInt64, minInt64 = 1<<63 - 1, -1 << 63
	lo, hi = minInt64, maxInt64
	if before := max(o.TimestampBeforeMaxMs, 0); o.TimestampBeforeMaxMs != 0 && now >= minInt64+before {
		lo = now - before
	}
	if after := max(o.TimestampAfterMaxMs, 0); o.TimestampAfterMaxMs != 0 && now <= maxInt64-after {
		hi = now + after
	}
	return lo, hi
}

func (o *ValidateOptions) inPartition() string {
	if o.Partition == "" {
		return ""
	}
	return " in topic partition " + o.Partition
}

func (o *ValidateOptions) partitionName() string {
	if o.Partition == "" {
		return "the partition"
	}
	return o.Partition
}
