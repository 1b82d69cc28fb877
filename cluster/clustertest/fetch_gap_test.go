package clustertest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestFetchBetweenHighWatermarkAndLogEnd: a consumer whose position lies
// between the leader's high watermark and its log end (it read that far
// where the high watermark was further on: a follower that is now leader,
// or a leader before a restart) gets no records and no error, as Kafka's
// LocalLog.read, and above the log end OFFSET_OUT_OF_RANGE. A franz-go
// consumer placed there keeps its position (no auto.offset.reset) and
// reads on from it once the followers catch up.
func TestFetchBetweenHighWatermarkAndLogEnd(t *testing.T) {
	c := startCluster(t, 3, map[string]string{"replica.lag.time.max.ms": "60000"})
	adm := c.admin()
	const topic = "gap"
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := adm.CreateTopic(ctx, 1, 3, nil, topic); err != nil {
		t.Fatal(err)
	}
	td := c.waitTopic(adm, topic, 3, 30*time.Second)
	lb := c.broker(td.Partitions[0].Leader)
	// Clients talk to the leader only: a frozen broker would hold their
	// metadata requests.
	produce := func(acks kgo.Acks, from, n int) {
		t.Helper()
		cl, err := kgo.NewClient(kgo.SeedBrokers(lb.Addr), kgo.RequiredAcks(acks), kgo.DisableIdempotentWrite())
		if err != nil {
			t.Fatal(err)
		}
		defer cl.Close()
		for i := from; i < from+n; i++ {
			if err := cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: []byte(fmt.Sprint(i))}).FirstErr(); err != nil {
				t.Fatalf("produce %d (acks %v): %v", i, acks, err)
			}
		}
	}
	produce(kgo.AllISRAcks(), 0, 5) // high watermark 5
	var frozen []*Broker
	for _, id := range td.Partitions[0].Replicas {
		if id != lb.ID {
			b := c.broker(id)
			b.Pause()
			frozen = append(frozen, b)
		}
	}
	thawed := false
	thaw := func() {
		if !thawed {
			for _, b := range frozen {
				b.Resume()
			}
			thawed = true
		}
	}
	defer thaw()
	produce(kgo.LeaderAck(), 5, 5) // log end 10; the ISR keeps the frozen followers

	raw, err := kgo.NewClient(kgo.SeedBrokers(lb.Addr))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	fetch := func(offset int64) kmsg.FetchResponseTopicPartition {
		t.Helper()
		req := kmsg.NewPtrFetchRequest()
		req.ReplicaID, req.ReplicaState.ID = -1, -1
		req.MaxBytes, req.MinBytes, req.MaxWaitMillis, req.SessionEpoch = 1<<20, 0, 0, -1
		rt := kmsg.NewFetchRequestTopic()
		rt.Topic, rt.TopicID = topic, td.ID
		rp := kmsg.NewFetchRequestTopicPartition()
		rp.FetchOffset, rp.CurrentLeaderEpoch, rp.LastFetchedEpoch, rp.LogStartOffset, rp.PartitionMaxBytes = offset, -1, -1, -1, 1<<20
		rt.Partitions = append(rt.Partitions, rp)
		req.Topics = append(req.Topics, rt)
		kresp, err := raw.Broker(int(lb.ID)).Request(ctx, req)
		if err != nil {
			t.Fatalf("fetch at %d: %v", offset, err)
		}
		resp := kresp.(*kmsg.FetchResponse)
		if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 {
			t.Fatalf("fetch at %d: %+v", offset, resp)
		}
		return resp.Topics[0].Partitions[0]
	}
	for _, off := range []int64{7, 10} {
		if p := fetch(off); p.ErrorCode != 0 || p.HighWatermark != 5 || len(p.RecordBatches) != 0 {
			t.Errorf("fetch at %d (high watermark 5, log end 10): error %d, hw %d, %d record bytes; want no error, hw 5, no records",
				off, p.ErrorCode, p.HighWatermark, len(p.RecordBatches))
		}
	}
	if p := fetch(11); p.ErrorCode != 1 {
		t.Errorf("fetch at 11 (log end 10): error %d, want OFFSET_OUT_OF_RANGE (1)", p.ErrorCode)
	}

	cons, err := kgo.NewClient(kgo.SeedBrokers(lb.Addr),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {0: kgo.NewOffset().At(7)}}),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cons.Close()
	// While the followers are frozen there is nothing to read at 7; a
	// consumer told "out of range" would have reset to the start and
	// read 0-4 by now.
	pctx, pcancel := context.WithTimeout(ctx, 2*time.Second)
	fs := cons.PollFetches(pctx)
	pcancel()
	if recs := fs.Records(); len(recs) > 0 {
		t.Fatalf("consumer at offset 7 read offset %d before the high watermark passed it (reset to the start?)", recs[0].Offset)
	}
	thaw()
	var got []int64
	for len(got) < 3 && ctx.Err() == nil {
		fs := cons.PollFetches(ctx)
		for _, e := range fs.Errors() {
			if e.Err != context.DeadlineExceeded {
				t.Logf("poll: %v", e.Err)
			}
		}
		for _, r := range fs.Records() {
			got = append(got, r.Offset)
		}
	}
	if fmt.Sprint(got) != "[7 8 9]" {
		t.Fatalf("consumer from offset 7 read offsets %v, want [7 8 9]", got)
	}
}
