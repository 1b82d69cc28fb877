package handlers

// ListOffsets v1-8 (key 2). Timestamps: -2 earliest (log start), -1 latest
// (high watermark; with read_committed the last stable offset, which is
// the high watermark since Sluice has no transactions), -3 max timestamp
// (v7+), -4 earliest local (v8+, the log start: no tiered storage), and
// any timestamp >= 0: the first offset whose timestamp is at least it
// (-1/-1 when none). current_leader_epoch (v4+) is checked like Fetch.
//
// A replica (replica_id >= 0: a follower looking up its leader's offsets)
// is answered by the leader only, without isolation (Kafka's
// fetchOnlyFromLeader with no isolation level): latest is the log end
// offset, not the high watermark, and a timestamp lookup may find offsets
// past the high watermark. Earliest is as for clients.
//
// Differences from Kafka: the leader epoch returned for earliest is -1
// (unknown) rather than looked up in the epoch cache; the debugging
// replica id (-2) is answered as a client (Kafka lets it read any
// replica, not just the leader).

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/cluster"
	"sluice/engine"
	"sluice/protocol/kerr"
)

func handleListOffsets(env *Env, c *Call) Reply {
	req := c.Req.(*kmsg.ListOffsetsRequest)
	resp := c.NewResponse().(*kmsg.ListOffsetsResponse)
	resp.Topics = make([]kmsg.ListOffsetsResponseTopic, len(req.Topics))
	for i := range req.Topics {
		rt := &req.Topics[i]
		st := &resp.Topics[i]
		st.Topic = rt.Topic
		st.Partitions = make([]kmsg.ListOffsetsResponseTopicPartition, len(rt.Partitions))
		for j := range rt.Partitions {
			rp := &rt.Partitions[j]
			sp := &st.Partitions[j]
			*sp = kmsg.NewListOffsetsResponseTopicPartition()
			sp.Partition = rp.Partition
			sp.Timestamp, sp.Offset, sp.LeaderEpoch = -1, -1, -1
			if err := listOffset(env, c, req.ReplicaID >= 0, rt.Topic, rp, sp); err != nil {
				sp.ErrorCode = kerr.Code(err)
			}
		}
	}
	return Reply{Resp: resp}
}

// listOffset answers one partition; a replica's lookups are bounded by
// the log end offset, a client's by the high watermark. -3 (max
// timestamp) needs v7+, -4 (earliest local) v8+.
func listOffset(env *Env, c *Call, replica bool, topic string, rp *kmsg.ListOffsetsRequestTopicPartition, sp *kmsg.ListOffsetsResponseTopicPartition) error {
	switch ts := rp.Timestamp; {
	case ts < -4, ts == -3 && c.Version < 7, ts == -4 && c.Version < 8:
		return kerr.InvalidRequest
	}
	ot, ok, err := env.Node.ListOffset(engine.TopicPartition{Topic: topic, Partition: rp.Partition},
		cluster.OffsetQuery{Timestamp: rp.Timestamp, CurrentLeaderEpoch: rp.CurrentLeaderEpoch, Replica: replica})
	if err != nil {
		return err
	}
	if ok {
		sp.Offset, sp.Timestamp, sp.LeaderEpoch = ot.Offset, ot.Timestamp, ot.LeaderEpoch
	}
	return nil
}
