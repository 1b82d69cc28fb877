package engine

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// topicFields is the table of Kafka 3.9 topic configs (TopicConfig.java,
// LogConfig.java, ServerTopicConfigSynonyms.java), sorted by name. Defaults
// and ranges are Kafka's.
var topicFields = []topicField{
	{
		def: ConfigDef{Name: "cleanup.policy", Type: "list", Default: "delete", ServerDefaultProperty: "log.cleanup.policy",
			Valid: "[compact, delete]",
			Doc: "This config designates the retention policy to use on log segments. The \"delete\" policy (which is the default) " +
				"will discard old segments when their retention time or size limit has been reached. The \"compact\" policy will " +
				"enable log compaction, which retains the latest value for each key. It is also possible to specify both policies " +
				"in a comma-separated list (e.g. \"delete,compact\").",
			Validate: func(s string) error { _, err := parseCleanupPolicy(s); return err }},
		get: func(c *TopicConfig) string { return c.CleanupPolicy.String() },
		set: func(c *TopicConfig, s string) error {
			p, err := parseCleanupPolicy(s)
			if err == nil {
				c.CleanupPolicy = p
			}
			return err
		},
	},
	intField("compression.gzip.level", "-1", "compression.gzip.level",
		"The compression level to use if compression.type is set to gzip.", -1, 9,
		func(c *TopicConfig) *int32 { return &c.CompressionGzipLevel }).withValid("[1,...,9] or -1", func(s string) error {
		v, _ := strconv.Atoi(s)
		if v == 0 {
			return cfgErr("Value must be between 1 and 9, or -1")
		}
		return nil
	}),
	intField("compression.lz4.level", "9", "compression.lz4.level",
		"The compression level to use if compression.type is set to lz4.", 1, 17,
		func(c *TopicConfig) *int32 { return &c.CompressionLz4Level }),
	stringField("compression.type", "producer", "compression.type",
		"Specify the final compression type for a given topic. This configuration accepts the standard compression codecs "+
			"('gzip', 'snappy', 'lz4', 'zstd'). It additionally accepts 'uncompressed' which is equivalent to no compression; "+
			"and 'producer' which means retain the original compression codec set by the producer.",
		[]string{"uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"},
		func(c *TopicConfig) *string { return &c.CompressionType }),
	intField("compression.zstd.level", "3", "compression.zstd.level",
		"The compression level to use if compression.type is set to zstd.", -131072, 22,
		func(c *TopicConfig) *int32 { return &c.CompressionZstdLevel }),
	longField("delete.retention.ms", "86400000", "log.cleaner.delete.retention.ms",
		"The amount of time to retain delete tombstone markers for log compacted topics. This setting also gives a bound on "+
			"the time in which a consumer must complete a read if they begin from offset 0 to ensure that they get a valid "+
			"snapshot of the final stage (otherwise delete tombstones may be collected before they complete their scan).",
		0, math.MaxInt64, func(c *TopicConfig) *int64 { return &c.DeleteRetentionMs }),
	longField("file.delete.delay.ms", "60000", "log.segment.delete.delay.ms",
		"The time to wait before deleting a file from the filesystem.",
		0, math.MaxInt64, func(c *TopicConfig) *int64 { return &c.FileDeleteDelayMs }),
	longField("flush.messages", "9223372036854775807", "log.flush.interval.messages",
		"This setting allows specifying an interval at which we will force an fsync of data written to the log. For example "+
			"if this was set to 1 we would fsync after every message; if it were 5 we would fsync after every five messages. "+
			"In general we recommend you not set this and use replication for durability.",
		1, math.MaxInt64, func(c *TopicConfig) *int64 { return &c.FlushMessages }),
	longField("flush.ms", "9223372036854775807", "log.flush.interval.ms",
		"This setting allows specifying a time interval at which we will force an fsync of data written to the log. "+
			"In general we recommend you not set this and use replication for durability.",
		0, math.MaxInt64, func(c *TopicConfig) *int64 { return &c.FlushMs }),
	stringField("follower.replication.throttled.replicas", "", "",
		"A list of replicas for which log replication should be throttled on the follower side. The list should describe a "+
			"set of replicas in the form [PartitionId]:[BrokerId],[PartitionId]:[BrokerId]:... or alternatively the wildcard "+
			"'*' can be used to throttle all replicas for this topic.",
		nil, func(c *TopicConfig) *string { return &c.FollowerReplicationThrottledReplicas }).withValid(
		"[partitionId]:[brokerId],[partitionId]:[brokerId],...", validThrottledReplicas),
	intField("index.interval.bytes", "4096", "log.index.interval.bytes",
		"This setting controls how frequently Kafka adds an index entry to its offset index. The default setting ensures "+
			"that we index a message roughly every 4096 bytes.",
		0, math.MaxInt32, func(c *TopicConfig) *int32 { return &c.IndexIntervalBytes }),
	stringField("leader.replication.throttled.replicas", "", "",
		"A list of replicas for which log replication should be throttled on the leader side. The list should describe a "+
			"set of replicas in the form [PartitionId]:[BrokerId],[PartitionId]:[BrokerId]:... or alternatively the wildcard "+
			"'*' can be used to throttle all replicas for this topic.",
		nil, func(c *TopicConfig) *string { return &c.LeaderReplicationThrottledReplicas }).withValid(
		"[partitionId]:[brokerId],[partitionId]:[brokerId],...", validThrottledReplicas),
	longField("local.retention.bytes", "-2", "log.local.retention.bytes",
		"The maximum size of local log segments that can grow for a partition before it deletes the old segments. "+
			"Default value is -2, it represents `retention.bytes` value to be used.",
		-2, math.MaxInt64, func(c *TopicConfig) *int64 { return &c.LocalRetentionBytes }),
	longField("local.retention.ms", "-2", "log.local.retention.ms",
		"The number of milliseconds to keep the local log segment before it gets deleted. "+
			"Default value is -2, it represents `retention.ms` value is to be used.",
		-2, math.MaxInt64, func(c *TopicConfig) *int64 { return &c.LocalRetentionMs }),
	longField("max.compaction.lag.ms", "9223372036854775807", "log.cleaner.max.compaction.lag.ms",
		"The maximum time a message will remain ineligible for compaction in the log. Only applicable for logs that are being compacted.",
		1, math.MaxInt64, func(c *TopicConfig) *int64 { return &c.MaxCompactionLagMs }),
	intField("max.message.bytes", "1048588", "message.max.bytes",
		"The largest record batch size allowed by Kafka (after compression if compression is enabled).",
		0, math.MaxInt32, func(c *TopicConfig) *int32 { return &c.MaxMessageBytes }),
	boolField("message.downconversion.enable", "true", "log.message.downconversion.enable",
		"This configuration controls whether down-conversion of message formats is enabled to satisfy consume requests. "+
			"[DEPRECATED]",
		func(c *TopicConfig) *bool { return &c.MessageDownconversionEnable }),
	stringField("message.format.version", "3.0-IV1", "log.message.format.version",
		"[DEPRECATED] Specify the message format version the broker will use to append messages to the logs. "+
			"The value of this config is always assumed to be `3.0` if `inter.broker.protocol.version` is 3.0 or higher.",
		nil, func(c *TopicConfig) *string { return &c.MessageFormatVersion }).withValid(MessageFormatVersions, ValidateMessageFormatVersion),
	longField("message.timestamp.after.max.ms", "9223372036854775807", "log.message.timestamp.after.max.ms",
		"This configuration sets the allowable timestamp difference between the message timestamp and the broker's timestamp. "+
			"The message timestamp can be later than or equal to the broker's timestamp, with the maximum allowable difference "+
			"determined by the value set in this configuration. If message.timestamp.type=CreateTime, the message will be "+
			"rejected if the difference in timestamps exceeds this specified threshold.",
		0, math.MaxInt64, func(c *TopicConfig) *int64 { return &c.MessageTimestampAfterMaxMs }),
	longField("message.timestamp.before.max.ms", "9223372036854775807", "log.message.timestamp.before.max.ms",
		"This configuration sets the allowable timestamp difference between the broker's timestamp and the message timestamp. "+
			"The message timestamp can be earlier than or equal to the broker's timestamp, with the maximum allowable difference "+
			"determined by the value set in this configuration. If message.timestamp.type=CreateTime, the message will be "+
			"rejected if the difference in timestamps exceeds this specified threshold.",
		0, math.MaxInt64, func(c *TopicConfig) *int64 { return &c.MessageTimestampBeforeMaxMs }),
	longField("message.timestamp.difference.max.ms", "9223372036854775807", "log.message.timestamp.difference.max.ms",
		"[DEPRECATED] The maximum difference allowed between the timestamp when a broker receives a message and the "+
			"timestamp specified in the message. Replaced by message.timestamp.before.max.ms and message.timestamp.after.max.ms.",
		0, math.MaxInt64, func(c *TopicConfig) *int64 { return &c.MessageTimestampDifferenceMaxMs }),
	stringField("message.timestamp.type", TimestampCreateTime, "log.message.timestamp.type",
		"Define whether the timestamp in the message is message create time or log append time.",
		[]string{TimestampCreateTime, TimestampLogAppendTime},
		func(c *TopicConfig) *string { return &c.MessageTimestampType }),
	{
		def: ConfigDef{Name: "min.cleanable.dirty.ratio", Type: "double", Default: "0.5", ServerDefaultProperty: "log.cleaner.min.cleanable.ratio",
			Valid: "[0,...,1]",
			Doc: "This configuration controls how frequently the log compactor will attempt to clean the log (assuming log " +
				"compaction is enabled). By default we will avoid cleaning a log where more than 50% of the log has been compacted.",
			Validate: validRatio},
		get: func(c *TopicConfig) string { return strconv.FormatFloat(c.MinCleanableDirtyRatio, 'f', -1, 64) },
		set: func(c *TopicConfig, s string) error {
			if err := validRatio(s); err != nil {
				return err
			}
			c.MinCleanableDirtyRatio, _ = strconv.ParseFloat(s, 64)
			return nil
		},
	},
	longField("min.compaction.lag.ms", "0", "log.cleaner.min.compaction.lag.ms",
		"The minimum time a message will remain uncompacted in the log. Only applicable for logs that are being compacted.",
		0, math.MaxInt64, func(c *TopicConfig) *int64 { return &c.MinCompactionLagMs }),
	intField("min.insync.replicas", "1", "min.insync.replicas",
		"When a producer sets acks to \"all\" (or \"-1\"), this configuration specifies the minimum number of replicas that "+
			"must acknowledge a write for the write to be considered successful.",
		1, math.MaxInt32, func(c *TopicConfig) *int32 { return &c.MinInsyncReplicas }),
	boolField("preallocate", "false", "log.preallocate",
		"True if we should preallocate the file on disk when creating a new log segment.",
		func(c *TopicConfig) *bool { return &c.Preallocate }),
	boolField("remote.log.copy.disable", "false", "",
		"Determines whether tiered data for a topic should become read only, and no more data uploading on a topic.",
		func(c *TopicConfig) *bool { return &c.RemoteLogCopyDisable }),
	boolField("remote.log.delete.on.disable", "false", "",
		"Determines whether tiered data for a topic should be deleted after tiered storage is disabled on a topic.",
		func(c *TopicConfig) *bool { return &c.RemoteLogDeleteOnDisable }),
	boolField("remote.storage.enable", "false", "",
		"To enable tiered storage for a topic, set this configuration as true. You can not disable this config once it is enabled.",
		func(c *TopicConfig) *bool { return &c.RemoteStorageEnable }),
	longField("retention.bytes", "-1", "log.retention.bytes",
		"This configuration controls the maximum size a partition (which consists of log segments) can grow to before we "+
			"will discard old log segments to free up space if we are using the \"delete\" retention policy. By default there "+
			"is no size limit only a time limit.",
		math.MinInt64, math.MaxInt64, func(c *TopicConfig) *int64 { return &c.RetentionBytes }),
	longField("retention.ms", "604800000", "log.retention.ms",
		"This configuration controls the maximum time we will retain a log before we will discard old log segments to free "+
			"up space if we are using the \"delete\" retention policy. If set to -1, no time limit is applied.",
		-1, math.MaxInt64, func(c *TopicConfig) *int64 { return &c.RetentionMs }),
	intField("segment.bytes", "1073741824", "log.segment.bytes",
		"This configuration controls the segment file size for the log. Retention and cleaning is always done a file at a "+
			"time so a larger segment size means fewer files but less granular control over retention.",
		14, math.MaxInt32, func(c *TopicConfig) *int32 { return &c.SegmentBytes }),
	intField("segment.index.bytes", "10485760", "log.index.size.max.bytes",
		"This configuration controls the size of the index that maps offsets to file positions. We preallocate this index "+
			"file and shrink it only after log rolls. You generally should not need to change this setting.",
		4, math.MaxInt32, func(c *TopicConfig) *int32 { return &c.SegmentIndexBytes }),
	longField("segment.jitter.ms", "0", "log.roll.jitter.ms",
		"The maximum random jitter subtracted from the scheduled segment roll time to avoid thundering herds of segment rolling",
		0, math.MaxInt64, func(c *TopicConfig) *int64 { return &c.SegmentJitterMs }),
	longField("segment.ms", "604800000", "log.roll.ms",
		"This configuration controls the period of time after which Kafka will force the log to roll even if the segment "+
			"file isn't full to ensure that retention can delete or compact old data.",
		1, math.MaxInt64, func(c *TopicConfig) *int64 { return &c.SegmentMs }),
	boolField("unclean.leader.election.enable", "false", "unclean.leader.election.enable",
		"Indicates whether to enable replicas not in the ISR set to be elected as leader as a last resort, even though "+
			"doing so may result in data loss.",
		func(c *TopicConfig) *bool { return &c.UncleanLeaderElectionEnable }),
}

