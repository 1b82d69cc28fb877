package clustertest

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// waitNoReassignments waits until ListPartitionReassignments lists nothing
// for topic's partitions.
func waitNoReassignments(t *testing.T, adm *kadm.Client, topic string, parts []int32, timeout time.Duration) {
	t.Helper()
	var s kadm.TopicsSet
	s.Add(topic, parts...)
	deadline := time.Now().Add(timeout)
	var last kadm.ListPartitionReassignmentsResponses
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		rs, err := adm.ListPartitionReassignments(ctx, s)
		cancel()
		if err == nil {
			last = rs
			if len(rs.Sorted()) == 0 {
				return
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("reassignments of %s still in progress after %v: %+v", topic, timeout, last.Sorted())
}

// waitAssignment waits until the metadata shows partition p of topic with
// exactly these replicas and all of them in sync.
func waitAssignment(t *testing.T, adm *kadm.Client, topic string, p int32, want []int32, timeout time.Duration) kadm.PartitionDetail {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last kadm.PartitionDetail
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		md, err := adm.Metadata(ctx, topic)
		cancel()
		if err == nil {
			last = md.Topics[topic].Partitions[p]
			isr := slices.Sorted(slices.Values(last.ISR))
			if slices.Equal(last.Replicas, want) && slices.Equal(isr, slices.Sorted(slices.Values(want))) && last.Leader >= 0 {
				return last
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s-%d: replicas %v isr %v leader %d, want replicas %v all in sync", topic, p, last.Replicas, last.ISR, last.Leader, want)
	return last
}

func dirExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// TestReassignPartitions moves a partition with records to another broker
// (KIP-455 through kadm's AlterPartitionAssignments): the new replica
// catches up, leadership moves to it, the old replica's log is deleted,
// and every record is still there. Then it raises a partition's
// replication factor from 2 to 3, and checks the errors.
func TestReassignPartitions(t *testing.T) {
	c := startCluster(t, 3, nil)
	adm := c.admin()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	const topic = "moving"
	createAssigned(t, c, topic, [][]int32{{0, 1}, {0, 1}})
	c.waitTopic(adm, topic, 2, 30*time.Second)

	p, err := StartProducer(c.Seeds(), ProducerOptions{Topic: topic, MaxInFlight: 20})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.WaitAcked(ctx, 2000); err != nil {
		t.Fatal(err)
	}
	hist, _, errs := p.Stop(10 * time.Second)
	if len(errs) > 0 {
		t.Logf("producer errors: %v", errs)
	}

	// Move partition 0 from [0,1] to [2,1].
	var req kadm.AlterPartitionAssignmentsReq
	req.Assign(topic, 0, []int32{2, 1})
	res, err := adm.AlterPartitionAssignments(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Sorted() {
		if r.Err != nil {
			t.Fatalf("reassign %s-%d: %v %s", r.Topic, r.Partition, r.Err, r.ErrMessage)
		}
	}
	waitNoReassignments(t, adm, topic, []int32{0, 1}, 60*time.Second)
	pd := waitAssignment(t, adm, topic, 0, []int32{2, 1}, 30*time.Second)
	if pd.Leader != 2 {
		t.Errorf("%s-0 led by %d after the move, want 2 (the first target replica)", topic, pd.Leader)
	}
	waitAssignment(t, adm, topic, 1, []int32{0, 1}, 5*time.Second)

	// Broker 0's log of partition 0 is deleted; broker 2 has one.
	dir0 := filepath.Join(c.broker(0).Dir, topic+"-0")
	deadline := time.Now().Add(20 * time.Second)
	for dirExists(dir0) && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if dirExists(dir0) {
		t.Errorf("broker 0 still has %s", dir0)
	}
	if !dirExists(filepath.Join(c.broker(2).Dir, topic+"-0")) {
		t.Errorf("broker 2 has no log of %s-0", topic)
	}
	if !dirExists(filepath.Join(c.broker(0).Dir, topic+"-1")) {
		t.Errorf("broker 0 lost %s-1, which did not move", topic)
	}

	// Every acknowledged record is read back, partition 0's from broker 2
	// (its leader now).
	reads, err := ReadAll(ctx, c.Seeds(), topic)
	if err != nil {
		t.Fatal(err)
	}
	if rep := Check(hist, reads); !rep.OK() {
		t.Fatalf("after the move: %s", rep)
	}
	var on0 int
	for _, r := range reads {
		if r.Partition == 0 {
			on0++
		}
	}
	if on0 == 0 {
		t.Fatal("no record was produced to partition 0")
	}
	ends := endOffsetOn(t, c, 2, topic, 0)
	if ends < int64(on0) {
		t.Errorf("broker 2's log of %s-0 ends at %d, want at least %d records", topic, ends, on0)
	}

	// Replication factor 2 -> 3 for partition 1.
	req = nil
	req.Assign(topic, 1, []int32{0, 1, 2})
	if res, err = adm.AlterPartitionAssignments(ctx, req); err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Sorted() {
		if r.Err != nil {
			t.Fatalf("reassign %s-%d: %v %s", r.Topic, r.Partition, r.Err, r.ErrMessage)
		}
	}
	waitNoReassignments(t, adm, topic, []int32{0, 1}, 60*time.Second)
	waitAssignment(t, adm, topic, 1, []int32{0, 1, 2}, 30*time.Second)
	if !dirExists(filepath.Join(c.broker(2).Dir, topic+"-1")) {
		t.Errorf("broker 2 has no log of %s-1 after the replication factor grew", topic)
	}

	// Errors: an unknown broker, duplicates, cancelling nothing, an
	// unknown partition.
	req = nil
	req.Assign(topic, 0, []int32{2, 7})
	req.Assign(topic, 1, []int32{1, 1})
	req.Assign(topic, 9, []int32{1})
	req.Assign("no-such-topic", 0, []int32{1})
	if res, err = adm.AlterPartitionAssignments(ctx, req); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{topic + "-0": "INVALID_REPLICA_ASSIGNMENT", topic + "-1": "INVALID_REPLICA_ASSIGNMENT",
		topic + "-9": "UNKNOWN_TOPIC_OR_PARTITION", "no-such-topic-0": "UNKNOWN_TOPIC_OR_PARTITION"}
	for _, r := range res.Sorted() {
		name := r.Topic + "-" + strconv.Itoa(int(r.Partition))
		if r.Err == nil || !containsErr(r.Err, want[name]) {
			t.Errorf("%s: %v, want %s", name, r.Err, want[name])
		}
	}
	req = nil
	req.CancelAssign(topic, 0)
	if res, err = adm.AlterPartitionAssignments(ctx, req); err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Sorted() {
		if !containsErr(r.Err, "NO_REASSIGNMENT_IN_PROGRESS") {
			t.Errorf("cancel with nothing in progress: %v", r.Err)
		}
	}
}

func containsErr(err error, name string) bool {
	return err != nil && name != "" && strings.Contains(err.Error(), name)
}

// endOffsetOn asks the leader of topic's partition p (broker leader) for
// its end offset.
func endOffsetOn(t *testing.T, c *testCluster, leader int32, topic string, p int32) int64 {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Seeds()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	req := kmsg.NewPtrListOffsetsRequest()
	rt := kmsg.NewListOffsetsRequestTopic()
	rt.Topic = topic
	rp := kmsg.NewListOffsetsRequestTopicPartition()
	rp.Partition, rp.Timestamp, rp.CurrentLeaderEpoch = p, -1, -1
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := kadm.NewClient(cl).BrokerMetadata(ctx); err != nil {
		t.Fatal(err)
	}
	resp, err := req.RequestWith(ctx, cl.Broker(int(leader)))
	if err != nil {
		t.Fatal(err)
	}
	rp2 := resp.Topics[0].Partitions[0]
	if rp2.ErrorCode != 0 {
		t.Fatalf("ListOffsets %s-%d on broker %d: error %d", topic, p, leader, rp2.ErrorCode)
	}
	return rp2.Offset
}
