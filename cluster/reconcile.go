package cluster

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"sluice/cluster/internal/metastore"
	"sluice/engine"
	"sluice/engine/vfs"
)

// EngineOptions returns the engine options for cfg: log dirs, node id,
// the cluster id (from the metadata file, else from an existing
// meta.properties, else a new one that Open will then persist), and the
// topic defaults including persisted dynamic broker configs. Call it
// before engine.Open; then Open the Node on that engine.
func EngineOptions(cfg BrokerConfig) (engine.Options, error) {
	if len(cfg.LogDirs) == 0 {
		return engine.Options{}, errors.New("cluster: no log dirs")
	}
	dir := cfg.LogDirs[0]
	clusterID := ""
	defaults := cfg.TopicDefaults
	st, err := metastore.Load(vfs.Default, dir)
	if cfg.ZooKeeperMode() {
		// The cluster id is /cluster/id's: Open records it once connected.
		st, err = nil, fs.ErrNotExist
	}
	switch {
	case err == nil:
		clusterID = st.ClusterID
		n := &Node{cfg: cfg}
		if d, err := n.topicDefaultsFor(st.BrokerConfigs); err == nil {
			defaults = d
		}
	case errors.Is(err, fs.ErrNotExist):
		if clusterID, err = readMetaPropertiesClusterID(vfs.Default, dir); err != nil {
			return engine.Options{}, err
		}
	default:
		return engine.Options{}, fmt.Errorf("%w: %v", ErrCorruptMetadata, err)
	}
	if clusterID == "" && !cfg.ZooKeeperMode() {
		clusterID = UUIDString(NewUUID())
	}
	opts := engine.Options{
		Dirs:                   cfg.LogDirs,
		Defaults:               defaults,
		RetentionCheckInterval: cfg.RetentionCheckInterval,
		CleanerEnable:          cfg.CleanerEnable,
		CleanerBackoff:         cfg.CleanerBackoff,
		ReserveAhead:           reserveAhead(cfg.SegmentReserveAhead),
		MaxBatchDecompressed:   cfg.BatchDecompressedMax,
		ReserveDirPercent:      reserveDirPercent(cfg.ReserveDirPercent),
		NodeID:                 cfg.NodeID,
		ClusterID:              clusterID,
		FlushCheckInterval:     cfg.FlushSchedulerInterval,
	}
	opts.ProducerIDExpiration = cfg.ProducerIDExpiration
	opts.ProducerIDExpirationCheckInterval = cfg.ProducerIDExpirationCheckInterval
	return opts, nil
}

