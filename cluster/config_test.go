package cluster

import (
	"errors"
	"strings"
	"testing"
	"time"

	"sluice/engine"
)

func mustParse(t *testing.T, props map[string]string) BrokerConfig {
	t.Helper()
	c, _, err := ParseBrokerConfig(props)
	if err != nil {
		t.Fatalf("ParseBrokerConfig(%v): %v", props, err)
	}
	return c
}

func TestParseDefaults(t *testing.T) {
	c, warnings, err := ParseBrokerConfig(nil)
	if err != nil || len(warnings) != 0 {
		t.Fatalf("empty config: err %v warnings %v", err, warnings)
	}
	if c.NodeID != 0 || c.ListenAddr() != "127.0.0.1:9092" || len(c.LogDirs) != 1 || c.LogDirs[0] != "./data" {
		t.Errorf("node %d listen %q dirs %v", c.NodeID, c.ListenAddr(), c.LogDirs)
	}
	if c.NumPartitions != 1 || c.DefaultReplicationFactor != 1 || !c.AutoCreateTopics || !c.DeleteTopicEnable {
		t.Errorf("topic defaults: %+v", c)
	}
	if c.NumNetworkThreads != 3 || c.NumIOThreads != 8 || c.SocketRequestMaxBytes != 100<<20 ||
		c.ConnectionsMaxIdle != 10*time.Minute || c.MessageMaxBytes != 1048588 {
		t.Errorf("network defaults: %+v", c)
	}
	// Single node: internal topics must be creatable with one broker.
	if c.OffsetsTopicReplicationFactor != 1 || c.TransactionStateLogReplicationFactor != 1 || c.TransactionStateLogMinISR != 1 {
		t.Errorf("single-node internal topic defaults: %d %d %d", c.OffsetsTopicReplicationFactor,
			c.TransactionStateLogReplicationFactor, c.TransactionStateLogMinISR)
	}
	if c.OffsetsTopicNumPartitions != 50 || c.OffsetsTopicSegmentBytes != 100<<20 || c.GroupInitialRebalanceDelay != 3*time.Second {
		t.Errorf("group defaults: %+v", c)
	}
	if c.TopicDefaults != engine.DefaultTopicConfig() {
		t.Errorf("topic defaults differ from engine defaults with no log.* set")
	}
	if c.MetricsListener != "127.0.0.1:9644" || c.LogFormat != "text" {
		t.Errorf("sluice defaults: %q %q", c.MetricsListener, c.LogFormat)
	}
}

func TestParseZooKeeperKeepsKafkaDefaults(t *testing.T) {
	c := mustParse(t, map[string]string{"zookeeper.connect": "127.0.0.1:2181"})
	if c.OffsetsTopicReplicationFactor != 3 || c.TransactionStateLogReplicationFactor != 3 || c.TransactionStateLogMinISR != 2 {
		t.Errorf("ZooKeeper mode must use Kafka's defaults: %d %d %d", c.OffsetsTopicReplicationFactor,
			c.TransactionStateLogReplicationFactor, c.TransactionStateLogMinISR)
	}
	// An explicit value wins in either mode.
	c = mustParse(t, map[string]string{"offsets.topic.replication.factor": "2"})
	if c.OffsetsTopicReplicationFactor != 2 {
		t.Errorf("explicit offsets.topic.replication.factor ignored: %d", c.OffsetsTopicReplicationFactor)
	}
}

func TestRetentionPrecedence(t *testing.T) {
	const hour, minute = int64(3600000), int64(60000)
	for _, tc := range []struct {
		props map[string]string
		want  int64
	}{
		{nil, 168 * hour},
		{map[string]string{"log.retention.hours": "1"}, hour},
		{map[string]string{"log.retention.hours": "1", "log.retention.minutes": "5"}, 5 * minute},
		{map[string]string{"log.retention.hours": "1", "log.retention.minutes": "5", "log.retention.ms": "1234"}, 1234},
		{map[string]string{"log.retention.ms": "1234", "log.retention.hours": "2"}, 1234},
		{map[string]string{"log.retention.hours": "-1"}, -1},
		{map[string]string{"log.retention.minutes": "-5"}, -1},
	} {
		c := mustParse(t, tc.props)
		if c.TopicDefaults.RetentionMs != tc.want {
			t.Errorf("%v: retention.ms %d, want %d", tc.props, c.TopicDefaults.RetentionMs, tc.want)
		}
	}
	c := mustParse(t, map[string]string{"log.roll.hours": "2", "log.segment.bytes": "1048576", "log.cleanup.policy": "compact,delete",
		"message.max.bytes": "2000000", "log.flush.interval.messages": "10", "log.segment.delete.delay.ms": "5"})
	td := c.TopicDefaults
	if td.SegmentMs != 2*hour || td.SegmentBytes != 1<<20 || !td.CleanupPolicy.Compact() || !td.CleanupPolicy.Delete() ||
		td.MaxMessageBytes != 2000000 || td.FlushMessages != 10 || td.FileDeleteDelayMs != 5 {
		t.Errorf("server-default mapping wrong: %+v", td)
	}
	c = mustParse(t, map[string]string{"log.roll.hours": "2", "log.roll.ms": "77"})
	if c.TopicDefaults.SegmentMs != 77 {
		t.Errorf("log.roll.ms must win over log.roll.hours: %d", c.TopicDefaults.SegmentMs)
	}
}

