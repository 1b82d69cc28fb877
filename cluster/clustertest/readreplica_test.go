package clustertest

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"

	"sluice/cluster"
)

// Fetching from the closest replica (KIP-392): three brokers in racks r0,
// r1, r2 and a topic whose partitions 0, 1 and 2 are led by brokers 0, 1
// and 2. A consumer in rack r2 reads them all; the brokers' BytesOut
// counters (consumer fetches only: replication is not counted) say who
// sent the records.

const rackRecords = 300

// rackSetup starts the cluster, creates the topic and produces
// rackRecords records (acks=all) over its three partitions.
func rackSetup(t *testing.T, selector bool, topic string) (*testCluster, kadm.TopicDetail) {
	t.Helper()
	props := map[string]string{"broker.rack": "r{id}"}
	if selector {
		props["replica.selector.class"] = cluster.RackAwareReplicaSelector
	}
	c := startCluster(t, 3, props)
	adm := c.admin()
	createAssigned(t, c, topic, [][]int32{{0, 1, 2}, {1, 2, 0}, {2, 0, 1}})
	td := c.waitTopic(adm, topic, 3, 30*time.Second)
	c.waitTopicOnAll(topic, 30*time.Second)
	for _, p := range td.Partitions {
		if p.Leader != p.Partition {
			t.Fatalf("partition %d led by %d, want %d: %+v", p.Partition, p.Leader, p.Partition, td.Partitions)
		}
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Seeds()...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var recs []*kgo.Record
	for i := 0; i < rackRecords; i++ {
		recs = append(recs, &kgo.Record{Topic: topic, Partition: int32(i % 3), Value: []byte(strconv.Itoa(i))})
	}
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	return c, td
}

// bytesOut is a broker's BytesOut counter for topic (0 before any).
func bytesOut(t *testing.T, b *Broker, topic string) float64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	v, err := b.Metric(ctx, `kafka_server_brokertopicmetrics_bytesout_total{topic="`+topic+`"}`)
	if err != nil && strings.Contains(err.Error(), "not found") {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// readAllFromRack reads every record as a consumer in rack and checks
// each was read once.
func readAllFromRack(t *testing.T, c *testCluster, topic, rack string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	reads, err := ReadAll(ctx, c.Seeds(), topic, kgo.Rack(rack))
	if err != nil {
		t.Fatal(err)
	}
	vals := make([]int, 0, len(reads))
	for _, r := range reads {
		vals = append(vals, int(r.Value))
	}
	sort.Ints(vals)
	if len(vals) != rackRecords {
		t.Fatalf("read %d records, want %d", len(vals), rackRecords)
	}
	for i, v := range vals {
		if v != i {
			t.Fatalf("records read: %v..., want 0..%d once each", vals[:min(len(vals), 20)], rackRecords-1)
		}
	}
}

// rawFetch sends one Fetch at version v for one partition to broker id
// and returns the partition's answer.
func rawFetch(t *testing.T, c *testCluster, id int32, v int16, rack string, td kadm.TopicDetail, p int32, offset int64, epoch int32) kmsg.FetchResponseTopicPartition {
	t.Helper()
	vs := kversion.Stable()
	vs.SetMaxKeyVersion(1, v)
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Seeds()...), kgo.MaxVersions(vs))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	req := kmsg.NewPtrFetchRequest()
	req.ReplicaID, req.ReplicaState.ID = -1, -1
	req.MaxBytes, req.MinBytes, req.MaxWaitMillis = 1<<20, 0, 0
	req.SessionEpoch = -1
	req.Rack = rack
	rt := kmsg.NewFetchRequestTopic()
	rt.Topic, rt.TopicID = td.Topic, td.ID
	rp := kmsg.NewFetchRequestTopicPartition()
	rp.Partition, rp.FetchOffset, rp.CurrentLeaderEpoch = p, offset, epoch
	rp.LastFetchedEpoch, rp.LogStartOffset, rp.PartitionMaxBytes = -1, -1, 1<<20
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	kresp, err := cl.Broker(int(id)).Request(ctx, req)
	if err != nil {
		t.Fatalf("fetch v%d at broker %d: %v", v, id, err)
	}
	resp := kresp.(*kmsg.FetchResponse)
	if resp.Version != v {
		t.Fatalf("fetch sent as v%d, want v%d", resp.Version, v)
	}
	if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 {
		t.Fatalf("fetch v%d at broker %d: %+v", v, id, resp)
	}
	return resp.Topics[0].Partitions[0]
}

