package clustertest

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
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

// createAssignedWithConfigs creates topic with an explicit replica
// assignment and the given topic configs.
func createAssignedWithConfigs(t *testing.T, c *testCluster, topic string, assignment [][]int32, configs map[string]string) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Seeds()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	req := kmsg.NewPtrCreateTopicsRequest()
	rt := kmsg.NewCreateTopicsRequestTopic()
	rt.Topic, rt.NumPartitions, rt.ReplicationFactor = topic, -1, -1
	for p, rs := range assignment {
		ra := kmsg.NewCreateTopicsRequestTopicReplicaAssignment()
		ra.Partition, ra.Replicas = int32(p), rs
		rt.ReplicaAssignment = append(rt.ReplicaAssignment, ra)
	}
	for k, v := range configs {
		cfg := kmsg.NewCreateTopicsRequestTopicConfig()
		cfg.Name, cfg.Value = k, kmsg.StringPtr(v)
		rt.Configs = append(rt.Configs, cfg)
	}
	req.Topics = append(req.Topics, rt)
	req.TimeoutMillis = 30000
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	if code := resp.Topics[0].ErrorCode; code != 0 {
		t.Fatalf("create %s: error %d %v", topic, code, resp.Topics[0].ErrorMessage)
	}
}

// createAssigned creates topic with an explicit replica assignment (one
// replica list per partition) through CreateTopics.
func createAssigned(t *testing.T, c *testCluster, topic string, assignment [][]int32) {
	t.Helper()
	createAssignedWithConfigs(t, c, topic, assignment, nil)
}

// createAssignedMinISR2 creates topic with an explicit replica assignment
// and min.insync.replicas=2.
func createAssignedMinISR2(t *testing.T, c *testCluster, topic string, assignment [][]int32) {
	t.Helper()
	createAssignedWithConfigs(t, c, topic, assignment, map[string]string{"min.insync.replicas": "2"})
}
