package cluster

// BrokerInfo describes a broker as Metadata and DescribeCluster show it.
type BrokerInfo struct {
	NodeID int32
	Host   string
	Port   int32
	Rack   string // "" = none (null on the wire)
}

// TopicInfo describes a topic. Values returned by Node are shared
// snapshots: callers must not modify the slices or maps.
type TopicInfo struct {
	Name       string
	ID         [16]byte
	Internal   bool
	Partitions []PartitionInfo
	// Configs are the topic's config overrides (not the defaults).
	Configs map[string]string
}

// PartitionInfo is one partition's replica set and leadership.
type PartitionInfo struct {
	Partition   int32
	Leader      int32 // -1 when offline
	LeaderEpoch int32
	Replicas    []int32
	ISR         []int32
	// Offline lists replicas whose log is unavailable (log dir offline or
	// the log failed recovery).
	Offline []int32
}

// CreateTopicRequest is one topic of a CreateTopics request.
type CreateTopicRequest struct {
	Name string
	// NumPartitions: -1 means num.partitions (must be -1 with Assignment).
	NumPartitions int32
	// ReplicationFactor: -1 means default.replication.factor (must be -1
	// with Assignment).
	ReplicationFactor int16
	// Assignment maps partition index to its replicas (broker ids), for
	// an explicit assignment; nil lets the broker assign.
	Assignment map[int32][]int32
	// Configs are topic config overrides.
	Configs map[string]string
	// ValidateOnly checks the request without creating anything.
	ValidateOnly bool
}

// ConfigSource is where a config value comes from, numbered as in
// DescribeConfigs v1+ (ConfigSource in the Kafka protocol).
type ConfigSource int8

const (
	SourceUnknown              ConfigSource = 0
	SourceTopic                ConfigSource = 1 // DYNAMIC_TOPIC_CONFIG
	SourceDynamicBroker        ConfigSource = 2 // DYNAMIC_BROKER_CONFIG
	SourceDynamicDefaultBroker ConfigSource = 3 // DYNAMIC_DEFAULT_BROKER_CONFIG
	SourceStaticBroker         ConfigSource = 4 // STATIC_BROKER_CONFIG
	SourceDefault              ConfigSource = 5 // DEFAULT_CONFIG
)

// String returns Kafka's name for the source.
func (s ConfigSource) String() string {
	switch s {
	case SourceTopic:
		return "DYNAMIC_TOPIC_CONFIG"
	case SourceDynamicBroker:
		return "DYNAMIC_BROKER_CONFIG"
	case SourceDynamicDefaultBroker:
		return "DYNAMIC_DEFAULT_BROKER_CONFIG"
	case SourceStaticBroker:
		return "STATIC_BROKER_CONFIG"
	case SourceDefault:
		return "DEFAULT_CONFIG"
	default:
		return "UNKNOWN"
	}
}

// ConfigEntry is one config as DescribeConfigs returns it.
type ConfigEntry struct {
	Name  string
	Value string
	// Null: the value is null on the wire (no default, or sensitive).
	Null      bool
	Source    ConfigSource
	ReadOnly  bool
	Sensitive bool
	// Synonyms in precedence order, the entry's own source first
	// (DescribeConfigs include_synonyms).
	Synonyms []ConfigSynonym
	Type     string // Kafka's type name: boolean, string, int, short, long, double, list, password, class
	Doc      string
}

// ConfigSynonym is one source a config's value could come from.
type ConfigSynonym struct {
	Name   string
	Value  string
	Null   bool
	Source ConfigSource
}

// ConfigType maps Kafka's type names to DescribeConfigs v3+ config_type
// codes (BOOLEAN=1 STRING=2 INT=3 SHORT=4 LONG=5 DOUBLE=6 LIST=7 CLASS=8
// PASSWORD=9; 0 unknown).
func ConfigType(name string) int8 {
	switch name {
	case "boolean":
		return 1
	case "string":
		return 2
	case "int":
		return 3
	case "short":
		return 4
	case "long":
		return 5
	case "double":
		return 6
	case "list":
		return 7
	case "class":
		return 8
	case "password":
		return 9
	}
	return 0
}

// AlterOp is an IncrementalAlterConfigs operation (its wire codes).
type AlterOp int8

const (
	OpSet      AlterOp = 0
	OpDelete   AlterOp = 1
	OpAppend   AlterOp = 2
	OpSubtract AlterOp = 3
)

// ConfigOp is one config change. For a legacy AlterConfigs (full replace)
// every op is OpSet.
type ConfigOp struct {
	Name  string
	Op    AlterOp
	Value string
}
