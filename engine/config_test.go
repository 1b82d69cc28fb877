package engine

import (
	"errors"
	"strings"
	"testing"
)

func TestDefaultTopicConfigMatchesTable(t *testing.T) {
	c := DefaultTopicConfig()
	if len(TopicConfigDefs) != 36 {
		t.Fatalf("want the 36 Kafka 3.9 topic configs, have %d", len(TopicConfigDefs))
	}
	for i, d := range TopicConfigDefs {
		if i > 0 && TopicConfigDefs[i-1].Name >= d.Name {
			t.Errorf("table not sorted at %s", d.Name)
		}
		got, ok := c.Get(d.Name)
		if !ok || got != d.Default {
			t.Errorf("%s: Get = %q,%v; want default %q", d.Name, got, ok, d.Default)
		}
		if d.Doc == "" || d.Type == "" {
			t.Errorf("%s: missing doc or type", d.Name)
		}
	}
	if c.RetentionMs != 604800000 || c.SegmentBytes != 1<<30 || c.MaxMessageBytes != 1048588 ||
		c.IndexIntervalBytes != 4096 || c.SegmentIndexBytes != 10<<20 || !c.CleanupPolicy.Delete() ||
		c.CleanupPolicy.Compact() || c.MinCleanableDirtyRatio != 0.5 || c.CompressionType != "producer" {
		t.Fatalf("defaults wrong: %+v", c)
	}
}

func TestTopicConfigWith(t *testing.T) {
	for _, tc := range []struct {
		name, value string
		wantErr     string // substring; "" = accepted
		get         string // expected Get after success ("" = value)
	}{
		{"retention.ms", "1000", "", ""},
		{"retention.ms", "-1", "", ""},
		{"retention.ms", "-2", "Value must be at least -1", ""},
		{"retention.ms", "abc", "retention.ms", ""},
		{"segment.bytes", "13", "Value must be at least 14", ""},
		{"segment.bytes", "2147483648", "segment.bytes", ""},
		{"cleanup.policy", "compact,delete", "", "compact,delete"},
		{"cleanup.policy", "delete, compact", "", "compact,delete"},
		{"cleanup.policy", "bogus", "cleanup.policy", ""},
		{"min.cleanable.dirty.ratio", "0.1", "", ""},
		{"min.cleanable.dirty.ratio", "1.5", "between 0 and 1", ""},
		{"compression.type", "zstd", "", ""},
		{"compression.type", "brotli", "String must be one of", ""},
		{"compression.gzip.level", "0", "between 1 and 9, or -1", ""},
		{"compression.gzip.level", "9", "", ""},
		{"message.timestamp.type", "LogAppendTime", "", ""},
		{"preallocate", "TRUE", "", "true"},
		{"preallocate", "yes", "true or false", ""},
		{"leader.replication.throttled.replicas", "0:1,1:2", "", ""},
		{"leader.replication.throttled.replicas", "0-1", "partitionId", ""},
		{"message.format.version", "2.8-IV1", "", ""},
		{"message.format.version", "0.10.0.0", "", ""}, // four parts, as Kafka's perf setups write it
		{"message.format.version", "0.10.0", "", ""},
		{"message.format.version", "0.10.0-IV1", "", ""},
		{"message.format.version", "0.8.2.2", "", ""},
		{"message.format.version", "2.8.1", "", ""},
		{"message.format.version", "3.9-IV0", "", ""},
		{"message.format.version", "3.0.0-IV1", "", ""},
		{"message.format.version", "0.10.5", "Version 0.10.5 is not a valid version", ""},
		{"message.format.version", "3.9-IV1", "is not a valid version", ""},
		{"message.format.version", "3", "is not a valid version", ""},
		{"message.format.version", "1.0.x", "", ""}, // cut to "1.0", as Kafka
		{"message.format.version", "x.y", "is not a valid version", ""},
		{"no.such.config", "1", "Unknown topic config name", ""},
	} {
		c, err := DefaultTopicConfig().With(map[string]string{tc.name: tc.value})
		if tc.wantErr != "" {
			if err == nil || !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s=%s: err %v, want %q", tc.name, tc.value, err, tc.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), tc.name) {
				t.Errorf("%s=%s: error %q does not name the key", tc.name, tc.value, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s=%s: %v", tc.name, tc.value, err)
			continue
		}
		want := tc.get
		if want == "" {
			want = tc.value
		}
		if got, _ := c.Get(tc.name); got != want {
			t.Errorf("%s: Get = %q, want %q", tc.name, got, want)
		}
	}
}
