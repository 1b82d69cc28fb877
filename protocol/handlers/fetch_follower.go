package handlers

// The follower side of Fetch (key 1): a Fetch whose replica id (v4-14
// replica_id, v15+ replica_state.replica_id) is >= 0 comes from another
// broker replicating partitions this broker leads. Kafka's
// ReplicaManager.fetchMessages with FetchIsolation.LOG_END:
//
//   - Each partition is handed once to cluster.Node.FollowerFetch, which
//     records the follower's position in the replication state machine
//     (ISR expansion, high watermark) and says what to answer: an error
//     (NOT_LEADER_OR_FOLLOWER, FENCED_LEADER_EPOCH, OFFSET_OUT_OF_RANGE,
//     ...), a diverging epoch (v12+, KIP-320: the follower truncates), or
//     records.
//   - Records are read from the fetch offset up to the log end offset, not
//     the high watermark, through the same file-range (sendfile) path as
//     consumer fetches; the high watermark and log start offset are read
//     again when the answer is built (both only grow).
//   - Nothing to send and min_bytes unmet parks the request on the
//     replicas' next appends (FollowerRead.Wait) until max_wait_ms; an
//     error or a diverging epoch answers at once.
//   - Every attempt, the first and each one resumed after a park, checks
//     that this broker still leads the partition with the same replica
//     and that the follower's current_leader_epoch still matches
//     (cluster.Node.StillLeads), so a follower is never answered by a
//     broker that stopped leading.
//   - Replication throttle (KIP-73, cluster/throttle.go): while the leader
//     throttle is exceeded, a throttled partition of an out-of-sync
//     follower is answered with no records (and counts for nothing toward
//     min_bytes, as in Kafka's DelayedFetch); the bytes of throttled
//     partitions are charged to the throttle when the answer is sent.
//
// Isolation level, fetch sessions and the zstd check for old versions do
// not apply (followers send session id 0 and read every batch as is).
// Differences from Kafka: the response is bounded by the follower's
// max_bytes (its replica.fetch.response.max.bytes) and partition_max_bytes
// only; Kafka also caps it with the leader's replica.fetch.response.max.bytes.

import (
	"sluice/cluster"
	"sluice/engine"
	"sluice/netio"
	"sluice/protocol/kerr"
)

// followerID is the replica id of a follower's fetch, or -1 for a
// consumer's.
func (f *fetchOp) followerID() int32 {
	if f.c.Version >= 15 {
		return f.req.ReplicaState.ID
	}
	return f.req.ReplicaID
}

// followerStart hands every partition to the node once (the follower's
// position is recorded here, not again on resume) and attempts the read.
func (f *fetchOp) followerStart(id int32) Reply {
	req, c, n := f.req, f.c, f.env.Node
	f.follower = make([][]cluster.FollowerRead, len(req.Topics))
	f.names = make([]string, len(req.Topics))
	for i := range req.Topics {
		rt := &req.Topics[i]
		f.names[i] = rt.Topic
		topicKnown := true
		if c.Version >= 13 {
			t, ok := n.TopicByID(rt.TopicID)
			f.names[i], topicKnown = t.Name, ok
		}
		f.follower[i] = make([]cluster.FollowerRead, len(rt.Partitions))
		for j := range rt.Partitions {
			rp := &rt.Partitions[j]
			fr := &f.follower[i][j]
			if !topicKnown {
				fr.ErrorCode = kerr.UnknownTopicID.Code
				continue
			}
			ffr := cluster.FollowerFetchRequest{ReplicaID: id, CurrentLeaderEpoch: -1, FetchOffset: rp.FetchOffset,
				LastFetchedEpoch: -1, LogStartOffset: -1}
			if c.Version >= 9 {
				ffr.CurrentLeaderEpoch = rp.CurrentLeaderEpoch
			}
			if c.Version >= 12 {
				ffr.LastFetchedEpoch = rp.LastFetchedEpoch
			}
			if c.Version >= 5 {
				ffr.LogStartOffset = rp.LogStartOffset
			}
			*fr = n.FollowerFetch(engine.TopicPartition{Topic: f.names[i], Partition: rp.Partition}, ffr)
			if fr.ErrorCode == 0 && !fr.Valid() { // a broken invariant of the node: answer as not the leader
				fr.ErrorCode = kerr.NotLeaderOrFollower.Code
			}
			if fr.Diverging.Epoch >= 0 && c.Version < 12 {
				// No field to carry it below v12 (the follower sent no
				// last_fetched_epoch, so the node should not find one).
				fr.ErrorCode = kerr.NotLeaderOrFollower.Code
			}
		}
	}
	return f.followerAttempt(false)
}

