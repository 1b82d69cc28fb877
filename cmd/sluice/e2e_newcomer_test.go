package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// What a newcomer following the README does (issue 9, item 15).

// TestE2EConsumeGroupStartsAtEarliest: `sluice consume TOPIC -g NEW -n 2`
// right after producing reads the first two records (a new group starts at
// the beginning, as with rpk) instead of waiting forever at the end; the
// next member resumes after them; -o latest still asks for the end.
func TestE2EConsumeGroupStartsAtEarliest(t *testing.T) {
	needBroker(t)
	topic := newTopic(t)
	ok(t, "", "topic", "create", topic, "-p", "1")
	produceLines(t, topic, 0, 3)
	if got := ok(t, "", "consume", topic, "-g", "billing-"+topic, "-n", "2"); got != wantLines(0, 2) {
		t.Fatalf("new group read %q, want the first two records", got)
	}
	if got := ok(t, "", "consume", topic, "-g", "billing-"+topic, "-n", "1"); got != wantLines(2, 3) {
		t.Fatalf("the group resumed at %q", got)
	}
	// An explicit -o latest for a new group: nothing to read at the end.
	if got := ok(t, "", "consume", topic, "-g", "late-"+topic, "-o", "latest", "-e"); got != "" {
		t.Fatalf("-o latest read %q", got)
	}
	// Without a group the default stays the end (-e: nothing there).
	if got := ok(t, "", "consume", topic, "-e"); got != "" {
		t.Fatalf("plain consume read %q", got)
	}
	if h := ok(t, "", "consume", "-h"); !strings.Contains(h, "earliest with --group") {
		t.Fatalf("--help does not state the default:\n%s", h)
	}
}

// TestE2EPerfProduceMissingTopic: `sluice perf produce` on a missing topic
// gets it created by the broker (auto.create.topics.enable, on by
// default), as Kafka's perf tool does; with auto-creation off it fails
// with one clear line and creates nothing.
func TestE2EPerfProduceMissingTopic(t *testing.T) {
	needBroker(t)
	topic := newTopic(t)
	res := decode[perfSummary](t, ok(t, "", "perf", "produce", topic, "--records", "500", "--size", "50", "--json", "-q"))
	if res.Records != 500 {
		t.Fatalf("perf produce on a new topic: %+v", res)
	}
	if got := ok(t, "", "topic", "describe", topic); !strings.Contains(got, topic) {
		t.Fatalf("topic not created: %s", got)
	}

	bp, err := startBroker(filepath.Join(t.TempDir(), "data"), "auto.create.topics.enable=false", "sluice.metrics.listener=")
	if err != nil {
		t.Fatal(err)
	}
	defer bp.stop()
	r := fails(t, 1, "", "perf", "produce", "absent", "--records", "10", "--brokers", bp.addr)
	if !strings.Contains(r.stderr, "auto.create.topics.enable=false") || !strings.Contains(r.stderr, "sluice topic create absent") {
		t.Fatalf("stderr %q", r.stderr)
	}
	if r := sluice(t, "", "topic", "describe", "absent", "--brokers", bp.addr); r.code != 1 {
		t.Fatalf("the topic exists after a refused perf produce: %s", r.stdout)
	}
}
