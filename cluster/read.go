package cluster

import (
	"fmt"

	"sluice/engine"
)

// ConsumerFetch is one partition of a consumer's Fetch, as the handler
// asks the replica manager for it.
type ConsumerFetch struct {
	Offset int64
	// CurrentLeaderEpoch is the client's view of the leader epoch (-1:
	// not sent).
	CurrentLeaderEpoch int32
	// MaxBytes is what is left for this partition (its own limit within
	// what the request has left).
	MaxBytes int64
	// MinOneBatch: the first batch is returned whole even if larger than
	// MaxBytes (the response has no records yet).
	MinOneBatch bool
	// FollowerOK: Fetch v11+, which a follower may serve (KIP-392), and
	// which the leader may redirect to ClientRack's preferred replica.
	FollowerOK bool
	ClientRack string
	// Park: the caller may park the fetch, so Wake is wanted.
	Park bool
}

// ConsumerRead is the replica manager's answer for one partition of a
// consumer's Fetch (Kafka's LogReadResult).
type ConsumerRead struct {
	HW, LogStart int64 // -1 with Err
	// Records are the batches to send (nil: none now); the caller
	// releases them once sent.
	Records *engine.ReadResult
	// Wake (with Park) is closed when the high watermark next advances
	// (a parked fetch waits on it); taken before the read, so no advance
	// is missed.
	Wake <-chan struct{}
	// PreferredReplica >= 0 is where the client should fetch from
	// instead (no records then).
	PreferredReplica int32
	Err              error
}

// ReadForConsumer reads one partition for a consumer's Fetch: the
// replica (the leader, or a follower for FollowerOK) must match the
// client's leader epoch; a leader may name a closer replica instead
// (KIP-392); the offset must lie between the log start and the high
// watermark (a follower's log end, whose high watermark trails the
// leader's); records are read up to the high watermark. Errors wrap this
// package's and the engine's sentinels (NOT_LEADER_OR_FOLLOWER,
// FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH, OFFSET_OUT_OF_RANGE,
// KAFKA_STORAGE_ERROR, ...).
func (n *Node) ReadForConsumer(tp engine.TopicPartition, f ConsumerFetch) ConsumerRead {
	out := ConsumerRead{HW: -1, LogStart: -1, PreferredReplica: -1}
	l, pi, leader, err := n.ConsumerLog(tp, f.FollowerOK)
	if err == nil {
		err = CheckLeaderEpoch(f.CurrentLeaderEpoch, pi.LeaderEpoch)
	}
	if err != nil {
		out.Err = err
		return out
	}
	if f.Park {
		out.Wake = l.Wait()
	}
	hw, start := l.HighWatermark(), l.LogStartOffset()
	out.HW, out.LogStart = hw, start
	if leader && f.FollowerOK {
		if id := n.PreferredReadReplica(tp, f.ClientRack, f.Offset); id >= 0 {
			out.PreferredReplica = id // no records, as Kafka answers
			return out
		}
	}
	// Out of range is outside the log, as Kafka's LocalLog.read: an
	// offset between the high watermark and the log end has nothing to
	// read yet, but is no error. A consumer gets there when the high
	// watermark it read at one replica is ahead of another's: a
	// follower's trails the leader's, and a new leader learns the
	// committed offset only from its followers' next fetches. An error
	// would reset the consumer's position (auto.offset.reset).
	end := max(hw, l.LogEndOffset())
	if f.Offset < start || f.Offset > end {
		out.Err = fmt.Errorf("%w: fetch offset %d of %s-%d is outside [%d, %d]", engine.ErrOffsetOutOfRange,
			f.Offset, tp.Topic, tp.Partition, start, end)
		return out
	}
	if f.Offset >= hw || (f.MaxBytes <= 0 && !f.MinOneBatch) {
		return out
	}
	rr, err := l.Read(f.Offset, int32(min(max(f.MaxBytes, 0), 1<<31-1)), engine.ReadOptions{MaxOffset: hw, MinOneBatch: f.MinOneBatch})
	if err != nil {
		out.Err = err
		return out
	}
	out.Records = rr
	return out
}

// CheckLeaderEpoch compares a client's current leader epoch (-1: not
// sent) with the replica's: older is FENCED_LEADER_EPOCH, newer
// UNKNOWN_LEADER_EPOCH (KIP-320).
func CheckLeaderEpoch(client, current int32) error {
	switch {
	case client < 0 || client == current:
		return nil
	case client < current:
		return errorf(ErrFencedLeaderEpoch, "The leader epoch in the request is older than the epoch on the broker.")
	default:
		return errorf(ErrUnknownLeaderEpoch, "The leader epoch in the request is newer than the epoch on the broker.")
	}
}

