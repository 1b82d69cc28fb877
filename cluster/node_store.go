package cluster

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"sluice/cluster/internal/kzk"
	"sluice/cluster/internal/zkdata"
	"sluice/cluster/internal/znode"
	"sluice/engine"
)

// The Node's client-facing methods over the metadata store. Reads come
// from the metadata cache (UpdateMetadata) and the local replicas; admin
// changes are written to the store as Kafka's AdminZkClient writes them
// to ZooKeeper, and the controller carries them out (partition states,
// leaders, LeaderAndIsr).

// Join registers this broker in the metadata store and stands for
// controller; the network layer calls it once the listener is bound (the
// registration carries the advertised endpoint). A single node returns
// once it leads its partitions (see clusterState.awaitReady).
func (n *Node) Join() error {
	return n.cs.join()
}

// Leave moves this broker's leadership to other replicas before it stops
// (a controlled shutdown, controlled.shutdown.enable): the network layer
// calls it while it still serves, so clients are told NOT_LEADER and move
// rather than losing the connection. Close does it if Leave was not
// called. A single node's partitions have no other replica to move to.
func (n *Node) Leave() {
	n.cs.leave()
}

// LeadershipChanged is closed at the next change of this broker's
// replicas or of the cluster metadata (coordinators follow the
// leadership of their partitions).
func (n *Node) LeadershipChanged() <-chan struct{} {
	return n.cs.leadershipChanged()
}

// publishZK rebuilds the node's snapshot (what Topics, Topic and the
// config descriptions read) from the metadata cache and the configs.
func (z *clusterState) publish() {
	n := z.n
	cs := z.cache.snap.Load()
	z.loadNewTopicConfigs(cs.names...)
	c := z.configs.Load()
	defaults, err := n.topicDefaultsFor(c.brokers)
	if err != nil {
		defaults = n.cfg.TopicDefaults
	}
	s := &snapshot{topics: make(map[string]*topicState, len(cs.topics)), byID: make(map[[16]byte]*topicState, len(cs.topics)),
		defaults: defaults, dynamic: c.brokers}
	for _, name := range cs.names {
		ct := cs.topics[name]
		cfg, err := defaults.With(c.topics[name])
		if err != nil {
			cfg = defaults
		}
		info := ct.info()
		info.Internal = IsInternalTopic(name)
		info.Configs = copyMap(c.topics[name])
		t := &topicState{info: info, cfg: cfg}
		s.topics[name] = t
		s.byID[ct.id] = t
		s.names = append(s.names, name)
	}
	sort.Strings(s.names)
	n.snap.Store(s)
}

// localLog is Log: the local replica, if it leads.
func (n *Node) localLog(tp engine.TopicPartition) (*engine.Log, PartitionInfo, *Replica, error) {
	r := n.cs.rm.replica(tp)
	if r == nil {
		if l, ok := n.eng.Log(tp); ok && l.Offline() {
			return nil, PartitionInfo{}, nil, fmt.Errorf("%w: log dir of %s-%d is offline", engine.ErrStorage, tp.Topic, tp.Partition)
		}
	}
	if r == nil || !r.isLeader.Load() {
		if t, ok := n.snap.Load().topics[tp.Topic]; !ok || tp.Partition < 0 || int(tp.Partition) >= len(t.info.Partitions) {
			return nil, PartitionInfo{}, nil, errorf(ErrUnknownTopicOrPartition, "This server does not host this topic-partition.")
		}
		return nil, PartitionInfo{}, nil, errorf(ErrNotLeader, "Leader not local for partition %s-%d on broker %d",
			tp.Topic, tp.Partition, n.cfg.NodeID)
	}
	if r.log.Offline() {
		return nil, PartitionInfo{}, nil, fmt.Errorf("%w: log dir of %s-%d is offline", engine.ErrStorage, tp.Topic, tp.Partition)
	}
	return r.log, r.Info(), r, nil
}

// leaderAppend appends as leader; for acks=all it returns the wait for
// the ISR, bounded by the request's time (ctx's deadline).
func (n *Node) leaderAppend(ctx context.Context, tp engine.TopicPartition, records []byte, acks int16, origin engine.AppendOrigin) (engine.AppendResult, *AckWait, error) {
	_, _, r, err := n.localLog(tp)
	if err != nil {
		return engine.AppendResult{}, nil, err
	}
	return r.append(records, acks, origin, appendTimeout(ctx), produceScopeFrom(ctx))
}

