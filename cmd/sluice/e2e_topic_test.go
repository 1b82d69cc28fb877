package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// decode parses one JSON document from a command's stdout.
func decode[T any](t *testing.T, s string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, s)
	}
	return v
}

func TestE2ETopicLifecycle(t *testing.T) {
	needBroker(t)
	topic := newTopic(t)

	// create: table, then --json for a second topic
	out := ok(t, "", "topic", "create", topic, "-p", "2", "-r", "1", "-c", "retention.ms=3600000", "-c", "cleanup.policy=delete")
	if !strings.Contains(out, "TOPIC") || !strings.Contains(out, topic) {
		t.Errorf("create output:\n%s", out)
	}
	topic2 := topic + "-j"
	created := decode[map[string]any](t, ok(t, "", "topic", "create", topic2, "-p", "1", "--json"))
	if created["topic"] != topic2 || created["partitions"] != float64(1) {
		t.Errorf("create --json: %v", created)
	}
	// creating it again fails at run time
	r := fails(t, 1, "", "topic", "create", topic2, "--brokers", e2e.brokers)
	if !strings.Contains(r.stderr, "TOPIC_ALREADY_EXISTS") {
		t.Errorf("duplicate create: %q", r.stderr)
	}

	// list
	out = ok(t, "", "topic", "list")
	if !strings.Contains(out, "NAME") || !lineHas(out, topic, "2", "1") {
		t.Errorf("list:\n%s", out)
	}
	listed := decode[[]map[string]any](t, ok(t, "", "topic", "list", "--json"))
	found := false
	for _, l := range listed {
		if l["topic"] == topic {
			found = l["partitions"] == float64(2) && l["replication_factor"] == float64(1)
		}
	}
	if !found {
		t.Errorf("list --json lacks %s with 2 partitions: %v", topic, listed)
	}

	// describe: partitions and the non-default configs
	out = ok(t, "", "topic", "describe", topic)
	for _, want := range []string{"PARTITIONS", "HIGH-WATERMARK", "retention.ms", "3600000"} {
		if !strings.Contains(out, want) {
			t.Errorf("describe lacks %q:\n%s", want, out)
		}
	}
	tv := decode[topicView](t, ok(t, "", "topic", "describe", topic, "--json"))
	if len(tv.Partitions) != 2 || tv.Partitions[1].Partition != 1 || len(tv.Partitions[0].Replicas) != 1 ||
		len(tv.Partitions[0].ISR) != 1 || tv.Partitions[0].Leader < 0 || tv.Partitions[0].HighWatermark != 0 {
		t.Errorf("describe --json partitions: %+v", tv.Partitions)
	}
	if c := configByName(tv.Configs, "retention.ms"); c == nil || c.Value != "3600000" {
		t.Errorf("describe --json configs: %+v", tv.Configs)
	}

	// alter-config: set one, delete another
	ok(t, "", "topic", "alter-config", topic, "-c", "retention.ms=7200000", "--delete", "cleanup.policy")
	tv = decode[topicView](t, ok(t, "", "topic", "describe", topic, "--json"))
	if c := configByName(tv.Configs, "retention.ms"); c == nil || c.Value != "7200000" {
		t.Errorf("after alter, retention.ms: %+v", tv.Configs)
	}
	if c := configByName(tv.Configs, "cleanup.policy"); c != nil {
		t.Errorf("after --delete, cleanup.policy still overridden: %+v", c)
	}
	altered := decode[map[string]any](t, ok(t, "", "topic", "alter-config", topic, "-c", "segment.ms=600000", "--json"))
	if altered["topic"] != topic {
		t.Errorf("alter-config --json: %v", altered)
	}

	// add-partitions
	ok(t, "", "topic", "add-partitions", topic, "--to", "3")
	tv = decode[topicView](t, ok(t, "", "topic", "describe", topic, "--json"))
	if len(tv.Partitions) != 3 {
		t.Errorf("after add-partitions: %d partitions", len(tv.Partitions))
	}

	// produce 10 records to partition 0, then offsets and delete-records
	var lines []string
	for i := 0; i < 10; i++ {
		lines = append(lines, fmt.Sprintf("record-%d", i))
	}
	ok(t, strings.Join(lines, "\n")+"\n", "produce", topic, "--partition", "0")
	out = ok(t, "", "topic", "offsets", topic)
	if !strings.Contains(out, "LOG-START") || !lineHas(out, "0", "0", "10") {
		t.Errorf("offsets:\n%s", out)
	}
	del := decode[map[string]any](t, ok(t, "", "topic", "delete-records", topic, "--partition", "0", "--before", "4", "--json"))
	if del["log_start_offset"] != float64(4) {
		t.Errorf("delete-records --json: %v", del)
	}
	offs := decode[[]offsetView](t, ok(t, "", "topic", "offsets", topic, "--json"))
	if len(offs) != 3 || *offs[0].Start != 4 || *offs[0].End != 10 || *offs[1].End != 0 {
		t.Errorf("offsets --json after delete-records: %s", ok(t, "", "topic", "offsets", topic, "--json"))
	}
	out = ok(t, "", "topic", "offsets", topic, "--at", "earliest")
	if !lineHas(out, "0", "4") {
		t.Errorf("offsets --at earliest:\n%s", out)
	}
	out = ok(t, "", "consume", topic, "-o", "earliest", "--exit-at-end")
	if out != strings.Join(lines[4:], "\n")+"\n" {
		t.Errorf("consume after delete-records:\n%q", out)
	}
	tv = decode[topicView](t, ok(t, "", "topic", "describe", topic, "--json"))
	if p := tv.Partitions[0]; p.LogStart != 4 || p.HighWatermark != 10 || p.Size <= 0 {
		t.Errorf("describe after produce: %+v (want log start 4, hw 10, size > 0)", p)
	}

	// delete
	ok(t, "", "topic", "delete", topic)
	ok(t, "", "topic", "delete", topic2, "--json")
	out = ok(t, "", "topic", "list")
	if strings.Contains(out, topic+" ") || strings.Contains(out, topic2) {
		t.Errorf("deleted topics still listed:\n%s", out)
	}
	r = fails(t, 1, "", "topic", "describe", topic, "--brokers", e2e.brokers)
	if !strings.Contains(r.stderr, "UNKNOWN_TOPIC_OR_PARTITION") {
		t.Errorf("describe deleted topic: %q", r.stderr)
	}
}

