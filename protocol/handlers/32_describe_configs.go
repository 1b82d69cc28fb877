package handlers

// DescribeConfigs v0-4 (key 32), as Kafka's ConfigHelper.describeConfigs:
//
//   - TOPIC (2): every topic config (cluster.Node.DescribeTopicConfig) with
//     its effective value and source: TOPIC_CONFIG for an override, else
//     the broker property it defaults from (DYNAMIC_BROKER_CONFIG,
//     DYNAMIC_DEFAULT_BROKER_CONFIG, STATIC_BROKER_CONFIG) or
//     DEFAULT_CONFIG; never read-only. An illegal name answers
//     INVALID_TOPIC_EXCEPTION with the reason, an unknown topic
//     UNKNOWN_TOPIC_OR_PARTITION (null message).
//   - BROKER (4): "" is the cluster-wide default resource (only the dynamic
//     defaults that are set); this node's id lists the whole broker config
//     table with read-only and sensitive (value null) flags. Another name:
//     INVALID_REQUEST with Kafka's message.
//   - BROKER_LOGGER (8): Sluice has no log4j loggers; this node's id
//     answers an empty list.
//   - Anything else: INVALID_REQUEST "Unsupported resource type: ...".
//
// config_names null or empty means all. v0 answers is_default (source
// DEFAULT_CONFIG), v1+ the source and, with include_synonyms, the synonyms
// in precedence order; v3+ the config type and, with
// include_documentation, the documentation.

import (
	"strconv"

	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/cluster"
	"sluice/protocol/kerr"
)

func handleDescribeConfigs(env *Env, c *Call) Reply {
	req := c.Req.(*kmsg.DescribeConfigsRequest)
	resp := c.NewResponse().(*kmsg.DescribeConfigsResponse)
	resp.Resources = make([]kmsg.DescribeConfigsResponseResource, 0, len(req.Resources))
	for _, r := range req.Resources {
		rr := kmsg.NewDescribeConfigsResponseResource()
		rr.ResourceType, rr.ResourceName = r.ResourceType, r.ResourceName
		entries, err := describeResource(env, r.ResourceType, r.ResourceName)
		if err != nil {
			rr.ErrorCode, rr.ErrorMessage = errCodeMessage(err)
			rr.Configs = []kmsg.DescribeConfigsResponseResourceConfig{}
			resp.Resources = append(resp.Resources, rr)
			continue
		}
		var want map[string]bool
		if len(r.ConfigNames) > 0 {
			want = make(map[string]bool, len(r.ConfigNames))
			for _, n := range r.ConfigNames {
				want[n] = true
			}
		}
		rr.Configs = make([]kmsg.DescribeConfigsResponseResourceConfig, 0, len(entries))
		for _, e := range entries {
			if want != nil && !want[e.Name] {
				continue
			}
			rr.Configs = append(rr.Configs, configResult(e, req.IncludeSynonyms, req.IncludeDocumentation))
		}
		resp.Resources = append(resp.Resources, rr)
	}
	return Reply{Resp: resp}
}

// describeResource lists the configs of one resource.
func describeResource(env *Env, typ kmsg.ConfigResourceType, name string) ([]cluster.ConfigEntry, error) {
	switch typ {
	case kmsg.ConfigResourceTypeTopic:
		if err := cluster.ValidateTopicName(name); err != nil {
			return nil, err
		}
		if _, ok := env.Node.Topic(name); !ok {
			return nil, kerr.UnknownTopicOrPartition
		}
		return env.Node.DescribeTopicConfig(name)
	case kmsg.ConfigResourceTypeBroker:
		if name == "" {
			return env.Node.DescribeBrokerConfig("")
		}
		if err := describedBroker(env, name, " or empty string"); err != nil {
			return nil, err
		}
		return env.Node.DescribeBrokerConfig(name)
	case kmsg.ConfigResourceTypeBrokerLogger:
		if name == "" {
			return nil, adminErrorf(kerr.InvalidRequest, "Broker id must not be empty")
		}
		return nil, describedBroker(env, name, "")
	}
	return nil, adminErrorf(kerr.InvalidRequest, "Unsupported resource type: %s", resourceTypeName(typ))
}

// describedBroker checks that name is this node's id (messages of Kafka's
// ConfigHelper; alternative names what else would be accepted).
func describedBroker(env *Env, name, alternative string) error {
	id, err := strconv.ParseInt(name, 10, 32)
	if err != nil {
		return adminErrorf(kerr.InvalidRequest, "Broker id must be an integer, but it is: %s", name)
	}
	if int32(id) != env.Node.NodeID() {
		return adminErrorf(kerr.InvalidRequest, "Unexpected broker id, expected %d%s, but received %s",
			env.Node.NodeID(), alternative, name)
	}
	return nil
}

// configResult converts one entry; fields a version lacks are not encoded.
func configResult(e cluster.ConfigEntry, synonyms, documentation bool) kmsg.DescribeConfigsResponseResourceConfig {
	rc := kmsg.NewDescribeConfigsResponseResourceConfig()
	rc.Name, rc.ReadOnly, rc.IsSensitive = e.Name, e.ReadOnly, e.Sensitive
	rc.Value = entryValue(e.Value, e.Null, e.Sensitive)
	rc.Source = kmsg.ConfigSource(e.Source)
	rc.IsDefault = e.Source == cluster.SourceDefault
	if synonyms {
		rc.ConfigSynonyms = make([]kmsg.DescribeConfigsResponseResourceConfigConfigSynonym, 0, len(e.Synonyms))
		for _, s := range e.Synonyms {
			rs := kmsg.NewDescribeConfigsResponseResourceConfigConfigSynonym()
			rs.Name, rs.Source = s.Name, kmsg.ConfigSource(s.Source)
			rs.Value = entryValue(s.Value, s.Null, e.Sensitive)
			rc.ConfigSynonyms = append(rc.ConfigSynonyms, rs)
		}
	}
	rc.ConfigType = kmsg.ConfigType(cluster.ConfigType(e.Type))
	if documentation && e.Doc != "" {
		rc.Documentation = kmsg.StringPtr(e.Doc)
	}
	return rc
}
