package handlers

// CreateTopics v0-7 (key 19). Each topic is created by cluster.Node with
// Kafka's (ZooKeeper mode) checks and messages: a name given twice in one
// request is INVALID_REQUEST "Found multiple entries for this topic.", an
// existing topic TOPIC_ALREADY_EXISTS, a null config value INVALID_CONFIG,
// then name rules (INVALID_TOPIC_EXCEPTION), partitions and replication
// factor (-1 = num.partitions / default.replication.factor; INVALID_PARTITIONS,
// INVALID_REPLICATION_FACTOR "Replication factor: N larger than available
// brokers: M."), explicit assignments and config names and values
// (INVALID_CONFIG with the reason). validate_only (v1+) checks without
// creating. v5+ answers the partitions, replication factor and every topic
// config with its source; v7 the new topic id. A timeout <= 0 creates the
// topic and answers REQUEST_TIMED_OUT, as Kafka does (see admin.go).

import (
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/cluster"
	"sluice/engine"
	"sluice/protocol/kerr"
)

func handleCreateTopics(env *Env, c *Call) Reply {
	req := c.Req.(*kmsg.CreateTopicsRequest)
	resp := c.NewResponse().(*kmsg.CreateTopicsResponse)
	count := make(map[string]int, len(req.Topics))
	for _, rt := range req.Topics {
		count[rt.Topic]++
	}
	resp.Topics = make([]kmsg.CreateTopicsResponseTopic, 0, len(req.Topics))
	for i := range req.Topics {
		rt := &req.Topics[i]
		st := kmsg.NewCreateTopicsResponseTopic()
		st.Topic = rt.Topic
		var err error
		if count[rt.Topic] > 1 {
			err = adminErrorf(kerr.InvalidRequest, "Found multiple entries for this topic.")
		} else {
			err = createTopic(env, c.Version, req.ValidateOnly, rt, &st)
		}
		if err == nil && adminTimedOut(req.TimeoutMillis, req.ValidateOnly) {
			err = kerr.RequestTimedOut
		}
		if err != nil {
			st.ErrorCode, st.ErrorMessage = errCodeMessage(err)
			st.TopicID, st.NumPartitions, st.ReplicationFactor, st.Configs = [16]byte{}, -1, -1, nil
		}
		resp.Topics = append(resp.Topics, st)
	}
	return Reply{Resp: resp}
}

// createTopic creates (or validates) one topic and fills st's v5+ fields.
func createTopic(env *Env, version int16, validateOnly bool, rt *kmsg.CreateTopicsRequestTopic, st *kmsg.CreateTopicsResponseTopic) error {
	if _, ok := env.Node.Topic(rt.Topic); ok {
		return adminErrorf(kerr.TopicAlreadyExists, "Topic '%s' already exists.", rt.Topic)
	}
	var nulls []string
	configs := make(map[string]string, len(rt.Configs))
	for _, rc := range rt.Configs {
		if rc.Value == nil {
			nulls = append(nulls, rc.Name)
			continue
		}
		configs[rc.Name] = *rc.Value
	}
	if len(nulls) > 0 {
		return adminErrorf(kerr.InvalidConfig, "Null value not supported for topic configs: %s", strings.Join(nulls, ","))
	}
	creq := cluster.CreateTopicRequest{
		Name:              rt.Topic,
		NumPartitions:     rt.NumPartitions,
		ReplicationFactor: rt.ReplicationFactor,
		Configs:           configs,
		ValidateOnly:      validateOnly,
	}
	if len(rt.ReplicaAssignment) > 0 {
		creq.Assignment = make(map[int32][]int32, len(rt.ReplicaAssignment))
		for _, ra := range rt.ReplicaAssignment {
			creq.Assignment[ra.Partition] = ra.Replicas
		}
	}
	info, err := env.Node.CreateTopic(creq)
	if err != nil {
		return err
	}
	if version < 5 {
		return nil
	}
	st.TopicID = info.ID
	st.NumPartitions = int32(len(info.Partitions))
	if len(info.Partitions) > 0 {
		st.ReplicationFactor = int16(len(info.Partitions[0].Replicas))
	}
	var entries []cluster.ConfigEntry
	if validateOnly {
		entries = prospectiveTopicConfig(env, info.Configs)
	} else if entries, err = env.Node.DescribeTopicConfig(rt.Topic); err != nil {
		// Deleted again in between: the creation itself succeeded.
		entries = nil
	}
	st.Configs = make([]kmsg.CreateTopicsResponseTopicConfig, 0, len(entries))
	for _, e := range entries {
		rc := kmsg.NewCreateTopicsResponseTopicConfig()
		rc.Name = e.Name
		rc.Value = entryValue(e.Value, e.Null, e.Sensitive)
		rc.ReadOnly, rc.IsSensitive = e.ReadOnly, e.Sensitive
		rc.Source = int8(e.Source)
		st.Configs = append(st.Configs, rc)
	}
	return nil
}

// prospectiveTopicConfig lists the configs a topic created now with these
// overrides would have (validate-only CreateTopics v5+, where the topic
// does not exist to be described): overrides as TOPIC_CONFIG, the rest
// from the broker's effective topic defaults (static and dynamic) with the
// source of the broker property they come from.
func prospectiveTopicConfig(env *Env, overrides map[string]string) []cluster.ConfigEntry {
	brokerEntries, _ := env.Node.DescribeBrokerConfig(strconv.Itoa(int(env.Node.NodeID())))
	props := map[string]string{}
	sources := map[string]cluster.ConfigSource{}
	for _, e := range brokerEntries {
		if len(e.Synonyms) > 0 {
			sources[e.Name] = e.Synonyms[0].Source
		}
		if e.Source != cluster.SourceDefault && !e.Null && !e.Sensitive {
			props[e.Name] = e.Value
		}
	}
	defaults := env.Node.Config().TopicDefaults
	if bc, _, err := cluster.ParseBrokerConfig(props); err == nil {
		defaults = bc.TopicDefaults
	}
	cfg, err := defaults.With(overrides)
	if err != nil {
		cfg = defaults
	}
	out := make([]cluster.ConfigEntry, 0, len(engine.TopicConfigDefs))
	for _, d := range engine.TopicConfigDefs {
		e := cluster.ConfigEntry{Name: d.Name, Type: d.Type, Doc: d.Doc, Source: cluster.SourceDefault}
		e.Value, _ = cfg.Get(d.Name)
		if _, ok := overrides[d.Name]; ok {
			e.Source = cluster.SourceTopic
		} else if s, ok := sources[d.ServerDefaultProperty]; ok && d.ServerDefaultProperty != "" {
			e.Source = s
		}
		out = append(out, e)
	}
	return out
}
