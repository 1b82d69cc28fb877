package handlers

// DeleteRecords v0-2 (key 21): moves a partition's log start offset
// forward to the requested offset (-1 means the high watermark) and
// deletes the segments wholly below it (engine.Log.DeleteRecordsBefore).
// As Kafka's Partition.deleteRecordsOnLeader: a topic whose cleanup.policy
// lacks "delete" answers POLICY_VIOLATION, an offset below 0 (other than
// -1) or beyond the high watermark OFFSET_OUT_OF_RANGE, an offline log dir
// KAFKA_STORAGE_ERROR; an offset below the current log start changes
// nothing. The answer carries the low watermark (the log start offset, a
// single replica's) or -1 on error. There is no follower to wait for, so
// the timeout is not used.

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/engine"
	"sluice/protocol/kerr"
)

func handleDeleteRecords(env *Env, c *Call) Reply {
	req := c.Req.(*kmsg.DeleteRecordsRequest)
	resp := c.NewResponse().(*kmsg.DeleteRecordsResponse)
	resp.Topics = make([]kmsg.DeleteRecordsResponseTopic, 0, len(req.Topics))
	for _, t := range req.Topics {
		rt := kmsg.NewDeleteRecordsResponseTopic()
		rt.Topic = t.Topic
		rt.Partitions = make([]kmsg.DeleteRecordsResponseTopicPartition, 0, len(t.Partitions))
		for _, p := range t.Partitions {
			rp := kmsg.NewDeleteRecordsResponseTopicPartition()
			rp.Partition = p.Partition
			low, err := env.Node.DeleteRecordsBefore(engine.TopicPartition{Topic: t.Topic, Partition: p.Partition}, p.Offset)
			if err != nil {
				rp.ErrorCode, rp.LowWatermark = kerr.Code(err), -1
			} else {
				rp.LowWatermark = low
			}
			rt.Partitions = append(rt.Partitions, rp)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	return Reply{Resp: resp}
}