// withValid replaces a field's Valid text and adds an extra check.
func (f topicField) withValid(valid string, extra func(string) error) topicField {
	base, set := f.def.Validate, f.set
	check := func(s string) error {
		if base != nil {
			if err := base(s); err != nil {
				return err
			}
		}
		return extra(s)
	}
	f.def.Valid, f.def.Validate = valid, check
	f.set = func(c *TopicConfig, s string) error {
		if err := extra(s); err != nil {
			return err
		}
		return set(c, s)
	}
	return f
}

func parseCleanupPolicy(s string) (CleanupPolicy, error) {
	var p CleanupPolicy
	for _, part := range strings.Split(s, ",") {
		switch strings.TrimSpace(part) {
		case "delete":
			p |= CleanupDelete
		case "compact":
			p |= CleanupCompact
		default:
			return 0, cfgErr("Invalid value %s for configuration cleanup.policy: String must be one of: compact, delete", strings.TrimSpace(part))
		}
	}
	return p, nil
}

func validRatio(s string) error {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return cfgErr("Expected value to be a double, but it was a %s", kindOf(s))
	}
	if v < 0 || v > 1 || v != v {
		return cfgErr("Value must be between 0 and 1")
	}
	return nil
}

func validThrottledReplicas(s string) error {
	s = strings.TrimSpace(s)
	if s == "" || s == "*" {
		return nil
	}
	for _, part := range strings.Split(s, ",") {
		a, b, ok := strings.Cut(strings.TrimSpace(part), ":")
		if !ok {
			return cfgErr("must be the literal '*' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],...")
		}
		if _, err := strconv.ParseInt(a, 10, 32); err != nil {
			return cfgErr("must be the literal '*' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],...")
		}
		if _, err := strconv.ParseInt(b, 10, 32); err != nil {
			return cfgErr("must be the literal '*' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],...")
		}
	}
	return nil
}

