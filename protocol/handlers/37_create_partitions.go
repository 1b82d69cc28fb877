package handlers

// CreatePartitions v0-3 (key 37): grows a topic to count partitions
// (cluster.Node.CreatePartitions), optionally with the replicas of each
// new partition, validate_only supported. As Kafka: a topic named twice
// answers INVALID_REQUEST "Duplicate topic in request."; an unknown topic
// UNKNOWN_TOPIC_OR_PARTITION; a count not above the current one
// INVALID_PARTITIONS ("Topic currently has 3 partitions, which is higher
// than the requested 2." / "Topic already has 3 partitions."); a bad
// assignment INVALID_REPLICA_ASSIGNMENT. A timeout <= 0 adds the
// partitions and answers REQUEST_TIMED_OUT (see admin.go). Success has a
// null error_message.
//
// Differences from Kafka: __consumer_offsets cannot grow (Kafka refuses it
// only in its kafka-topics tool).

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/protocol/kerr"
)

func handleCreatePartitions(env *Env, c *Call) Reply {
	req := c.Req.(*kmsg.CreatePartitionsRequest)
	resp := c.NewResponse().(*kmsg.CreatePartitionsResponse)
	seen := make(map[string]int, len(req.Topics))
	for _, t := range req.Topics {
		seen[t.Topic]++
	}
	resp.Topics = make([]kmsg.CreatePartitionsResponseTopic, 0, len(req.Topics))
	for _, t := range req.Topics {
		rt := kmsg.NewCreatePartitionsResponseTopic()
		rt.Topic = t.Topic
		var err error
		if seen[t.Topic] > 1 {
			err = adminErrorf(kerr.InvalidRequest, "Duplicate topic in request.")
		} else {
			var assignment [][]int32
			if t.Assignment != nil {
				assignment = make([][]int32, len(t.Assignment))
				for i, a := range t.Assignment {
					assignment[i] = a.Replicas
				}
			}
			err = env.Node.CreatePartitions(t.Topic, t.Count, assignment, req.ValidateOnly)
			if err == nil && adminTimedOut(req.TimeoutMillis, req.ValidateOnly) {
				err = kerr.RequestTimedOut
			}
		}
		rt.ErrorCode, rt.ErrorMessage = errCodeMessage(err)
		resp.Topics = append(resp.Topics, rt)
	}
	return Reply{Resp: resp}
}