// TestParseMessageFormatVersion: log.message.format.version takes Kafka's
// version strings, four-part ones included (MetadataVersionValidator).
func TestParseMessageFormatVersion(t *testing.T) {
	for _, v := range []string{"0.10.0.0", "0.10.2", "0.11.0-IV2", "2.8.1", "3.0-IV1", "3.9"} {
		if _, _, err := ParseBrokerConfig(map[string]string{"log.message.format.version": v}); err != nil {
			t.Errorf("log.message.format.version=%s: %v", v, err)
		}
	}
}

func TestParseBadValuesNameTheKey(t *testing.T) {
	for _, tc := range []struct {
		key, value string
		wantInMsg  []string
	}{
		{"num.partitions", "0", []string{"num.partitions", "at least 1", "[1,...]"}},
		{"num.partitions", "many", []string{"num.partitions", "many"}},
		{"log.segment.bytes", "10", []string{"log.segment.bytes", "at least 14"}},
		{"auto.create.topics.enable", "yes", []string{"auto.create.topics.enable", "true or false"}},
		{"log.cleanup.policy", "remove", []string{"log.cleanup.policy", "compact, delete"}},
		{"log.message.timestamp.type", "Now", []string{"log.message.timestamp.type", "CreateTime"}},
		{"offsets.topic.replication.factor", "40000", []string{"offsets.topic.replication.factor", "16-bit"}},
		{"listeners", "SSL://:9093", []string{"listeners", "PLAINTEXT only"}},
		{"listeners", "localhost:9092", []string{"listeners", "NAME://host:port"}},
		{"log.retention.ms", "0", []string{"log.retention.ms", "unlimited (-1)"}},
		{"broker.id", "-1", []string{"broker.id"}},
		{"sluice.log.format", "xml", []string{"sluice.log.format", "text, json"}},
		{"replica.selector.class", "org.apache.kafka.common.replica.LeaderSelector",
			[]string{"replica.selector.class", RackAwareReplicaSelector}},
		{"log.message.format.version", "0.10.5", []string{"log.message.format.version", "Version 0.10.5 is not a valid version"}},
	} {
		_, _, err := ParseBrokerConfig(map[string]string{tc.key: tc.value})
		if !errors.Is(err, ErrBadBrokerConfig) {
			t.Errorf("%s=%s: err %v, want ErrBadBrokerConfig", tc.key, tc.value, err)
			continue
		}
		msg := Message(err)
		for _, w := range tc.wantInMsg {
			if !strings.Contains(msg, w) {
				t.Errorf("%s=%s: message %q lacks %q", tc.key, tc.value, msg, w)
			}
		}
		if strings.Contains(msg, "\n") {
			t.Errorf("%s=%s: message must be one line: %q", tc.key, tc.value, msg)
		}
	}
}

func TestParseUnknownKeysWarned(t *testing.T) {
	c, warnings, err := ParseBrokerConfig(map[string]string{"num.partitions": "4", "no.such.key": "1", "sluice.nope": "x"})
	if err != nil {
		t.Fatal(err)
	}
	if c.NumPartitions != 4 {
		t.Errorf("num.partitions %d", c.NumPartitions)
	}
	if len(warnings) != 2 || !strings.Contains(warnings[0], "no.such.key") || !strings.Contains(warnings[1], "sluice.nope") {
		t.Errorf("warnings %q", warnings)
	}
}