// followerAttempt builds the answer from the partitions' FollowerReads;
// with nothing to send and time left it parks (unless final).
func (f *fetchOp) followerAttempt(final bool) Reply {
	req, c, n := f.req, f.c, f.env.Node
	canPark := !final && req.MinBytes > 0 && f.env.Now().Before(f.deadline)
	var wake []<-chan struct{}
	a := fetchAnswer{version: c.Version, topics: make([]fetchTopic, len(req.Topics))}
	remaining := max(int64(req.MaxBytes), 0)
	var total int64
	answerNow := false
	minOne := true
	var throttledBytes int64
	exceeded := -1 // the leader throttle, asked once per attempt (-1: not yet)
	for i := range req.Topics {
		rt := &req.Topics[i]
		at := &a.topics[i]
		at.name, at.id = f.names[i], rt.TopicID
		at.parts = make([]fetchPart, len(rt.Partitions))
		for j := range rt.Partitions {
			rp := &rt.Partitions[j]
			fr := &f.follower[i][j]
			ap := &at.parts[j]
			*ap = fetchPart{partition: rp.Partition, hw: -1, lso: -1, logStart: -1, abortedNull: true}
			code := fr.ErrorCode
			if code == 0 {
				code = kerr.Code(n.StillLeads(engine.TopicPartition{Topic: f.names[i], Partition: rp.Partition}, rp.CurrentLeaderEpoch, fr))
			}
			if code != 0 {
				ap.errCode = code
				answerNow = true
				continue
			}
			if canPark {
				wake = append(wake, fr.Wait()) // before reading: no append is missed
			}
			if fr.Diverging.Epoch >= 0 {
				hw, start := fr.Marks()
				ap.hw, ap.lso, ap.logStart = hw, hw, start
				ap.diverging = &fr.Diverging
				answerNow = true
				continue
			}
			if fr.ThrottleOutOfSync {
				if exceeded < 0 {
					exceeded = 0
					if n.LeaderThrottleExceeded() {
						exceeded = 1
					}
				}
				if exceeded == 1 {
					hw, start := fr.Marks()
					ap.hw, ap.lso, ap.logStart = hw, hw, start
					continue
				}
			}
			limit := min(int64(rp.PartitionMaxBytes), remaining)
			var rr *engine.ReadResult
			if limit > 0 || minOne {
				var err error
				rr, err = fr.Read(rp.FetchOffset, limit, minOne)
				if err != nil {
					ap.errCode = kerr.Code(err)
					answerNow = true
					continue
				}
			}
			// Read after the records: both only grow, so the answer never
			// shows a high watermark older than the records sent.
			hw, start := fr.Marks()
			ap.hw, ap.lso, ap.logStart = hw, hw, start
			if rr == nil {
				continue
			}
			if size := rangesLen(rr); size > 0 {
				ap.rr = rr
				total += size
				remaining -= size
				minOne = false
				if fr.Throttled {
					throttledBytes += size
				}
			} else {
				rr.Release()
			}
		}
	}
	if canPark && !answerNow && len(wake) > 0 && total < int64(req.MinBytes) {
		a.release()
		return Reply{Park: &Park{Wake: wake, Deadline: f.deadline, Resume: func(timedOut bool) Reply {
			return f.followerAttempt(timedOut)
		}}}
	}
	// Not recorded: BytesOut and FetchWait (consumer traffic; Kafka keeps
	// replication apart, and idle followers' polls always run to max wait).
	n.RecordLeaderThrottled(throttledBytes)
	chunks, size := a.encode()
	netio.Prefetch(chunks)
	return Reply{Body: chunks, BodyLen: size, Done: a.release, Errors: a.errorCounts()}
}
