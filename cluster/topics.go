package cluster

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"sluice/cluster/internal/metastore"
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
	if n.zk != nil {
		if err := n.checkController(); err != nil {
			return TopicInfo{}, err
		}
		return n.zkCreateTopic(req)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.mu.closed {
		return TopicInfo{}, ErrClosed
	}
	return n.createTopicLocked(req)
}

// REQUIRES: n.mu held.
func (n *Node) createTopicLocked(req CreateTopicRequest) (TopicInfo, error) {
	snap := n.snap.Load()
	if _, ok := snap.topics[req.Name]; ok {
		return TopicInfo{}, errorf(ErrTopicExists, "Topic '%s' already exists.", req.Name)
	}
	if err := checkCollision(req.Name, snap.names); err != nil {
		return TopicInfo{}, err
	}
	assignment, err := n.resolveAssignment(req)
	if err != nil {
		return TopicInfo{}, err
	}
	cfg, err := snap.defaults.With(req.Configs)
	if err != nil {
		return TopicInfo{}, errorf(ErrInvalidConfig, "%s", engineMessage(err))
	}
	mt := metastore.Topic{Name: req.Name, Configs: copyMap(req.Configs)}
	for p, replicas := range assignment {
		mt.Partitions = append(mt.Partitions, n.newPartition(int32(p), replicas))
	}
	if req.ValidateOnly {
		info := TopicInfo{Name: req.Name, Internal: IsInternalTopic(req.Name), Configs: mt.Configs}
		for _, mp := range mt.Partitions {
			info.Partitions = append(info.Partitions, partitionInfo(mp, nil, n.cfg.NodeID))
		}
		return info, nil
	}
	id := n.unusedTopicIDLocked()
	mt.ID = UUIDString(id)
	prev := n.mu.state
	next := prev.Clone()
	next.Topics = append(next.Topics, mt)
	if err := n.saveLocked(next); err != nil {
		return TopicInfo{}, err
	}
	if err := n.openNewPartitionsLocked(mt.Name, id, mt.Partitions, cfg, prev); err != nil {
		return TopicInfo{}, err
	}
	n.publishLocked(snap.defaults)
	n.logger.Info("created topic", "topic", req.Name, "topic_id", mt.ID, "partitions", len(mt.Partitions),
		"replication_factor", len(mt.Partitions[0].Replicas), "configs", req.Configs)
	t, _ := n.snap.Load().topics[req.Name]
	return t.info, nil
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
				if !containsID(brokers, b) {
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
// metadata cache knows in ZooKeeper mode, this node alone otherwise.
func (n *Node) liveBrokers() []placement.Broker {
	if n.zk == nil {
		return []placement.Broker{{ID: n.cfg.NodeID, Rack: n.cfg.Rack}}
	}
	s := n.zk.cache.snap.Load()
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

// unusedTopicIDLocked returns a fresh topic id not used by any topic.
//
// REQUIRES: n.mu held.
func (n *Node) unusedTopicIDLocked() [16]byte {
	for {
		id := NewUUID()
		if _, used := n.snap.Load().byID[id]; !used {
			return id
		}
	}
}

// DeleteTopic deletes a topic and its logs (DeleteTopics): the metadata
// change is persisted first, then the engine renames the logs for deletion
// (a crash in between is finished by the reconcile on the next Open).
func (n *Node) DeleteTopic(name string) error {
	if n.zk != nil {
		if err := n.checkController(); err != nil {
			return err
		}
		return n.zkDeleteTopic(name)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.mu.closed {
		return ErrClosed
	}
	snap := n.snap.Load()
	t, ok := snap.topics[name]
	if !ok {
		return errorf(ErrUnknownTopicOrPartition, "This server does not host this topic-partition.")
	}
	if !n.cfg.DeleteTopicEnable {
		return errorf(ErrTopicDeletionDisabled, "Topic deletion is disabled.")
	}
	if t.info.Internal {
		return errorf(ErrInternalTopicDeletion, "Topic %s is a kafka internal topic and is not allowed to be marked for deletion.", name)
	}
	next := n.mu.state.Clone()
	for i := range next.Topics {
		if next.Topics[i].Name == name {
			next.Topics = append(next.Topics[:i], next.Topics[i+1:]...)
			break
		}
	}
	if err := n.saveLocked(next); err != nil {
		return err
	}
	for _, p := range t.parts {
		delete(n.mu.parts, partKey{t.info.ID, p.tp.Partition})
	}
	n.publishLocked(snap.defaults)
	for _, p := range t.parts {
		if p.log == nil {
			continue
		}
		if err := n.eng.DeleteLog(p.tp); err != nil {
			n.logger.Error("cannot delete log of deleted topic (retried on next start)", "topic", name,
				"partition", p.tp.Partition, "err", err)
		}
	}
	n.logger.Info("deleted topic", "topic", name, "topic_id", UUIDString(t.info.ID))
	return nil
}

// CreatePartitions grows a topic to total partitions (CreatePartitions).
// assignment, if not nil, gives the replicas of each new partition.
func (n *Node) CreatePartitions(name string, total int32, assignment [][]int32, validateOnly bool) error {
	if n.zk != nil {
		if err := n.checkController(); err != nil {
			return err
		}
		return n.zkCreatePartitions(name, total, assignment, validateOnly)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.mu.closed {
		return ErrClosed
	}
	snap := n.snap.Load()
	t, ok := snap.topics[name]
	if !ok {
		return errorf(ErrUnknownTopicOrPartition, "The topic '%s' does not exist.", name)
	}
	if name == ConsumerOffsetsTopic {
		// Kafka checks this only in its kafka-topics tool; a broker that
		// let it through would move every group to another partition.
		return errorf(ErrInvalidPartitions, "The number of partitions for the offsets topic cannot be changed.")
	}
	old := int32(len(t.parts))
	switch {
	case total < old:
		return errorf(ErrInvalidPartitions, "Topic currently has %d partitions, which is higher than the requested %d.", old, total)
	case total == old:
		return errorf(ErrInvalidPartitions, "Topic already has %d partitions.", old)
	}
	inc := total - old
	rf := len(t.info.Partitions[0].Replicas)
	newReplicas := make([][]int32, inc)
	if assignment != nil {
		if int32(len(assignment)) != inc {
			return errorf(ErrInvalidReplicaAssignment, "Increasing the number of partitions by %d but %d assignments provided.",
				inc, len(assignment))
		}
		for i, replicas := range assignment {
			for _, b := range replicas {
				if b != n.cfg.NodeID {
					return errorf(ErrInvalidReplicaAssignment, "Unknown broker(s) in replica assignment: %d.", b)
				}
			}
			if duplicateID(replicas) {
				return errorf(ErrInvalidReplicaAssignment, "Duplicate brokers not allowed in replica assignment: %s for partition id %d.",
					joinIDs(replicas), old+int32(i))
			}
			if len(replicas) != rf {
				return errorf(ErrInvalidReplicaAssignment, "Inconsistent replication factor between partitions, partition 0 has %d "+
					"while partitions [%d] have replication factors [%d], respectively.", rf, old+int32(i), len(replicas))
			}
			newReplicas[i] = append([]int32(nil), replicas...)
		}
	} else {
		for i := range newReplicas {
			newReplicas[i] = []int32{n.cfg.NodeID}
		}
	}
	if validateOnly {
		return nil
	}
	next := n.mu.state.Clone()
	var mt *metastore.Topic
	for i := range next.Topics {
		if next.Topics[i].Name == name {
			mt = &next.Topics[i]
		}
	}
	for i, replicas := range newReplicas {
		mt.Partitions = append(mt.Partitions, n.newPartition(old+int32(i), replicas))
	}
	prev := n.mu.state
	if err := n.saveLocked(next); err != nil {
		return err
	}
	if err := n.openNewPartitionsLocked(name, t.info.ID, mt.Partitions[old:], t.cfg, prev); err != nil {
		return err
	}
	n.publishLocked(snap.defaults)
	n.logger.Info("added partitions", "topic", name, "from", old, "to", total)
	return nil
}

// openNewPartitionsLocked creates the local logs of new partitions. When
// one cannot be created because the broker is out of file descriptors or
// disk space (engine.ErrTooManyOpenFiles, engine.ErrDiskFull), nothing of
// the request is kept: the metadata goes back to prev, the logs made so
// far are deleted, and the error is returned (KAFKA_STORAGE_ERROR, its
// message naming the limit); other partitions and the log dir are not
// touched. Any other failure leaves that partition offline, as on start-up.
// REQUIRES: n.mu held; the metadata holding the partitions saved.
func (n *Node) openNewPartitionsLocked(topic string, id [16]byte, mps []metastore.Partition, cfg engine.TopicConfig, prev *metastore.State) error {
	var opened []*partitionState
	for _, mp := range mps {
		if !containsID(mp.Replicas, n.cfg.NodeID) {
			continue
		}
		p := n.openPartition(topic, id, mp, cfg)
		resource := p.err != nil && (errors.Is(p.err, engine.ErrTooManyOpenFiles) || errors.Is(p.err, engine.ErrDiskFull))
		if resource && prev != nil {
			if err := n.saveLocked(prev); err != nil {
				n.logger.Error("cannot roll back the metadata of a failed creation", "topic", topic, "err", err)
				prev = nil // keep the partitions, offline where they failed
			} else {
				for _, o := range opened {
					delete(n.mu.parts, partKey{id, o.tp.Partition})
					if o.log != nil {
						if err := n.eng.DeleteLog(o.tp); err != nil {
							n.logger.Error("cannot delete log of a failed creation (removed on next start)", "topic", topic,
								"partition", o.tp.Partition, "err", err)
						}
					}
				}
				return p.err
			}
		}
		n.mu.parts[partKey{id, mp.Partition}] = p
		opened = append(opened, p)
	}
	return nil
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
	if n.zk != nil {
		return n.zkEnsureTopic(CreateTopicRequest{Name: name, NumPartitions: -1, ReplicationFactor: -1})
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.mu.closed {
		return TopicInfo{}, ErrClosed
	}
	if t, ok := n.snap.Load().topics[name]; ok {
		return t.liveInfo(), nil
	}
	return n.createTopicLocked(CreateTopicRequest{Name: name, NumPartitions: -1, ReplicationFactor: -1})
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
	if t, ok := n.snap.Load().topics[name]; ok {
		return t.liveInfo(), nil
	}
	if n.zk != nil {
		return n.zkEnsureTopic(req)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.mu.closed {
		return TopicInfo{}, ErrClosed
	}
	if t, ok := n.snap.Load().topics[name]; ok {
		return t.liveInfo(), nil
	}
	return n.createTopicLocked(req)
}

// saveLocked persists next and makes it the current state.
//
// REQUIRES: n.mu held.
func (n *Node) saveLocked(next *metastore.State) error {
	err := metastore.Save(n.fs, n.dir, next)
	if errors.Is(err, syscall.ENOSPC) && n.eng.MakeRoom(n.dir, err) {
		// The engine's reserved blocks make room for the metadata, so that
		// a DeleteTopics, which frees space, works on a full volume.
		err = metastore.Save(n.fs, n.dir, next)
	}
	if err != nil {
		return fmt.Errorf("%w: persist metadata: %v", engine.ErrStorage, err)
	}
	n.mu.state = next
	return nil
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
