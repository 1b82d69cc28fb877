package cluster

import (
	"sort"
	"strings"

	"sluice/engine"
)

// AlterTopicConfig changes a topic's config overrides. With incremental
// false (AlterConfigs) the ops replace the whole override set (every op is
// a set); with incremental true (IncrementalAlterConfigs) each op sets,
// deletes, appends to or subtracts from one override. The result is
// validated with engine.TopicConfig.With (ErrInvalidConfig), persisted and
// applied to the topic's logs, unless validateOnly.
func (n *Node) AlterTopicConfig(name string, ops []ConfigOp, incremental, validateOnly bool) error {
	n.adminMu.Lock()
	defer n.adminMu.Unlock()
	snap := n.snap.Load()
	t, ok := snap.topics[name]
	if !ok {
		return errorf(ErrUnknownTopicOrPartition, "Topic %s does not exist.", name)
	}
	if err := checkDuplicateOps(ops); err != nil {
		return err
	}
	overrides := map[string]string{}
	if incremental {
		for k, v := range t.info.Configs {
			overrides[k] = v
		}
	}
	for _, op := range ops {
		def, known := topicDef(op.Name)
		if !known {
			return errorf(ErrInvalidConfig, "Unknown topic config name: %s", op.Name)
		}
		cur, has := overrides[op.Name]
		if !has {
			cur, _ = t.cfg.Get(op.Name)
		}
		if err := applyOp(overrides, op, def.Type, cur); err != nil {
			return err
		}
	}
	if _, err := snap.defaults.With(overrides); err != nil {
		return errorf(ErrInvalidConfig, "%s", engineMessage(err))
	}
	if validateOnly {
		return nil
	}
	if err := n.writeTopicConfig(name, overrides); err != nil {
		return err
	}
	n.logger.Info("altered topic config", "topic", name, "overrides", overrides)
	return nil
}

// applyOp applies one alter op to overrides; cur is the config's current
// effective value (for append/subtract) and typ its Kafka type.
func applyOp(overrides map[string]string, op ConfigOp, typ, cur string) error {
	switch op.Op {
	case OpSet:
		overrides[op.Name] = strings.TrimSpace(op.Value)
	case OpDelete:
		delete(overrides, op.Name)
	case OpAppend, OpSubtract:
		if typ != "list" {
			verb := "append"
			if op.Op == OpSubtract {
				verb = "subtract"
			}
			return errorf(ErrInvalidRequest, "Config value %s is not allowed for config key: %s", verb, op.Name)
		}
		list := splitList(cur)
		for _, v := range splitList(op.Value) {
			i := indexOf(list, v)
			if op.Op == OpAppend && i < 0 {
				list = append(list, v)
			} else if op.Op == OpSubtract && i >= 0 {
				list = append(list[:i], list[i+1:]...)
			}
		}
		overrides[op.Name] = strings.Join(list, ",")
	default:
		return errorf(ErrInvalidRequest, "Unknown config operation %d for config key: %s", op.Op, op.Name)
	}
	return nil
}

func indexOf(list []string, v string) int {
	for i, e := range list {
		if e == v {
			return i
		}
	}
	return -1
}

func checkDuplicateOps(ops []ConfigOp) error {
	seen := map[string]bool{}
	for _, op := range ops {
		if seen[op.Name] {
			return errorf(ErrInvalidRequest, "Error due to duplicate config keys")
		}
		seen[op.Name] = true
	}
	return nil
}

var topicDefByName = func() map[string]engine.ConfigDef {
	m := map[string]engine.ConfigDef{}
	for _, d := range engine.TopicConfigDefs {
		m[d.Name] = d
	}
	return m
}()

func topicDef(name string) (engine.ConfigDef, bool) {
	d, ok := topicDefByName[name]
	return d, ok
}

