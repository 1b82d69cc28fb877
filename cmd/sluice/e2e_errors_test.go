package main

import (
	"strings"
	"testing"
	"time"
)

func TestE2EBadInput(t *testing.T) {
	needBinary(t)
	// Usage errors: exit 2, one line, before any network traffic.
	for _, args := range [][]string{
		{"frobnicate"},
		{"topic", "frobnicate"},
		{"topic", "list", "--frobnicate"},
		{"topic", "create", "x", "-c", "retention.ms"},
		{"topic", "create", "x", "-c", "=5"},
		{"topic", "alter-config", "x", "-c", "novalue"},
		{"topic", "alter-config", "x"},
		{"cluster", "config", "alter", "-c", "nope"},
		{"topic", "create"},
		{"topic", "offsets", "x", "--at", "yesterday"},
		{"consume", "x", "--offset", "soon"},
		{"consume", "x", "--format", "%x"},
		{"produce", "x", "--acks", "2"},
		{"produce", "x", "--compression", "brotli"},
		{"produce", "x", "--header", "novalue"},
		{"perf", "produce", "x"},
		{"dump", "notes.txt"},
	} {
		r := fails(t, 2, "", append(args, "--brokers", "127.0.0.1:1")...)
		if r.took > 2*time.Second {
			t.Errorf("%v took %v", args, r.took)
		}
	}

	// An unreachable broker: exit 1, one line, within a few seconds.
	for _, args := range [][]string{
		{"topic", "list"},
		{"topic", "describe", "x"},
		{"cluster", "info"},
		{"produce", "x"},
		{"consume", "x"},
		{"perf", "produce", "x", "--records", "10"},
	} {
		r := fails(t, 1, "line\n", append(args, "--brokers", "127.0.0.1:1")...)
		if !strings.Contains(r.stderr, "no broker reachable at 127.0.0.1:1") {
			t.Errorf("%v: %q", args, r.stderr)
		}
		if r.took > 5*time.Second {
			t.Errorf("%v took %v to give up", args, r.took)
		}
	}

	// -h works everywhere and exits 0.
	for _, args := range [][]string{{"-h"}, {"topic", "-h"}, {"topic", "create", "-h"}, {"consume", "-h"}, {"perf", "produce", "-h"}, {"dump", "-h"}, {"cluster", "config", "alter", "-h"}} {
		if r := sluice(t, "", args...); r.code != 0 || !strings.Contains(r.stdout, "Usage:") {
			t.Errorf("%v: exit %d\n%s", args, r.code, r.stdout)
		}
	}
}

func TestE2EMissingTopic(t *testing.T) {
	needBroker(t)
	for _, args := range [][]string{
		{"topic", "describe", "no-such-topic"},
		{"topic", "offsets", "no-such-topic"},
		{"topic", "delete", "no-such-topic"},
		{"topic", "alter-config", "no-such-topic", "-c", "retention.ms=1000"},
		{"consume", "no-such-topic", "-e"},
		{"produce", "no-such-topic"},
		{"perf", "consume", "no-such-topic"},
	} {
		r := fails(t, 1, "x\n", append(args, "--brokers", e2e.brokers)...)
		if !strings.Contains(r.stderr, "UNKNOWN_TOPIC_OR_PARTITION") {
			t.Errorf("%v: %q", args, r.stderr)
		}
		if r.took > 15*time.Second {
			t.Errorf("%v took %v", args, r.took)
		}
	}
}

// TestE2EBrokerBadReplicaSelector: a replica.selector.class Sluice does not
// implement is a configuration error (exit 2, one line naming the key)
// before the broker binds or touches its log dirs.
func TestE2EBrokerBadReplicaSelector(t *testing.T) {
	needBinary(t)
	r := fails(t, 2, "", "broker", "--override", "log.dirs="+t.TempDir(), "--override", "listeners=PLAINTEXT://127.0.0.1:0",
		"--override", "replica.selector.class=com.example.NearestSelector")
	if !strings.Contains(r.stderr, "replica.selector.class") || !strings.Contains(r.stderr, "RackAwareReplicaSelector") {
		t.Errorf("stderr %q", r.stderr)
	}
}
