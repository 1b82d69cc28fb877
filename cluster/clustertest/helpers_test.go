package clustertest

import (
	"context"
	"os"
	"testing"
	"time"
)

// waitFor polls cond every 100ms until it holds, failing the test after
// timeout.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s after %v", what, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// readFile returns the file's contents, or "" if it cannot be read.
func readFile(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return string(data)
}

// stopAndCheck stops the workload, reads topic back from the running
// brokers and fails the test unless something was acknowledged and the
// checker finds nothing lost, duplicated, reordered, moved or invented.
// It returns the longest pause between two acknowledgements.
func stopAndCheck(t *testing.T, c *testCluster, p *Producer, topic string) time.Duration {
	t.Helper()
	hist, gap, errs := p.Stop(30 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	reads, err := ReadAll(ctx, c.runningSeeds(), topic)
	if err != nil {
		t.Fatal(err)
	}
	rep := Check(hist, reads)
	t.Logf("%s: %s; longest pause between acknowledgements %v; produce errors %v", topic, rep, gap, errs)
	if !rep.OK() {
		t.Fatalf("workload on %s: %s", topic, rep)
	}
	if len(hist.Acked) == 0 {
		t.Fatalf("workload on %s: nothing acknowledged", topic)
	}
	return gap
}
