package handlers

// AlterConfigs v0-2 (key 33), the legacy full replace: the configs given
// become a topic's (2) or a broker's (4, "" = cluster-wide default) whole
// set of dynamic overrides; every other override is removed. Checked as
// Kafka's ConfigAdminManager preprocessing does, then by cluster.Node
// (config tables) and persisted, unless validate_only:
//
//   - a resource named twice: INVALID_REQUEST "Each resource must appear at
//     most once." for each; a config named twice: "Error due to duplicate
//     config keys"; a null value: "Null value not supported for : <names>";
//   - TOPIC: "" is INVALID_REQUEST, an unknown topic
//     UNKNOWN_TOPIC_OR_PARTITION "The topic '<t>' does not exist.";
//     unknown names and bad values INVALID_CONFIG with the reason;
//   - BROKER: the name must be "" or this node's id; read-only configs and
//     per-broker configs set cluster-wide answer INVALID_REQUEST;
//   - other resource types: INVALID_REQUEST "Unknown resource type <n>".

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/cluster"
	"sluice/protocol/kerr"
)

func handleAlterConfigs(env *Env, c *Call) Reply {
	req := c.Req.(*kmsg.AlterConfigsRequest)
	resp := c.NewResponse().(*kmsg.AlterConfigsResponse)
	dup := duplicateResources(len(req.Resources), func(i int) (kmsg.ConfigResourceType, string) {
		return req.Resources[i].ResourceType, req.Resources[i].ResourceName
	})
	resp.Resources = make([]kmsg.AlterConfigsResponseResource, 0, len(req.Resources))
	for i, r := range req.Resources {
		rr := kmsg.NewAlterConfigsResponseResource()
		rr.ResourceType, rr.ResourceName = r.ResourceType, r.ResourceName
		var err error
		if dup[i] {
			err = errDuplicateResource
		} else {
			ops := make([]cluster.ConfigOp, len(r.Configs))
			values := make([]*string, len(r.Configs))
			for j, cf := range r.Configs {
				ops[j] = cluster.ConfigOp{Name: cf.Name, Op: cluster.OpSet}
				values[j] = cf.Value
			}
			err = alterConfigs(env, r.ResourceType, r.ResourceName, ops, values, false, req.ValidateOnly)
		}
		rr.ErrorCode, rr.ErrorMessage = errCodeMessage(err)
		resp.Resources = append(resp.Resources, rr)
	}
	return Reply{Resp: resp}
}

// alterConfigs checks and applies the ops of one resource; values[i] is
// ops[i]'s value as sent (nil = null, allowed only for DELETE).
func alterConfigs(env *Env, typ kmsg.ConfigResourceType, name string, ops []cluster.ConfigOp, values []*string, incremental, validateOnly bool) error {
	names := make([]string, len(ops))
	var nulls []string
	for i := range ops {
		names[i] = ops[i].Name
		if values[i] == nil {
			if ops[i].Op != cluster.OpDelete {
				nulls = append(nulls, ops[i].Name)
			}
			continue
		}
		ops[i].Value = *values[i]
	}
	if err := duplicateKeys(names); err != nil {
		return err
	}
	if err := nullValues(nulls); err != nil {
		return err
	}
	for _, op := range ops {
		if op.Op < cluster.OpSet || op.Op > cluster.OpSubtract {
			return adminErrorf(kerr.InvalidRequest, "Unknown operations type %d", op.Op)
		}
	}
	switch typ {
	case kmsg.ConfigResourceTypeTopic:
		if name == "" {
			return adminErrorf(kerr.InvalidRequest, "Default topic resources are not allowed.")
		}
		if _, ok := env.Node.Topic(name); !ok {
			return adminErrorf(kerr.UnknownTopicOrPartition, "The topic '%s' does not exist.", name)
		}
		return env.Node.AlterTopicConfig(name, ops, incremental, validateOnly)
	case kmsg.ConfigResourceTypeBroker:
		if err := checkBrokerResource(env, name); err != nil {
			return err
		}
		return env.Node.AlterBrokerConfig(name, ops, incremental, validateOnly)
	case kmsg.ConfigResourceTypeBrokerLogger:
		if incremental {
			return adminErrorf(kerr.InvalidRequest, "BROKER_LOGGER resources cannot be altered: Sluice has no log4j loggers")
		}
	}
	return adminErrorf(kerr.InvalidRequest, "Unknown resource type %d", typ)
}
