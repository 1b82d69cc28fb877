package cluster

import "math"

const (
	maxInt   = math.MaxInt32
	maxLong  = math.MaxInt64
	maxShort = math.MaxInt16
	minInt   = math.MinInt32
	minLong  = math.MinInt64
)

// RackAwareReplicaSelector is the replica.selector.class value that turns
// on fetching from the closest replica (KIP-392).
const RackAwareReplicaSelector = "org.apache.kafka.common.replica.RackAwareReplicaSelector"

// BrokerConfigDefs is the broker configuration table: every Kafka 3.9
// server property Sluice reads (plus the sluice.-prefixed ones Kafka does
// not have), with Kafka's type, default, valid range, documentation and
// update mode. ParseBrokerConfig, DescribeConfigs (DescribeBrokerConfig),
// AlterConfigs and docs/config.md are all derived from it. Defaults are
// Kafka's, except the deliberate differences in KafkaDifferences; the
// Default shown here is the one Sluice applies without ZooKeeper.
//
// The topic-level defaults (engine.TopicConfig) come from the rows named by
// engine.TopicConfigDefs[i].ServerDefaultProperty; those rows (and their
// synonyms) are the dynamically updatable ones.
var BrokerConfigDefs = []BrokerConfigDef{
	// --- identity and listeners ---
	intDef("broker.id", "0", "The broker id for this server. Synonym of node.id; if both are set they must be equal.", -1, maxInt),
	intDef("node.id", "", "The node ID associated with the roles this process is playing. Synonym of broker.id.", -1, maxInt),
	stringDef("broker.rack", "", "Rack of the broker. This will be used in rack aware replication assignment for fault tolerance."),
	listDef("listeners", "PLAINTEXT://127.0.0.1:9092", "Listener List - Comma-separated list of URIs we will listen on and the listener names. "+
		"Specify hostname as 0.0.0.0 to bind to all interfaces. Leave hostname empty to bind to default interface. "+
		"Sluice serves PLAINTEXT listeners only."),
	listDef("advertised.listeners", "", "Listeners to publish to ZooKeeper or clients for clients to use, if different than the listeners "+
		"config property. If this is not set, the value for listeners will be used."),
	stringDef("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL",
		"Map between listener names and security protocols. Sluice accepts only listeners mapped to PLAINTEXT."),
	stringDef("inter.broker.listener.name", "", "Name of listener used for communication between brokers."),
	listDef("process.roles", "", "The roles that this process plays: 'broker', 'controller', or 'broker,controller' (KRaft). "+
		"Accepted so that KRaft server.properties files work; without zookeeper.connect Sluice always runs its embedded "+
		"single-node metadata, which plays both roles.", "broker", "controller"),
	stringDef("controller.quorum.voters", "", "Map of id/endpoint information for the set of voters (KRaft). Accepted and ignored."),
	listDef("controller.listener.names", "", "A comma-separated list of the names of the listeners used by the controller (KRaft). "+
		"Sluice does not serve clients on these listeners."),

	// --- log directories and topic defaults ---
	listDef("log.dirs", "", "A comma-separated list of the directories where the log data is stored. If not set, the value in log.dir is used."),
	stringDef("log.dir", "./data", "The directory in which the log data is kept (supplemental for log.dirs property)."),
	intDef("num.partitions", "1", "The default number of log partitions per topic.", 1, maxInt),
	intDef("default.replication.factor", "1", "The default replication factors for automatically created topics.", 1, maxShort),
	longDef("log.retention.ms", "", "The number of milliseconds to keep a log file before deleting it (in milliseconds). If not set, "+
		"the value in log.retention.minutes is used. If set to -1, no time limit is applied.", minLong, maxLong).
		dynamic(ClusterWide).synonyms("log.retention.minutes", "log.retention.hours"),
	intDef("log.retention.minutes", "", "The number of minutes to keep a log file before deleting it (in minutes), secondary to "+
		"log.retention.ms property. If not set, the value in log.retention.hours is used.", minInt, maxInt).dynamic(ClusterWide),
	intDef("log.retention.hours", "168", "The number of hours to keep a log file before deleting it (in hours), tertiary to "+
		"log.retention.ms property.", minInt, maxInt).dynamic(ClusterWide),
	longDef("log.retention.bytes", "-1", "The maximum size of the log before deleting it.", minLong, maxLong).dynamic(ClusterWide),
	intDef("log.segment.bytes", "1073741824", "The maximum size of a single log file.", 14, maxInt).dynamic(ClusterWide),
	longDef("log.roll.ms", "", "The maximum time before a new log segment is rolled out (in milliseconds). If not set, the value "+
		"in log.roll.hours is used.", minLong, maxLong).dynamic(ClusterWide).synonyms("log.roll.hours"),
	intDef("log.roll.hours", "168", "The maximum time before a new log segment is rolled out (in hours), secondary to log.roll.ms property.",
		1, maxInt).dynamic(ClusterWide),
	longDef("log.roll.jitter.ms", "", "The maximum jitter to subtract from logRollTimeMillis (in milliseconds). If not set, the value "+
		"in log.roll.jitter.hours is used.", minLong, maxLong).dynamic(ClusterWide).synonyms("log.roll.jitter.hours"),
	intDef("log.roll.jitter.hours", "0", "The maximum jitter to subtract from logRollTimeMillis (in hours), secondary to "+
		"log.roll.jitter.ms property.", 0, maxInt).dynamic(ClusterWide),
	intDef("log.index.interval.bytes", "4096", "The interval with which we add an entry to the offset index.", 0, maxInt).dynamic(ClusterWide),
	intDef("log.index.size.max.bytes", "10485760", "The maximum size in bytes of the offset index.", 4, maxInt).dynamic(ClusterWide),
	longDef("log.flush.interval.messages", "9223372036854775807", "The number of messages accumulated on a log partition before "+
		"messages are flushed to disk.", 1, maxLong).dynamic(ClusterWide),
	longDef("log.flush.interval.ms", "", "The maximum time in ms that a message in any topic is kept in memory before flushed to disk. "+
		"If not set, the value in log.flush.scheduler.interval.ms is used.", minLong, maxLong).dynamic(ClusterWide),
	longDef("log.flush.scheduler.interval.ms", "9223372036854775807", "The frequency in ms that the log flusher checks whether any "+
		"log needs to be flushed to disk.", minLong, maxLong),
	intDef("log.flush.offset.checkpoint.interval.ms", "60000", "The frequency with which we update the persistent record of the "+
		"last flush which acts as the log recovery point.", 0, maxInt),
	longDef("log.retention.check.interval.ms", "300000", "The frequency in milliseconds that the log cleaner checks whether any "+
		"log is eligible for deletion.", 1, maxLong),
	longDef("log.segment.delete.delay.ms", "60000", "The amount of time to wait before deleting a file from the filesystem.",
		0, maxLong).dynamic(ClusterWide),
	listDef("log.cleanup.policy", "delete", "The default cleanup policy for segments beyond the retention window. A comma separated "+
		"list of valid policies.", "compact", "delete").dynamic(ClusterWide),
	boolDef("log.cleaner.enable", "true", "Enable the log cleaner process to run on the server. Should be enabled if using any "+
		"topics with a cleanup.policy=compact including the internal offsets topic."),
	intDef("log.cleaner.threads", "1", "The number of background threads to use for log cleaning.", 0, maxInt),
	longDef("log.cleaner.backoff.ms", "15000", "The amount of time to sleep when there are no logs to clean.", 0, maxLong),
	longDef("log.cleaner.delete.retention.ms", "86400000", "The amount of time to retain tombstone message markers for log "+
		"compacted topics.", 0, maxLong).dynamic(ClusterWide),
	longDef("log.cleaner.min.compaction.lag.ms", "0", "The minimum time a message will remain uncompacted in the log.",
		0, maxLong).dynamic(ClusterWide),
	longDef("log.cleaner.max.compaction.lag.ms", "9223372036854775807", "The maximum time a message will remain ineligible for "+
		"compaction in the log.", 1, maxLong).dynamic(ClusterWide),
	doubleDef("log.cleaner.min.cleanable.ratio", "0.5", "The minimum ratio of dirty log to total log for a log to eligible for "+
		"cleaning.", 0, 1).dynamic(ClusterWide),
	longDef("log.cleaner.dedupe.buffer.size", "134217728", "The total memory used for log deduplication across all cleaner threads.",
		minLong, maxLong),
	boolDef("log.preallocate", "false", "Should pre allocate file when create new segment?").dynamic(ClusterWide),
	stringDef("log.message.timestamp.type", "CreateTime", "Define whether the timestamp in the message is message create time or "+
		"log append time.", "CreateTime", "LogAppendTime").dynamic(ClusterWide),
	longDef("log.message.timestamp.difference.max.ms", "9223372036854775807", "[DEPRECATED] The maximum difference allowed "+
		"between the timestamp when a broker receives a message and the timestamp specified in the message.", 0, maxLong).dynamic(ClusterWide),
	longDef("log.message.timestamp.before.max.ms", "9223372036854775807", "This configuration sets the allowable timestamp "+
		"difference between the broker's timestamp and the message timestamp.", 0, maxLong).dynamic(ClusterWide),
	longDef("log.message.timestamp.after.max.ms", "9223372036854775807", "This configuration sets the allowable timestamp "+
		"difference between the message timestamp and the broker's timestamp.", 0, maxLong).dynamic(ClusterWide),
	boolDef("log.message.downconversion.enable", "true", "[DEPRECATED] Whether down-conversion of message formats is enabled to "+
		"satisfy consume requests.").dynamic(ClusterWide),
	formatVersionDef(stringDef("log.message.format.version", "3.0-IV1", "[DEPRECATED] Specify the message format version the broker will use to "+
		"append messages to the logs.")).dynamic(ClusterWide),
	longDef("log.local.retention.ms", "-2", "The number of milliseconds to keep the local log segments before it gets eligible for "+
		"deletion (tiered storage; -2 means log.retention.ms).", -2, maxLong).dynamic(ClusterWide),
	longDef("log.local.retention.bytes", "-2", "The maximum size of local log segments that can grow for a partition before it "+
		"gets eligible for deletion (tiered storage; -2 means log.retention.bytes).", -2, maxLong).dynamic(ClusterWide),
	stringDef("compression.type", "producer", "Specify the final compression type for a given topic.",
		"uncompressed", "zstd", "lz4", "snappy", "gzip", "producer").dynamic(ClusterWide),
	intDef("compression.gzip.level", "-1", "The compression level to use if compression.type is set to gzip.", -1, 9).dynamic(ClusterWide),
	intDef("compression.lz4.level", "9", "The compression level to use if compression.type is set to lz4.", 1, 17).dynamic(ClusterWide),
	intDef("compression.zstd.level", "3", "The compression level to use if compression.type is set to zstd.", -131072, 22).dynamic(ClusterWide),
	intDef("message.max.bytes", "1048588", "The largest record batch size allowed by Kafka (after compression if compression is "+
		"enabled).", 0, maxInt).dynamic(ClusterWide),
	intDef("min.insync.replicas", "1", "When a producer sets acks to \"all\" (or \"-1\"), min.insync.replicas specifies the minimum "+
		"number of replicas that must acknowledge a write for the write to be considered successful.", 1, maxInt).dynamic(ClusterWide),
	longDef("leader.replication.throttled.rate", "9223372036854775807", "A long representing the upper bound (bytes/sec) on "+
		"replication traffic for leaders enumerated in the property leader.replication.throttled.replicas (for each topic). "+
		"Sluice bounds it with a token bucket holding one second's worth of bytes (Kafka: the rate over 11 one-second "+
		"samples), so a throttled move does not start with a burst.", 0, maxLong).dynamic(ClusterWide),
	longDef("follower.replication.throttled.rate", "9223372036854775807", "A long representing the upper bound (bytes/sec) on "+
		"replication traffic for followers enumerated in the property follower.replication.throttled.replicas (for each topic). "+
		"Sluice bounds it with a token bucket holding one second's worth of bytes (Kafka: the rate over 11 one-second "+
		"samples), so a throttled move does not start with a burst.", 0, maxLong).dynamic(ClusterWide),
	longDef("replica.alter.log.dirs.io.max.bytes.per.second", "9223372036854775807", "A long representing the upper bound "+
		"(bytes/sec) on disk IO used for moving replica between log directories on the same broker. Accepted; not enforced.",
		0, maxLong).dynamic(ClusterWide),
	boolDef("unclean.leader.election.enable", "false", "Indicates whether to enable replicas not in the ISR set to be elected as "+
		"leader as a last resort, even though doing so may result in data loss.").dynamic(ClusterWide),
	boolDef("auto.create.topics.enable", "true", "Enable auto creation of topic on the server (through Metadata requests)."),
	boolDef("delete.topic.enable", "true", "Enables delete topic. Delete topic through the admin tool will have no effect if this "+
		"config is turned off."),
	intDef("num.recovery.threads.per.data.dir", "1", "The number of threads per data directory to be used for log recovery at "+
		"startup and flushing at shutdown.", 1, maxInt),

	// --- network ---
	intDef("socket.request.max.bytes", "104857600", "The maximum number of bytes in a socket request.", 1, maxInt),
	intDef("socket.send.buffer.bytes", "102400", "The SO_SNDBUF buffer of the socket server sockets. If the value is -1, the OS "+
		"default will be used.", minInt, maxInt),
	intDef("socket.receive.buffer.bytes", "102400", "The SO_RCVBUF buffer of the socket server sockets. If the value is -1, the "+
		"OS default will be used.", minInt, maxInt),
	intDef("num.network.threads", "3", "The number of threads that the server uses for receiving requests from the network and "+
		"sending responses to the network (in Sluice: event loops).", 1, maxInt),
	intDef("num.io.threads", "8", "The number of threads that the server uses for processing requests, which may include disk I/O.",
		1, maxInt),
	intDef("queued.max.requests", "500", "The number of queued requests allowed for data-plane, before blocking the network threads.",
		1, maxInt),
	longDef("connections.max.idle.ms", "600000", "Idle connections timeout: the server socket processor threads close the "+
		"connections that idle more than this.", minLong, maxLong),
	longDef("queued.max.request.bytes", "134217728", "The number of queued bytes allowed before no more requests are read. "+
		"Sluice counts a request's bytes from its length prefix until it is answered and stops reading client connections "+
		"while the total is at this bound; -1 (or any value <= 0) means no bound. Unless set, it is raised to "+
		"socket.request.max.bytes when that is larger.", minLong, maxLong),
	intDef("max.connections", "2147483647", "The maximum number of connections we allow in the broker at any time. "+
		"New connections wait in the listen backlog while the limit is reached. Sluice lowers it to the open-files limit "+
		"minus a reserve for log files (a quarter of the limit, and at least the smaller of 256 and half the limit).", 0, maxInt),
	intDef("max.connections.per.ip", "2147483647", "The maximum number of connections we allow from each ip address. This can "+
		"be set to 0 if there are overrides configured using max.connections.per.ip.overrides property. New connections from "+
		"the ip address are dropped if the limit is reached.", 0, maxInt),
	stringDef("max.connections.per.ip.overrides", "", "A comma-separated list of per-ip or hostname overrides to the default "+
		"maximum number of connections. An example value is \"hostName:100,127.0.0.1:200\""),
	intDef("fetch.max.bytes", "57671680", "The maximum number of bytes we will return for a fetch request.", 1024, maxInt),
	intDef("max.incremental.fetch.session.cache.slots", "1000", "The maximum number of incremental fetch sessions that we will "+
		"maintain.", 0, maxInt),
	intDef("background.threads", "10", "The number of threads to use for various background processing tasks.", 1, maxInt),
	boolDef("auto.leader.rebalance.enable", "true", "Enables auto leader balancing. A background thread checks the distribution "+
		"of partition leaders at regular intervals, configurable by leader.imbalance.check.interval.seconds. If the leader "+
		"imbalance exceeds leader.imbalance.per.broker.percentage, leader rebalance to the preferred leader for partitions "+
		"is triggered."),
	intDef("leader.imbalance.per.broker.percentage", "10", "The ratio of leader imbalance allowed per broker. The controller "+
		"would trigger a leader balance if it goes above this value per broker. The value is specified in percentage.",
		minInt, maxInt),
	longDef("leader.imbalance.check.interval.seconds", "300", "The frequency with which the partition rebalance check is "+
		"triggered by the controller", 1, maxLong),
	boolDef("controlled.shutdown.enable", "true", "Enable controlled shutdown of the server."),

	// --- ZooKeeper ---
	stringDef("zookeeper.connect", "", "Specifies the ZooKeeper connection string in the form hostname:port. Empty: Sluice keeps "+
		"its metadata itself (single node)."),
	intDef("zookeeper.session.timeout.ms", "18000", "Zookeeper session timeout.", minInt, maxInt),
	intDef("zookeeper.connection.timeout.ms", "", "The max time that the client waits to establish a connection to ZooKeeper. If "+
		"not set, the value in zookeeper.session.timeout.ms is used.", minInt, maxInt),

	// --- replication ---
	longDef("replica.lag.time.max.ms", "30000", "If a follower hasn't sent any fetch requests or hasn't consumed up to the "+
		"leaders log end offset for at least this time, the leader will remove the follower from isr.", minLong, maxLong),
	intDef("num.replica.fetchers", "1", "Number of fetcher threads used to replicate records from each source broker.", minInt, maxInt),
	intDef("replica.fetch.max.bytes", "1048576", "The number of bytes of messages to attempt to fetch for each partition.", 0, maxInt),
	intDef("replica.fetch.response.max.bytes", "10485760", "Maximum bytes expected for the entire fetch response.", 0, maxInt),
	intDef("replica.fetch.min.bytes", "1", "Minimum bytes expected for each fetch response. If not enough bytes, wait up to "+
		"replica.fetch.wait.max.ms (broker config).", minInt, maxInt),
	intDef("replica.fetch.wait.max.ms", "500", "The maximum wait time for each fetcher request issued by follower replicas.", minInt, maxInt),
	intDef("replica.fetch.backoff.ms", "1000", "The amount of time to sleep when fetch partition error occurs.", 0, maxInt),
	classDef("replica.selector.class", "", "The fully qualified class name that implements ReplicaSelector. This is used by "+
		"the broker to find the preferred read replica. By default, we use an implementation that returns the leader. Sluice "+
		"knows one implementation: "+RackAwareReplicaSelector+" (KIP-392: consumers that send their client.rack fetch from "+
		"an in-sync replica in their rack).", RackAwareReplicaSelector),
	intDef("controlled.shutdown.max.retries", "3", "Controlled shutdown can fail for multiple reasons. This determines the "+
		"number of retries when such failure happens.", minInt, maxInt),
	longDef("controlled.shutdown.retry.backoff.ms", "5000", "Before each retry, the system needs time to recover from the state "+
		"that caused the previous failure. This config determines the amount of time to wait before retrying.", minLong, maxLong),

	// --- group coordinator ---
	intDef("offsets.topic.num.partitions", "50", "The number of partitions for the offset commit topic (should not change after "+
		"deployment).", 1, maxInt),
	shortDef("offsets.topic.replication.factor", "3", "The replication factor for the offsets topic (set higher to ensure "+
		"availability).", 1, maxShort),
	intDef("offsets.topic.segment.bytes", "104857600", "The offsets topic segment bytes should be kept relatively small in order "+
		"to facilitate faster log compaction and cache loads.", 1, maxInt),
	intDef("offsets.retention.minutes", "10080", "For subscribed consumers, committed offset of a specific partition will be "+
		"expired and discarded when all consumers of its group are gone and this retention period has elapsed.", 1, maxInt),
	longDef("offsets.retention.check.interval.ms", "600000", "Frequency at which to check for stale offsets.", 1, maxLong),
	intDef("offsets.commit.timeout.ms", "5000", "Offset commit will be delayed until all replicas for the offsets topic receive "+
		"the commit or this timeout is reached.", 1, maxInt),
	intDef("offsets.load.buffer.size", "5242880", "Batch size for reading from the offsets segments when loading offsets into the "+
		"cache.", 1, maxInt),
	intDef("offset.metadata.max.bytes", "4096", "The maximum size for a metadata entry associated with an offset commit.",
		minInt, maxInt),
	intDef("group.initial.rebalance.delay.ms", "3000", "The amount of time the group coordinator will wait for more consumers to "+
		"join a new group before performing the first rebalance.", minInt, maxInt),
	intDef("group.min.session.timeout.ms", "6000", "The minimum allowed session timeout for registered consumers.", minInt, maxInt),
	intDef("group.max.session.timeout.ms", "1800000", "The maximum allowed session timeout for registered consumers.", minInt, maxInt),
	intDef("group.consumer.session.timeout.ms", "45000", "The timeout to detect client failures when using the consumer group protocol (KIP-848).",
		1, maxInt),
	intDef("group.consumer.heartbeat.interval.ms", "5000", "The heartbeat interval given to the members of a consumer group (KIP-848).",
		1, maxInt),
	intDef("group.max.size", "2147483647", "The maximum number of consumers that a single consumer group can accommodate.", 1, maxInt),

	// --- transactions and producer ids ---
	intDef("transaction.state.log.num.partitions", "50", "The number of partitions for the transaction topic (should not change "+
		"after deployment).", 1, maxInt),
	shortDef("transaction.state.log.replication.factor", "3", "The replication factor for the transaction topic (set higher to "+
		"ensure availability).", 1, maxShort),
	intDef("transaction.state.log.min.isr", "2", "The minimum number of replicas that must acknowledge a write to transaction "+
		"topic in order to be considered successful.", 1, maxInt),
	intDef("transaction.state.log.segment.bytes", "104857600", "The transaction topic segment bytes should be kept relatively small "+
		"in order to facilitate faster log compaction and cache loads.", 1, maxInt),
	intDef("transaction.max.timeout.ms", "900000", "The maximum allowed timeout for transactions.", 1, maxInt),
	intDef("transactional.id.expiration.ms", "604800000", "The time in ms that the transaction coordinator will wait without "+
		"receiving any transaction status updates for the current transaction before expiring its transactional id.", 1, maxInt),
	intDef("producer.id.expiration.ms", "86400000", "The time in ms that a topic partition leader will wait before expiring "+
		"producer IDs.", 1, maxInt),
	intDef("producer.id.expiration.check.interval.ms", "600000", "The interval at which to remove producer IDs that have "+
		"expired due to producer.id.expiration.ms passing.", 1, maxInt),

	// --- Sluice's own settings ---
	stringDef("sluice.metrics.listener", "127.0.0.1:9644", "host:port of the HTTP listener serving Prometheus metrics "+
		"(/metrics); empty disables it."),
	stringDef("sluice.log.format", "text", "Format of Sluice's own log lines (log/slog handler).", "text", "json"),
	stringDef("sluice.log.level", "info", "Minimum level of Sluice's own log lines.", "debug", "info", "warn", "error"),
	stringDef("sluice.log.files.dir", "", "Directory for Sluice's own log files (server.log); empty logs to standard error only."),
	longDef("sluice.segment.reserve.ahead.bytes", "16777216", "Disk blocks reserved ahead of each active log segment's end "+
		"(fallocate FALLOC_FL_KEEP_SIZE): appends land in allocated blocks, which on ext4 costs less CPU per write. File sizes "+
		"do not change; a roll, a close or a truncation releases what is left, and a topic with preallocate=true reserves its "+
		"whole segment instead. Each partition's active segment can hold up to this much disk beyond its data; 0 turns it off.",
		0, maxLong),
	doubleDef("sluice.log.dir.reserve.max.percent", "1", "Most disk blocks all the active segments of one log dir may hold "+
		"reserved ahead of their data (sluice.segment.reserve.ahead.bytes each), as a percent of the dir's volume. A segment "+
		"gets a reservation only while the total stays under it, and a partition idle for 10 s gives its back, so it goes "+
		"to the partitions that write. When a write still runs out of space every reservation of the dir is released and "+
		"the write tried again. 0 reserves nothing.", 0, 100),
	intDef("sluice.batch.decompressed.max.bytes", "67108864", "Largest decompressed size of the records of one produced "+
		"record batch, and largest zstd window accepted. A compressed batch that inflates past it is refused with "+
		"INVALID_RECORD as soon as decoding passes it, so a decompression bomb costs no more than this much work. "+
		"Kafka has no such limit.", 65536, maxInt),
	longDef("sluice.request.decompressed.max.bytes", "268435456", "Largest decompressed size of all the record batches of "+
		"one Produce request together: each batch is charged what it decoded (also when it was refused), and once the "+
		"request has spent this much its remaining compressed batches are refused with INVALID_RECORD. It bounds the "+
		"CPU one request of many small bombs can cost. Kafka has no such limit.", 65536, maxLong),
}
