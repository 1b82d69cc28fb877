package znode

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"

	"sluice/cluster/internal/zkdata"
)

// The version-1 metadata file (the single-node format before this
// package), read here only to convert it:
//
//	{"version": 1, "cluster_id": "<uuid>", "node_id": 0,
//	 "producer_id_block_end": 2000,           // ids below it may have been handed out
//	 "topics": [{"name": "t", "id": "<base64url uuid>",
//	             "partitions": [{"partition": 0, "replicas": [0], "leader": 0, "leader_epoch": 0, "isr": [0]}],
//	             "configs": {"retention.ms": "1000"}}],
//	 "broker_configs": {"": {...}, "0": {...}}}  // "" = cluster default
type v1State struct {
	Version            int                          `json:"version"`
	ClusterID          string                       `json:"cluster_id"`
	NodeID             int32                        `json:"node_id"`
	ProducerIDBlockEnd int64                        `json:"producer_id_block_end"`
	Topics             []v1Topic                    `json:"topics"`
	BrokerConfigs      map[string]map[string]string `json:"broker_configs"`
}

type v1Topic struct {
	Name       string            `json:"name"`
	ID         string            `json:"id"`
	Partitions []v1Partition     `json:"partitions"`
	Configs    map[string]string `json:"configs"`
}

type v1Partition struct {
	Partition   int32   `json:"partition"`
	Replicas    []int32 `json:"replicas"`
	Leader      int32   `json:"leader"`
	LeaderEpoch int32   `json:"leader_epoch"`
	ISR         []int32 `json:"isr"`
}

// convertV1 builds the tree Kafka would have in ZooKeeper for the state of
// a version-1 file:
//
//	cluster_id             -> /cluster/id
//	topics[t]              -> /config/topics/<t> (its configs, possibly none),
//	                          /brokers/topics/<t> (replicas, topic_id = id: Kafka's Uuid
//	                          string is the same 22-character base64url),
//	                          /brokers/topics/<t>/partitions/<p>/state (leader, leader_epoch,
//	                          isr; controller_epoch 0: written before any controller)
//	broker_configs[""]     -> /config/brokers/<default>
//	broker_configs["<id>"] -> /config/brokers/<id>
//	producer_id_block_end  -> /latest_producer_id_block: the block [end-1000, end-1] claimed
//	                          by node_id, so the next claim starts at end
//
// node_id is otherwise not kept (the broker id is in meta.properties).
func convertV1(name string, data []byte, now int64) (*memTree, error) {
	var s v1State
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, name, err)
	}
	t := newMemTree()
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s (version 1): %s", ErrCorrupt, name, fmt.Sprintf(format, args...))
	}
	create := func(path string, data []byte) error {
		if err := ValidatePath(path, false); err != nil {
			return bad("%v", err)
		}
		// Parents first, with no data, as Kafka's createRecursive does.
		var missing []string
		for p := parentOf(path); t.nodes[p] == nil; p = parentOf(p) {
			missing = append(missing, p)
		}
		for i := len(missing) - 1; i >= 0; i-- {
			if _, _, _, _, err := t.txn([]Op{CreateOp{Path: missing[i]}}, 0, now); err != nil {
				return bad("create %s: %v", missing[i], err)
			}
		}
		if _, _, _, _, err := t.txn([]Op{CreateOp{Path: path, Data: data}}, 0, now); err != nil {
			return bad("create %s: %v", path, err)
		}
		return nil
	}
	if s.ClusterID != "" {
		if err := create(zkdata.ClusterIDPath, zkdata.EncodeClusterID(s.ClusterID)); err != nil {
			return nil, err
		}
	}
	for _, tp := range s.Topics {
		if !legalTopicName(tp.Name) {
			return nil, bad("illegal topic name %q", tp.Name)
		}
		if tp.ID != "" && !zkdata.ValidTopicID(tp.ID) {
			return nil, bad("topic %q: bad topic id %q", tp.Name, tp.ID)
		}
		if err := create(zkdata.TopicConfigPath(tp.Name), zkdata.EncodeEntityConfig(tp.Configs)); err != nil {
			return nil, err
		}
		a := zkdata.TopicAssignment{TopicID: tp.ID, Partitions: map[int32]zkdata.ReplicaAssignment{}}
		for _, p := range tp.Partitions {
			if p.Partition < 0 {
				return nil, bad("topic %q: negative partition %d", tp.Name, p.Partition)
			}
			if _, dup := a.Partitions[p.Partition]; dup {
				return nil, bad("topic %q: partition %d twice", tp.Name, p.Partition)
			}
			a.Partitions[p.Partition] = zkdata.ReplicaAssignment{Replicas: p.Replicas}
		}
		if err := create(zkdata.TopicPath(tp.Name), zkdata.EncodeTopic(a)); err != nil {
			return nil, err
		}
		if err := create(zkdata.TopicPartitionsPath(tp.Name), nil); err != nil {
			return nil, err
		}
		for _, p := range tp.Partitions {
			key := zkdata.TopicPartition{Topic: tp.Name, Partition: p.Partition}
			state := zkdata.PartitionState{Leader: p.Leader, LeaderEpoch: p.LeaderEpoch, ISR: p.ISR}
			if err := create(zkdata.PartitionStatePath(key), zkdata.EncodePartitionState(state)); err != nil {
				return nil, err
			}
		}
	}
	ids := make([]string, 0, len(s.BrokerConfigs))
	for id := range s.BrokerConfigs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		entity := id
		if id == "" {
			entity = zkdata.DefaultEntity
		} else if n, err := strconv.ParseInt(id, 10, 32); err != nil || n < 0 {
			return nil, bad("broker_configs: %q is not a broker id", id)
		}
		if err := create(zkdata.BrokerConfigPath(entity), zkdata.EncodeEntityConfig(s.BrokerConfigs[id])); err != nil {
			return nil, err
		}
	}
	if end := s.ProducerIDBlockEnd; end > 0 {
		first := end - zkdata.ProducerIDBlockSize
		if first < 0 {
			first = 0
		}
		block := zkdata.ProducerIDBlock{Broker: s.NodeID, First: first, Last: end - 1}
		if err := create(zkdata.ProducerIDBlockPath, zkdata.EncodeProducerIDBlock(block)); err != nil {
			return nil, err
		}
	} else if end < 0 {
		return nil, bad("negative producer_id_block_end %d", end)
	}
	return t, nil
}

var topicNameRE = regexp.MustCompile(`^[a-zA-Z0-9._-]{1,249}$`)

// legalTopicName is Kafka's rule (Topic.validate).
func legalTopicName(name string) bool {
	return topicNameRE.MatchString(name) && name != "." && name != ".."
}
