package handlers

// OffsetCommit v0-9 (key 8): committed offsets, stored in __consumer_offsets
// by the group coordinator (protocol/internal/group) and answered once the
// commit is durable. As Kafka, partitions of topics (or partition numbers)
// that do not exist answer UNKNOWN_TOPIC_OR_PARTITION here and are not
// passed on.

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/protocol/kerr"
)

func handleOffsetCommit(env *Env, c *Call) Reply {
	req := c.Req.(*kmsg.OffsetCommitRequest)
	var unknown []kmsg.OffsetCommitResponseTopic
	kept := make([]kmsg.OffsetCommitRequestTopic, 0, len(req.Topics))
	for _, t := range req.Topics {
		info, exists := env.Node.Topic(t.Topic)
		good := t
		good.Partitions = nil
		bad := kmsg.NewOffsetCommitResponseTopic()
		bad.Topic = t.Topic
		for _, p := range t.Partitions {
			if exists && p.Partition >= 0 && int(p.Partition) < len(info.Partitions) {
				good.Partitions = append(good.Partitions, p)
				continue
			}
			rp := kmsg.NewOffsetCommitResponseTopicPartition()
			rp.Partition, rp.ErrorCode = p.Partition, kerr.UnknownTopicOrPartition.Code
			bad.Partitions = append(bad.Partitions, rp)
		}
		if len(good.Partitions) > 0 {
			kept = append(kept, good)
		}
		if len(bad.Partitions) > 0 {
			unknown = append(unknown, bad)
		}
	}
	if len(unknown) == 0 {
		return route(env, c)
	}
	if len(kept) == 0 {
		resp := c.NewResponse().(*kmsg.OffsetCommitResponse)
		resp.Topics = unknown
		return Reply{Resp: resp}
	}
	req.Topics = kept
	r := route(env, c)
	if r.Park != nil {
		resume := r.Park.Resume
		r.Park.Resume = func(timedOut bool) Reply {
			rr := resume(timedOut)
			if resp, ok := rr.Resp.(*kmsg.OffsetCommitResponse); ok {
				mergeCommitTopics(resp, unknown)
			}
			return rr
		}
	}
	return r
}

// mergeCommitTopics adds extra's partitions to resp, under the topic's
// existing entry when there is one (one entry per topic, as Kafka).
func mergeCommitTopics(resp *kmsg.OffsetCommitResponse, extra []kmsg.OffsetCommitResponseTopic) {
	for _, e := range extra {
		merged := false
		for i := range resp.Topics {
			if resp.Topics[i].Topic == e.Topic {
				resp.Topics[i].Partitions = append(resp.Topics[i].Partitions, e.Partitions...)
				merged = true
				break
			}
		}
		if !merged {
			resp.Topics = append(resp.Topics, e)
		}
	}
}
