package zkdata

import (
	"sort"
	"strings"
)

// EncodeEntityConfig writes /config/<type>/<name>: {"version":1,
// "config":{...}} with the overrides (only those; the empty map is
// written when there are none). Kafka builds the config from a
// java.util.Properties; we put the keys into it in sorted order.
func EncodeEntityConfig(config map[string]string) []byte {
	keys := keysOf(config)
	sort.Strings(keys)
	vals := make(map[string]value, len(config))
	for k, v := range config {
		vals[k] = jstr(v)
	}
	return encode(ordered([]string{"version", "config"}, map[string]value{
		"version": jint(1),
		"config":  ordered(orderJavaProperties(keys), vals),
	}))
}

// DecodeEntityConfig reads a config znode at path. Empty data (Kafka
// creates the parents of a config znode with no data) and a missing or
// null "config" give no overrides; config values must be strings.
func DecodeEntityConfig(path string, data []byte) (map[string]string, error) {
	out := map[string]string{}
	if len(data) == 0 {
		return out, nil
	}
	o, err := parseObject(path, data)
	if err != nil {
		return nil, err
	}
	c, ok, err := o.optObject("config")
	if err != nil || !ok {
		return out, err
	}
	for k := range c.m {
		v, err := c.requireString(k)
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}

// ConfigChange is a /config/changes/config_change_<seq> notification: the
// config of EntityType/EntityName changed.
type ConfigChange struct {
	EntityType string // ConfigTypeTopic, ConfigTypeBroker, ...
	EntityName string // topic name, broker id, DefaultEntity, ...
}

// EntityPath is the notification's entity_path: "<type>/<name>".
func (c ConfigChange) EntityPath() string { return c.EntityType + "/" + c.EntityName }

// EncodeConfigChange writes a notification as Kafka 3.9 does (version 2).
func EncodeConfigChange(c ConfigChange) []byte {
	return encode(ordered([]string{"version", "entity_path"}, map[string]value{
		"version": jint(2), "entity_path": jstr(c.EntityPath()),
	}))
}

// DecodeConfigChange reads a notification of version 1 ({"entity_type",
// "entity_name"}, topics and clients only) or 2 ({"entity_path"}).
func DecodeConfigChange(path string, data []byte) (ConfigChange, error) {
	o, err := parseObject(path, data)
	if err != nil {
		return ConfigChange{}, err
	}
	v, err := o.requireInt32("version")
	if err != nil {
		return ConfigChange{}, err
	}
	switch v {
	case 1:
		t, err := o.requireString("entity_type")
		if err != nil {
			return ConfigChange{}, err
		}
		if t != ConfigTypeTopic && t != ConfigTypeClient {
			return ConfigChange{}, o.fieldErr("entity_type", "want %q or %q, got %q", ConfigTypeTopic, ConfigTypeClient, t)
		}
		n, err := o.requireString("entity_name")
		if err != nil {
			return ConfigChange{}, err
		}
		return ConfigChange{EntityType: t, EntityName: n}, nil
	case 2:
		p, err := o.requireString("entity_path")
		if err != nil {
			return ConfigChange{}, err
		}
		t, n, ok := strings.Cut(p, "/")
		if !ok || t == "" {
			return ConfigChange{}, o.fieldErr("entity_path", "want <type>/<name>, got %q", p)
		}
		return ConfigChange{EntityType: t, EntityName: n}, nil
	default:
		return ConfigChange{}, o.fieldErr("version", "unsupported config change version %d (want 1 or 2)", v)
	}
}
