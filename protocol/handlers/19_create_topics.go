package handlers

// CreateTopics v0-7 (key 19): through cluster.Node.CreateTopic (name rules,
// num.partitions / default.replication.factor for -1, explicit
// assignments, validated configs, validate_only). A topic named twice in
// one request answers INVALID_REQUEST for each entry, as Kafka. v5+
// answers carry the partitions, replication factor and configs; v7+ the
// topic id.

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/cluster"
	"sluice/protocol/kerr"
)

func handleCreateTopics(env *Env, c *Call) Reply {
	req := c.Req.(*kmsg.CreateTopicsRequest)
	resp := c.NewResponse().(*kmsg.CreateTopicsResponse)
	seen := map[string]int{}
	for _, t := range req.Topics {
		seen[t.Topic]++
	}
	for _, t := range req.Topics {
		rt := kmsg.NewCreateTopicsResponseTopic()
		rt.Topic = t.Topic
		rt.NumPartitions, rt.ReplicationFactor = -1, -1
		if seen[t.Topic] > 1 {
			rt.ErrorCode = kerr.InvalidRequest.Code
			msg := "Create topics request from client `" + c.ClientID + "` contains multiple entries for the following topics: " + t.Topic
			rt.ErrorMessage = &msg
			resp.Topics = append(resp.Topics, rt)
			continue
		}
		ct := cluster.CreateTopicRequest{Name: t.Topic, NumPartitions: t.NumPartitions, ReplicationFactor: t.ReplicationFactor,
			ValidateOnly: req.ValidateOnly}
		if len(t.ReplicaAssignment) > 0 {
			ct.Assignment = make(map[int32][]int32, len(t.ReplicaAssignment))
			for _, a := range t.ReplicaAssignment {
				ct.Assignment[a.Partition] = a.Replicas
			}
		}
		if len(t.Configs) > 0 {
			ct.Configs = make(map[string]string, len(t.Configs))
			for _, cf := range t.Configs {
				if cf.Value != nil {
					ct.Configs[cf.Name] = *cf.Value
				}
			}
		}
		info, err := env.Node.CreateTopic(ct)
		if err != nil {
			rt.ErrorCode, rt.ErrorMessage = errorFields(err)
			resp.Topics = append(resp.Topics, rt)
			continue
		}
		rt.TopicID = info.ID
		rt.NumPartitions = int32(len(info.Partitions))
		if len(info.Partitions) > 0 {
			rt.ReplicationFactor = int16(len(info.Partitions[0].Replicas))
		}
		if c.Version >= 5 && !req.ValidateOnly {
			if entries, err := env.Node.DescribeTopicConfig(t.Topic); err == nil {
				for _, e := range entries {
					cf := kmsg.NewCreateTopicsResponseTopicConfig()
					cf.Name, cf.ReadOnly, cf.Source, cf.IsSensitive = e.Name, e.ReadOnly, int8(e.Source), e.Sensitive
					if !e.Null && !e.Sensitive {
						v := e.Value
						cf.Value = &v
					}
					rt.Configs = append(rt.Configs, cf)
				}
			}
		}
		resp.Topics = append(resp.Topics, rt)
	}
	return Reply{Resp: resp}
}
