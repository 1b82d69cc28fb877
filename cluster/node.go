package cluster

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"

	"sluice/cluster/internal/metastore"
	"sluice/engine"
	"sluice/engine/vfs"
)

// Node is this broker's view of the cluster and its local replicas: it
// plays Kafka's controller (topics, assignments, configs, producer-id
// blocks) and ReplicaManager (the local logs of the partitions it leads)
// roles. Without zookeeper.connect the metadata is embedded: kept in memory
// and persisted to the metadata file (see the package doc).
//
// Reads (Topic, Log, Append) use an immutable snapshot published with an
// atomic pointer and take no lock; metadata changes are serialised by mu,
// persisted, then published.
type Node struct {
	cfg    BrokerConfig
	eng    *engine.Engine
	logger *slog.Logger // component controller
	base   *slog.Logger // without a component
	fs     vfs.FS
	dir    string // where the metadata file lives (first log dir)

	snap       atomic.Pointer[snapshot]
	advertised atomic.Pointer[BrokerInfo]

	// zk is the ZooKeeper-mode state (nil in single-node mode).
	zk *zkState

	mu struct {
		sync.Mutex
		state   *metastore.State
		parts   map[partKey]*partitionState // live partition states
		nextPID int64                       // next producer id; < state.ProducerIDBlockEnd unless a block must be taken
		closed  bool
	}
}

// partKey names a partition of one incarnation of a topic.
type partKey struct {
	id [16]byte
	p  int32
}

// snapshot is an immutable view of the metadata.
type snapshot struct {
	topics   map[string]*topicState
	byID     map[[16]byte]*topicState
	names    []string           // sorted
	defaults engine.TopicConfig // broker-level topic defaults (static + dynamic)
	dynamic  map[string]map[string]string
}

type topicState struct {
	info TopicInfo
	cfg  engine.TopicConfig // effective: defaults + overrides
	// minISR caches cfg.MinInsyncReplicas for the produce path.
	minISR int32
	parts  []*partitionState
}

// partitionState is one partition as published. It is immutable once
// published; a change of leadership publishes a new one.
type partitionState struct {
	tp   engine.TopicPartition
	info PartitionInfo
	log  *engine.Log // nil when this node holds no usable replica
	err  error       // why log is nil
	// hwMu serialises high-watermark advances so the HW never moves back
	// when appends race.
	hwMu sync.Mutex
}

// producerIDBlockSize is how many producer ids one persisted block holds
// (Kafka's ProducerIdsBlock size is 1000).
const producerIDBlockSize = 1000

// Open starts the node on an opened engine. Without zookeeper.connect it
// loads (or creates) the embedded metadata in the first log dir and
// reconciles the engine's logs with it: logs of partitions the metadata
// knows but the engine lacks are created, logs of unknown topics (or of an
// older incarnation, by topic id) are deleted. On the very first start
// (no metadata file) logs already in the dirs are adopted instead, so a
// data dir is never wiped by a missing file. The caller keeps ownership of
// eng and closes it after Node.Close.
func Open(cfg BrokerConfig, eng *engine.Engine, logger *slog.Logger) (*Node, error) {
	return open(cfg, eng, logger, vfs.Default)
}

