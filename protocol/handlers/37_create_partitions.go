package handlers

// CreatePartitions v0-3 (key 37): grows a topic to count partitions
// (never shrinks: INVALID_PARTITIONS), optionally with explicit
// assignments, validate_only supported. A topic named twice answers
// INVALID_REQUEST, as Kafka.

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/protocol/kerr"
)

func handleCreatePartitions(env *Env, c *Call) Reply {
	req := c.Req.(*kmsg.CreatePartitionsRequest)
	resp := c.NewResponse().(*kmsg.CreatePartitionsResponse)
	seen := map[string]int{}
	for _, t := range req.Topics {
		seen[t.Topic]++
	}
	for _, t := range req.Topics {
		rt := kmsg.NewCreatePartitionsResponseTopic()
		rt.Topic = t.Topic
		var err error
		if seen[t.Topic] > 1 {
			err = kerr.InvalidRequest
		} else {
			var assignment [][]int32
			for _, a := range t.Assignment {
				assignment = append(assignment, a.Replicas)
			}
			err = env.Node.CreatePartitions(t.Topic, t.Count, assignment, req.ValidateOnly)
		}
		rt.ErrorCode, rt.ErrorMessage = errorFields(err)
		resp.Topics = append(resp.Topics, rt)
	}
	return Reply{Resp: resp}
}
