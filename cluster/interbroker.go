package cluster

import (
	"context"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/cluster/internal/controller"
	rsm "sluice/cluster/internal/replica"
	"sluice/engine"
)

// The inter-broker side of a Node in ZooKeeper mode: what the protocol
// layer hands over when another broker (or the controller) sends
// LeaderAndIsr, UpdateMetadata, StopReplica, ControlledShutdown,
// AlterPartition, or Fetch / ListOffsets as a replica. A single node has
// no other broker: its controller's requests go in-process, and those
// from the network are refused (peerless).

// Kafka error codes of the inter-broker answers.
const (
	codeNotController       int16 = 41
	codeRequestTimedOut     int16 = 7
	codeNotLeaderOrFollower int16 = 6
)

// peerless reports that this broker has no peers: a single node, whose
// metadata store is its own file. Its only controller is itself, which
// reaches it in-process, so a controller request arriving over the
// network is a stranger's and is refused (STALE_CONTROLLER_EPOCH), as
// one from a controller that lost office would be.
func (n *Node) peerless() bool { return !n.cfg.ZooKeeperMode() }

// LeaderAndIsr applies a controller's LeaderAndIsr (key 4).
func (n *Node) LeaderAndIsr(req *kmsg.LeaderAndISRRequest) *kmsg.LeaderAndISRResponse {
	if n.peerless() {
		resp := kmsg.NewPtrLeaderAndISRResponse()
		resp.ErrorCode = codeStaleControllerEpoch
		return resp
	}
	r := leaderAndIsrFromWire(req, n.cs.listener)
	code, errs := n.cs.applyLeaderAndIsr(req.ControllerID, r)
	resp := leaderAndIsrResponse(r, errs)
	resp.ErrorCode = code
	return resp
}

// UpdateMetadata applies a controller's UpdateMetadata (key 6).
func (n *Node) UpdateMetadata(req *kmsg.UpdateMetadataRequest) *kmsg.UpdateMetadataResponse {
	resp := kmsg.NewPtrUpdateMetadataResponse()
	if n.peerless() {
		resp.ErrorCode = codeStaleControllerEpoch
		return resp
	}
	resp.ErrorCode = n.cs.applyUpdateMetadata(req.ControllerID, updateMetadataFromWire(req))
	return resp
}

// StopReplica applies a controller's StopReplica (key 5).
func (n *Node) StopReplica(req *kmsg.StopReplicaRequest) *kmsg.StopReplicaResponse {
	if n.peerless() {
		resp := kmsg.NewPtrStopReplicaResponse()
		resp.ErrorCode = codeStaleControllerEpoch
		return resp
	}
	r := stopReplicaFromWire(req)
	code, errs := n.cs.applyStopReplica(req.ControllerID, r)
	resp := stopReplicaResponse(r, errs)
	resp.ErrorCode = code
	return resp
}

// ControlledShutdown asks this broker, as controller, to move leadership
// away from a broker that is stopping (key 7). The answer lists the
// partitions the broker still leads; NOT_CONTROLLER when this broker is
// not the controller.
func (n *Node) ControlledShutdown(ctx context.Context, req *kmsg.ControlledShutdownRequest) *kmsg.ControlledShutdownResponse {
	if n.peerless() { // its own goes in-process (controllerClient)
		resp := kmsg.NewPtrControlledShutdownResponse()
		resp.ErrorCode = codeStaleBrokerEpoch
		return resp
	}
	return n.controlledShutdown(ctx, req)
}

func (n *Node) controlledShutdown(ctx context.Context, req *kmsg.ControlledShutdownRequest) *kmsg.ControlledShutdownResponse {
	resp := kmsg.NewPtrControlledShutdownResponse()
	if n.cs.runner == nil {
		resp.ErrorCode = codeNotController
		return resp
	}
	out, err := n.cs.runner.request(ctx, func(id uint64) controller.Event {
		return controller.ControlledShutdown{ReqID: id, Broker: req.BrokerID, BrokerEpoch: req.BrokerEpoch}
	})
	if err != nil {
		resp.ErrorCode = requestErrCode(err)
		return resp
	}
	r := out.(*controller.ControlledShutdownResponse)
	resp.ErrorCode = r.Err
	for _, tp := range r.Remaining {
		p := kmsg.NewControlledShutdownResponsePartitionsRemaining()
		p.Topic, p.Partition = tp.Topic, tp.Partition
		resp.PartitionsRemaining = append(resp.PartitionsRemaining, p)
	}
	return resp
}

// AlterPartition takes a leader's ISR changes, as controller (key 56).
func (n *Node) AlterPartition(ctx context.Context, req *kmsg.AlterPartitionRequest) *kmsg.AlterPartitionResponse {
	if n.peerless() { // its own goes in-process (controllerClient)
		resp := kmsg.NewPtrAlterPartitionResponse()
		resp.ErrorCode = codeStaleBrokerEpoch
		return resp
	}
	return n.alterPartition(ctx, req)
}