// open is Open with the file system for the metadata file (tests inject
// faults).
func open(cfg BrokerConfig, eng *engine.Engine, logger *slog.Logger, fsys vfs.FS) (*Node, error) {
	if eng == nil {
		return nil, errors.New("cluster: Open needs an engine")
	}
	if len(cfg.LogDirs) == 0 {
		return nil, errors.New("cluster: no log dirs")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	n := &Node{cfg: cfg, eng: eng, logger: logger.With("component", "controller"), base: logger, fs: fsys, dir: cfg.LogDirs[0]}
	host, port := cfg.Advertised()
	if host == "" { // Kafka advertises the canonical host name
		host, _ = os.Hostname()
	}
	n.advertised.Store(&BrokerInfo{NodeID: cfg.NodeID, Host: host, Port: port, Rack: cfg.Rack})
	if cfg.ZooKeeperMode() {
		z, err := openZK(n)
		if err != nil {
			return nil, err
		}
		n.zk = z
		n.mu.parts = map[partKey]*partitionState{}
		z.publish()
		return n, nil
	}

	st, err := metastore.Load(n.fs, n.dir)
	fresh := false
	switch {
	case errors.Is(err, fs.ErrNotExist):
		fresh = true
		id, err := readMetaPropertiesClusterID(n.fs, n.dir)
		if err != nil {
			return nil, err
		}
		if id == "" {
			id = UUIDString(NewUUID())
		}
		st = &metastore.State{ClusterID: id, NodeID: cfg.NodeID}
	case err != nil:
		return nil, fmt.Errorf("%w: %v", ErrCorruptMetadata, err)
	default:
		if err := checkMetadata(st); err != nil {
			return nil, err
		}
	}
	if st.NodeID != cfg.NodeID {
		return nil, errorf(ErrInconsistentNodeID, "Configured node.id %d doesn't match stored node.id %d in %s",
			cfg.NodeID, st.NodeID, metastore.FileName)
	}
	if st.BrokerConfigs == nil {
		st.BrokerConfigs = map[string]map[string]string{}
	}
	if fresh {
		n.adoptLogs(st)
	}

	n.mu.Lock()
	defer n.mu.Unlock()
	n.mu.state = st
	n.mu.parts = map[partKey]*partitionState{}
	defaults, err := n.topicDefaultsFor(st.BrokerConfigs)
	if err != nil {
		return nil, err
	}
	if err := n.reconcileLocked(defaults); err != nil {
		return nil, err
	}
	if err := metastore.Save(n.fs, n.dir, st); err != nil {
		return nil, err
	}
	n.mu.nextPID = st.ProducerIDBlockEnd
	n.publishLocked(defaults)
	n.logger.Info("metadata loaded", "cluster_id", st.ClusterID, "node_id", st.NodeID, "topics", len(st.Topics), "fresh", fresh)
	return n, nil
}

// Close stops the node. It does not close the engine. Metadata is
// persisted on every change, so there is nothing left to write.
func (n *Node) Close() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.mu.closed {
		return ErrClosed
	}
	n.mu.closed = true
	if n.zk != nil {
		n.zk.close()
	}
	return nil
}

// NodeID is this broker's id.
func (n *Node) NodeID() int32 { return n.cfg.NodeID }