func TestParseIdentityAndListeners(t *testing.T) {
	c := mustParse(t, map[string]string{"node.id": "7"})
	if c.NodeID != 7 {
		t.Errorf("node.id not used: %d", c.NodeID)
	}
	if _, _, err := ParseBrokerConfig(map[string]string{"node.id": "7", "broker.id": "8"}); !errors.Is(err, ErrBadBrokerConfig) {
		t.Errorf("conflicting broker.id/node.id accepted: %v", err)
	}
	c = mustParse(t, map[string]string{"listeners": "PLAINTEXT://0.0.0.0:0", "advertised.listeners": "PLAINTEXT://kafka.example:19092",
		"log.dirs": "/a, /b", "log.dir": "/ignored"})
	if c.ListenAddr() != "0.0.0.0:0" {
		t.Errorf("listen %q", c.ListenAddr())
	}
	if h, p := c.Advertised(); h != "kafka.example" || p != 19092 {
		t.Errorf("advertised %s:%d", h, p)
	}
	if len(c.LogDirs) != 2 || c.LogDirs[0] != "/a" || c.LogDirs[1] != "/b" {
		t.Errorf("log.dirs must win over log.dir: %v", c.LogDirs)
	}
	c = mustParse(t, map[string]string{"listeners": "CLIENT://:9092", "listener.security.protocol.map": "CLIENT:PLAINTEXT"})
	if c.ListenAddr() != ":9092" {
		t.Errorf("named listener: %q", c.ListenAddr())
	}
	// Kafka refuses to advertise the meta-address.
	if _, _, err := ParseBrokerConfig(map[string]string{"listeners": "PLAINTEXT://0.0.0.0:9092"}); !errors.Is(err, ErrBadBrokerConfig) ||
		!strings.Contains(Message(err), "nonroutable") {
		t.Errorf("0.0.0.0 advertised: %v", err)
	}
	// A KRaft server.properties: the controller listener is not served.
	kraft := map[string]string{"process.roles": "broker,controller", "node.id": "1", "controller.quorum.voters": "1@localhost:9093",
		"listeners": "CONTROLLER://:9093,PLAINTEXT://127.0.0.1:9092", "controller.listener.names": "CONTROLLER",
		"advertised.listeners":           "PLAINTEXT://localhost:9092",
		"listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"}
	c, warnings, err := ParseBrokerConfig(kraft)
	if err != nil || len(warnings) != 0 {
		t.Fatalf("KRaft properties: %v %v", err, warnings)
	}
	if c.ListenAddr() != "127.0.0.1:9092" || c.NodeID != 1 {
		t.Errorf("KRaft: listen %q node %d", c.ListenAddr(), c.NodeID)
	}
	if h, p := c.Advertised(); h != "localhost" || p != 9092 {
		t.Errorf("KRaft advertised %s:%d", h, p)
	}
	kraft["listeners"] = "CONTROLLER://:9093"
	if _, _, err := ParseBrokerConfig(kraft); !errors.Is(err, ErrBadBrokerConfig) {
		t.Errorf("only a controller listener: %v", err)
	}
}

// The table must cover every broker property the engine's topic configs
// take their defaults from, and those must be the dynamic ones.
func TestConfigTableConsistency(t *testing.T) {
	server := map[string]bool{}
	for _, d := range engine.TopicConfigDefs {
		if d.ServerDefaultProperty == "" {
			continue
		}
		server[d.ServerDefaultProperty] = true
		bd, ok := LookupBrokerConfigDef(d.ServerDefaultProperty)
		if !ok {
			t.Errorf("topic config %s takes its default from %s, missing in BrokerConfigDefs", d.Name, d.ServerDefaultProperty)
			continue
		}
		if bd.Update != ClusterWide {
			t.Errorf("%s supplies a topic default and must be cluster-wide dynamic", bd.Name)
		}
		for _, s := range bd.Synonyms {
			if sd, ok := LookupBrokerConfigDef(s); !ok || sd.Update != ClusterWide {
				t.Errorf("synonym %s of %s missing or not dynamic", s, bd.Name)
			}
		}
	}
	seen := map[string]bool{}
	for _, d := range BrokerConfigDefs {
		if seen[d.Name] {
			t.Errorf("duplicate row %s", d.Name)
		}
		seen[d.Name] = true
		if !d.NullDefault && d.Validate != nil {
			if err := d.Validate(d.Default); err != nil {
				t.Errorf("%s: default %q fails its own validation: %v", d.Name, d.Default, err)
			}
		}
		if d.Doc == "" {
			t.Errorf("%s has no doc", d.Name)
		}
	}
	for _, diff := range KafkaDifferences {
		d, ok := LookupBrokerConfigDef(diff.Name)
		if !ok {
			t.Errorf("difference for unknown property %s", diff.Name)
			continue
		}
		if diff.Default && !diff.EmbeddedOnly && d.Default != diff.Sluice {
			t.Errorf("%s: table default %q, difference says Sluice uses %q", diff.Name, d.Default, diff.Sluice)
		}
		if diff.Default && diff.EmbeddedOnly && d.Default != diff.Kafka {
			t.Errorf("%s: table must hold Kafka's default %q for a single-node-only difference, has %q", diff.Name, diff.Kafka, d.Default)
		}
	}
	if _, ok := LookupBrokerConfigDef("sluice.metrics.listener"); !ok {
		t.Error("sluice.metrics.listener missing")
	}
}

