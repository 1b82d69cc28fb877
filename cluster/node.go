package cluster

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"

	"sluice/cluster/internal/znode"
	"sluice/engine"
	"sluice/engine/vfs"
)

// Node is this broker's view of the cluster and its local replicas: the
// metadata cache the controller keeps up to date, the replica manager
// (the local logs, as leader or follower), and the controller it stands
// for. The same code runs a cluster member (zookeeper.connect: the store
// is a ZooKeeper ensemble) and a single node (the store is the metadata
// file in the first log dir, a one-broker cluster); see the package doc.
//
// Reads (Topic, Log, Append) use an immutable snapshot published with an
// atomic pointer and the replica manager's own locks.
type Node struct {
	cfg    BrokerConfig
	eng    *engine.Engine
	logger *slog.Logger // component controller
	base   *slog.Logger // without a component
	fs     vfs.FS
	dir    string // where the metadata file lives (first log dir)

	snap       atomic.Pointer[snapshot]
	advertised atomic.Pointer[BrokerInfo]

	// cs is the store, the controller and the replica manager.
	cs *clusterState

	// adminMu serialises the read-modify-write of config overrides
	// (AlterTopicConfig, AlterBrokerConfig).
	adminMu sync.Mutex

	mu struct {
		sync.Mutex
		closed bool
	}
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
}

// Open starts the node on an opened engine and connects it to its
// metadata store: the ZooKeeper ensemble of zookeeper.connect, or else
// the metadata file (__sluice_metadata.json) in the first log dir, which
// is created on the first start with the logs already in the dirs
// adopted as topics (a data dir is never wiped by a missing file). The
// broker registers and stands for controller in Join. The caller keeps
// ownership of eng and closes it after Node.Close.
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
	z, err := openState(n)
	if err != nil {
		return nil, err
	}
	n.cs = z
	z.publish()
	return n, nil
}

// openFileStore opens the single node's metadata file; fresh reports
// that there was none (the first start, or a lost file).
func (n *Node) openFileStore() (tree *znode.FileTree, fresh bool, err error) {
	_, err = n.fs.Stat(filepath.Join(n.dir, znode.FileName))
	fresh = errors.Is(err, fs.ErrNotExist)
	tree, err = znode.OpenFile(n.fs, n.dir, znode.FileOptions{
		// The engine's reserved blocks make room for the metadata, so that
		// a DeleteTopics, which frees space, works on a full volume.
		OnNoSpace: func(err error) bool { return n.eng.MakeRoom(n.dir, err) },
	})
	switch {
	case errors.Is(err, znode.ErrCorrupt):
		return nil, false, fmt.Errorf("%w: %v", ErrCorruptMetadata, err)
	case err != nil:
		return nil, false, fmt.Errorf("%w: open the metadata file: %v", engine.ErrStorage, err)
	}
	return tree, fresh, nil
}

// Close stops the node. It does not close the engine. Metadata is
// persisted on every change, so there is nothing left to write.
func (n *Node) Close() error {
	n.mu.Lock()
	if n.mu.closed {
		n.mu.Unlock()
		return ErrClosed
	}
	n.mu.closed = true
	n.mu.Unlock()
	n.cs.close()
	return nil
}

// Failed receives an error (wrapping engine.ErrStorage) when every log
// dir of this broker has failed: the broker has nothing left to serve and
// should halt, as Kafka's does.
func (n *Node) Failed() <-chan error { return n.cs.rm.dirs.failed }

// NodeID is this broker's id.
func (n *Node) NodeID() int32 { return n.cfg.NodeID }

// ClusterID is the cluster's id (/cluster/id).
func (n *Node) ClusterID() string { return n.cs.clusterID }

// ControllerID is the active controller: the one the last UpdateMetadata
// named (-1: unknown).
func (n *Node) ControllerID() int32 { return n.cs.cache.snap.Load().controllerID }

// Config is the static broker configuration.
func (n *Node) Config() BrokerConfig { return n.cfg }

// Engine is the storage engine the node serves from (DescribeLogDirs,
// DeleteRecords and fetches use it directly).
func (n *Node) Engine() *engine.Engine { return n.eng }

// Brokers lists the live brokers as the metadata cache knows them (this
// broker alone until the first UpdateMetadata).
func (n *Node) Brokers() []BrokerInfo {
	out := n.cs.cache.snap.Load().brokerList(n.cs.listener)
	if len(out) == 0 {
		return []BrokerInfo{*n.advertised.Load()}
	}
	return out
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
		out = append(out, s.topics[name].info)
	}
	return out
}

// Topic returns one topic.
func (n *Node) Topic(name string) (TopicInfo, bool) {
	t, ok := n.snap.Load().topics[name]
	if !ok {
		return TopicInfo{}, false
	}
	return t.info, true
}

// TopicByID returns the topic with the given id.
func (n *Node) TopicByID(id [16]byte) (TopicInfo, bool) {
	t, ok := n.snap.Load().byID[id]
	if !ok {
		return TopicInfo{}, false
	}
	return t.info, true
}

// nodeKey is the dynamic broker configs' key of this node's per-broker
// configs.
func (n *Node) nodeKey() string { return strconv.Itoa(int(n.cfg.NodeID)) }