// AlterBrokerConfig changes dynamic broker configs: broker "" is the
// cluster-wide default, otherwise it must be this node's id. Only
// ClusterWide / PerBroker configs can change (ErrInvalidRequest names the
// others); values are checked against the table (ErrInvalidConfig). Changes
// to topic defaults (log.*, message.max.bytes, ...) apply to every log at
// once. incremental and validateOnly as for AlterTopicConfig.
func (n *Node) AlterBrokerConfig(broker string, ops []ConfigOp, incremental, validateOnly bool) error {
	n.adminMu.Lock()
	defer n.adminMu.Unlock()
	if broker != "" && broker != n.nodeKey() {
		return errorf(ErrInvalidRequest, "Unexpected broker id, expected %d or empty string, but received %s", n.cfg.NodeID, broker)
	}
	if err := checkDuplicateOps(ops); err != nil {
		return err
	}
	dynamic := make(map[string]map[string]string, len(n.snap.Load().dynamic))
	for k, m := range n.snap.Load().dynamic {
		dynamic[k] = copyMap(m)
	}
	cur := dynamic[broker]
	set := map[string]string{}
	if incremental {
		for k, v := range cur {
			set[k] = v
		}
	}
	var readOnly, perBrokerOnly []string
	for _, op := range ops {
		d, ok := brokerDefByName[op.Name]
		if !ok {
			return errorf(ErrInvalidConfig, "Unknown broker config name: %s", op.Name)
		}
		switch {
		case d.Update == ReadOnly:
			readOnly = append(readOnly, op.Name)
			continue
		case d.Update == PerBroker && broker == "":
			perBrokerOnly = append(perBrokerOnly, op.Name)
			continue
		}
		if err := applyOp(set, op, d.Type, n.brokerValueLocked(dynamic, op.Name)); err != nil {
			return err
		}
		if v, ok := set[op.Name]; ok {
			if err := checkValue(d, v); err != nil {
				return errorf(ErrInvalidConfig, "%s", Message(err))
			}
		}
	}
	if len(readOnly) > 0 {
		return errorf(ErrInvalidRequest, "Invalid config value for resource ConfigResource(type=BROKER, name='%s'): "+
			"Cannot update these configs dynamically: Set(%s)", broker, strings.Join(readOnly, ", "))
	}
	if len(perBrokerOnly) > 0 {
		return errorf(ErrInvalidRequest, "Cannot update these configs at default cluster level, broker id must be specified: Set(%s)",
			strings.Join(perBrokerOnly, ", "))
	}
	if len(set) == 0 {
		delete(dynamic, broker)
	} else {
		dynamic[broker] = set
	}
	if _, err := n.topicDefaultsFor(dynamic); err != nil {
		return errorf(ErrInvalidConfig, "%s", Message(err))
	}
	if validateOnly {
		return nil
	}
	if err := n.writeBrokerConfig(broker, set); err != nil {
		return err
	}
	n.logger.Info("altered broker config", "broker", broker, "configs", set)
	return nil
}

// brokerValueLocked is a broker config's current effective value.
func (n *Node) brokerValueLocked(dynamic map[string]map[string]string, name string) string {
	if v, ok := n.lookupWith(dynamic)(name); ok {
		return v
	}
	return effectiveDefault(name, n.cfg.ZooKeeperMode())
}

// DescribeTopicConfig returns every topic config of a topic with its
// effective value and source (DescribeConfigs for a TOPIC resource).
func (n *Node) DescribeTopicConfig(name string) ([]ConfigEntry, error) {
	snap := n.snap.Load()
	t, ok := snap.topics[name]
	if !ok {
		return nil, errorf(ErrUnknownTopicOrPartition, "Topic %s does not exist.", name)
	}
	out := make([]ConfigEntry, 0, len(engine.TopicConfigDefs))
	for _, d := range engine.TopicConfigDefs {
		e := ConfigEntry{Name: d.Name, Type: d.Type, Doc: d.Doc}
		e.Value, _ = t.cfg.Get(d.Name)
		if v, ok := t.info.Configs[d.Name]; ok {
			e.Synonyms = append(e.Synonyms, ConfigSynonym{Name: d.Name, Value: v, Source: SourceTopic})
		}
		if d.ServerDefaultProperty != "" {
			e.Synonyms = append(e.Synonyms, n.brokerSynonyms(snap, d.ServerDefaultProperty)...)
		} else {
			e.Synonyms = append(e.Synonyms, ConfigSynonym{Name: d.Name, Value: d.Default, Source: SourceDefault})
		}
		e.Source = SourceDefault
		if len(e.Synonyms) > 0 {
			e.Source = e.Synonyms[0].Source
		}
		out = append(out, e)
	}
	return out, nil
}

