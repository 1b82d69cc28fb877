package handlers

// IncrementalAlterConfigs v0-1 (key 44): SET / DELETE / APPEND / SUBTRACT
// on single configs of a topic (2) or a broker (4, "" = cluster-wide
// default), with the checks of AlterConfigs (33_alter_configs.go), except
// that a null value is allowed for DELETE. APPEND and SUBTRACT apply to
// list configs only (INVALID_REQUEST otherwise) and start from the current
// effective value; DELETE of a config that is not set is a no-op. An
// operation code outside 0-3 answers INVALID_REQUEST.
//
// Difference from Kafka: BROKER_LOGGER (8) resources answer INVALID_REQUEST
// (Sluice has no log4j loggers to change).

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/cluster"
)

func handleIncrementalAlterConfigs(env *Env, c *Call) Reply {
	req := c.Req.(*kmsg.IncrementalAlterConfigsRequest)
	resp := c.NewResponse().(*kmsg.IncrementalAlterConfigsResponse)
	dup := duplicateResources(len(req.Resources), func(i int) (kmsg.ConfigResourceType, string) {
		return req.Resources[i].ResourceType, req.Resources[i].ResourceName
	})
	resp.Resources = make([]kmsg.IncrementalAlterConfigsResponseResource, 0, len(req.Resources))
	for i, r := range req.Resources {
		rr := kmsg.NewIncrementalAlterConfigsResponseResource()
		rr.ResourceType, rr.ResourceName = r.ResourceType, r.ResourceName
		var err error
		if dup[i] {
			err = errDuplicateResource
		} else {
			ops := make([]cluster.ConfigOp, len(r.Configs))
			values := make([]*string, len(r.Configs))
			for j, cf := range r.Configs {
				ops[j] = cluster.ConfigOp{Name: cf.Name, Op: cluster.AlterOp(cf.Op)}
				values[j] = cf.Value
			}
			err = alterConfigs(env, r.ResourceType, r.ResourceName, ops, values, true, req.ValidateOnly)
		}
		rr.ErrorCode, rr.ErrorMessage = errCodeMessage(err)
		resp.Resources = append(resp.Resources, rr)
	}
	return Reply{Resp: resp}
}
