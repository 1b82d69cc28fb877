package handlers

// OffsetForLeaderEpoch v2-4 (key 23). For each partition: the largest
// leader epoch <= the requested one and its end offset (the start offset
// of the next epoch, or the log end for the latest), from the leader-epoch
// cache; -1/-1 when the epoch is unknown. current_leader_epoch is checked
// (FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH). Consumers use it to detect
// log truncation after a leader change.

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/engine"
	"sluice/protocol/kerr"
)

func handleOffsetForLeaderEpoch(env *Env, c *Call) Reply {
	req := c.Req.(*kmsg.OffsetForLeaderEpochRequest)
	resp := c.NewResponse().(*kmsg.OffsetForLeaderEpochResponse)
	resp.Topics = make([]kmsg.OffsetForLeaderEpochResponseTopic, len(req.Topics))
	for i := range req.Topics {
		rt := &req.Topics[i]
		st := &resp.Topics[i]
		st.Topic = rt.Topic
		st.Partitions = make([]kmsg.OffsetForLeaderEpochResponseTopicPartition, len(rt.Partitions))
		for j := range rt.Partitions {
			rp := &rt.Partitions[j]
			sp := &st.Partitions[j]
			*sp = kmsg.NewOffsetForLeaderEpochResponseTopicPartition()
			sp.Partition = rp.Partition
			sp.LeaderEpoch, sp.EndOffset = -1, -1
			epoch, end, err := env.Node.EndOffsetForEpoch(engine.TopicPartition{Topic: rt.Topic, Partition: rp.Partition},
				rp.CurrentLeaderEpoch, rp.LeaderEpoch)
			if err != nil {
				sp.ErrorCode = kerr.Code(err)
				continue
			}
			sp.LeaderEpoch, sp.EndOffset = epoch, end
		}
	}
	return Reply{Resp: resp}
}
