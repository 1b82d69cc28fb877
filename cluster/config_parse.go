package cluster

import (
	"fmt"
	"math"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"

	"sluice/engine"
)

// BrokerConfig is the parsed, validated broker configuration. Build it with
// ParseBrokerConfig; the zero value is not meaningful.
type BrokerConfig struct {
	NodeID int32
	Rack   string
	// ReplicaSelector is replica.selector.class: "" (the leader serves
	// every consumer) or RackAwareReplicaSelector.
	ReplicaSelector     string
	Listeners           string // listeners as given (or defaulted)
	AdvertisedListeners string // advertised.listeners, defaulting to Listeners
	LogDirs             []string

	NumPartitions            int32
	DefaultReplicationFactor int16
	AutoCreateTopics         bool
	DeleteTopicEnable        bool
	MessageMaxBytes          int32

	SocketRequestMaxBytes int32
	FetchMaxBytes         int32 // fetch.max.bytes: cap on a Fetch response
	FetchSessionSlots     int32 // max.incremental.fetch.session.cache.slots
	NumNetworkThreads     int
	NumIOThreads          int
	ConnectionsMaxIdle    time.Duration
	Limits                NetworkLimits // queued.max.request.bytes, max.connections*

	ZookeeperConnect        string
	ZookeeperSessionTimeout time.Duration
	// ZookeeperConnectionTimeout is zookeeper.connection.timeout.ms,
	// defaulting to the session timeout.
	ZookeeperConnectionTimeout time.Duration
	ControlledShutdownEnable   bool
	// Automatic preferred leader rebalance, run by the controller:
	// auto.leader.rebalance.enable, leader.imbalance.per.broker.percentage
	// and leader.imbalance.check.interval.seconds.
	AutoLeaderRebalanceEnable          bool
	LeaderImbalancePerBrokerPercentage int
	LeaderImbalanceCheckInterval       time.Duration

	// Log manager settings (engine.Options).
	RetentionCheckInterval time.Duration
	// FlushSchedulerInterval is log.flush.scheduler.interval.ms when set
	// explicitly, else 0: the engine's default (check flush.ms once a
	// second when a log has a finite one) instead of Kafka's "never".
	FlushSchedulerInterval time.Duration
	CleanerEnable          bool
	CleanerBackoff         time.Duration
	// SegmentReserveAhead is sluice.segment.reserve.ahead.bytes (0: off).
	SegmentReserveAhead int64
	// ReserveDirPercent is sluice.log.dir.reserve.max.percent.
	ReserveDirPercent float64
	// BatchDecompressedMax and RequestDecompressedMax are
	// sluice.batch.decompressed.max.bytes and
	// sluice.request.decompressed.max.bytes.
	BatchDecompressedMax   int
	RequestDecompressedMax int64

	OffsetsTopicNumPartitions     int32
	OffsetsTopicReplicationFactor int16
	OffsetsTopicSegmentBytes      int32
	OffsetsLoadBufferSize         int32 // offsets.load.buffer.size: bytes per read when loading
	OffsetsRetention              time.Duration
	OffsetsRetentionCheckInterval time.Duration
	OffsetMetadataMaxBytes        int32
	GroupInitialRebalanceDelay    time.Duration
	GroupMinSessionTimeout        time.Duration
	GroupMaxSessionTimeout        time.Duration
	GroupMaxSize                  int32
	GroupConsumerSessionTimeout   time.Duration // group.consumer.session.timeout.ms (KIP-848)
	GroupConsumerHeartbeat        time.Duration // group.consumer.heartbeat.interval.ms (KIP-848)

	TransactionStateLogNumPartitions     int32
	TransactionStateLogReplicationFactor int16
	TransactionStateLogMinISR            int32
	TransactionStateLogSegmentBytes      int32
	TransactionMaxTimeout                time.Duration
	TransactionalIDExpiration            time.Duration
	ProducerIDExpiration                 time.Duration
	ProducerIDExpirationCheckInterval    time.Duration

	// TopicDefaults are the topic configs implied by the log.* (and other
	// server-default) properties: what a topic without overrides gets.
	TopicDefaults engine.TopicConfig

	MetricsListener string // sluice.metrics.listener
	LogFormat       string // sluice.log.format
	LogLevel        string // sluice.log.level
	LogFilesDir     string // sluice.log.files.dir

	// static holds the properties explicitly set (trimmed, known keys only).
	static map[string]string
}

