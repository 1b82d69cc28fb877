package handlers

// DeleteRecords v0-2 (key 21): moves a partition's log start offset
// forward (offset -1 means the high watermark); beyond the high watermark
// answers OFFSET_OUT_OF_RANGE. The answer carries the new low watermark.

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/engine"
	"sluice/protocol/kerr"
)

func handleDeleteRecords(env *Env, c *Call) Reply {
	req := c.Req.(*kmsg.DeleteRecordsRequest)
	resp := c.NewResponse().(*kmsg.DeleteRecordsResponse)
	for _, t := range req.Topics {
		rt := kmsg.NewDeleteRecordsResponseTopic()
		rt.Topic = t.Topic
		for _, p := range t.Partitions {
			rp := kmsg.NewDeleteRecordsResponseTopicPartition()
			rp.Partition, rp.LowWatermark = p.Partition, -1
			l, _, err := env.Node.Log(engine.TopicPartition{Topic: t.Topic, Partition: p.Partition})
			if err == nil {
				off := p.Offset
				if off == -1 {
					off = l.HighWatermark()
				}
				switch {
				case off < 0 || off > l.HighWatermark():
					err = kerr.OffsetOutOfRange
				default:
					rp.LowWatermark, err = l.DeleteRecordsBefore(off)
				}
			}
			if err != nil {
				rp.ErrorCode, rp.LowWatermark = kerr.Code(err), -1
			}
			rt.Partitions = append(rt.Partitions, rp)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	return Reply{Resp: resp}
}