// awaitAcks waits for an acks=all wait to end.
func (n *Node) awaitAcks(ctx context.Context, tp engine.TopicPartition, w *AckWait) error {
	select {
	case <-w.Done():
		return w.Err()
	case <-ctx.Done():
		return errorf(ErrRequestTimedOut, "Timed out waiting for the in-sync replicas of %s-%d", tp.Topic, tp.Partition)
	}
}

// allocateProducerID hands out ids from blocks claimed in
// /latest_producer_id_block.
func (n *Node) allocateProducerID() (int64, error) {
	z := n.cs
	z.pidMu.Lock()
	defer z.pidMu.Unlock()
	if z.pidLast < 0 || z.pidNext > z.pidLast {
		ctx, cancel := context.WithTimeout(z.ctx, 30*time.Second)
		b, err := z.store.ClaimProducerIDBlock(ctx, n.cfg.NodeID)
		cancel()
		if err != nil {
			return -1, storeError(err, "claim a producer id block")
		}
		z.pidNext, z.pidLast = b.First, b.Last
	}
	id := z.pidNext
	z.pidNext++
	return id, nil
}

// storeError is the error of a failed read or write of the metadata
// store: KAFKA_STORAGE_ERROR when the single node's file could not be
// written, REQUEST_TIMED_OUT otherwise (ZooKeeper unreachable).
func storeError(err error, format string, args ...any) error {
	base := ErrRequestTimedOut
	if errors.Is(err, znode.ErrPersist) {
		base = engine.ErrStorage
	}
	return fmt.Errorf("%w: %s: %v", base, fmt.Sprintf(format, args...), err)
}

// checkController refuses an admin request on a broker that is not the
// controller, as Kafka 3.x in ZooKeeper mode does for CreateTopics,
// DeleteTopics and CreatePartitions (clients send them to the controller
// Metadata names, and retry on NOT_CONTROLLER).
func (n *Node) checkController() error {
	if c := n.ControllerID(); c != n.cfg.NodeID {
		return errorf(ErrNotController, "This is not the correct controller for this cluster.")
	}
	return nil
}

// createTopic writes a new topic's assignment and overrides to
// ZooKeeper, then waits (up to 10 s) for the controller to announce it.
func (n *Node) createTopic(req CreateTopicRequest) (TopicInfo, error) {
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
	if _, err := snap.defaults.With(req.Configs); err != nil {
		return TopicInfo{}, errorf(ErrInvalidConfig, "%s", engineMessage(err))
	}
	info := TopicInfo{Name: req.Name, Internal: IsInternalTopic(req.Name), Configs: copyMap(req.Configs)}
	for p, replicas := range assignment {
		info.Partitions = append(info.Partitions, PartitionInfo{Partition: int32(p), Leader: -1, Replicas: replicas, ISR: replicas})
	}
	if req.ValidateOnly {
		return info, nil
	}
	id := NewUUID()
	a := zkdata.TopicAssignment{TopicID: UUIDString(id), Partitions: map[int32]zkdata.ReplicaAssignment{}}
	for p, replicas := range assignment {
		a.Partitions[int32(p)] = zkdata.ReplicaAssignment{Replicas: replicas}
	}
	ctx, cancel := context.WithTimeout(n.cs.ctx, 30*time.Second)
	defer cancel()
	if err := n.cs.store.CreateTopic(ctx, req.Name, a, req.Configs); err != nil {
		if errors.Is(err, kzk.ErrTopicExists) {
			return TopicInfo{}, errorf(ErrTopicExists, "Topic '%s' already exists.", req.Name)
		}
		return TopicInfo{}, storeError(err, "create topic %s", req.Name)
	}
	n.logger.Info("created topic", "topic", req.Name, "topic_id", a.TopicID, "partitions", len(assignment),
		"replication_factor", len(assignment[0]), "configs", req.Configs)
	info.ID = id
	var failed error
	t, ok := n.waitTopic(req.Name, func(t TopicInfo) bool {
		failed = n.createFailure(t)
		return failed != nil || n.allLed(t)
	})
	if failed != nil {
		return TopicInfo{}, n.undoCreate(req.Name, failed)
	}
	if ok {
		return t, nil
	}
	return info, nil
}

// createFailure is why this broker could not create one of its replicas
// of t for lack of file descriptors or disk space (nil: none failed so).
func (n *Node) createFailure(t TopicInfo) error {
	for _, p := range t.Partitions {
		if err := n.cs.rm.createError(engine.TopicPartition{Topic: t.Name, Partition: p.Partition}); err != nil {
			return err
		}
	}
	return nil
}

