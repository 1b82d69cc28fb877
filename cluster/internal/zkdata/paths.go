package zkdata

import (
	"fmt"
	"strconv"
	"strings"
)

// Znode paths, as Kafka 3.9's ZkData.scala names them.
const (
	ClusterPath                 = "/cluster"
	ClusterIDPath               = "/cluster/id"
	BrokersPath                 = "/brokers"
	BrokerIDsPath               = "/brokers/ids"
	BrokerSeqIDPath             = "/brokers/seqid"
	TopicsPath                  = "/brokers/topics"
	ControllerPath              = "/controller"
	ControllerEpochPath         = "/controller_epoch"
	AdminPath                   = "/admin"
	DeleteTopicsPath            = "/admin/delete_topics"
	ReassignPartitionsPath      = "/admin/reassign_partitions"
	PreferredReplicaElectPath   = "/admin/preferred_replica_election"
	ConfigPath                  = "/config"
	ConfigChangesPath           = "/config/changes"
	IsrChangeNotificationPath   = "/isr_change_notification"
	LogDirEventNotificationPath = "/log_dir_event_notification"
	ProducerIDBlockPath         = "/latest_producer_id_block"
	FeaturePath                 = "/feature"
	ConsumersPath               = "/consumers" // old consumers; Kafka still creates it
)

// Sequential-znode name prefixes (ZooKeeper appends a 10-digit number).
const (
	ConfigChangePrefix = "config_change_"
	IsrChangePrefix    = "isr_change_"
	LogDirEventPrefix  = "log_dir_event_"
)

// Config entity types: the children of /config (ConfigType.ALL).
const (
	ConfigTypeTopic  = "topics"
	ConfigTypeClient = "clients"
	ConfigTypeUser   = "users"
	ConfigTypeBroker = "brokers"
	ConfigTypeIP     = "ips"
)

// DefaultEntity names the cluster-wide default entity, e.g.
// /config/brokers/<default> (ZooKeeperInternals.DEFAULT_STRING).
const DefaultEntity = "<default>"

// PersistentPaths are the znodes a Kafka broker creates (empty) at start
// if missing, in Kafka's order (ZkData.PersistentZkPaths).
var PersistentPaths = []string{
	ConsumersPath,
	BrokerIDsPath,
	TopicsPath,
	ConfigChangesPath,
	DeleteTopicsPath,
	BrokerSeqIDPath,
	IsrChangeNotificationPath,
	ProducerIDBlockPath,
	LogDirEventNotificationPath,
	ConfigPath + "/" + ConfigTypeTopic,
	ConfigPath + "/" + ConfigTypeClient,
	ConfigPath + "/" + ConfigTypeUser,
	ConfigPath + "/" + ConfigTypeBroker,
	ConfigPath + "/" + ConfigTypeIP,
}

// TopicPartition names one partition.
type TopicPartition struct {
	Topic     string
	Partition int32
}

func (tp TopicPartition) String() string { return tp.Topic + "-" + strconv.Itoa(int(tp.Partition)) }

// BrokerPath is /brokers/ids/<id> (ephemeral).
func BrokerPath(id int32) string { return BrokerIDsPath + "/" + strconv.Itoa(int(id)) }

// TopicPath is /brokers/topics/<topic>.
func TopicPath(topic string) string { return TopicsPath + "/" + topic }

// TopicPartitionsPath is /brokers/topics/<topic>/partitions.
func TopicPartitionsPath(topic string) string { return TopicPath(topic) + "/partitions" }

// TopicPartitionPath is /brokers/topics/<topic>/partitions/<p>.
func TopicPartitionPath(tp TopicPartition) string {
	return TopicPartitionsPath(tp.Topic) + "/" + strconv.Itoa(int(tp.Partition))
}

// PartitionStatePath is /brokers/topics/<topic>/partitions/<p>/state.
func PartitionStatePath(tp TopicPartition) string { return TopicPartitionPath(tp) + "/state" }

// DeleteTopicPath is /admin/delete_topics/<topic>.
func DeleteTopicPath(topic string) string { return DeleteTopicsPath + "/" + topic }

// ConfigEntityTypePath is /config/<entityType>.
func ConfigEntityTypePath(entityType string) string { return ConfigPath + "/" + entityType }

// ConfigEntityPath is /config/<entityType>/<entityName>.
func ConfigEntityPath(entityType, entityName string) string {
	return ConfigEntityTypePath(entityType) + "/" + entityName
}

// TopicConfigPath is /config/topics/<topic>.
func TopicConfigPath(topic string) string { return ConfigEntityPath(ConfigTypeTopic, topic) }

// BrokerConfigPath is /config/brokers/<name>, name a broker id or
// DefaultEntity.
func BrokerConfigPath(name string) string { return ConfigEntityPath(ConfigTypeBroker, name) }

// ConfigChangeCreatePath is the path given to a PersistentSequential
// create of a config change notification.
const ConfigChangeCreatePath = ConfigChangesPath + "/" + ConfigChangePrefix

// IsrChangeCreatePath is the path given to a PersistentSequential create of
// an ISR change notification.
const IsrChangeCreatePath = IsrChangeNotificationPath + "/" + IsrChangePrefix

// LogDirEventCreatePath is the path given to a PersistentSequential create
// of a log dir event notification.
const LogDirEventCreatePath = LogDirEventNotificationPath + "/" + LogDirEventPrefix

// SequenceNumber returns the number ZooKeeper appended to a sequential
// znode's name (or path), e.g. 12 for "config_change_0000000012".
func SequenceNumber(name, prefix string) (int64, error) {
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	digits, ok := strings.CutPrefix(name, prefix)
	if !ok || digits == "" {
		return 0, fmt.Errorf("zkdata: %q is not a %s<sequence> znode", name, prefix)
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("zkdata: %q is not a %s<sequence> znode", name, prefix)
	}
	return n, nil
}

// SequenceName returns the child name ZooKeeper gives a sequential znode
// with this prefix and number (10 digits, zero padded).
func SequenceName(prefix string, seq int64) string { return fmt.Sprintf("%s%010d", prefix, seq) }
