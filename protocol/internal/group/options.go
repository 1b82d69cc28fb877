package group

import (
	"crypto/rand"
	"fmt"
	"math"
	"strings"
	"time"
)

// Options configures a Coordinator. The zero value means Kafka 3.9's defaults;
// property names are given next to each field.
type Options struct {
	// NumPartitions is offsets.topic.num.partitions (default 50).
	NumPartitions int32
	// MinSessionTimeout is group.min.session.timeout.ms (default 6s).
	MinSessionTimeout time.Duration
	// MaxSessionTimeout is group.max.session.timeout.ms (default 30 min).
	MaxSessionTimeout time.Duration
	// InitialRebalanceDelay is group.initial.rebalance.delay.ms (default 3s).
	// Zero means the default; a negative value means no delay (Kafka's 0).
	InitialRebalanceDelay time.Duration
	// MaxSize is group.max.size (default math.MaxInt32).
	MaxSize int
	// OffsetsRetention is offsets.retention.minutes (default 7 days).
	OffsetsRetention time.Duration
	// OffsetsRetentionCheckInterval is offsets.retention.check.interval.ms (default 10 min).
	OffsetsRetentionCheckInterval time.Duration
	// OffsetMetadataMaxBytes is offset.metadata.max.bytes (default 4096).
	OffsetMetadataMaxBytes int
	// NewMemberJoinTimeout is how long a new member may wait in a rebalance
	// without rejoining (Kafka's fixed 5 min).
	NewMemberJoinTimeout time.Duration
	// ConsumerSessionTimeout is group.consumer.session.timeout.ms (default 45s).
	ConsumerSessionTimeout time.Duration
	// ConsumerHeartbeatInterval is group.consumer.heartbeat.interval.ms (default 5s).
	ConsumerHeartbeatInterval time.Duration
	// NewMemberID returns a fresh member id for a client id (or, for static
	// members, the group instance id). Default: prefix + "-" + a random UUID,
	// as Kafka does. Tests inject a deterministic one.
	NewMemberID func(prefix string) string
}

// EnsureDefaults fills zero fields with the defaults and returns o.
func (o *Options) EnsureDefaults() *Options {
	if o.NumPartitions == 0 {
		o.NumPartitions = 50
	}
	if o.MinSessionTimeout == 0 {
		o.MinSessionTimeout = 6 * time.Second
	}
	if o.MaxSessionTimeout == 0 {
		o.MaxSessionTimeout = 30 * time.Minute
	}
	if o.InitialRebalanceDelay == 0 {
		o.InitialRebalanceDelay = 3 * time.Second
	}
	if o.MaxSize == 0 {
		o.MaxSize = math.MaxInt32
	}
	if o.OffsetsRetention == 0 {
		o.OffsetsRetention = 7 * 24 * time.Hour
	}
	if o.OffsetsRetentionCheckInterval == 0 {
		o.OffsetsRetentionCheckInterval = 10 * time.Minute
	}
	if o.OffsetMetadataMaxBytes == 0 {
		o.OffsetMetadataMaxBytes = 4096
	}
	if o.NewMemberJoinTimeout == 0 {
		o.NewMemberJoinTimeout = 5 * time.Minute
	}
	if o.ConsumerSessionTimeout == 0 {
		o.ConsumerSessionTimeout = 45 * time.Second
	}
	if o.ConsumerHeartbeatInterval == 0 {
		o.ConsumerHeartbeatInterval = 5 * time.Second
	}
	if o.NewMemberID == nil {
		o.NewMemberID = randomMemberID
	}
	return o
}

// Validate reports every bad field at once.
func (o *Options) Validate() error {
	var bad []string
	if o.NumPartitions < 1 {
		bad = append(bad, fmt.Sprintf("NumPartitions (offsets.topic.num.partitions) = %d, must be >= 1", o.NumPartitions))
	}
	if o.MinSessionTimeout < 0 || o.MaxSessionTimeout < o.MinSessionTimeout {
		bad = append(bad, fmt.Sprintf("session timeouts: need 0 <= MinSessionTimeout (%v) <= MaxSessionTimeout (%v)", o.MinSessionTimeout, o.MaxSessionTimeout))
	}
	if o.MaxSize < 1 {
		bad = append(bad, fmt.Sprintf("MaxSize (group.max.size) = %d, must be >= 1", o.MaxSize))
	}
	if o.OffsetsRetention < time.Minute {
		bad = append(bad, fmt.Sprintf("OffsetsRetention (offsets.retention.minutes) = %v, must be >= 1m", o.OffsetsRetention))
	}
	if o.OffsetsRetentionCheckInterval < time.Millisecond {
		bad = append(bad, fmt.Sprintf("OffsetsRetentionCheckInterval = %v, must be >= 1ms", o.OffsetsRetentionCheckInterval))
	}
	if o.OffsetMetadataMaxBytes < 0 {
		bad = append(bad, fmt.Sprintf("OffsetMetadataMaxBytes = %d, must be >= 0", o.OffsetMetadataMaxBytes))
	}
	if len(bad) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalidOptions, strings.Join(bad, "; "))
	}
	return nil
}

func (o *Options) initialDelay() time.Duration {
	if o.InitialRebalanceDelay < 0 {
		return 0
	}
	return o.InitialRebalanceDelay
}

// randomMemberID formats prefix-UUIDv4 like java.util.UUID.toString.
func randomMemberID(prefix string) string {
	var u [16]byte
	_, _ = rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%s-%x-%x-%x-%x-%x", prefix, u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}