// sluice.segment.reserve.ahead.bytes reaches the engine: its default is the
// engine's, 0 turns reservation off, other values pass through.
func TestSegmentReserveAheadToEngine(t *testing.T) {
	for _, c := range []struct {
		set  string
		want int64
	}{{"", engine.DefaultReserveAhead}, {"0", -1}, {"4096", 4096}} {
		props := map[string]string{"log.dirs": t.TempDir()}
		if c.set != "" {
			props["sluice.segment.reserve.ahead.bytes"] = c.set
		}
		opts, err := EngineOptions(mustParse(t, props))
		if err != nil {
			t.Fatal(err)
		}
		if opts.ReserveAhead != c.want {
			t.Errorf("sluice.segment.reserve.ahead.bytes=%q: engine ReserveAhead %d, want %d", c.set, opts.ReserveAhead, c.want)
		}
	}
	if _, _, err := ParseBrokerConfig(map[string]string{"sluice.segment.reserve.ahead.bytes": "-1"}); err == nil {
		t.Error("a negative reservation was accepted")
	}
}

// The reservation budget and the decompression caps reach the engine: the
// defaults, and 0 reserving nothing.
func TestReserveBudgetAndDecompressionToEngine(t *testing.T) {
	for _, c := range []struct {
		set  string
		want float64
	}{{"", 1}, {"0", -1}, {"2.5", 2.5}} {
		props := map[string]string{"log.dirs": t.TempDir()}
		if c.set != "" {
			props["sluice.log.dir.reserve.max.percent"] = c.set
		}
		cfg := mustParse(t, props)
		opts, err := EngineOptions(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if opts.ReserveDirPercent != c.want {
			t.Errorf("sluice.log.dir.reserve.max.percent=%q: engine ReserveDirPercent %v, want %v", c.set, opts.ReserveDirPercent, c.want)
		}
		if opts.MaxBatchDecompressed != 64<<20 || cfg.RequestDecompressedMax != 256<<20 {
			t.Errorf("decompression caps %d per batch, %d per request; want 64 MiB and 256 MiB", opts.MaxBatchDecompressed, cfg.RequestDecompressedMax)
		}
	}
	for _, bad := range []map[string]string{{"sluice.log.dir.reserve.max.percent": "101"}, {"sluice.batch.decompressed.max.bytes": "10"},
		{"sluice.request.decompressed.max.bytes": "-1"}} {
		if _, _, err := ParseBrokerConfig(bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

// TestParseLegacyHostNameAndPort: a seed-004 style server.properties with
// host.name and port (removed in Kafka 3.0) still gets its own listener.
func TestParseLegacyHostNameAndPort(t *testing.T) {
	c, warnings, err := ParseBrokerConfig(map[string]string{"broker.id": "1", "host.name": "127.0.0.1", "port": "9093",
		"advertised.host.name": "kafka1.example"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Listeners != "PLAINTEXT://127.0.0.1:9093" || c.AdvertisedListeners != "PLAINTEXT://kafka1.example:9093" {
		t.Fatalf("listeners %q advertised %q", c.Listeners, c.AdvertisedListeners)
	}
	if len(warnings) != 2 || !strings.Contains(warnings[0], "removed in Kafka 3.0") {
		t.Fatalf("warnings %q", warnings)
	}
	c, warnings, err = ParseBrokerConfig(map[string]string{"broker.id": "1", "port": "9094", "listeners": "PLAINTEXT://127.0.0.1:9095"})
	if err != nil || c.Listeners != "PLAINTEXT://127.0.0.1:9095" || len(warnings) != 1 || !strings.Contains(warnings[0], "ignored") {
		t.Fatalf("listeners %q warnings %q err %v", c.Listeners, warnings, err)
	}
	if _, _, err := ParseBrokerConfig(map[string]string{"broker.id": "1", "port": "http"}); !errors.Is(err, ErrBadBrokerConfig) ||
		!strings.Contains(err.Error(), "port") {
		t.Fatalf("bad port: %v", err)
	}
}

func TestParseReplicaSelector(t *testing.T) {
	for v, want := range map[string]string{"": "", RackAwareReplicaSelector: RackAwareReplicaSelector} {
		c, _, err := ParseBrokerConfig(map[string]string{"replica.selector.class": v})
		if err != nil || c.ReplicaSelector != want {
			t.Errorf("replica.selector.class=%q: %q, %v; want %q", v, c.ReplicaSelector, err, want)
		}
	}
	if c, _, _ := ParseBrokerConfig(nil); c.ReplicaSelector != "" {
		t.Errorf("default replica.selector.class = %q, want none (leader only)", c.ReplicaSelector)
	}
}