// ClusterID is the cluster's id (generated once, persisted).
func (n *Node) ClusterID() string {
	if n.zk != nil {
		return n.zk.clusterID
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.mu.state.ClusterID
}

// ControllerID is the active controller: this node, in single-node mode;
// the one the last UpdateMetadata named (-1: unknown) in a cluster.
func (n *Node) ControllerID() int32 {
	if n.zk != nil {
		return n.zk.cache.snap.Load().controllerID
	}
	return n.cfg.NodeID
}

// Config is the static broker configuration.
func (n *Node) Config() BrokerConfig { return n.cfg }

// Engine is the storage engine the node serves from (DescribeLogDirs,
// DeleteRecords and fetches use it directly).
func (n *Node) Engine() *engine.Engine { return n.eng }

// Brokers lists the live brokers (this one, in single-node mode).
func (n *Node) Brokers() []BrokerInfo {
	if n.zk != nil {
		return n.zkBrokers()
	}
	return []BrokerInfo{*n.advertised.Load()}
}

// SetAdvertisedAddr sets the host and port announced to clients. The
// network layer calls it once bound when the listener's port was 0 or the
// advertised host is empty.
func (n *Node) SetAdvertisedAddr(host string, port int32) {
	b := *n.advertised.Load()
	b.Host, b.Port = host, port
	n.advertised.Store(&b)
}

// Topics lists every topic, sorted by name.
func (n *Node) Topics() []TopicInfo {
	s := n.snap.Load()
	out := make([]TopicInfo, 0, len(s.names))
	for _, name := range s.names {
		out = append(out, s.topics[name].liveInfo())
	}
	return out
}

// Topic returns one topic.
func (n *Node) Topic(name string) (TopicInfo, bool) {
	t, ok := n.snap.Load().topics[name]
	if !ok {
		return TopicInfo{}, false
	}
	return t.liveInfo(), true
}

// TopicByID returns the topic with the given id.
func (n *Node) TopicByID(id [16]byte) (TopicInfo, bool) {
	t, ok := n.snap.Load().byID[id]
	if !ok {
		return TopicInfo{}, false
	}
	return t.liveInfo(), true
}

// liveInfo returns the published info, with replicas whose log went
// offline since (a log dir failure) marked offline.
func (t *topicState) liveInfo() TopicInfo {
	info := t.info
	copied := false
	for i, p := range t.parts {
		if p.log == nil || !p.log.Offline() || len(p.info.Offline) > 0 {
			continue
		}
		if !copied {
			info.Partitions = append([]PartitionInfo(nil), info.Partitions...)
			copied = true
		}
		info.Partitions[i].Offline = append([]int32(nil), p.info.Replicas...)
	}
	return info
}

// publishLocked builds and publishes a snapshot from the state and the
// live partition states.
//
// REQUIRES: n.mu held.
func (n *Node) publishLocked(defaults engine.TopicConfig) {
	st := n.mu.state
	s := &snapshot{
		topics:   make(map[string]*topicState, len(st.Topics)),
		byID:     make(map[[16]byte]*topicState, len(st.Topics)),
		defaults: defaults,
		dynamic:  make(map[string]map[string]string, len(st.BrokerConfigs)),
	}
	for k, m := range st.BrokerConfigs {
		s.dynamic[k] = copyMap(m)
	}
	for _, mt := range st.Topics {
		id, err := ParseUUID(mt.ID)
		if err != nil {
			continue // validated on load
		}
		cfg, err := defaults.With(mt.Configs)
		if err != nil {
			cfg = defaults // overrides were validated when set; a later default change cannot make them invalid
		}
		t := &topicState{cfg: cfg, minISR: cfg.MinInsyncReplicas}
		t.info = TopicInfo{Name: mt.Name, ID: id, Internal: IsInternalTopic(mt.Name), Configs: copyMap(mt.Configs)}
		for _, mp := range mt.Partitions {
			p := n.mu.parts[partKey{id, mp.Partition}]
			if p == nil { // not hosted here
				p = &partitionState{tp: engine.TopicPartition{Topic: mt.Name, Partition: mp.Partition},
					info: partitionInfo(mp, nil, n.cfg.NodeID), err: ErrNotLeader}
			}
			t.parts = append(t.parts, p)
			t.info.Partitions = append(t.info.Partitions, p.info)
		}
		s.topics[mt.Name] = t
		s.byID[id] = t
		s.names = append(s.names, mt.Name)
	}
	sort.Strings(s.names)
	n.snap.Store(s)
}

// partitionInfo converts the persisted partition; offline lists this node
// when its local log is unusable.
func partitionInfo(mp metastore.Partition, localErr error, self int32) PartitionInfo {
	pi := PartitionInfo{Partition: mp.Partition, Leader: mp.Leader, LeaderEpoch: mp.LeaderEpoch,
		Replicas: append([]int32(nil), mp.Replicas...), ISR: append([]int32(nil), mp.ISR...)}
	if localErr != nil {
		pi.Offline = []int32{self}
	}
	return pi
}

// nodeKey is the broker_configs key of this node's per-broker configs.
func (n *Node) nodeKey() string { return strconv.Itoa(int(n.cfg.NodeID)) }
