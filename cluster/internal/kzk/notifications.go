package kzk

import (
	"context"
	"errors"
	"sort"

	"sluice/cluster/internal/zkdata"
	"sluice/cluster/internal/znode"
)

// Sequential notification znodes: brokers create them, the controller
// watches their parent, reads them and deletes them (fenced).

// notifications lists the sequence numbers under parent with prefix.
func (s *Store) notifications(ctx context.Context, parent, prefix string, watch bool) ([]int64, <-chan znode.Event, error) {
	var kids []string
	var ch <-chan znode.Event
	var err error
	if watch {
		kids, ch, err = s.childrenW(ctx, parent)
	} else {
		kids, err = s.children(ctx, parent)
	}
	if err != nil {
		return nil, nil, err
	}
	var seqs []int64
	for _, k := range kids {
		if n, err := zkdata.SequenceNumber(k, prefix); err == nil {
			seqs = append(seqs, n)
		}
	}
	sort.Slice(seqs, func(i, j int) bool { return seqs[i] < seqs[j] })
	return seqs, ch, nil
}

func (s *Store) createNotification(ctx context.Context, parent, createPath, prefix string, data []byte) (int64, error) {
	if err := s.createRecursive(ctx, parent, nil, false); err != nil {
		return 0, err
	}
	var p string
	err := s.retry(ctx, func() (err error) {
		p, err = s.tree.Create(ctx, createPath, data, znode.PersistentSequential)
		return err
	})
	if err != nil {
		return 0, err
	}
	return zkdata.SequenceNumber(p, prefix)
}

func (s *Store) deleteNotifications(ctx context.Context, f Fence, parent, prefix string, seqs []int64) error {
	ops := make([]znode.Op, len(seqs))
	for i, n := range seqs {
		ops[i] = znode.DeleteOp{Path: parent + "/" + zkdata.SequenceName(prefix, n), Version: znode.AnyVersion}
	}
	rs, err := s.WriteFenced(ctx, f, ops)
	if err != nil {
		return err
	}
	return firstError(ops, rs, znode.ErrNoNode)
}

// CreateIsrChangeNotification writes an ISR change notification (Kafka
// brokers before IBP 2.7; later ones use AlterPartition) and returns its
// sequence number.
func (s *Store) CreateIsrChangeNotification(ctx context.Context, tps []zkdata.TopicPartition) (int64, error) {
	return s.createNotification(ctx, zkdata.IsrChangeNotificationPath, zkdata.IsrChangeCreatePath, zkdata.IsrChangePrefix, zkdata.EncodeIsrChange(tps))
}

// IsrChangeNotificationsW lists the ISR change notifications and watches
// for more.
func (s *Store) IsrChangeNotificationsW(ctx context.Context) ([]int64, <-chan znode.Event, error) {
	return s.notifications(ctx, zkdata.IsrChangeNotificationPath, zkdata.IsrChangePrefix, true)
}

// IsrChangePartitions reads the partitions of ISR change notifications
// (absent ones skipped; malformed ones skipped and reported in the error).
func (s *Store) IsrChangePartitions(ctx context.Context, seqs []int64) ([]zkdata.TopicPartition, error) {
	var out []zkdata.TopicPartition
	var bad []error
	for _, n := range seqs {
		path := zkdata.IsrChangeNotificationPath + "/" + zkdata.SequenceName(zkdata.IsrChangePrefix, n)
		d, _, ok, err := s.getOpt(ctx, path)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		tps, err := zkdata.DecodeIsrChange(path, d)
		if err != nil {
			bad = append(bad, err)
			continue
		}
		out = append(out, tps...)
	}
	return out, errors.Join(bad...)
}

// DeleteIsrChangeNotifications deletes processed notifications (a
// controller write).
func (s *Store) DeleteIsrChangeNotifications(ctx context.Context, f Fence, seqs []int64) error {
	return s.deleteNotifications(ctx, f, zkdata.IsrChangeNotificationPath, zkdata.IsrChangePrefix, seqs)
}

// CreateLogDirEvent writes a log dir failure notification for broker.
func (s *Store) CreateLogDirEvent(ctx context.Context, broker int32) (int64, error) {
	return s.createNotification(ctx, zkdata.LogDirEventNotificationPath, zkdata.LogDirEventCreatePath, zkdata.LogDirEventPrefix, zkdata.EncodeLogDirEvent(broker))
}

// LogDirEventsW lists the log dir event notifications and watches for
// more.
func (s *Store) LogDirEventsW(ctx context.Context) ([]int64, <-chan znode.Event, error) {
	return s.notifications(ctx, zkdata.LogDirEventNotificationPath, zkdata.LogDirEventPrefix, true)
}

// LogDirEventBrokers reads the brokers of log dir event notifications.
func (s *Store) LogDirEventBrokers(ctx context.Context, seqs []int64) ([]int32, error) {
	var out []int32
	var bad []error
	for _, n := range seqs {
		path := zkdata.LogDirEventNotificationPath + "/" + zkdata.SequenceName(zkdata.LogDirEventPrefix, n)
		d, _, ok, err := s.getOpt(ctx, path)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		b, err := zkdata.DecodeLogDirEvent(path, d)
		if err != nil {
			bad = append(bad, err)
			continue
		}
		out = append(out, b)
	}
	return out, errors.Join(bad...)
}

// DeleteLogDirEvents deletes processed log dir events (a controller
// write).
func (s *Store) DeleteLogDirEvents(ctx context.Context, f Fence, seqs []int64) error {
	return s.deleteNotifications(ctx, f, zkdata.LogDirEventNotificationPath, zkdata.LogDirEventPrefix, seqs)
}

// PartitionReassignment reads /admin/reassign_partitions (ok false if
// absent), the reassignment asked for by tools through ZooKeeper.
func (s *Store) PartitionReassignment(ctx context.Context) (map[zkdata.TopicPartition][]int32, bool, error) {
	d, _, ok, err := s.getOpt(ctx, zkdata.ReassignPartitionsPath)
	if err != nil || !ok {
		return nil, false, err
	}
	r, err := zkdata.DecodeReassignment(d)
	return r, err == nil, err
}

// DeletePartitionReassignment deletes /admin/reassign_partitions (a
// controller write; absent is fine).
func (s *Store) DeletePartitionReassignment(ctx context.Context, f Fence) error {
	_, err := s.FencedMulti(ctx, f, znode.DeleteOp{Path: zkdata.ReassignPartitionsPath, Version: znode.AnyVersion})
	if errors.Is(err, znode.ErrNoNode) {
		return nil
	}
	return err
}

// PreferredReplicaElection reads /admin/preferred_replica_election (ok
// false if absent).
func (s *Store) PreferredReplicaElection(ctx context.Context) ([]zkdata.TopicPartition, bool, error) {
	d, _, ok, err := s.getOpt(ctx, zkdata.PreferredReplicaElectPath)
	if err != nil || !ok {
		return nil, false, err
	}
	tps, err := zkdata.DecodePreferredReplicaElection(d)
	return tps, err == nil, err
}

// DeletePreferredReplicaElection deletes /admin/preferred_replica_election
// (a controller write; absent is fine).
func (s *Store) DeletePreferredReplicaElection(ctx context.Context, f Fence) error {
	_, err := s.FencedMulti(ctx, f, znode.DeleteOp{Path: zkdata.PreferredReplicaElectPath, Version: znode.AnyVersion})
	if errors.Is(err, znode.ErrNoNode) {
		return nil
	}
	return err
}
