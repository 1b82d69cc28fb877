package cluster

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"sluice/cluster/internal/placement"
	"sluice/engine"
)

// CreateTopic creates a topic (CreateTopics). Errors carry Kafka's messages:
// ErrInvalidTopic (bad or colliding name), ErrTopicExists,
// ErrInvalidPartitions, ErrInvalidReplicationFactor,
// ErrInvalidReplicaAssignment, ErrInvalidRequest, ErrInvalidConfig. With
// ValidateOnly nothing changes and the returned TopicInfo has a zero ID.
func (n *Node) CreateTopic(req CreateTopicRequest) (TopicInfo, error) {
	if err := ValidateTopicName(req.Name); err != nil {
		return TopicInfo{}, err
	}
	if err := n.checkController(); err != nil {
		return TopicInfo{}, err
	}
	return n.createTopic(req)
}

// resolveAssignment applies the num.partitions / default.replication.factor
// defaults and checks the request as Kafka's ZooKeeper-mode admin manager
// does, returning replicas per partition.
func (n *Node) resolveAssignment(req CreateTopicRequest) ([][]int32, error) {
	live := n.liveBrokers()
	brokers := make([]int32, len(live))
	for i, b := range live {
		brokers[i] = b.ID
	}
	if len(req.Assignment) > 0 {
		if req.NumPartitions != -1 || req.ReplicationFactor != -1 {
			return nil, errorf(ErrInvalidRequest, "Both numPartitions or replicationFactor and replicasAssignments were set. "+
				"Both cannot be used at the same time.")
		}
		out := make([][]int32, len(req.Assignment))
		rf := -1
		for p, replicas := range req.Assignment {
			if p < 0 || int(p) >= len(out) {
				return nil, errorf(ErrInvalidReplicaAssignment, "partitions should be a consecutive 0-based integer sequence")
			}
			if len(replicas) == 0 {
				return nil, errorf(ErrInvalidReplicaAssignment, "Replica assignment for partition %d is empty.", p)
			}
			if rf != -1 && len(replicas) != rf {
				return nil, errorf(ErrInvalidReplicaAssignment, "All partitions should have the same number of replicas")
			}
			rf = len(replicas)
			if dup := duplicateID(replicas); dup {
				return nil, errorf(ErrInvalidReplicaAssignment, "Duplicate replica assignment found: %s", formatAssignment(req.Assignment))
			}
			for _, b := range replicas {
				if !slices.Contains(brokers, b) {
					return nil, errorf(ErrInvalidReplicaAssignment,
						"The manual partition assignment includes broker %d, but no broker with that ID is registered.", b)
				}
			}
			out[p] = append([]int32(nil), replicas...)
		}
		return out, nil
	}
	partitions := req.NumPartitions
	if partitions == -1 {
		partitions = n.cfg.NumPartitions
	}
	rf := int32(req.ReplicationFactor)
	if rf == -1 {
		rf = int32(n.cfg.DefaultReplicationFactor)
	}
	if partitions <= 0 {
		return nil, errorf(ErrInvalidPartitions, "Number of partitions must be larger than 0.")
	}
	if rf <= 0 {
		return nil, errorf(ErrInvalidReplicationFactor, "Replication factor must be larger than 0.")
	}
	if int(rf) > len(brokers) {
		return nil, errorf(ErrInvalidReplicationFactor, "Replication factor: %d larger than available brokers: %d.", rf, len(brokers))
	}
	out, err := placement.Assign(live, partitions, int(rf), placement.Options{StartIndex: -1, Shift: -1})
	if err != nil {
		return nil, errorf(ErrInvalidReplicaAssignment, "%s", strings.TrimPrefix(err.Error(), "placement: "))
	}
	return out, nil
}

// liveBrokers are the brokers replicas may be placed on: the live ones the
// metadata cache knows (this broker alone until the first UpdateMetadata).
func (n *Node) liveBrokers() []placement.Broker {
	s := n.cs.cache.snap.Load()
	if len(s.brokerIDs) == 0 {
		return []placement.Broker{{ID: n.cfg.NodeID, Rack: n.cfg.Rack}}
	}
	out := make([]placement.Broker, 0, len(s.brokerIDs))
	for _, id := range s.brokerIDs {
		out = append(out, placement.Broker{ID: id, Rack: s.brokers[id].Rack})
	}
	return out
}

func duplicateID(ids []int32) bool {
	seen := map[int32]bool{}
	for _, id := range ids {
		if seen[id] {
			return true
		}
		seen[id] = true
	}
	return false
}

