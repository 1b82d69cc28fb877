package handlers

// IncrementalAlterConfigs v0-1 (key 44): SET / DELETE / APPEND / SUBTRACT
// on a topic's (2) or a broker's (4) dynamic configs, validated by the
// cluster's config tables (APPEND/SUBTRACT on a non-list config: INVALID_REQUEST
// from the cluster); validate_only supported.

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/cluster"
)

func handleIncrementalAlterConfigs(env *Env, c *Call) Reply {
	req := c.Req.(*kmsg.IncrementalAlterConfigsRequest)
	resp := c.NewResponse().(*kmsg.IncrementalAlterConfigsResponse)
	for _, r := range req.Resources {
		rr := kmsg.NewIncrementalAlterConfigsResponseResource()
		rr.ResourceType, rr.ResourceName = r.ResourceType, r.ResourceName
		ops := make([]cluster.ConfigOp, 0, len(r.Configs))
		for _, cf := range r.Configs {
			op := cluster.ConfigOp{Name: cf.Name, Op: cluster.AlterOp(cf.Op)}
			if cf.Value != nil {
				op.Value = *cf.Value
			}
			ops = append(ops, op)
		}
		rr.ErrorCode, rr.ErrorMessage = errorFields(alterConfigs(env, int8(r.ResourceType), r.ResourceName, ops, true, req.ValidateOnly))
		resp.Resources = append(resp.Resources, rr)
	}
	return Reply{Resp: resp}
}
