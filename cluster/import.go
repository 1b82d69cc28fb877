package cluster

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"sluice/cluster/internal/kzk"
	"sluice/cluster/internal/zkdata"
	"sluice/cluster/internal/znode"
)

// importRoots are the subtrees a single node's metadata file brings into
// an empty ZooKeeper: topics (assignments and partition states), their
// config overrides, dynamic broker configs, pending deletions and the
// producer-id blocks handed out.
var importRoots = []string{zkdata.TopicsPath, zkdata.ConfigEntityTypePath(zkdata.ConfigTypeTopic),
	zkdata.ConfigEntityTypePath(zkdata.ConfigTypeBroker), zkdata.DeleteTopicsPath, zkdata.ProducerIDBlockPath}

// importSingleNode lets a single-node broker grow into a cluster: when its
// first log dir holds the single node's metadata file
// (__sluice_metadata.json, which has the same znodes as ZooKeeper) and
// the ZooKeeper it joins was empty (this broker just wrote /cluster/id),
// its topics, configs, pending deletions and producer-id blocks are
// copied into ZooKeeper as they are, except that every partition state
// gets a leader epoch one higher (the leader epoch only grows) written by
// controller epoch 0. The file is then renamed to
// __sluice_metadata.json.imported. The controller takes it from there.
func (z *clusterState) importSingleNode(ctx context.Context) error {
	n := z.n
	name := filepath.Join(n.dir, znode.FileName)
	if _, err := n.fs.Stat(name); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	src, _, err := n.openFileStore()
	if err != nil {
		return err
	}
	defer src.Close()
	id, ok, err := kzk.New(src, kzk.Options{}).ClusterID(ctx)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrCorruptMetadata, err)
	}
	if ok && id != z.clusterID {
		return errorf(ErrInconsistentClusterID, "The Cluster ID %s doesn't match the single-node metadata's %s in %s",
			z.clusterID, id, znode.FileName)
	}
	topics := 0
	for _, root := range importRoots {
		err := copySubtree(ctx, src, z.tree, root, func(p string, data []byte) ([]byte, error) {
			tp, ok := partitionStatePath(p)
			if !ok {
				return data, nil
			}
			if tp.Partition == 0 {
				topics++
			}
			st, err := zkdata.DecodePartitionState(tp, data)
			if err != nil {
				return nil, fmt.Errorf("%w: %v", ErrCorruptMetadata, err)
			}
			st.LeaderEpoch++
			st.ControllerEpoch = 0
			return zkdata.EncodePartitionState(st), nil
		})
		if err != nil {
			return fmt.Errorf("cluster: import %s: %w", root, err)
		}
	}
	src.Close()
	if err := n.fs.Rename(name, name+".imported"); err != nil {
		return fmt.Errorf("cluster: import: %w", err)
	}
	z.server.Info("imported the single-node metadata into ZooKeeper", "topics", topics, "cluster_id", z.clusterID,
		"file", name+".imported")
	return nil
}

// copySubtree copies the persistent znodes at and under root from src to
// dst, parents first, passing each one's data through edit. Znodes dst
// already has are left as they are.
func copySubtree(ctx context.Context, src, dst znode.Tree, root string, edit func(path string, data []byte) ([]byte, error)) error {
	data, st, err := src.Get(ctx, root)
	if errors.Is(err, znode.ErrNoNode) {
		return nil
	}
	if err != nil {
		return err
	}
	if st.EphemeralOwner != 0 {
		return nil
	}
	if data, err = edit(root, data); err != nil {
		return err
	}
	if _, err := dst.Create(ctx, root, data, znode.Persistent); err != nil && !errors.Is(err, znode.ErrNodeExists) {
		return err
	}
	kids, _, err := src.Children(ctx, root)
	if err != nil {
		return err
	}
	for _, k := range kids {
		if err := copySubtree(ctx, src, dst, path.Join(root, k), edit); err != nil {
			return err
		}
	}
	return nil
}

// partitionStatePath parses /brokers/topics/<t>/partitions/<p>/state.
func partitionStatePath(p string) (zkdata.TopicPartition, bool) {
	rest, ok := strings.CutPrefix(p, zkdata.TopicsPath+"/")
	if !ok {
		return zkdata.TopicPartition{}, false
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 4 || parts[1] != "partitions" || parts[3] != "state" {
		return zkdata.TopicPartition{}, false
	}
	pn, err := strconv.ParseInt(parts[2], 10, 32)
	if err != nil {
		return zkdata.TopicPartition{}, false
	}
	return zkdata.TopicPartition{Topic: parts[0], Partition: int32(pn)}, true
}

// adoptLogs writes the logs found in the engine as topics when a single
// node starts without a metadata file (the first start on a data dir
// that already has logs, or a lost file), so that its data is kept:
// partition counts are the highest partition seen plus one, replicas
// this broker alone, the topic id the logs' (else a new one), and each
// partition is led by this broker at a leader epoch above any in its log.
func (z *clusterState) adoptLogs(ctx context.Context) error {
	n := z.n
	type found struct {
		id     [16]byte
		maxP   int32
		epochs map[int32]int32
	}
	byTopic := map[string]*found{}
	for _, l := range n.eng.Logs() {
		tp := l.TopicPartition()
		if ValidateTopicName(tp.Topic) != nil || tp.Partition < 0 {
			continue
		}
		f := byTopic[tp.Topic]
		if f == nil {
			f = &found{maxP: -1, epochs: map[int32]int32{}}
			byTopic[tp.Topic] = f
		}
		if f.id == ([16]byte{}) {
			f.id = l.TopicID()
		}
		f.maxP = max(f.maxP, tp.Partition)
		f.epochs[tp.Partition] = max(l.LatestEpoch(), 0)
	}
	names := make([]string, 0, len(byTopic))
	for name := range byTopic {
		names = append(names, name)
	}
	sort.Strings(names)
	self := n.cfg.NodeID
	for _, name := range names {
		f := byTopic[name]
		if f.id == ([16]byte{}) {
			f.id = NewUUID()
		}
		a := zkdata.TopicAssignment{TopicID: UUIDString(f.id), Partitions: map[int32]zkdata.ReplicaAssignment{}}
		ops := []znode.Op{znode.CreateOp{Path: zkdata.TopicPartitionsPath(name)}}
		for p := int32(0); p <= f.maxP; p++ {
			a.Partitions[p] = zkdata.ReplicaAssignment{Replicas: []int32{self}}
			tp := zkdata.TopicPartition{Topic: name, Partition: p}
			state := zkdata.PartitionState{Leader: self, LeaderEpoch: f.epochs[p] + 1, ISR: []int32{self}}
			ops = append(ops, znode.CreateOp{Path: zkdata.TopicPartitionPath(tp)},
				znode.CreateOp{Path: zkdata.PartitionStatePath(tp), Data: zkdata.EncodePartitionState(state)})
		}
		if err := z.store.CreateTopic(ctx, name, a, nil); err != nil && !errors.Is(err, kzk.ErrTopicExists) {
			return fmt.Errorf("cluster: adopt topic %s: %w", name, err)
		}
		if _, err := z.tree.Multi(ctx, ops...); err != nil {
			return fmt.Errorf("cluster: adopt topic %s: %w", name, err)
		}
		z.server.Warn("adopted topic found on disk without metadata", "topic", name, "topic_id", a.TopicID, "partitions", f.maxP+1)
	}
	return nil
}
