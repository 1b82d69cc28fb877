package engine

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// ConfigDef defines one configuration key: its Kafka name, type, default,
// allowed values and documentation. The topic table below (and the broker
// table in cluster) feed parsing, validation, DescribeConfigs and the docs.
type ConfigDef struct {
	Name    string
	Type    string // Kafka's type name: boolean, string, int, short, long, double, list, password, class
	Default string // as DescribeConfigs shows it
	Doc     string
	// ServerDefaultProperty is the broker property that supplies the
	// default for topics without an override ("" if none).
	ServerDefaultProperty string
	// Valid describes the accepted values as Kafka prints them: "[14,...]",
	// "[compact, delete]", "" for any.
	Valid string
	// Validate checks a value; nil accepts anything of the right type.
	Validate func(string) error
}

// CleanupPolicy is cleanup.policy: delete, compact or both.
type CleanupPolicy uint8

const (
	// CleanupDelete deletes old segments by retention.ms/retention.bytes.
	CleanupDelete CleanupPolicy = 1 << iota
	// CleanupCompact keeps the latest record per key.
	CleanupCompact
)

// Delete reports whether retention deletes segments.
func (p CleanupPolicy) Delete() bool { return p&CleanupDelete != 0 }

// Compact reports whether the log cleaner compacts the log.
func (p CleanupPolicy) Compact() bool { return p&CleanupCompact != 0 }

// String formats the policy as Kafka lists it ("delete", "compact",
// "compact,delete").
func (p CleanupPolicy) String() string {
	var parts []string
	if p.Compact() {
		parts = append(parts, "compact")
	}
	if p.Delete() {
		parts = append(parts, "delete")
	}
	return strings.Join(parts, ",")
}

// Timestamp types (message.timestamp.type).
const (
	TimestampCreateTime    = "CreateTime"
	TimestampLogAppendTime = "LogAppendTime"
)

// TopicConfig is the typed per-topic configuration. Every field is a Kafka
// topic config; TopicConfigDefs lists them with their names and defaults.
type TopicConfig struct {
	CleanupPolicy                        CleanupPolicy
	CompressionType                      string // producer, uncompressed, gzip, snappy, lz4, zstd
	CompressionGzipLevel                 int32
	CompressionLz4Level                  int32
	CompressionZstdLevel                 int32
	DeleteRetentionMs                    int64
	FileDeleteDelayMs                    int64
	FlushMessages                        int64
	FlushMs                              int64
	FollowerReplicationThrottledReplicas string
	IndexIntervalBytes                   int32
	LeaderReplicationThrottledReplicas   string
	LocalRetentionBytes                  int64
	LocalRetentionMs                     int64
	MaxCompactionLagMs                   int64
	MaxMessageBytes                      int32
	MessageDownconversionEnable          bool
	MessageFormatVersion                 string
	MessageTimestampAfterMaxMs           int64
	MessageTimestampBeforeMaxMs          int64
	MessageTimestampDifferenceMaxMs      int64
	MessageTimestampType                 string // CreateTime or LogAppendTime
	MinCleanableDirtyRatio               float64
	MinCompactionLagMs                   int64
	MinInsyncReplicas                    int32
	Preallocate                          bool
	RemoteLogCopyDisable                 bool
	RemoteLogDeleteOnDisable             bool
	RemoteStorageEnable                  bool
	RetentionBytes                       int64
	RetentionMs                          int64
	SegmentBytes                         int32
	SegmentIndexBytes                    int32
	SegmentJitterMs                      int64
	SegmentMs                            int64
	UncleanLeaderElectionEnable          bool
}

// DefaultTopicConfig returns Kafka 3.9's topic defaults.
func DefaultTopicConfig() TopicConfig {
	var c TopicConfig
	for _, f := range topicFields {
		if err := f.set(&c, f.def.Default); err != nil {
			panic("engine: bad default for " + f.def.Name + ": " + err.Error())
		}
	}
	return c
}

// isZero reports whether c is the zero value (meaning "defaults").
func (c TopicConfig) isZero() bool { return c.SegmentBytes == 0 && c.CleanupPolicy == 0 }

// With returns c with the overrides applied. An unknown name or a bad value
// yields an error wrapping ErrInvalidConfig that names the key and the
// allowed range; c is then returned unchanged.
func (c TopicConfig) With(overrides map[string]string) (TopicConfig, error) {
	out := c
	names := make([]string, 0, len(overrides))
	for k := range overrides {
		names = append(names, k)
	}
	sort.Strings(names) // deterministic first error
	for _, name := range names {
		f, ok := topicFieldByName[name]
		if !ok {
			return c, fmt.Errorf("%w: Unknown topic config name: %s", ErrInvalidConfig, name)
		}
		v := strings.TrimSpace(overrides[name])
		if err := f.set(&out, v); err != nil {
			return c, fmt.Errorf("%w: Invalid value %s for configuration %s: %v", ErrInvalidConfig, v, name, err)
		}
		if f.def.Validate != nil {
			if err := f.def.Validate(v); err != nil {
				return c, fmt.Errorf("%w: Invalid value %s for configuration %s: %v", ErrInvalidConfig, v, name, err)
			}
		}
	}
	return out, nil
}

// Get returns the value of the named config as DescribeConfigs shows it.
func (c TopicConfig) Get(name string) (string, bool) {
	f, ok := topicFieldByName[name]
	if !ok {
		return "", false
	}
	return f.get(&c), true
}

