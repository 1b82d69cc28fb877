package handlers

// ElectLeaders v0-2 (key 43): preferred (election_type 0, and every v0
// request) or unclean (1) leader elections on the listed partitions, or on
// every partition when the topic list is null. Handed to cluster.Node,
// which runs them on the controller; as Kafka's ZooKeeper-mode broker, one
// that is not the controller answers NOT_CONTROLLER per partition (clients
// send the request to the controller named by Metadata). As Kafka: a null
// topic list leaves out the partitions that needed no election
// (ELECTION_NOT_NEEDED); a partition listed twice is answered once; the
// top-level error_code (v1+) is NONE; past timeout_ms the answer is
// REQUEST_TIMED_OUT per partition while the elections go on.
//
// Differences from Kafka: an election_type other than 0 or 1 answers
// INVALID_REQUEST (Kafka fails to parse the request). The wait is bounded
// by controllerWait as well as timeout_ms.

import (
	"context"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/engine"
	"sluice/protocol/kerr"
)

func handleElectLeaders(env *Env, c *Call) Reply {
	req := c.Req.(*kmsg.ElectLeadersRequest)
	resp := c.NewResponse().(*kmsg.ElectLeadersResponse)
	var tps []engine.TopicPartition // nil: every partition
	if req.Topics != nil {
		tps = []engine.TopicPartition{}
		for _, t := range req.Topics {
			for _, p := range t.Partitions {
				tps = append(tps, engine.TopicPartition{Topic: t.Topic, Partition: p})
			}
		}
	}
	if c.Version >= 1 && req.ElectionType != 0 && req.ElectionType != 1 {
		resp.ErrorCode = kerr.InvalidRequest.Code
		for _, tp := range tps {
			addElectResult(resp, tp.Topic, tp.Partition, kerr.InvalidRequest.Code, nil)
		}
		return Reply{Resp: resp}
	}
	unclean := c.Version >= 1 && req.ElectionType == 1
	wait := controllerWait
	if d := time.Duration(req.TimeoutMillis) * time.Millisecond; d < wait {
		wait = max(d, time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(c.Ctx, wait)
	defer cancel()
	res, _ := env.Node.ElectLeaders(ctx, unclean, tps)
	for _, r := range res {
		if tps == nil && r.ErrorCode == kerr.ElectionNotNeeded.Code {
			continue
		}
		var msg *string
		if r.Message != "" {
			msg = &r.Message
		}
		addElectResult(resp, r.Topic, r.Partition, r.ErrorCode, msg)
	}
	return Reply{Resp: resp}
}

// addElectResult appends one partition's outcome, grouping by topic (the
// results come in topic order).
func addElectResult(resp *kmsg.ElectLeadersResponse, topic string, partition int32, code int16, msg *string) {
	if n := len(resp.Topics); n == 0 || resp.Topics[n-1].Topic != topic {
		t := kmsg.NewElectLeadersResponseTopic()
		t.Topic = topic
		resp.Topics = append(resp.Topics, t)
	}
	p := kmsg.NewElectLeadersResponseTopicPartition()
	p.Partition, p.ErrorCode, p.ErrorMessage = partition, code, msg
	t := &resp.Topics[len(resp.Topics)-1]
	t.Partitions = append(t.Partitions, p)
}