func (n *Node) alterPartition(ctx context.Context, req *kmsg.AlterPartitionRequest) *kmsg.AlterPartitionResponse {
	resp := kmsg.NewPtrAlterPartitionResponse()
	if n.cs.runner == nil {
		resp.ErrorCode = codeNotController
		return resp
	}
	ev := controller.AlterPartition{Broker: req.BrokerID, BrokerEpoch: req.BrokerEpoch}
	ids := map[string][16]byte{} // the request's topic ids, for the answer
	for _, t := range req.Topics {
		name := t.Topic
		if name == "" {
			if ti, ok := n.cs.cache.snap.Load().byID[t.TopicID]; ok {
				name = ti.name
			}
		}
		ids[name] = t.TopicID
		for _, p := range t.Partitions {
			isr := p.NewISR
			if len(p.NewEpochISR) > 0 {
				isr = isr[:0:0]
				for _, e := range p.NewEpochISR {
					isr = append(isr, e.BrokerID)
				}
			}
			ev.Partitions = append(ev.Partitions, controller.AlterItem{TP: controller.TP{Topic: name, Partition: p.Partition},
				LeaderEpoch: p.LeaderEpoch, PartitionEpoch: p.PartitionEpoch, NewISR: isr})
		}
	}
	out, err := n.cs.runner.request(ctx, func(id uint64) controller.Event {
		ev.ReqID = id
		return ev
	})
	if err != nil {
		resp.ErrorCode = requestErrCode(err)
		return resp
	}
	r := out.(*controller.AlterPartitionResponse)
	resp.ErrorCode = r.Err
	idx := map[string]int{}
	for _, res := range r.Partitions {
		i := topicSlot(&resp.Topics, idx, res.TP.Topic, func() kmsg.AlterPartitionResponseTopic {
			t := kmsg.NewAlterPartitionResponseTopic()
			t.Topic, t.TopidID = res.TP.Topic, ids[res.TP.Topic]
			return t
		})
		p := kmsg.NewAlterPartitionResponseTopicPartition()
		p.Partition, p.ErrorCode = res.TP.Partition, res.Err
		p.LeaderID, p.LeaderEpoch, p.ISR, p.PartitionEpoch = res.State.Leader, res.State.LeaderEpoch, res.State.ISR, res.State.Version
		resp.Topics[i].Partitions = append(resp.Topics[i].Partitions, p)
	}
	return resp
}

// requestErrCode maps a failed controller request to its error code.
func requestErrCode(err error) int16 {
	if err == errNotController {
		return codeNotController
	}
	return codeRequestTimedOut
}

// EpochEndOffset is a leader epoch and the offset it ends at (-1, -1:
// none).
type EpochEndOffset struct {
	Epoch     int32
	EndOffset int64
}

// FollowerFetchRequest is one partition of a Fetch sent by a follower
// (replica id >= 0).
type FollowerFetchRequest struct {
	ReplicaID          int32
	CurrentLeaderEpoch int32 // -1: absent
	FetchOffset        int64
	LastFetchedEpoch   int32 // -1: absent
	LogStartOffset     int64
}

// FollowerRead is the leader's answer to one partition of a follower's
// fetch. With ErrorCode 0 and Diverging.Epoch < 0 the caller sends
// records of Log from the fetch offset up to the log end (followers read
// past the high watermark), with HighWatermark and LogStartOffset read
// again when it answers (both only grow). With Diverging set, no records.
type FollowerRead struct {
	log            *engine.Log
	replica        *Replica
	ErrorCode      int16
	Diverging      EpochEndOffset
	HighWatermark  int64
	LogStartOffset int64
	LogEndOffset   int64
	// Throttled: leader.replication.throttled.replicas names the partition
	// on this broker, so the bytes sent count against the leader throttle
	// (RecordLeaderThrottled). ThrottleOutOfSync: also the follower is out
	// of the ISR, so while the throttle is exceeded (LeaderThrottleExceeded)
	// the partition is answered without records (Kafka's
	// shouldLeaderThrottle).
	Throttled, ThrottleOutOfSync bool
}