func TestE2EClusterInfoAndBrokerConfig(t *testing.T) {
	needBroker(t)
	out := ok(t, "", "cluster", "info")
	for _, want := range []string{"Cluster ID:", "Controller:", "BROKERS", "127.0.0.1"} {
		if !strings.Contains(out, want) {
			t.Errorf("cluster info lacks %q:\n%s", want, out)
		}
	}
	info := decode[map[string]any](t, ok(t, "", "cluster", "info", "--json"))
	if bs, _ := info["brokers"].([]any); len(bs) != 1 || info["cluster_id"] == "" {
		t.Errorf("cluster info --json: %v", info)
	}

	all := decode[map[string]any](t, ok(t, "", "cluster", "config", "describe", "--all", "--json"))
	cfgs, _ := all["configs"].([]any)
	if len(cfgs) < 10 {
		t.Fatalf("cluster config describe --all: %d configs", len(cfgs))
	}
	if !strings.Contains(ok(t, "", "cluster", "config", "describe", "--all"), "num.partitions") {
		t.Error("describe --all lacks num.partitions")
	}
	ok(t, "", "cluster", "config", "alter", "-c", "log.retention.ms=86400000")
	cfg := decode[struct {
		Configs []configView `json:"configs"`
	}](t, ok(t, "", "cluster", "config", "describe", "--all", "--json"))
	if c := configByName(cfg.Configs, "log.retention.ms"); c == nil || c.Value != "86400000" {
		t.Errorf("after alter, log.retention.ms = %+v", c)
	}
	out = ok(t, "", "cluster", "config", "describe")
	if !lineHas(out, "log.retention.ms", "86400000") {
		t.Errorf("describe (non-default) lacks the altered config:\n%s", out)
	}
	ok(t, "", "cluster", "config", "alter", "--delete", "log.retention.ms")
}

func configByName(cs []configView, name string) *configView {
	for i := range cs {
		if cs[i].Name == name {
			return &cs[i]
		}
	}
	return nil
}

// lineHas reports whether some line of out has exactly these leading
// whitespace-separated fields.
func lineHas(out string, fields ...string) bool {
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) < len(fields) {
			continue
		}
		match := true
		for i := range fields {
			match = match && f[i] == fields[i]
		}
		if match {
			return true
		}
	}
	return false
}