// undoCreate deletes a topic whose creation failed here for lack of file
// descriptors or disk space, so that nothing of it is kept (the replicas
// created so far, their files and descriptors), and returns why: the
// client gets KAFKA_STORAGE_ERROR naming the limit, and a smaller topic
// can be created.
func (n *Node) undoCreate(name string, why error) error {
	n.logger.Error("deleting a topic whose replicas could not all be created here", "topic", name, "err", why)
	if err := n.deleteTopic(name); err != nil {
		n.logger.Error("cannot delete the topic of a failed creation", "topic", name, "err", err)
	}
	return why
}

// allLed reports whether every partition of t has a leader, and the
// local replicas of those this broker leads are leading (so that a
// single node serves a topic as soon as CreateTopics answers).
func (n *Node) allLed(t TopicInfo) bool {
	for _, p := range t.Partitions {
		if p.Leader < 0 {
			return false
		}
		if p.Leader == n.cfg.NodeID {
			if r := n.cs.rm.replica(engine.TopicPartition{Topic: t.Name, Partition: p.Partition}); r == nil || !r.isLeader.Load() {
				return false
			}
		}
	}
	return true
}

// waitTopic waits up to 10 s for the metadata to show name in a state
// done accepts.
func (n *Node) waitTopic(name string, done func(TopicInfo) bool) (TopicInfo, bool) {
	var t TopicInfo
	ok := n.waitMetadata(func() bool {
		var found bool
		t, found = n.Topic(name)
		return found && done(t)
	})
	return t, ok
}

// waitMetadata waits up to 10 s for cond to hold; it is checked again at
// every change of the metadata or of this broker's replicas.
func (n *Node) waitMetadata(cond func() bool) bool {
	deadline := time.After(10 * time.Second)
	for {
		ch := n.cs.leadershipChanged()
		if cond() {
			return true
		}
		select {
		case <-ch:
		case <-deadline:
			return false
		case <-n.cs.ctx.Done():
			return false
		}
	}
}

// deleteTopic marks a topic for deletion (/admin/delete_topics) and
// waits (up to 10 s) for the controller to delete it.
func (n *Node) deleteTopic(name string) error {
	if _, ok := n.Topic(name); !ok {
		return errorf(ErrUnknownTopicOrPartition, "This server does not host this topic-partition.")
	}
	if IsInternalTopic(name) {
		return errorf(ErrInternalTopicDeletion, "Topic %s is a kafka internal topic and is not allowed to be marked for deletion.", name)
	}
	if !n.cfg.DeleteTopicEnable {
		return errorf(ErrTopicDeletionDisabled, "Topic deletion is disabled.")
	}
	ctx, cancel := context.WithTimeout(n.cs.ctx, 30*time.Second)
	defer cancel()
	t, _ := n.Topic(name)
	if err := n.cs.store.MarkTopicForDeletion(ctx, name); err != nil && !errors.Is(err, kzk.ErrMarkedForDeletion) {
		return storeError(err, "delete topic %s", name)
	}
	// Gone from the metadata, and from this broker's replicas (the
	// controller announces the deletion before it stops them).
	n.waitMetadata(func() bool {
		if _, ok := n.Topic(name); ok {
			return false
		}
		for _, p := range t.Partitions {
			if r := n.cs.rm.replica(engine.TopicPartition{Topic: name, Partition: p.Partition}); r != nil {
				return false
			}
		}
		return true
	})
	if n.replicasLive(t) {
		n.cs.awaitGone(zkdata.DeleteTopicPath(name), 10*time.Second)
	}
	return nil
}

// replicasLive reports whether every replica of t is on a live broker.
func (n *Node) replicasLive(t TopicInfo) bool {
	live := n.cs.cache.snap.Load().brokers
	for _, p := range t.Partitions {
		for _, r := range p.Replicas {
			if _, ok := live[r]; !ok {
				return false
			}
		}
	}
	return true
}

// awaitGone waits (up to limit) until the znode at path is gone: the
// controller removes /admin/delete_topics/<t> last, once every replica
// is deleted, so a DeleteTopics whose replicas are all live answers when
// the name can be used again (as a single node always did). With a
// replica's broker down the deletion waits for it, and the answer does
// not (Kafka answers once the metadata no longer lists the topic).
func (z *clusterState) awaitGone(path string, limit time.Duration) {
	ctx, cancel := context.WithTimeout(z.ctx, limit)
	defer cancel()
	for {
		ok, _, w, err := z.tree.ExistsW(ctx, path)
		if err != nil || !ok {
			return
		}
		select {
		case <-w:
		case <-ctx.Done():
			return
		}
	}
}

