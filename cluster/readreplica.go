package cluster

import (
	"fmt"
	"time"

	rsm "sluice/cluster/internal/replica"
	"sluice/engine"
)

// Fetching from the closest replica (KIP-392), as Kafka 3.9:
//
//   - A consumer's Fetch v11+ carries its rack (client.rack). The leader,
//     when replica.selector.class is RackAwareReplicaSelector and it is
//     not itself in that rack, names an in-sync follower of the rack whose
//     log holds the fetch offset as the partition's preferred read replica
//     and sends no records (PreferredReadReplica).
//   - A follower serves a consumer's Fetch v11+ from its own log, up to its
//     high watermark (Kafka's fetchOnlyLeader is false once client
//     metadata is present). Below v11, and for ListOffsets, only the
//     leader answers.

// ConsumerLog returns the local log a consumer's fetch of tp reads, with
// this replica's view of the partition (its leader epoch, for the
// CurrentLeaderEpoch check) and whether it leads. followerOK (Fetch v11+)
// accepts a follower's log; otherwise it is Log. Errors as Log's.
func (n *Node) ConsumerLog(tp engine.TopicPartition, followerOK bool) (*engine.Log, PartitionInfo, bool, error) {
	if !followerOK {
		l, info, err := n.Log(tp)
		return l, info, err == nil, err
	}
	r := n.cs.rm.replica(tp)
	if r != nil && r.isLeader.Load() {
		l, info, _, err := n.localLog(tp)
		return l, info, err == nil, err
	}
	var info PartitionInfo
	role := rsm.RoleNone
	if r != nil {
		info, role = r.infoRole()
	}
	if role != rsm.RoleFollower {
		l, info, _, err := n.localLog(tp) // the leader may have been made meanwhile
		return l, info, err == nil, err
	}
	if r.log.Offline() {
		return nil, PartitionInfo{}, false, fmt.Errorf("%w: log dir of %s-%d is offline", engine.ErrStorage, tp.Topic, tp.Partition)
	}
	return r.log, info, false, nil
}

// PreferredReadReplica is the replica a consumer in clientRack should
// fetch tp from at fetchOffset instead of this leader, or -1 (Kafka's
// ReplicaManager.findPreferredReadReplica with RackAwareReplicaSelector).
// It is -1 without replica.selector.class, without a client rack, when
// this broker does not lead tp, or when the selector picks the leader.
func (n *Node) PreferredReadReplica(tp engine.TopicPartition, clientRack string, fetchOffset int64) int32 {
	if n.cfg.ReplicaSelector != RackAwareReplicaSelector || clientRack == "" {
		return -1
	}
	r := n.cs.rm.replica(tp)
	if r == nil || !r.isLeader.Load() {
		return -1
	}
	r.mu.Lock()
	views, ok := r.mu.sm.ReadReplicas(fetchOffset)
	r.mu.Unlock()
	if !ok {
		return -1
	}
	snap := n.cs.cache.snap.Load()
	cands := make([]readCandidate, 0, len(views))
	for _, v := range views {
		// Replicas not live on the listener are left out (Kafka:
		// Node.noNode(), never returned).
		if b, ok := snap.brokerInfo(v.ID, n.cs.listener); ok {
			cands = append(cands, readCandidate{ReplicaView: v, rack: b.Rack})
		}
	}
	return selectRackAware(clientRack, n.cfg.Rack, cands, n.cs.rm.now())
}

// readCandidate is a follower the selector may choose, with its rack.
type readCandidate struct {
	rsm.ReplicaView
	rack string
}

// selectRackAware is Kafka's RackAwareReplicaSelector.select: the leader
// when it is in the client's rack or no candidate is; otherwise the
// candidate of the rack with the highest log end offset, then the most
// recently caught up (then the lowest id, so the choice is stable). -1
// stands for the leader.
func selectRackAware(clientRack, leaderRack string, cands []readCandidate, now time.Time) int32 {
	if clientRack == "" || leaderRack == clientRack {
		return -1
	}
	best := -1
	for i, c := range cands {
		if c.rack != clientRack {
			continue
		}
		if best < 0 || moreCaughtUp(c.ReplicaView, cands[best].ReplicaView, now) {
			best = i
		}
	}
	if best < 0 {
		return -1
	}
	return cands[best].ID
}

// moreCaughtUp orders as Kafka's ReplicaView.comparator (log end offset,
// then time since last caught up, shorter first), ties to the lower id.
func moreCaughtUp(a, b rsm.ReplicaView, now time.Time) bool {
	if a.LogEndOffset != b.LogEndOffset {
		return a.LogEndOffset > b.LogEndOffset
	}
	sa, sb := now.Sub(a.LastCaughtUp), now.Sub(b.LastCaughtUp)
	if sa != sb {
		return sa < sb
	}
	return a.ID < b.ID
}
