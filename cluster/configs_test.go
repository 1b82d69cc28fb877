package cluster

import (
	"errors"
	"strings"
	"testing"

	"sluice/engine"
)

func TestTopicConfigOverridesPersisted(t *testing.T) {
	b := newTestBroker(t, nil)
	b.create("cfg", 1, map[string]string{"retention.ms": "5000"})
	tp := engine.TopicPartition{Topic: "cfg"}
	// Incremental: keep retention.ms, add segment.bytes, append compact.
	err := b.node.AlterTopicConfig("cfg", []ConfigOp{
		{Name: "segment.bytes", Op: OpSet, Value: "1048576"},
		{Name: "cleanup.policy", Op: OpAppend, Value: "compact"},
	}, true, false)
	if err != nil {
		t.Fatal(err)
	}
	check := func(when string, wantRetention int64, wantOverrides int) {
		t.Helper()
		info, _ := b.node.Topic("cfg")
		l, _, err := b.node.Log(tp)
		if err != nil {
			t.Fatal(err)
		}
		c := l.Config()
		if c.RetentionMs != wantRetention || len(info.Configs) != wantOverrides {
			t.Errorf("%s: retention %d overrides %v", when, c.RetentionMs, info.Configs)
		}
		if wantOverrides == 3 && (c.SegmentBytes != 1<<20 || !c.CleanupPolicy.Compact() || !c.CleanupPolicy.Delete()) {
			t.Errorf("%s: config %+v", when, c)
		}
	}
	check("after alter", 5000, 3)
	b.reopen()
	check("after reopen", 5000, 3)

	// Bad values are refused and change nothing.
	if err := b.node.AlterTopicConfig("cfg", []ConfigOp{{Name: "retention.ms", Value: "-7"}}, true, false); !errors.Is(err, ErrInvalidConfig) ||
		!strings.Contains(Message(err), "retention.ms") {
		t.Errorf("bad value: %v", err)
	}
	if err := b.node.AlterTopicConfig("cfg", []ConfigOp{{Name: "retention.ms", Op: OpAppend, Value: "1"}}, true, false); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("append to non-list: %v", err)
	}
	check("after refused alters", 5000, 3)

	// Legacy AlterConfigs replaces the whole set: only segment.ms remains.
	if err := b.node.AlterTopicConfig("cfg", []ConfigOp{{Name: "segment.ms", Value: "60000"}}, false, false); err != nil {
		t.Fatal(err)
	}
	check("after full replace", engine.DefaultTopicConfig().RetentionMs, 1)
	entries, err := b.node.DescribeTopicConfig("cfg")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		switch e.Name {
		case "segment.ms":
			if e.Value != "60000" || e.Source != SourceTopic {
				t.Errorf("segment.ms entry %+v", e)
			}
		case "retention.ms":
			if e.Value != "604800000" || e.Source != SourceDefault {
				t.Errorf("retention.ms entry %+v", e)
			}
		}
	}
}

func TestBrokerDynamicConfig(t *testing.T) {
	b := newTestBroker(t, map[string]string{"log.retention.hours": "2"})
	b.create("plain", 1, nil)
	b.create("pinned", 1, map[string]string{"retention.ms": "1000"})
	logOf := func(name string) *engine.Log {
		l, _, err := b.node.Log(engine.TopicPartition{Topic: name})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	if r := logOf("plain").Config().RetentionMs; r != 2*3600000 {
		t.Fatalf("static log.retention.hours not applied: %d", r)
	}
	if err := b.node.AlterBrokerConfig("", []ConfigOp{{Name: "log.retention.ms", Value: "60000"}}, true, false); err != nil {
		t.Fatal(err)
	}
	if r := logOf("plain").Config().RetentionMs; r != 60000 {
		t.Errorf("dynamic default not applied to live log: %d", r)
	}
	if r := logOf("pinned").Config().RetentionMs; r != 1000 {
		t.Errorf("topic override lost: %d", r)
	}
	if err := b.node.AlterBrokerConfig("0", []ConfigOp{{Name: "broker.id", Value: "3"}}, true, false); !errors.Is(err, ErrInvalidRequest) ||
		!strings.Contains(Message(err), "broker.id") {
		t.Errorf("read-only config altered: %v", err)
	}
	if err := b.node.AlterBrokerConfig("0", []ConfigOp{{Name: "log.segment.bytes", Value: "1"}}, true, false); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("bad dynamic value: %v", err)
	}
	if err := b.node.AlterBrokerConfig("9", nil, true, false); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("other broker id: %v", err)
	}
	b.reopen()
	if r := logOf("plain").Config().RetentionMs; r != 60000 {
		t.Errorf("dynamic default lost on reopen: %d", r)
	}
	entries, err := b.node.DescribeBrokerConfig("0")
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, e := range entries {
		switch e.Name {
		case "log.retention.ms":
			found++
			if e.Value != "60000" || e.Source != SourceDynamicDefaultBroker || e.ReadOnly {
				t.Errorf("log.retention.ms %+v", e)
			}
		case "log.retention.hours":
			found++
			if e.Value != "2" || e.Source != SourceStaticBroker {
				t.Errorf("log.retention.hours %+v", e)
			}
		case "broker.id":
			found++
			if !e.ReadOnly || e.Value != "0" || e.Source != SourceDefault {
				t.Errorf("broker.id %+v", e)
			}
		}
	}
	if found != 3 {
		t.Errorf("entries missing: %d of 3", found)
	}
	def, _ := b.node.DescribeBrokerConfig("")
	if len(def) != 1 || def[0].Name != "log.retention.ms" {
		t.Errorf("cluster default resource: %+v", def)
	}
	// A per-broker value wins over the cluster default.
	if err := b.node.AlterBrokerConfig("0", []ConfigOp{{Name: "log.retention.ms", Value: "70000"}}, true, false); err != nil {
		t.Fatal(err)
	}
	if r := logOf("plain").Config().RetentionMs; r != 70000 {
		t.Errorf("per-broker value not applied: %d", r)
	}
	entries, _ = b.node.DescribeBrokerConfig("0")
	for _, e := range entries {
		if e.Name == "log.retention.ms" {
			if e.Value != "70000" || e.Source != SourceDynamicBroker || len(e.Synonyms) < 3 ||
				e.Synonyms[1].Source != SourceDynamicDefaultBroker || e.Synonyms[1].Value != "60000" {
				t.Errorf("per-broker entry %+v", e)
			}
		}
	}
	tentries, _ := b.node.DescribeTopicConfig("plain")
	for _, e := range tentries {
		if e.Name == "retention.ms" && (e.Value != "70000" || e.Source != SourceDynamicBroker) {
			t.Errorf("topic entry with per-broker default: %+v", e)
		}
	}
	if err := b.node.AlterBrokerConfig("0", []ConfigOp{{Name: "log.retention.ms", Op: OpDelete}}, true, false); err != nil {
		t.Fatal(err)
	}
	// Deleting the dynamic value falls back to the static one.
	if err := b.node.AlterBrokerConfig("", []ConfigOp{{Name: "log.retention.ms", Op: OpDelete}}, true, false); err != nil {
		t.Fatal(err)
	}
	if r := logOf("plain").Config().RetentionMs; r != 2*3600000 {
		t.Errorf("after delete: %d", r)
	}
}