// createPartitions adds partitions to a topic's assignment (the
// controller creates their states).
func (n *Node) createPartitions(name string, total int32, assignment [][]int32, validateOnly bool) error {
	ctx, cancel := context.WithTimeout(n.cs.ctx, 30*time.Second)
	defer cancel()
	cur, err := n.cs.store.TopicAssignment(ctx, name)
	if err != nil {
		if errors.Is(err, kzk.ErrNoTopic) {
			return errorf(ErrUnknownTopicOrPartition, "The topic '%s' does not exist.", name)
		}
		return storeError(err, "read topic %s", name)
	}
	have := int32(len(cur.Partitions))
	if total < have {
		return errorf(ErrInvalidPartitions, "Topic currently has %d partitions, which is higher than the requested %d.", have, total)
	}
	if total == have {
		return errorf(ErrInvalidPartitions, "Topic already has %d partitions.", have)
	}
	rf := 0
	for _, ra := range cur.Partitions {
		rf = len(ra.Replicas)
		break
	}
	add := total - have
	var extra [][]int32
	if assignment != nil {
		if int32(len(assignment)) != add {
			return errorf(ErrInvalidReplicaAssignment, "Increasing the number of partitions by %d but %d assignments provided.", add, len(assignment))
		}
		live := map[int32]bool{}
		for _, b := range n.liveBrokers() {
			live[b.ID] = true
		}
		for _, rs := range assignment {
			if len(rs) != rf {
				return errorf(ErrInvalidReplicaAssignment, "Inconsistent replication factor between partitions, partition 0 has %d "+
					"while partitions [%d] have replication factors [%d], respectively.", rf, have, len(rs))
			}
			if duplicateID(rs) {
				return errorf(ErrInvalidReplicaAssignment, "Duplicate brokers not allowed in replica assignment: %v", rs)
			}
			for _, b := range rs {
				if !live[b] {
					return errorf(ErrInvalidReplicaAssignment, "Unknown broker(s) in replica assignment: %d.", b)
				}
			}
		}
		extra = assignment
	} else {
		res, err := n.resolveAssignment(CreateTopicRequest{Name: name, NumPartitions: add, ReplicationFactor: int16(rf)})
		if err != nil {
			return err
		}
		extra = res
	}
	if validateOnly {
		return nil
	}
	next := cur.TopicAssignment
	parts := make(map[int32]zkdata.ReplicaAssignment, total)
	for p, ra := range next.Partitions {
		parts[p] = ra
	}
	for i, rs := range extra {
		parts[have+int32(i)] = zkdata.ReplicaAssignment{Replicas: rs}
	}
	next.Partitions = parts
	if _, err := n.cs.store.SetTopicAssignment(ctx, name, next, cur.ZkVersion, nil); err != nil {
		return storeError(err, "write topic %s", name)
	}
	n.waitTopic(name, func(t TopicInfo) bool { return int32(len(t.Partitions)) == total && n.allLed(t) })
	return nil
}

// writeTopicConfig writes a topic's overrides (/config/topics/<t> and a
// change notification) and applies them here at once.
func (n *Node) writeTopicConfig(name string, overrides map[string]string) error {
	ctx, cancel := context.WithTimeout(n.cs.ctx, 30*time.Second)
	defer cancel()
	if _, err := n.cs.store.SetTopicConfig(ctx, name, overrides); err != nil {
		return storeError(err, "write topic config %s", name)
	}
	n.reloadConfigs(ctx)
	return nil
}

// writeBrokerConfig writes dynamic broker configs (/config/brokers/<id>
// or <default>) and applies them here at once.
func (n *Node) writeBrokerConfig(broker string, configs map[string]string) error {
	ctx, cancel := context.WithTimeout(n.cs.ctx, 30*time.Second)
	defer cancel()
	entity := broker
	if entity == "" {
		entity = zkdata.DefaultEntity
	}
	if _, err := n.cs.store.SetBrokerConfig(ctx, entity, configs); err != nil {
		return storeError(err, "write broker config %s", entity)
	}
	n.reloadConfigs(ctx)
	return nil
}

// reloadConfigs reads the configs back after a config write and applies
// them here at once; when the read fails nothing changes here now.
func (n *Node) reloadConfigs(ctx context.Context) {
	if err := n.cs.loadConfigs(ctx); err == nil {
		n.cs.publish()
		n.applyConfigs()
	}
}

// ensureTopic creates a topic unless it exists (auto-creation, the
// internal topics), returning it either way.
func (n *Node) ensureTopic(req CreateTopicRequest) (TopicInfo, error) {
	if t, ok := n.Topic(req.Name); ok {
		return t, nil
	}
	t, err := n.createTopic(req)
	if errors.Is(err, ErrTopicExists) {
		if t, ok := n.waitTopic(req.Name, func(TopicInfo) bool { return true }); ok {
			return t, nil
		}
	}
	return t, err
}