// ParseBrokerConfig parses Kafka server properties. Unknown keys are not an
// error: each yields a warning. The first bad value (in key order) is
// returned as an error wrapping ErrBadBrokerConfig whose message names the
// key and the allowed values. Defaults are Kafka's except those listed in
// KafkaDifferences.
func ParseBrokerConfig(props map[string]string) (BrokerConfig, []string, error) {
	static := make(map[string]string, len(props))
	var warnings []string
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	legacy := map[string]string{}
	for _, k := range keys {
		name, v := strings.TrimSpace(k), strings.TrimSpace(props[k])
		if legacyListenerKeys[name] {
			legacy[name] = v
			continue
		}
		d, ok := brokerDefByName[name]
		if !ok {
			warnings = append(warnings, fmt.Sprintf("The configuration '%s' was supplied but isn't a known config.", name))
			continue
		}
		if err := checkValue(d, v); err != nil {
			return BrokerConfig{}, warnings, err
		}
		static[name] = v
	}
	w, err := legacyListeners(static, legacy)
	warnings = append(warnings, w...)
	if err != nil {
		return BrokerConfig{}, warnings, err
	}
	c, err := buildBrokerConfig(static)
	return c, warnings, err
}

// checkValue validates one value against its table row.
func checkValue(d *BrokerConfigDef, v string) error {
	if d.Validate == nil {
		return nil
	}
	if v == "" && d.NullDefault {
		return nil // explicitly empty = unset
	}
	if err := d.Validate(v); err != nil {
		return badValue(d.Name, v, err.Error())
	}
	return nil
}

func badValue(name, v, why string) error {
	msg := fmt.Sprintf("Invalid value %s for configuration %s: %s", v, name, why)
	if d, ok := brokerDefByName[name]; ok && d.Valid != "" && !strings.Contains(why, d.Valid) {
		msg += " (valid values: " + d.Valid + ")"
	}
	return errorf(ErrBadBrokerConfig, "%s", msg)
}

// resolver reads effective values: explicitly set, else the default.
type resolver struct {
	set func(name string) (string, bool)
	zk  bool
}

func (r resolver) str(name string) string {
	if v, ok := r.set(name); ok && v != "" {
		return v
	}
	return effectiveDefault(name, r.zk)
}

func (r resolver) i64(name string) int64 {
	v, _ := strconv.ParseInt(r.str(name), 10, 64) // validated by the table
	return v
}

func (r resolver) bool(name string) bool { return strings.EqualFold(r.str(name), "true") }

func (r resolver) ms(name string) time.Duration { return msDuration(r.i64(name)) }

// optional returns an explicitly set, non-empty value.
func (r resolver) optional(name string) (string, bool) {
	v, ok := r.set(name)
	return v, ok && v != ""
}

