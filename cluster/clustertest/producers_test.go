package clustertest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestDescribeProducersCluster: DescribeProducers (61) through kadm on a
// three-broker cluster: each partition is answered by its leader with the
// idempotent producer that wrote to it; a follower asked directly answers
// NOT_LEADER_OR_FOLLOWER; after the leader of partition 0 stops, the new
// leader (a follower that replicated the batches) describes the same
// producer, last timestamp included (a follower once rewrote a replicated
// batch's maxTimestamp with a stale value).
func TestDescribeProducersCluster(t *testing.T) {
	c := startCluster(t, 3, nil)
	adm := c.admin()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := adm.CreateTopic(ctx, 3, 3, nil, "dp"); err != nil {
		t.Fatal(err)
	}
	td := c.waitTopic(adm, "dp", 3, 30*time.Second)
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Seeds()...), kgo.DefaultProduceTopic("dp"),
		kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	for p := range int32(3) {
		for range int(p) + 1 { // partition p gets p+1 batches: last sequence p
			if err := cl.ProduceSync(ctx, &kgo.Record{Partition: p, Value: []byte("v")}).FirstErr(); err != nil {
				t.Fatal(err)
			}
		}
	}
	pid, epoch, err := cl.ProducerID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	check := func(leaders map[int32]int32) {
		t.Helper()
		got, err := adm.DescribeProducers(ctx, kadm.TopicsSet{"dp": {0: {}, 1: {}, 2: {}}})
		if err != nil {
			t.Fatal(err)
		}
		parts := got.SortedPartitions()
		if len(parts) != 3 {
			t.Fatalf("partitions %+v", parts)
		}
		for _, p := range parts {
			dp, ok := p.ActiveProducers[pid]
			if p.Err != nil || p.Leader != leaders[p.Partition] || len(p.ActiveProducers) != 1 || !ok ||
				dp.ProducerEpoch != epoch || dp.LastSequence != p.Partition || dp.LastTimestamp <= 0 ||
				dp.CoordinatorEpoch != -1 || dp.CurrentTxnStartOffset != -1 {
				t.Errorf("partition %d (leader %d): %+v", p.Partition, leaders[p.Partition], p)
			}
		}
	}
	leaders := map[int32]int32{}
	for _, p := range td.Partitions {
		leaders[p.Partition] = p.Leader
	}
	check(leaders)

	// A follower of partition 0, asked directly.
	follower := (leaders[0] + 1) % 3
	req := kmsg.NewPtrDescribeProducersRequest()
	rt := kmsg.NewDescribeProducersRequestTopic()
	rt.Topic, rt.Partitions = "dp", []int32{0}
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, cl.Broker(int(follower)))
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 ||
		!errors.Is(kerr.ErrorForCode(resp.Topics[0].Partitions[0].ErrorCode), kerr.NotLeaderForPartition) {
		t.Fatalf("follower %d answered %+v", follower, resp.Topics)
	}

	// The leader of partition 0 stops: its successor knows the producer.
	old := leaders[0]
	if !c.broker(old).Stop(30 * time.Second) {
		t.Fatalf("broker %d did not stop", old)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		md, err := adm.Metadata(ctx, "dp")
		ok := err == nil && md.Topics["dp"].Err == nil
		if ok {
			for _, p := range md.Topics["dp"].Partitions {
				leaders[p.Partition] = p.Leader
				ok = ok && p.Leader >= 0 && p.Leader != old
			}
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("partitions still led by stopped broker %d: %+v %v", old, md.Topics["dp"].Partitions, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	check(leaders)
}