// OffsetQuery is one partition of ListOffsets. Timestamp is -1 (latest:
// the high watermark, or the log end for a replica), -2 (earliest), -3
// (the record with the largest timestamp), -4 (earliest local: the log
// start, no tiered storage), or a timestamp (the first offset whose
// record's timestamp is at or after it). The handler refuses the special
// values the request's version does not know.
type OffsetQuery struct {
	Timestamp          int64
	CurrentLeaderEpoch int32 // -1: not sent
	// Replica: a replica's lookup, bounded by the log end offset (a
	// client's is bounded by the high watermark).
	Replica bool
}

// ListOffset answers one partition of ListOffsets on its leader; ok=false
// when nothing matches (a timestamp after every record's). Errors as
// Log's, FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH, INVALID_REQUEST for
// an unknown special timestamp.
func (n *Node) ListOffset(tp engine.TopicPartition, q OffsetQuery) (ot engine.OffsetAndTimestamp, ok bool, err error) {
	l, err := n.ledLog(tp, q.CurrentLeaderEpoch)
	if err != nil {
		return ot, false, err
	}
	lastFetchable := l.HighWatermark
	if q.Replica {
		lastFetchable = l.LogEndOffset
	}
	switch ts := q.Timestamp; {
	case ts == -2 || ts == -4:
		return engine.OffsetAndTimestamp{Offset: l.LogStartOffset(), Timestamp: -1, LeaderEpoch: -1}, true, nil
	case ts == -1:
		return engine.OffsetAndTimestamp{Offset: lastFetchable(), Timestamp: -1, LeaderEpoch: l.LatestEpoch()}, true, nil
	case ts == -3:
		ot, ok = l.MaxTimestamp()
		return ot, ok, nil
	case ts >= 0:
		if ot, ok = l.OffsetForTimestamp(ts); ok && ot.Offset < lastFetchable() {
			return ot, true, nil
		}
		return engine.OffsetAndTimestamp{}, false, nil
	default:
		return ot, false, errorf(ErrInvalidRequest, "Invalid timestamp %d", ts)
	}
}

// EndOffsetForEpoch answers OffsetForLeaderEpoch for one partition on its
// leader: the largest epoch <= epoch in its log and where it ends (KIP-101).
func (n *Node) EndOffsetForEpoch(tp engine.TopicPartition, currentLeaderEpoch, epoch int32) (int32, int64, error) {
	l, err := n.ledLog(tp, currentLeaderEpoch)
	if err != nil {
		return -1, -1, err
	}
	e, end := l.EndOffsetForEpoch(epoch)
	return e, end, nil
}

// DeleteRecordsBefore deletes the records of a led partition before
// offset (-1: the high watermark) and returns the new low watermark:
// POLICY_VIOLATION unless cleanup.policy includes delete,
// OFFSET_OUT_OF_RANGE for another negative offset or one past the HW.
func (n *Node) DeleteRecordsBefore(tp engine.TopicPartition, offset int64) (int64, error) {
	l, err := n.ledLog(tp, -1)
	if err != nil {
		return -1, err
	}
	if !l.Config().CleanupPolicy.Delete() {
		return -1, errorf(ErrPolicyViolation, "Records of partition %s-%d can not be deleted due to the configured policy", tp.Topic, tp.Partition)
	}
	if offset < 0 && offset != -1 {
		return -1, fmt.Errorf("%w: offset %d", engine.ErrOffsetOutOfRange, offset)
	}
	return l.DeleteRecordsBefore(offset)
}

// Producers lists the idempotent producers a led partition tracks
// (DescribeProducers).
func (n *Node) Producers(tp engine.TopicPartition) ([]engine.ProducerInfo, error) {
	l, err := n.ledLog(tp, -1)
	if err != nil {
		return nil, err
	}
	return l.Producers(), nil
}

// ledLog is the led replica's log, checked against the client's leader
// epoch (-1: not sent) and online.
func (n *Node) ledLog(tp engine.TopicPartition, currentLeaderEpoch int32) (*engine.Log, error) {
	l, pi, err := n.Log(tp)
	if err == nil {
		err = CheckLeaderEpoch(currentLeaderEpoch, pi.LeaderEpoch)
	}
	if err == nil && l.Offline() {
		err = fmt.Errorf("%w: log dir of %s-%d is offline", engine.ErrStorage, tp.Topic, tp.Partition)
	}
	return l, err
}
