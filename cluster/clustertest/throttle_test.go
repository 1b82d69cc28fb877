package clustertest

import (
	"context"
	"fmt"
	"math/rand"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// produceBytes writes about total bytes of incompressible records to
// partition p of topic (acks=all).
func produceBytes(t *testing.T, c *testCluster, topic string, p int32, total int) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Seeds()...), kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerBatchCompression(kgo.NoCompression()), kgo.ProducerBatchMaxBytes(1<<20))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const size = 64 << 10
	rng := rand.New(rand.NewSource(1))
	var batch []*kgo.Record
	for sent := 0; sent < total; sent += size {
		v := make([]byte, size)
		rng.Read(v)
		batch = append(batch, &kgo.Record{Topic: topic, Partition: p, Value: v})
		if len(batch) == 32 || sent+size >= total {
			if err := cl.ProduceSync(ctx, batch...).FirstErr(); err != nil {
				t.Fatal(err)
			}
			batch = batch[:0]
		}
	}
}

// setTopicConfigs and setBrokerConfigs set (value non-nil) or delete
// configs (IncrementalAlterConfigs), failing the test on any error.
func setTopicConfigs(t *testing.T, adm *kadm.Client, topic string, kv map[string]*string) {
	t.Helper()
	alterConfigs(t, "topic "+topic, kv, func(ctx context.Context, ops []kadm.AlterConfig) (kadm.AlterConfigsResponses, error) {
		return adm.AlterTopicConfigs(ctx, ops, topic)
	})
}

func setBrokerConfigs(t *testing.T, adm *kadm.Client, brokers []int32, kv map[string]*string) {
	t.Helper()
	alterConfigs(t, fmt.Sprintf("brokers %v", brokers), kv, func(ctx context.Context, ops []kadm.AlterConfig) (kadm.AlterConfigsResponses, error) {
		return adm.AlterBrokerConfigs(ctx, ops, brokers...)
	})
}

