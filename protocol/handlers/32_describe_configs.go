package handlers

// DescribeConfigs v0-4 (key 32): topic (2) and broker (4) resources from
// the cluster's config tables (cluster.Node.DescribeTopicConfig /
// DescribeBrokerConfig): value, source, read-only, sensitive (value
// null), synonyms (v1+ include_synonyms), type and documentation (v3+
// include_documentation). config_names filters. Broker loggers (8) are not
// served: INVALID_REQUEST.

import (
	"strconv"

	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/cluster"
	"sluice/protocol/kerr"
)

func handleDescribeConfigs(env *Env, c *Call) Reply {
	req := c.Req.(*kmsg.DescribeConfigsRequest)
	resp := c.NewResponse().(*kmsg.DescribeConfigsResponse)
	for _, r := range req.Resources {
		rr := kmsg.NewDescribeConfigsResponseResource()
		rr.ResourceType, rr.ResourceName = r.ResourceType, r.ResourceName
		var entries []cluster.ConfigEntry
		var err error
		switch r.ResourceType {
		case kmsg.ConfigResourceTypeTopic:
			entries, err = env.Node.DescribeTopicConfig(r.ResourceName)
		case kmsg.ConfigResourceTypeBroker:
			if r.ResourceName != "" && r.ResourceName != strconv.Itoa(int(env.Node.NodeID())) {
				err = kerr.InvalidRequest
				break
			}
			entries, err = env.Node.DescribeBrokerConfig(r.ResourceName)
		default:
			err = kerr.InvalidRequest
		}
		if err != nil {
			rr.ErrorCode, rr.ErrorMessage = errorFields(err)
			resp.Resources = append(resp.Resources, rr)
			continue
		}
		var want map[string]bool
		if r.ConfigNames != nil {
			want = make(map[string]bool, len(r.ConfigNames))
			for _, n := range r.ConfigNames {
				want[n] = true
			}
		}
		for _, e := range entries {
			if want != nil && !want[e.Name] {
				continue
			}
			rc := kmsg.NewDescribeConfigsResponseResourceConfig()
			rc.Name, rc.ReadOnly, rc.IsSensitive = e.Name, e.ReadOnly, e.Sensitive
			rc.Source = kmsg.ConfigSource(e.Source)
			rc.IsDefault = e.Source == cluster.SourceDefault
			if !e.Null && !e.Sensitive {
				v := e.Value
				rc.Value = &v
			}
			if req.IncludeSynonyms {
				for _, s := range e.Synonyms {
					rs := kmsg.NewDescribeConfigsResponseResourceConfigConfigSynonym()
					rs.Name, rs.Source = s.Name, kmsg.ConfigSource(s.Source)
					if !s.Null && !e.Sensitive {
						v := s.Value
						rs.Value = &v
					}
					rc.ConfigSynonyms = append(rc.ConfigSynonyms, rs)
				}
			}
			rc.ConfigType = kmsg.ConfigType(cluster.ConfigType(e.Type))
			if req.IncludeDocumentation && e.Doc != "" {
				doc := e.Doc
				rc.Documentation = &doc
			}
			rr.Configs = append(rr.Configs, rc)
		}
		resp.Resources = append(resp.Resources, rr)
	}
	return Reply{Resp: resp}
}