// TestFetchFromClosestReplica: with RackAwareReplicaSelector, the leaders
// of partitions 0 and 1 send a consumer of rack r2 to broker 2, which
// sends every record; the raw protocol shows each rule on the way.
func TestFetchFromClosestReplica(t *testing.T) {
	const topic = "closest"
	c, td := rackSetup(t, true, topic)
	for _, b := range c.Brokers {
		if n := bytesOut(t, b, topic); n != 0 {
			t.Fatalf("broker %d sent %v bytes of %s before any consumer", b.ID, n, topic)
		}
	}
	readAllFromRack(t, c, topic, "r2")
	for _, id := range []int32{0, 1} {
		if n := bytesOut(t, c.broker(id), topic); n != 0 {
			t.Errorf("leader %d sent %v bytes of %s to a consumer in rack r2, want 0 (broker 2 serves it)", id, n, topic)
		}
	}
	if n := bytesOut(t, c.broker(2), topic); n == 0 {
		t.Errorf("broker 2 sent no bytes of %s", topic)
	}

	// The protocol, partition 0 (leader 0, epoch e).
	e := td.Partitions[0].LeaderEpoch
	if p := rawFetch(t, c, 0, 16, "r2", td, 0, 0, e); p.ErrorCode != 0 || p.PreferredReadReplica != 2 || len(p.RecordBatches) != 0 {
		t.Errorf("leader, rack r2: error %d, preferred %d, %d record bytes; want 0, 2, none", p.ErrorCode, p.PreferredReadReplica, len(p.RecordBatches))
	}
	for _, rack := range []string{"r0", ""} {
		if p := rawFetch(t, c, 0, 16, rack, td, 0, 0, e); p.ErrorCode != 0 || p.PreferredReadReplica != -1 || len(p.RecordBatches) == 0 {
			t.Errorf("leader, rack %q: error %d, preferred %d, %d record bytes; want records from the leader", rack, p.ErrorCode, p.PreferredReadReplica, len(p.RecordBatches))
		}
	}
	if p := rawFetch(t, c, 0, 10, "r2", td, 0, 0, -1); p.ErrorCode != 0 || len(p.RecordBatches) == 0 {
		t.Errorf("leader, v10: error %d, %d record bytes; want records (no client metadata below v11)", p.ErrorCode, len(p.RecordBatches))
	}
	if p := rawFetch(t, c, 2, 10, "r2", td, 0, 0, -1); p.ErrorCode != 6 {
		t.Errorf("follower, v10: error %d, want NOT_LEADER_OR_FOLLOWER (6)", p.ErrorCode)
	}
	p := rawFetch(t, c, 2, 11, "r2", td, 0, 0, e)
	if p.ErrorCode != 0 || p.PreferredReadReplica != -1 || len(p.RecordBatches) == 0 || p.HighWatermark != rackRecords/3 {
		t.Errorf("follower, v11: error %d, preferred %d, %d record bytes, hw %d; want records up to %d",
			p.ErrorCode, p.PreferredReadReplica, len(p.RecordBatches), p.HighWatermark, rackRecords/3)
	}
	for _, tc := range []struct {
		epoch  int32
		offset int64
		want   int16
	}{
		{e - 1, 0, 74},             // FENCED_LEADER_EPOCH
		{e + 1, 0, 75},             // UNKNOWN_LEADER_EPOCH
		{e, rackRecords/3 + 10, 1}, // OFFSET_OUT_OF_RANGE past the log end
		{-1, rackRecords / 3, 0},   // at the end: nothing yet
		{e, -1, 1},                 // below the log start
	} {
		if tc.want == 74 && e == 0 {
			continue // partition 0 is at its first epoch: nothing older to be fenced with
		}
		if p := rawFetch(t, c, 2, 16, "r2", td, 0, tc.offset, tc.epoch); p.ErrorCode != tc.want || len(p.RecordBatches) != 0 {
			t.Errorf("follower, epoch %d offset %d: error %d, %d record bytes; want %d, none", tc.epoch, tc.offset, p.ErrorCode, len(p.RecordBatches), tc.want)
		}
	}
	if code := listOffsetsCode(t, c, 2, td, 0); code != 6 {
		t.Errorf("ListOffsets at a follower: error %d, want NOT_LEADER_OR_FOLLOWER (6)", code)
	}

	// A new leader epoch (broker 1 dies: the ISR shrinks) fences the old
	// one at the follower too, once its LeaderAndIsr arrived.
	c.broker(1).Kill()
	td2 := c.waitTopic(c.admin(), topic, 2, 30*time.Second)
	e2 := td2.Partitions[0].LeaderEpoch
	if e2 <= e || td2.Partitions[0].Leader != 0 {
		t.Fatalf("partition 0 after broker 1 died: %+v, want leader 0 at an epoch above %d", td2.Partitions[0], e)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		p := rawFetch(t, c, 2, 16, "r2", td, 0, 0, e)
		if p.ErrorCode == 74 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("follower, old epoch %d (now %d): error %d, want FENCED_LEADER_EPOCH (74)", e, e2, p.ErrorCode)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if p := rawFetch(t, c, 2, 16, "r2", td, 0, 0, e2); p.ErrorCode != 0 || len(p.RecordBatches) == 0 {
		t.Errorf("follower, epoch %d: error %d, %d record bytes; want records", e2, p.ErrorCode, len(p.RecordBatches))
	}
}

// TestFetchLeaderOnlyWithoutSelector: without replica.selector.class the
// same consumer in rack r2 is served by each partition's leader.
func TestFetchLeaderOnlyWithoutSelector(t *testing.T) {
	const topic = "leaders"
	c, td := rackSetup(t, false, topic)
	readAllFromRack(t, c, topic, "r2")
	for _, b := range c.Brokers {
		if n := bytesOut(t, b, topic); n == 0 {
			t.Errorf("broker %d, the leader of partition %d, sent no bytes of %s", b.ID, b.ID, topic)
		}
	}
	e := td.Partitions[0].LeaderEpoch
	if p := rawFetch(t, c, 0, 16, "r2", td, 0, 0, e); p.ErrorCode != 0 || p.PreferredReadReplica != -1 || len(p.RecordBatches) == 0 {
		t.Errorf("leader, rack r2: error %d, preferred %d, %d record bytes; want records from the leader",
			p.ErrorCode, p.PreferredReadReplica, len(p.RecordBatches))
	}
}

// listOffsetsCode asks broker id for the latest offset of partition p.
func listOffsetsCode(t *testing.T, c *testCluster, id int32, td kadm.TopicDetail, p int32) int16 {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Seeds()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	req := kmsg.NewPtrListOffsetsRequest()
	req.ReplicaID = -1
	rt := kmsg.NewListOffsetsRequestTopic()
	rt.Topic = td.Topic
	rp := kmsg.NewListOffsetsRequestTopicPartition()
	rp.Partition, rp.Timestamp = p, -1
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	kresp, err := cl.Broker(int(id)).Request(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	resp := kresp.(*kmsg.ListOffsetsResponse)
	if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 {
		t.Fatalf("ListOffsets: %+v", resp)
	}
	return resp.Topics[0].Partitions[0].ErrorCode
}
