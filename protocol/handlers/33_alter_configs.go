package handlers

// AlterConfigs v0-2 (key 33): replaces a topic's (2) or a broker's (4)
// dynamic configs with the given set (legacy, non-incremental), validated
// by the cluster's config tables; validate_only supported.

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/cluster"
	"sluice/protocol/kerr"
)

func handleAlterConfigs(env *Env, c *Call) Reply {
	req := c.Req.(*kmsg.AlterConfigsRequest)
	resp := c.NewResponse().(*kmsg.AlterConfigsResponse)
	for _, r := range req.Resources {
		rr := kmsg.NewAlterConfigsResponseResource()
		rr.ResourceType, rr.ResourceName = r.ResourceType, r.ResourceName
		ops := make([]cluster.ConfigOp, 0, len(r.Configs))
		for _, cf := range r.Configs {
			op := cluster.ConfigOp{Name: cf.Name, Op: cluster.OpSet}
			if cf.Value != nil {
				op.Value = *cf.Value
			} else {
				op.Op = cluster.OpDelete
			}
			ops = append(ops, op)
		}
		rr.ErrorCode, rr.ErrorMessage = errorFields(alterConfigs(env, int8(r.ResourceType), r.ResourceName, ops, false, req.ValidateOnly))
		resp.Resources = append(resp.Resources, rr)
	}
	return Reply{Resp: resp}
}

// alterConfigs applies ops to a topic or broker resource.
func alterConfigs(env *Env, resourceType int8, name string, ops []cluster.ConfigOp, incremental, validateOnly bool) error {
	switch kmsg.ConfigResourceType(resourceType) {
	case kmsg.ConfigResourceTypeTopic:
		return env.Node.AlterTopicConfig(name, ops, incremental, validateOnly)
	case kmsg.ConfigResourceTypeBroker:
		return env.Node.AlterBrokerConfig(name, ops, incremental, validateOnly)
	default:
		return kerr.InvalidRequest
	}
}