// readMetaPropertiesClusterID returns cluster.id from dir/meta.properties
// ("" when the file or the key is absent).
func readMetaPropertiesClusterID(fsys vfs.FS, dir string) (string, error) {
	f, err := fsys.OpenFile(filepath.Join(dir, "meta.properties"), os.O_RDONLY, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("cluster: read meta.properties: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), "=")
		if ok && strings.TrimSpace(k) == "cluster.id" {
			return strings.TrimSpace(v), nil
		}
	}
	return "", sc.Err()
}

// topicDefaultsFor computes the broker-level topic defaults from the static
// properties overlaid with the dynamic ones (per-broker over cluster
// default over static, as Kafka's DynamicBrokerConfig does).
func (n *Node) topicDefaultsFor(dynamic map[string]map[string]string) (engine.TopicConfig, error) {
	return topicDefaults(n.lookupWith(dynamic))
}

// lookupWith returns the explicitly set value of a property given the
// dynamic configs.
func (n *Node) lookupWith(dynamic map[string]map[string]string) func(string) (string, bool) {
	per, def := dynamic[n.nodeKey()], dynamic[""]
	return func(name string) (string, bool) {
		if v, ok := per[name]; ok {
			return v, true
		}
		if v, ok := def[name]; ok {
			return v, true
		}
		return n.cfg.Static(name)
	}
}

// adoptLogs builds topics from the logs found in the engine: used on the
// first start so that an existing data dir (or one whose metadata file was
// lost) keeps its data. Partition counts are the highest partition seen
// plus one; missing partitions are created by reconcile.
func (n *Node) adoptLogs(st *metastore.State) {
	type found struct {
		id   [16]byte
		maxP int32
	}
	byTopic := map[string]*found{}
	for _, l := range n.eng.Logs() {
		tp := l.TopicPartition()
		if ValidateTopicName(tp.Topic) != nil || tp.Partition < 0 {
			continue
		}
		f := byTopic[tp.Topic]
		if f == nil {
			f = &found{id: l.TopicID(), maxP: -1}
			byTopic[tp.Topic] = f
		}
		if f.id == ([16]byte{}) {
			f.id = l.TopicID()
		}
		f.maxP = max(f.maxP, tp.Partition)
	}
	names := make([]string, 0, len(byTopic))
	for name := range byTopic {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		f := byTopic[name]
		if f.id == ([16]byte{}) {
			f.id = NewUUID()
		}
		mt := metastore.Topic{Name: name, ID: UUIDString(f.id)}
		for p := int32(0); p <= f.maxP; p++ {
			mt.Partitions = append(mt.Partitions, n.newPartition(p, []int32{n.cfg.NodeID}))
		}
		st.Topics = append(st.Topics, mt)
		n.logger.Warn("adopted topic found on disk without metadata", "topic", name, "topic_id", mt.ID, "partitions", len(mt.Partitions))
	}
}

// newPartition is a new partition led by its first replica, epoch 0.
func (n *Node) newPartition(p int32, replicas []int32) metastore.Partition {
	return metastore.Partition{Partition: p, Replicas: replicas, Leader: replicas[0], LeaderEpoch: 0,
		ISR: append([]int32(nil), replicas...)}
}

// reconcileLocked makes the engine's logs match the metadata: stray logs
// (unknown topic, unknown partition, or another incarnation's topic id)
// are deleted, missing local logs are created, and every local log gets its
// effective config.
//
// REQUIRES: n.mu held.
func (n *Node) reconcileLocked(defaults engine.TopicConfig) error {
	known := map[engine.TopicPartition][16]byte{}
	for _, mt := range n.mu.state.Topics {
		id, err := ParseUUID(mt.ID)
		if err != nil {
			return fmt.Errorf("%w: topic %s: %v", ErrCorruptMetadata, mt.Name, err)
		}
		for _, mp := range mt.Partitions {
			known[engine.TopicPartition{Topic: mt.Name, Partition: mp.Partition}] = id
		}
	}
	for _, l := range n.eng.Logs() {
		tp := l.TopicPartition()
		id, ok := known[tp]
		if ok && (l.TopicID() == id || l.TopicID() == [16]byte{}) {
			continue
		}
		n.logger.Warn("deleting stray log", "topic", tp.Topic, "partition", tp.Partition,
			"log_topic_id", UUIDString(l.TopicID()), "known", ok)
		if err := n.eng.DeleteLog(tp); err != nil {
			n.logger.Error("cannot delete stray log", "topic", tp.Topic, "partition", tp.Partition, "err", err)
		}
	}
	for _, mt := range n.mu.state.Topics {
		id, _ := ParseUUID(mt.ID)
		cfg, err := defaults.With(mt.Configs)
		if err != nil {
			n.logger.Error("ignoring invalid topic config overrides", "topic", mt.Name, "err", err)
			cfg = defaults
		}
		for j := range mt.Partitions {
			mp := &mt.Partitions[j]
			if !containsID(mp.Replicas, n.cfg.NodeID) {
				continue
			}
			if mp.Leader == n.cfg.NodeID {
				n.electLocalLeader(mt.Name, mp)
			}
			n.mu.parts[partKey{id, mp.Partition}] = n.openPartition(mt.Name, id, *mp, cfg)
		}
	}
	return nil
}

// electLocalLeader starts a new leadership term for a partition this node
// leads, as Kafka's controller does when a broker comes back (the
// partition goes offline and is elected again): the leader epoch goes up,
// and is kept above any epoch already in the log, so that clients holding
// the old epoch are fenced and can detect truncation (KIP-320).
func (n *Node) electLocalLeader(topic string, mp *metastore.Partition) {
	epoch := mp.LeaderEpoch + 1
	if l, ok := n.eng.Log(engine.TopicPartition{Topic: topic, Partition: mp.Partition}); ok {
		epoch = max(epoch, l.LatestEpoch()+1)
	}
	mp.LeaderEpoch = epoch
	mp.ISR = []int32{n.cfg.NodeID}
}

// openPartition attaches (or creates) the local log of one partition. A
// log that failed recovery or cannot be created leaves the partition
// offline on this node, with the reason; the broker keeps serving the rest.
func (n *Node) openPartition(topic string, id [16]byte, mp metastore.Partition, cfg engine.TopicConfig) *partitionState {
	tp := engine.TopicPartition{Topic: topic, Partition: mp.Partition}
	p := &partitionState{tp: tp}
	if l, ok := n.eng.Log(tp); ok && (l.TopicID() == id || l.TopicID() == [16]byte{}) {
		l.SetConfig(cfg)
		p.log = l
	} else if rerr, bad := n.eng.RecoveryErrors()[tp]; bad {
		p.err = fmt.Errorf("%w: %s-%d failed recovery: %v", engine.ErrStorage, topic, mp.Partition, rerr)
	} else {
		if ok { // another incarnation's log survived deletion: replace it
			if err := n.eng.DeleteLog(tp); err != nil {
				n.logger.Error("cannot delete old log", "topic", topic, "partition", mp.Partition, "err", err)
			}
		}
		l, err := n.eng.CreateLog(tp, id, cfg)
		if err != nil {
			p.err = fmt.Errorf("%w: create %s-%d: %w", engine.ErrStorage, topic, mp.Partition, err)
		} else {
			p.log = l
		}
	}
	if p.err != nil {
		n.logger.Error("partition offline on this node", "topic", topic, "partition", mp.Partition, "err", p.err)
	}
	p.info = partitionInfo(mp, p.err, n.cfg.NodeID)
	// A new leader raises the high watermark to the smallest log end of the
	// ISR (Kafka's maybeIncrementLeaderHW): with itself the only in-sync
	// replica that is its log end. After an unclean stop the checkpointed
	// high watermark lags behind acknowledged records.
	if p.log != nil && len(p.info.ISR) == 1 && p.info.ISR[0] == n.cfg.NodeID && p.log.HighWatermark() < p.log.LogEndOffset() {
		p.log.SetHighWatermark(p.log.LogEndOffset())
	}
	return p
}

func containsID(ids []int32, id int32) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// reserveDirPercent maps sluice.log.dir.reserve.max.percent to
// engine.Options.ReserveDirPercent, where 0 means the default and negative
// none.
func reserveDirPercent(p float64) float64 {
	if p == 0 {
		return -1
	}
	return p
}

// reserveAhead maps sluice.segment.reserve.ahead.bytes to
// engine.Options.ReserveAhead, where 0 means the default and negative off.
func reserveAhead(bytes int64) int64 {
	if bytes == 0 {
		return -1
	}
	return bytes
}