// MessageFormatVersions is the valid range of message.format.version, as
// Kafka's documentation abbreviates it.
const MessageFormatVersions = "[0.8.0, ..., 3.9-IV0]"

// ValidateMessageFormatVersion checks a message.format.version (and
// log.message.format.version) value as Kafka's MetadataVersionValidator
// does: the value names a known inter-broker protocol version, after
// cutting it to three dot-separated parts when it starts with "0." and to
// two otherwise, so "0.10.0.0", "0.10.0", "0.10.0-IV1", "2.8.1" and
// "3.0-IV1" are valid and "0.10.5" or "3" are not.
func ValidateMessageFormatVersion(s string) error {
	parts := strings.Split(s, ".")
	n := 2
	if strings.HasPrefix(s, "0.") {
		n = 3
	}
	key := s
	if len(parts) > n {
		key = strings.Join(parts[:n], ".")
	}
	if !messageFormatVersions[key] {
		return cfgErr("Version %s is not a valid version", s)
	}
	return nil
}

// messageFormatVersions are Kafka 3.9's MetadataVersion strings: each
// release with each of its internal versions ("2.7-IV1"), and each release
// alone (its latest internal version).
var messageFormatVersions = func() map[string]bool {
	m := map[string]bool{}
	for _, r := range []struct {
		release string
		ivs     int // internal versions IV0..IV(n-1); 0: none
	}{
		{"0.8.0", 0}, {"0.8.1", 0}, {"0.8.2", 0}, {"0.9.0", 0},
		{"0.10.0", 2}, {"0.10.1", 3}, {"0.10.2", 1}, {"0.11.0", 3},
		{"1.0", 1}, {"1.1", 1}, {"2.0", 2}, {"2.1", 3}, {"2.2", 2}, {"2.3", 2}, {"2.4", 2},
		{"2.5", 1}, {"2.6", 1}, {"2.7", 3}, {"2.8", 2}, {"3.0", 2}, {"3.1", 1}, {"3.2", 1},
		{"3.3", 4}, {"3.4", 1}, {"3.5", 3}, {"3.6", 3}, {"3.7", 5}, {"3.8", 1}, {"3.9", 1},
	} {
		m[r.release] = true
		for i := range r.ivs {
			m[fmt.Sprintf("%s-IV%d", r.release, i)] = true
		}
	}
	return m
}()