// msDuration converts milliseconds, saturating (Kafka uses Long.MAX_VALUE
// for "never").
func msDuration(ms int64) time.Duration {
	if ms > math.MaxInt64/int64(time.Millisecond) {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(ms) * time.Millisecond
}

func buildBrokerConfig(static map[string]string) (BrokerConfig, error) {
	r := resolver{set: func(n string) (string, bool) { v, ok := static[n]; return v, ok }, zk: static["zookeeper.connect"] != ""}
	c := BrokerConfig{static: static}

	c.NodeID = int32(r.i64("broker.id"))
	if v, ok := r.optional("node.id"); ok {
		id, _ := strconv.ParseInt(v, 10, 32)
		if b, set := r.optional("broker.id"); set && b != v {
			return c, errorf(ErrBadBrokerConfig, "Invalid value %s for configuration node.id: must equal broker.id (%s) when both are set", v, b)
		}
		c.NodeID = int32(id)
	}
	if c.NodeID < 0 {
		return c, badValue("broker.id", strconv.Itoa(int(c.NodeID)), "Sluice needs an explicit id >= 0 (no broker id generation)")
	}
	c.Rack, _ = r.optional("broker.rack")
	c.ReplicaSelector, _ = r.optional("replica.selector.class")

	c.Listeners = r.str("listeners")
	if _, err := ParseListeners(c.Listeners, r.str("listener.security.protocol.map")); err != nil {
		return c, badValue("listeners", c.Listeners, err.Error())
	}
	if c.ListenAddr() == "" {
		return c, badValue("listeners", c.Listeners, "no listener left for clients once controller.listener.names are removed")
	}
	c.AdvertisedListeners = c.Listeners
	if v, ok := r.optional("advertised.listeners"); ok {
		if _, err := ParseListeners(v, r.str("listener.security.protocol.map")); err != nil {
			return c, badValue("advertised.listeners", v, err.Error())
		}
		c.AdvertisedListeners = v
	}
	if h, _ := c.Advertised(); h == "0.0.0.0" || h == "::" {
		return c, badValue("advertised.listeners", c.AdvertisedListeners,
			"advertised.listeners cannot use the nonroutable meta-address 0.0.0.0. Use a routable IP address.")
	}

	if v, ok := r.optional("log.dirs"); ok {
		c.LogDirs = splitList(v)
	} else {
		c.LogDirs = splitList(r.str("log.dir"))
	}
	if len(c.LogDirs) == 0 {
		return c, badValue("log.dirs", "", "at least one log directory is required")
	}

	c.NumPartitions = int32(r.i64("num.partitions"))
	c.DefaultReplicationFactor = int16(r.i64("default.replication.factor"))
	c.AutoCreateTopics = r.bool("auto.create.topics.enable")
	c.DeleteTopicEnable = r.bool("delete.topic.enable")
	c.MessageMaxBytes = int32(r.i64("message.max.bytes"))
	c.SocketRequestMaxBytes = int32(r.i64("socket.request.max.bytes"))
	c.FetchMaxBytes = int32(r.i64("fetch.max.bytes"))
	c.FetchSessionSlots = int32(r.i64("max.incremental.fetch.session.cache.slots"))
	c.NumNetworkThreads = int(r.i64("num.network.threads"))
	c.NumIOThreads = int(r.i64("num.io.threads"))
	c.ConnectionsMaxIdle = r.ms("connections.max.idle.ms")
	limits, err := parseNetworkLimits(r, c.SocketRequestMaxBytes)
	if err != nil {
		return c, err
	}
	c.Limits = limits

	c.ZookeeperConnect, _ = r.optional("zookeeper.connect")
	c.ZookeeperSessionTimeout = r.ms("zookeeper.session.timeout.ms")
	c.ZookeeperConnectionTimeout = c.ZookeeperSessionTimeout
	if _, set := static["zookeeper.connection.timeout.ms"]; set {
		c.ZookeeperConnectionTimeout = r.ms("zookeeper.connection.timeout.ms")
	}
	c.ControlledShutdownEnable = r.bool("controlled.shutdown.enable")
	c.AutoLeaderRebalanceEnable = r.bool("auto.leader.rebalance.enable")
	c.LeaderImbalancePerBrokerPercentage = int(r.i64("leader.imbalance.per.broker.percentage"))
	c.LeaderImbalanceCheckInterval = time.Duration(min(r.i64("leader.imbalance.check.interval.seconds"), int64(math.MaxInt64/time.Second))) * time.Second

	c.RetentionCheckInterval = r.ms("log.retention.check.interval.ms")
	if _, set := static["log.flush.scheduler.interval.ms"]; set {
		c.FlushSchedulerInterval = r.ms("log.flush.scheduler.interval.ms")
	}
	c.CleanerEnable = r.bool("log.cleaner.enable")
	c.CleanerBackoff = r.ms("log.cleaner.backoff.ms")
	c.SegmentReserveAhead = r.i64("sluice.segment.reserve.ahead.bytes")
	c.ReserveDirPercent, _ = strconv.ParseFloat(r.str("sluice.log.dir.reserve.max.percent"), 64)
	c.BatchDecompressedMax = int(r.i64("sluice.batch.decompressed.max.bytes"))
	c.RequestDecompressedMax = r.i64("sluice.request.decompressed.max.bytes")

	c.OffsetsTopicNumPartitions = int32(r.i64("offsets.topic.num.partitions"))
	c.OffsetsTopicReplicationFactor = int16(r.i64("offsets.topic.replication.factor"))
	c.OffsetsTopicSegmentBytes = int32(r.i64("offsets.topic.segment.bytes"))
	c.OffsetsLoadBufferSize = int32(r.i64("offsets.load.buffer.size"))
	c.OffsetsRetention = time.Duration(r.i64("offsets.retention.minutes")) * time.Minute
	c.OffsetsRetentionCheckInterval = r.ms("offsets.retention.check.interval.ms")
	c.OffsetMetadataMaxBytes = int32(r.i64("offset.metadata.max.bytes"))
	c.GroupInitialRebalanceDelay = r.ms("group.initial.rebalance.delay.ms")
	c.GroupMinSessionTimeout = r.ms("group.min.session.timeout.ms")
	c.GroupMaxSessionTimeout = r.ms("group.max.session.timeout.ms")
	c.GroupMaxSize = int32(r.i64("group.max.size"))
	c.GroupConsumerSessionTimeout = r.ms("group.consumer.session.timeout.ms")
	c.GroupConsumerHeartbeat = r.ms("group.consumer.heartbeat.interval.ms")

	c.TransactionStateLogNumPartitions = int32(r.i64("transaction.state.log.num.partitions"))
	c.TransactionStateLogReplicationFactor = int16(r.i64("transaction.state.log.replication.factor"))
	c.TransactionStateLogMinISR = int32(r.i64("transaction.state.log.min.isr"))
	c.TransactionStateLogSegmentBytes = int32(r.i64("transaction.state.log.segment.bytes"))
	c.TransactionMaxTimeout = r.ms("transaction.max.timeout.ms")
	c.TransactionalIDExpiration = r.ms("transactional.id.expiration.ms")
	c.ProducerIDExpiration = r.ms("producer.id.expiration.ms")
	c.ProducerIDExpirationCheckInterval = r.ms("producer.id.expiration.check.interval.ms")

	c.MetricsListener, _ = r.optional("sluice.metrics.listener")
	if _, set := static["sluice.metrics.listener"]; !set {
		c.MetricsListener = r.str("sluice.metrics.listener")
	}
	c.LogFormat = r.str("sluice.log.format")
	c.LogLevel = r.str("sluice.log.level")
	c.LogFilesDir, _ = r.optional("sluice.log.files.dir")

	td, err := topicDefaults(r.set)
	if err != nil {
		return c, err
	}
	c.TopicDefaults = td
	return c, nil
}

// topicDefaults derives the topic configs from the server-default
// properties that are explicitly set (set returns them), applying Kafka's
// precedence rules: log.retention.ms > minutes > hours, log.roll.ms > hours,
// log.roll.jitter.ms > hours, log.flush.interval.ms >
// log.flush.scheduler.interval.ms. The error names the broker property.
func topicDefaults(set func(string) (string, bool)) (engine.TopicConfig, error) {
	get := func(n string) (int64, bool) {
		v, ok := set(n)
		if !ok || v == "" {
			return 0, false
		}
		x, err := strconv.ParseInt(v, 10, 64)
		return x, err == nil
	}
	cfg := engine.DefaultTopicConfig()
	for _, td := range engine.TopicConfigDefs {
		p := td.ServerDefaultProperty
		if p == "" {
			continue
		}
		var v string
		var ok bool
		switch p {
		case "log.retention.ms":
			v, ok = precedenceMs(get, "log.retention.ms", "log.retention.minutes", int64(time.Minute/time.Millisecond),
				"log.retention.hours", int64(time.Hour/time.Millisecond))
			if ok && v == "0" {
				return cfg, badValue("log.retention.ms", "0", "log.retention.ms must be unlimited (-1) or, equal or greater than 1")
			}
		case "log.roll.ms":
			v, ok = precedenceMs(get, "log.roll.ms", "", 0, "log.roll.hours", int64(time.Hour/time.Millisecond))
		case "log.roll.jitter.ms":
			v, ok = precedenceMs(get, "log.roll.jitter.ms", "", 0, "log.roll.jitter.hours", int64(time.Hour/time.Millisecond))
		case "log.flush.interval.ms":
			v, ok = set(p)
			if !ok || v == "" {
				v, ok = set("log.flush.scheduler.interval.ms")
			}
		default:
			v, ok = set(p)
		}
		if !ok || v == "" {
			continue
		}
		next, err := cfg.With(map[string]string{td.Name: v})
		if err != nil {
			why := err.Error()
			if i := strings.LastIndex(why, ": "); i >= 0 {
				why = why[i+2:]
			}
			return cfg, badValue(p, v, why)
		}
		cfg = next
	}
	return cfg, nil
}

// precedenceMs resolves a millisecond property with its coarser synonyms;
// negative results mean unlimited (-1), as in KafkaConfig.
func precedenceMs(get func(string) (int64, bool), ms, mid string, midUnit int64, coarse string, coarseUnit int64) (string, bool) {
	var v int64
	if x, ok := get(ms); ok {
		v = x
	} else if x, ok := get(mid); mid != "" && ok {
		v = x * midUnit
	} else if x, ok := get(coarse); ok {
		v = x * coarseUnit
	} else {
		return "", false
	}
	if v < 0 {
		v = -1
	}
	return strconv.FormatInt(v, 10), true
}

// Static returns the explicitly set value of a property.
func (c BrokerConfig) Static(name string) (string, bool) { return c.lookupStatic(name) }

func (c BrokerConfig) lookupStatic(name string) (string, bool) {
	v, ok := c.static[name]
	return v, ok
}

// ZooKeeperMode reports whether zookeeper.connect is set.
func (c BrokerConfig) ZooKeeperMode() bool { return c.ZookeeperConnect != "" }

// legacyListenerKeys are the listener settings Kafka 3.0 removed
// (host.name, port and their advertised twins), still found in older
// server.properties files such as the operator guides'.
var legacyListenerKeys = map[string]bool{"host.name": true, "port": true, "advertised.host.name": true, "advertised.port": true}

// legacyListeners maps host.name/port (and advertised.*) to listeners
// (and advertised.listeners) when those are not set, as Kafka 2.x did;
// Kafka 3.x ignores them, which would put every broker of such a file on
// port 9092. Set listeners win, with a warning that the old keys are
// ignored.
func legacyListeners(static, legacy map[string]string) ([]string, error) {
	if len(legacy) == 0 {
		return nil, nil
	}
	for _, k := range []string{"port", "advertised.port"} {
		if v, ok := legacy[k]; ok {
			if n, err := strconv.Atoi(v); err != nil || n < 0 || n > 65535 {
				return nil, badValue(k, v, "a port in [0,...,65535]")
			}
		}
	}
	var warnings []string
	build := func(listenersKey, hostKey, portKey, defPort string) {
		host, hasHost := legacy[hostKey]
		port, hasPort := legacy[portKey]
		if !hasHost && !hasPort {
			return
		}
		if _, set := static[listenersKey]; set {
			warnings = append(warnings, fmt.Sprintf("%s/%s are ignored: %s is set (Kafka 3.0 removed them)", hostKey, portKey, listenersKey))
			return
		}
		if !hasPort {
			port = defPort
		}
		l := "PLAINTEXT://" + net.JoinHostPort(host, port)
		static[listenersKey] = l
		warnings = append(warnings, fmt.Sprintf("%s/%s are deprecated (removed in Kafka 3.0): using %s=%s", hostKey, portKey, listenersKey, l))
	}
	build("listeners", "host.name", "port", "9092")
	if _, set := legacy["advertised.port"]; !set {
		if p, ok := legacy["port"]; ok && legacy["advertised.host.name"] != "" {
			legacy["advertised.port"] = p
		}
	}
	build("advertised.listeners", "advertised.host.name", "advertised.port", "9092")
	return warnings, nil
}