// alterConfigs turns kv into set/delete ops and sends them with alter.
func alterConfigs(t *testing.T, what string, kv map[string]*string,
	alter func(context.Context, []kadm.AlterConfig) (kadm.AlterConfigsResponses, error)) {
	t.Helper()
	var ops []kadm.AlterConfig
	for k, v := range kv {
		op := kadm.SetConfig
		if v == nil {
			op = kadm.DeleteConfig
		}
		ops = append(ops, kadm.AlterConfig{Op: op, Name: k, Value: v})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rs, err := alter(ctx, ops)
	if err == nil {
		for _, r := range rs {
			if r.Err != nil {
				err = r.Err
			}
		}
	}
	if err != nil {
		t.Fatalf("alter configs of %s: %v", what, err)
	}
}

// moveAndTime adds broker 2 to partition 0 of topic ([0,1] -> [0,1,2])
// and returns how long the move took, until the reassignment is done.
func moveAndTime(t *testing.T, adm *kadm.Client, topic string) time.Duration {
	t.Helper()
	start := time.Now()
	startMove(t, adm, topic)
	waitNoReassignments(t, adm, topic, []int32{0}, 3*time.Minute)
	took := time.Since(start)
	waitAssignment(t, adm, topic, 0, []int32{0, 1, 2}, 30*time.Second)
	return took
}

// startMove starts adding broker 2 to partition 0 of topic.
func startMove(t *testing.T, adm *kadm.Client, topic string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var req kadm.AlterPartitionAssignmentsReq
	req.Assign(topic, 0, []int32{0, 1, 2})
	res, err := adm.AlterPartitionAssignments(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Sorted() {
		if r.Err != nil {
			t.Fatalf("reassign %s-%d: %v %s", r.Topic, r.Partition, r.Err, r.ErrMessage)
		}
	}
}

// reassigning reports whether partition 0 of topic is being reassigned.
func reassigning(t *testing.T, adm *kadm.Client, topic string) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var s kadm.TopicsSet
	s.Add(topic, 0)
	rs, err := adm.ListPartitionReassignments(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	return len(rs.Sorted()) > 0
}

// TestReassignThrottled adds a replica of a 20 MB partition under a
// replication throttle of 1 MB/s, set as kafka-reassign-partitions.sh
// --throttle sets it (the brokers' leader/follower rates, the topic's
// leader list naming the current replicas and follower list the new
// one): the move takes at least half of bytes/rate. Then a move held
// back by a throttle of 10 KB/s completes once the throttle is removed
// (the configs apply at runtime, through /config/changes). The same move
// of a third topic without a throttle is only logged, not timed.
func TestReassignThrottled(t *testing.T) {
	if testing.Short() {
		t.Skip("moves 40 MB, 20 of them at 1 MB/s")
	}
	c := startCluster(t, 3, nil)
	adm := c.admin()
	const (
		bytes = 20 << 20
		rate  = 1 << 20
	)
	for _, topic := range []string{"throttled", "lifted", "unthrottled"} {
		createAssigned(t, c, topic, [][]int32{{0, 1}})
		c.waitTopic(adm, topic, 2, 30*time.Second)
		produceBytes(t, c, topic, 0, bytes)
	}

	r := strconv.Itoa(rate)
	setBrokerConfigs(t, adm, []int32{0, 1, 2}, map[string]*string{
		"leader.replication.throttled.rate": &r, "follower.replication.throttled.rate": &r})
	leaders, followers := "0:0,0:1", "0:2"
	setTopicConfigs(t, adm, "throttled", map[string]*string{
		"leader.replication.throttled.replicas": &leaders, "follower.replication.throttled.replicas": &followers})
	time.Sleep(2 * time.Second) // the other brokers learn the topic's lists through /config/changes

	took := moveAndTime(t, adm, "throttled")
	want := time.Duration(float64(bytes) / float64(rate) * 0.5 * float64(time.Second))
	t.Logf("throttled move of %d MiB at %d KiB/s took %v", bytes>>20, rate>>10, took)
	if took < want {
		t.Errorf("throttled move of %d bytes at %d B/s took %v, want at least %v", bytes, rate, took, want)
	}

	// 10 KB/s: 20 MB would take over half an hour. Still moving after 3 s;
	// done soon after the throttle is removed as the tool's --verify
	// removes it.
	slow := "10000"
	setBrokerConfigs(t, adm, []int32{0, 1, 2}, map[string]*string{
		"leader.replication.throttled.rate": &slow, "follower.replication.throttled.rate": &slow})
	setTopicConfigs(t, adm, "lifted", map[string]*string{
		"leader.replication.throttled.replicas": &leaders, "follower.replication.throttled.replicas": &followers})
	time.Sleep(2 * time.Second)
	startMove(t, adm, "lifted")
	time.Sleep(3 * time.Second)
	if !reassigning(t, adm, "lifted") {
		t.Fatal("a 20 MB move at 10 KB/s finished within 3 s")
	}
	lifted := time.Now()
	for _, topic := range []string{"throttled", "lifted"} {
		setTopicConfigs(t, adm, topic, map[string]*string{
			"leader.replication.throttled.replicas": nil, "follower.replication.throttled.replicas": nil})
	}
	setBrokerConfigs(t, adm, []int32{0, 1, 2}, map[string]*string{
		"leader.replication.throttled.rate": nil, "follower.replication.throttled.rate": nil})
	waitNoReassignments(t, adm, "lifted", []int32{0}, 60*time.Second)
	waitAssignment(t, adm, "lifted", 0, []int32{0, 1, 2}, 30*time.Second)
	t.Logf("move finished %v after its throttle was removed", time.Since(lifted))

	// The control move runs at full speed (logged only: timing is not
	// asserted).
	control := moveAndTime(t, adm, "unthrottled")
	t.Logf("unthrottled move of %d MiB took %v", bytes>>20, control)
}