// ValidateTopicConfig checks one name/value pair without applying it.
func ValidateTopicConfig(name, value string) error {
	_, err := DefaultTopicConfig().With(map[string]string{name: value})
	return err
}

// topicField binds a ConfigDef to its TopicConfig field.
type topicField struct {
	def ConfigDef
	get func(*TopicConfig) string
	set func(*TopicConfig, string) error
}

var topicFieldByName = func() map[string]*topicField {
	m := make(map[string]*topicField, len(topicFields))
	for i := range topicFields {
		m[topicFields[i].def.Name] = &topicFields[i]
	}
	return m
}()

// TopicConfigDefs lists every Kafka 3.9 topic config, sorted by name.
var TopicConfigDefs = func() []ConfigDef {
	out := make([]ConfigDef, len(topicFields))
	for i, f := range topicFields {
		out[i] = f.def
	}
	return out
}()

// Field constructors: each returns a topicField with the def's Validate
// filled in from the range.

func longField(name, def, server, doc string, min, max int64, p func(*TopicConfig) *int64) topicField {
	valid := rangeString(min, max, math.MinInt64, math.MaxInt64)
	check := func(s string) error {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return cfgErr("Expected value to be a 64-bit integer (long), but it was a %s", kindOf(s))
		}
		return checkRange(v, min, max)
	}
	return topicField{
		def: ConfigDef{Name: name, Type: "long", Default: def, Doc: doc, ServerDefaultProperty: server, Valid: valid, Validate: check},
		get: func(c *TopicConfig) string { return strconv.FormatInt(*p(c), 10) },
		set: func(c *TopicConfig, s string) error {
			if err := check(s); err != nil {
				return err
			}
			*p(c), _ = strconv.ParseInt(s, 10, 64)
			return nil
		},
	}
}

func intField(name, def, server, doc string, min, max int64, p func(*TopicConfig) *int32) topicField {
	valid := rangeString(min, max, math.MinInt32, math.MaxInt32)
	check := func(s string) error {
		v, err := strconv.ParseInt(s, 10, 32)
		if err != nil {
			return cfgErr("Expected value to be a 32-bit integer, but it was a %s", kindOf(s))
		}
		return checkRange(v, min, max)
	}
	return topicField{
		def: ConfigDef{Name: name, Type: "int", Default: def, Doc: doc, ServerDefaultProperty: server, Valid: valid, Validate: check},
		get: func(c *TopicConfig) string { return strconv.FormatInt(int64(*p(c)), 10) },
		set: func(c *TopicConfig, s string) error {
			if err := check(s); err != nil {
				return err
			}
			v, _ := strconv.ParseInt(s, 10, 32)
			*p(c) = int32(v)
			return nil
		},
	}
}

func boolField(name, def, server, doc string, p func(*TopicConfig) *bool) topicField {
	check := func(s string) error {
		if !strings.EqualFold(s, "true") && !strings.EqualFold(s, "false") {
			return cfgErr("Expected value to be either true or false")
		}
		return nil
	}
	return topicField{
		def: ConfigDef{Name: name, Type: "boolean", Default: def, Doc: doc, ServerDefaultProperty: server, Validate: check},
		get: func(c *TopicConfig) string { return strconv.FormatBool(*p(c)) },
		set: func(c *TopicConfig, s string) error {
			if err := check(s); err != nil {
				return err
			}
			*p(c) = strings.EqualFold(s, "true")
			return nil
		},
	}
}

func stringField(name, def, server, doc string, choices []string, p func(*TopicConfig) *string) topicField {
	var check func(string) error
	valid := ""
	if choices != nil {
		valid = "[" + strings.Join(choices, ", ") + "]"
		check = func(s string) error {
			for _, c := range choices {
				if c == s {
					return nil
				}
			}
			return cfgErr("String must be one of: %s", strings.Join(choices, ", "))
		}
	}
	return topicField{
		def: ConfigDef{Name: name, Type: "string", Default: def, Doc: doc, ServerDefaultProperty: server, Valid: valid, Validate: check},
		get: func(c *TopicConfig) string { return *p(c) },
		set: func(c *TopicConfig, s string) error {
			if check != nil {
				if err := check(s); err != nil {
					return err
				}
			}
			*p(c) = s
			return nil
		},
	}
}

func rangeString(min, max, lo, hi int64) string {
	switch {
	case min == lo && max == hi:
		return ""
	case max == hi:
		return fmt.Sprintf("[%d,...]", min)
	case min == lo:
		return fmt.Sprintf("[...,%d]", max)
	default:
		return fmt.Sprintf("[%d,...,%d]", min, max)
	}
}

func checkRange(v, min, max int64) error {
	if v < min {
		return cfgErr("Value must be at least %d", min)
	}
	if v > max {
		return cfgErr("Value must be no more than %d", max)
	}
	return nil
}

// cfgErr formats a Kafka-worded validation message ("Value must be at
// least 14"); it is always wrapped in an ErrInvalidConfig error by With.
func cfgErr(format string, args ...any) error {
	return configMsg(fmt.Sprintf(format, args...))
}

type configMsg string

func (m configMsg) Error() string { return string(m) }

func kindOf(s string) string {
	if s == "" {
		return "empty string"
	}
	return "String"
}
