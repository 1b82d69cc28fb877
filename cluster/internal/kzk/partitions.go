package kzk

import (
	"context"
	"errors"

	"sluice/cluster/internal/zkdata"
	"sluice/cluster/internal/znode"
)

// PartitionState is a partition's leader and ISR as read, with the
// version of its state znode (the partition epoch: every write of the
// state is conditional on it).
type PartitionState struct {
	zkdata.PartitionState
	ZkVersion int32
}

// WriteResult is the outcome of one partition's state write.
type WriteResult struct {
	// ZkVersion is the state znode's version after the write.
	ZkVersion int32
	// Err is nil, znode.ErrBadVersion (someone else wrote the state
	// since it was read: re-read and decide again), znode.ErrNoNode (no
	// such partition), znode.ErrNodeExists (creating a state that
	// exists) or another error.
	Err error
}

// StateUpdate is a conditional write of a partition's state.
type StateUpdate struct {
	State zkdata.PartitionState
	// ExpectedZkVersion is the version the state was read at.
	ExpectedZkVersion int32
}

// PartitionStates reads partition states (pipelined). Partitions without
// a state znode are left out; malformed ones are left out and reported in
// the error (errors.Is zkdata.ErrMalformed), the others still returned.
func (s *Store) PartitionStates(ctx context.Context, tps []zkdata.TopicPartition) (map[zkdata.TopicPartition]PartitionState, error) {
	got := make([]*PartitionState, len(tps))
	bad := make([]error, len(tps))
	err := parallel(ctx, len(tps), func(ctx context.Context, i int) error {
		d, st, ok, err := s.getOpt(ctx, zkdata.PartitionStatePath(tps[i]))
		if err != nil || !ok {
			return err
		}
		ps, err := zkdata.DecodePartitionState(tps[i], d)
		if err != nil {
			bad[i] = err
			return nil
		}
		got[i] = &PartitionState{PartitionState: ps, ZkVersion: st.Version}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make(map[zkdata.TopicPartition]PartitionState, len(tps))
	for i, ps := range got {
		if ps != nil {
			out[tps[i]] = *ps
		}
	}
	return out, errors.Join(bad...)
}

// PartitionsOf lists a topic's partitions that have znodes (children of
// /brokers/topics/<topic>/partitions).
func (s *Store) PartitionsOf(ctx context.Context, topic string) ([]int32, error) {
	kids, err := s.children(ctx, zkdata.TopicPartitionsPath(topic))
	return brokerIDs(kids), err
}

// CreatePartitionStates creates the state znodes of new partitions (and
// their parents .../partitions and .../partitions/<p>, as Kafka's
// createTopicPartitionStatesRaw), as controller writes. Per partition:
// nil, znode.ErrNodeExists (the state exists) or another error. The
// returned error is ErrControllerMoved or ctx's.
func (s *Store) CreatePartitionStates(ctx context.Context, f Fence, states map[zkdata.TopicPartition]zkdata.PartitionState) (map[zkdata.TopicPartition]WriteResult, error) {
	tps := sortedTPs(states)
	// Parents first; existing ones are fine.
	var parents []znode.Op
	seen := map[string]bool{}
	for _, tp := range tps {
		if p := zkdata.TopicPartitionsPath(tp.Topic); !seen[p] {
			seen[p] = true
			parents = append(parents, znode.CreateOp{Path: p})
		}
	}
	for _, tp := range tps {
		parents = append(parents, znode.CreateOp{Path: zkdata.TopicPartitionPath(tp)})
	}
	if _, err := s.WriteFenced(ctx, f, parents); err != nil {
		return nil, err
	}
	ops := make([]znode.Op, len(tps))
	for i, tp := range tps {
		ops[i] = znode.CreateOp{Path: zkdata.PartitionStatePath(tp), Data: zkdata.EncodePartitionState(states[tp])}
	}
	rs, err := s.WriteFenced(ctx, f, ops)
	if err != nil {
		return nil, err
	}
	out := make(map[zkdata.TopicPartition]WriteResult, len(tps))
	for i, tp := range tps {
		out[tp] = WriteResult{Err: rs[i].Err} // a created znode is at version 0
	}
	return out, nil
}

// UpdatePartitionStates writes partition states, each conditional on the
// version it was read at, as controller writes (Kafka's
// updateLeaderAndIsr). Per partition: the new version, or
// znode.ErrBadVersion / znode.ErrNoNode / another error. The returned
// error is ErrControllerMoved (nothing more is written; results of what
// was not attempted say znode.ErrNotApplied) or ctx's.
func (s *Store) UpdatePartitionStates(ctx context.Context, f Fence, updates map[zkdata.TopicPartition]StateUpdate) (map[zkdata.TopicPartition]WriteResult, error) {
	tps := sortedTPs(updates)
	ops := make([]znode.Op, len(tps))
	for i, tp := range tps {
		u := updates[tp]
		ops[i] = znode.SetOp{Path: zkdata.PartitionStatePath(tp), Data: zkdata.EncodePartitionState(u.State), Version: u.ExpectedZkVersion}
	}
	rs, err := s.WriteFenced(ctx, f, ops)
	out := make(map[zkdata.TopicPartition]WriteResult, len(tps))
	for i, tp := range tps {
		out[tp] = WriteResult{ZkVersion: rs[i].Stat.Version, Err: rs[i].Err}
	}
	return out, err
}