// FollowerFetch records a follower's fetch position on the leader's
// replica of tp (Kafka's Partition.fetchRecords for a follower) and says
// what to answer.
func (n *Node) FollowerFetch(tp engine.TopicPartition, req FollowerFetchRequest) FollowerRead {
	var out FollowerRead
	out.Diverging.Epoch, out.Diverging.EndOffset = -1, -1
	r := n.cs.rm.replica(tp)
	if r == nil {
		out.ErrorCode = codeNotLeaderOrFollower
		if _, ok := n.cs.cache.snap.Load().topic(tp.Topic); !ok {
			out.ErrorCode = codeUnknownTopicOrPartition
		}
		return out
	}
	acts := r.step(rsm.FollowerFetch{Now: n.cs.rm.now(), ReplicaID: req.ReplicaID, CurrentLeaderEpoch: req.CurrentLeaderEpoch,
		FetchOffset: req.FetchOffset, LastFetchedEpoch: req.LastFetchedEpoch, LogStartOffset: req.LogStartOffset})
	out.ErrorCode = codeNotLeaderOrFollower
	for _, a := range acts {
		if fa, ok := a.(rsm.FetchAnswer); ok {
			out.ErrorCode = int16(fa.Err)
			out.HighWatermark, out.LogStartOffset, out.LogEndOffset = fa.HighWatermark, fa.LogStartOffset, fa.LogEndOffset
			out.Diverging.Epoch, out.Diverging.EndOffset = fa.Diverging.Epoch, fa.Diverging.EndOffset
		}
	}
	out.log, out.replica = r.log, r
	if r.throttles.leader.Load() {
		out.Throttled = true
		out.ThrottleOutOfSync = !slices.Contains(r.Info().ISR, req.ReplicaID)
	}
	return out
}

// Valid reports whether the fetch was recorded on a replica (ErrorCode 0
// always has one; anything else is a broken invariant).
func (fr *FollowerRead) Valid() bool { return fr.log != nil && fr.replica != nil }

// Wait is closed at the replica's next append (a parked follower fetch
// waits on it); take it before reading, so no append is missed.
func (fr *FollowerRead) Wait() <-chan struct{} { return fr.replica.WaitAppend() }

// Marks are the replica's high watermark and log start offset now.
func (fr *FollowerRead) Marks() (hw, logStart int64) {
	return fr.log.HighWatermark(), fr.log.LogStartOffset()
}

// Read reads the leader's log for the follower from offset, up to its log
// end (a follower fetches what is not committed yet), at most maxBytes
// unless minOne (then the first batch whole).
func (fr *FollowerRead) Read(offset, maxBytes int64, minOne bool) (*engine.ReadResult, error) {
	return fr.log.Read(offset, int32(min(max(maxBytes, 0), 1<<31-1)), engine.ReadOptions{MaxOffset: -1, MinOneBatch: minOne})
}

// StillLeads checks, at each attempt of a parked follower fetch, that
// this broker leads tp with the same replica as when the fetch was
// recorded, at the follower's current leader epoch (-1: not sent).
func (n *Node) StillLeads(tp engine.TopicPartition, clientEpoch int32, fr *FollowerRead) error {
	l, pi, err := n.Log(tp)
	if err == nil {
		err = CheckLeaderEpoch(clientEpoch, pi.LeaderEpoch)
	}
	if err == nil && l != fr.log {
		err = errorf(ErrNotLeader, "Leader not local for partition %s-%d on broker %d", tp.Topic, tp.Partition, n.cfg.NodeID)
	}
	return err
}

// ReplicaLog returns the local replica of tp whatever its role (a
// follower's ListOffsets to its leader, DescribeLogDirs); nil if this
// broker holds none.
func (n *Node) ReplicaLog(tp engine.TopicPartition) *engine.Log {
	if r := n.cs.rm.replica(tp); r != nil {
		return r.log
	}
	return nil
}

// appendTimeout is how long Append waits for acks=all: the request's
// deadline (the Produce timeout) if ctx has one, else 30 s.
func appendTimeout(ctx context.Context) time.Duration {
	if d, ok := ctx.Deadline(); ok {
		return max(time.Until(d), time.Millisecond)
	}
	return 30 * time.Second
}

// ReplicationStats sums the replication gauges over this broker's
// replicas.
func (n *Node) ReplicationStats() ReplicaStats {
	return n.cs.rm.stats()
}

// ControllerStats are the controller's gauges: Active on the broker in
// office.
type ControllerStats struct {
	Active                      bool
	Partitions, Offline         int
	PreferredImbalance          int
	Reassigning                 int
	Elections, UncleanElections uint64
	QueueSize                   int64
}

// ControllerStats reports the controller's gauges.
func (n *Node) ControllerStats() ControllerStats {
	if n.cs.runner == nil {
		return ControllerStats{}
	}
	st := n.cs.runner.stats.Load()
	return ControllerStats{Active: st.Active, Partitions: st.Partitions, Offline: st.Offline, PreferredImbalance: st.PreferredImbalance, Reassigning: st.Reassigning,
		Elections: st.Elections, UncleanElections: st.UncleanElections, QueueSize: n.cs.runner.queueSize()}
}