// formatAssignment prints an assignment like Scala's Map.toString.
func formatAssignment(a map[int32][]int32) string {
	keys := make([]int, 0, len(a))
	for p := range a {
		keys = append(keys, int(p))
	}
	sort.Ints(keys)
	parts := make([]string, len(keys))
	for i, p := range keys {
		ids := make([]string, len(a[int32(p)]))
		for j, b := range a[int32(p)] {
			ids[j] = strconv.Itoa(int(b))
		}
		parts[i] = fmt.Sprintf("%d -> List(%s)", p, strings.Join(ids, ", "))
	}
	return "Map(" + strings.Join(parts, ", ") + ")"
}

// DeleteTopic deletes a topic and its logs (DeleteTopics): it is marked
// for deletion (/admin/delete_topics) and the controller stops its
// replicas, has their logs deleted and removes its znodes; this waits (up
// to 10 s) for that.
func (n *Node) DeleteTopic(name string) error {
	if err := n.checkController(); err != nil {
		return err
	}
	return n.deleteTopic(name)
}

// CreatePartitions grows a topic to total partitions (CreatePartitions).
// assignment, if not nil, gives the replicas of each new partition.
func (n *Node) CreatePartitions(name string, total int32, assignment [][]int32, validateOnly bool) error {
	if err := n.checkController(); err != nil {
		return err
	}
	if name == ConsumerOffsetsTopic {
		// Kafka checks this only in its kafka-topics tool; a broker that
		// let it through would move every group to another partition.
		return errorf(ErrInvalidPartitions, "The number of partitions for the offsets topic cannot be changed.")
	}
	return n.createPartitions(name, total, assignment, validateOnly)
}

func joinIDs(ids []int32) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.Itoa(int(id))
	}
	return strings.Join(s, ",")
}

// AutoCreateTopic creates a topic with the broker defaults, as Metadata
// does when auto.create.topics.enable is set (the caller checks that flag
// and the request's allow_auto_topic_creation). Internal topics are created
// with their own settings (EnsureInternalTopic). An existing topic is
// returned as is.
func (n *Node) AutoCreateTopic(name string) (TopicInfo, error) {
	if IsInternalTopic(name) {
		return n.EnsureInternalTopic(name)
	}
	if err := ValidateTopicName(name); err != nil {
		return TopicInfo{}, err
	}
	return n.ensureTopic(CreateTopicRequest{Name: name, NumPartitions: -1, ReplicationFactor: -1})
}

// EnsureInternalTopic returns __consumer_offsets or __transaction_state,
// creating it first if needed with Kafka's settings: offsets.topic.* /
// transaction.state.log.* partitions, replication factor and segment size,
// cleanup.policy=compact, compression.type=producer (and min.insync.replicas
// from transaction.state.log.min.isr). A replication factor the cluster
// cannot meet answers ErrInvalidReplicationFactor (the coordinator APIs
// report COORDINATOR_NOT_AVAILABLE).
func (n *Node) EnsureInternalTopic(name string) (TopicInfo, error) {
	var req CreateTopicRequest
	switch name {
	case ConsumerOffsetsTopic:
		req = CreateTopicRequest{Name: name, NumPartitions: n.cfg.OffsetsTopicNumPartitions,
			ReplicationFactor: n.cfg.OffsetsTopicReplicationFactor, Configs: map[string]string{
				"cleanup.policy":   "compact",
				"compression.type": "producer",
				"segment.bytes":    strconv.Itoa(int(n.cfg.OffsetsTopicSegmentBytes)),
			}}
	case TransactionStateTopic:
		req = CreateTopicRequest{Name: name, NumPartitions: n.cfg.TransactionStateLogNumPartitions,
			ReplicationFactor: n.cfg.TransactionStateLogReplicationFactor, Configs: map[string]string{
				"cleanup.policy":                 "compact",
				"compression.type":               "uncompressed",
				"min.insync.replicas":            strconv.Itoa(int(n.cfg.TransactionStateLogMinISR)),
				"segment.bytes":                  strconv.Itoa(int(n.cfg.TransactionStateLogSegmentBytes)),
				"unclean.leader.election.enable": "false",
			}}
	default:
		return TopicInfo{}, errorf(ErrInvalidTopic, "%s is not an internal topic", name)
	}
	return n.ensureTopic(req)
}

func copyMap(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// engineMessage strips the engine's sentinel prefix from a config error,
// leaving Kafka's message ("Invalid value ... for configuration ...").
func engineMessage(err error) string {
	return strings.TrimPrefix(err.Error(), engine.ErrInvalidConfig.Error()+": ")
}