// DescribeBrokerConfig returns broker configs (DescribeConfigs for a BROKER
// resource): for this node's id every config in the table; for "" (the
// cluster default resource) only the dynamic defaults that are set.
func (n *Node) DescribeBrokerConfig(broker string) ([]ConfigEntry, error) {
	snap := n.snap.Load()
	if broker == "" {
		names := make([]string, 0, len(snap.dynamic[""]))
		for k := range snap.dynamic[""] {
			names = append(names, k)
		}
		sort.Strings(names)
		out := make([]ConfigEntry, 0, len(names))
		for _, name := range names {
			d := brokerDefByName[name]
			out = append(out, ConfigEntry{Name: name, Value: snap.dynamic[""][name], Source: SourceDynamicDefaultBroker,
				Type: d.Type, Doc: d.Doc, ReadOnly: d.Update == ReadOnly, Sensitive: d.Sensitive,
				Synonyms: []ConfigSynonym{{Name: name, Value: snap.dynamic[""][name], Source: SourceDynamicDefaultBroker}}})
		}
		return out, nil
	}
	if broker != n.nodeKey() {
		return nil, errorf(ErrInvalidRequest, "Unexpected broker id, expected %d or empty string, but received %s", n.cfg.NodeID, broker)
	}
	out := make([]ConfigEntry, 0, len(BrokerConfigDefs))
	for _, d := range BrokerConfigDefs {
		e := ConfigEntry{Name: d.Name, Type: d.Type, Doc: d.Doc, ReadOnly: d.Update == ReadOnly, Sensitive: d.Sensitive}
		e.Synonyms = n.brokerSynonyms(snap, d.Name)
		if len(e.Synonyms) > 0 && e.Synonyms[0].Name == d.Name {
			e.Value, e.Null, e.Source = e.Synonyms[0].Value, e.Synonyms[0].Null, e.Synonyms[0].Source
		} else {
			e.Null, e.Source = true, SourceDefault
		}
		if d.Sensitive {
			e.Value, e.Null = "", true
		}
		out = append(out, e)
	}
	return out, nil
}

// brokerSynonyms lists where a broker property's value may come from, in
// precedence order: per-broker dynamic, cluster-default dynamic, static,
// default, for the property and then for each of its synonyms (e.g.
// log.retention.ms, minutes, hours). Unset sources are left out.
func (n *Node) brokerSynonyms(snap *snapshot, name string) []ConfigSynonym {
	names := []string{name}
	if d, ok := brokerDefByName[name]; ok {
		names = append(names, d.Synonyms...)
	}
	var out []ConfigSynonym
	for _, nm := range names {
		if v, ok := snap.dynamic[n.nodeKey()][nm]; ok {
			out = append(out, ConfigSynonym{Name: nm, Value: v, Source: SourceDynamicBroker})
		}
		if v, ok := snap.dynamic[""][nm]; ok {
			out = append(out, ConfigSynonym{Name: nm, Value: v, Source: SourceDynamicDefaultBroker})
		}
		if v, ok := n.cfg.Static(nm); ok && v != "" {
			out = append(out, ConfigSynonym{Name: nm, Value: v, Source: SourceStaticBroker})
		}
		if v := effectiveDefault(nm, n.cfg.ZooKeeperMode()); v != "" {
			out = append(out, ConfigSynonym{Name: nm, Value: v, Source: SourceDefault})
		}
	}
	return out
}
