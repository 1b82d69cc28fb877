package cluster

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"sluice/cluster/internal/kzk"
	"sluice/cluster/internal/metastore"
	"sluice/cluster/internal/zkdata"
	"sluice/cluster/internal/znode"
	"sluice/engine"
)

// importSingleNode lets a single-node broker grow into a cluster: when its
// first log dir holds embedded metadata (__sluice_metadata.json) and the
// ZooKeeper it joins was empty (this broker just wrote /cluster/id), its
// topics are written to ZooKeeper as Kafka writes them — the same topic
// ids, replicas [this broker], config overrides, and partition states led
// by this broker at a leader epoch above any in its logs (so the leader
// epoch only grows) — with its dynamic broker configs, and producer-id
// blocks are claimed past the ones it handed out. The file is then
// renamed to __sluice_metadata.json.imported. The controller takes it
// from there.
func (z *zkState) importSingleNode(ctx context.Context) error {
	n := z.n
	st, err := metastore.Load(n.fs, n.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%w: %v", ErrCorruptMetadata, err)
	}
	if st.ClusterID != z.clusterID {
		return errorf(ErrInconsistentClusterID, "The Cluster ID %s doesn't match the single-node metadata's %s in %s",
			z.clusterID, st.ClusterID, metastore.FileName)
	}
	self := n.cfg.NodeID
	for _, mt := range st.Topics {
		a := zkdata.TopicAssignment{TopicID: mt.ID, Partitions: map[int32]zkdata.ReplicaAssignment{}}
		for _, mp := range mt.Partitions {
			a.Partitions[mp.Partition] = zkdata.ReplicaAssignment{Replicas: []int32{self}}
		}
		if err := z.store.CreateTopic(ctx, mt.Name, a, mt.Configs); err != nil && !errors.Is(err, kzk.ErrTopicExists) {
			return fmt.Errorf("cluster: import topic %s: %w", mt.Name, err)
		}
		var ops []znode.Op
		ops = append(ops, znode.CreateOp{Path: zkdata.TopicPartitionsPath(mt.Name)})
		for _, mp := range mt.Partitions {
			tp := zkdata.TopicPartition{Topic: mt.Name, Partition: mp.Partition}
			epoch := mp.LeaderEpoch
			if l, ok := n.eng.Log(engine.TopicPartition{Topic: mt.Name, Partition: mp.Partition}); ok {
				epoch = max(epoch, l.LatestEpoch())
			}
			state := zkdata.PartitionState{Leader: self, LeaderEpoch: epoch + 1, ISR: []int32{self}}
			ops = append(ops, znode.CreateOp{Path: zkdata.TopicPartitionPath(tp)},
				znode.CreateOp{Path: zkdata.PartitionStatePath(tp), Data: zkdata.EncodePartitionState(state)})
		}
		for _, op := range ops { // one by one: a partition the controller created meanwhile is fine
			if _, err := z.tree.Multi(ctx, op); err != nil && !errors.Is(err, znode.ErrNodeExists) {
				return fmt.Errorf("cluster: import topic %s: %w", mt.Name, err)
			}
		}
	}
	for key, m := range st.BrokerConfigs {
		if len(m) == 0 {
			continue
		}
		entity := key
		if entity == "" {
			entity = zkdata.DefaultEntity
		}
		if _, err := z.store.SetBrokerConfig(ctx, entity, m); err != nil {
			return fmt.Errorf("cluster: import broker config %s: %w", entity, err)
		}
	}
	for claimed := int64(0); claimed < st.ProducerIDBlockEnd; {
		b, err := z.store.ClaimProducerIDBlock(ctx, self)
		if err != nil {
			return fmt.Errorf("cluster: import producer ids: %w", err)
		}
		claimed = b.Last + 1
	}
	old := filepath.Join(n.dir, metastore.FileName)
	if err := n.fs.Rename(old, old+".imported"); err != nil {
		return fmt.Errorf("cluster: import: %w", err)
	}
	z.server.Info("imported the single-node metadata into ZooKeeper", "topics", len(st.Topics), "cluster_id", z.clusterID,
		"file", old+".imported")
	return nil
}
