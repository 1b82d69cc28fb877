package protocol

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

// TestDescribeProducersKadm: DescribeProducers (61) through kadm lists the
// idempotent producers of each partition with their epoch, last sequence
// and last timestamp (no transactions: coordinator epoch and transaction
// start -1); an empty partition lists none, an unknown one answers
// UNKNOWN_TOPIC_OR_PARTITION.
func TestDescribeProducersKadm(t *testing.T) {
	t.Parallel()
	b := startTestBroker(t, "", nil)
	ctx := context.Background()
	adm := newAdmin(t, b)
	createOK(t, adm, "prods", 2)
	opts := []kgo.Opt{kgo.DefaultProduceTopic("prods"), kgo.RecordPartitioner(kgo.ManualPartitioner())}
	pa, pb := newKgo(t, b, opts...), newKgo(t, b, opts...)
	last := time.UnixMilli(1_700_000_000_123)
	for i := range 3 {
		r := &kgo.Record{Value: []byte("a")}
		if i == 2 {
			r.Timestamp = last
		}
		if err := pa.ProduceSync(ctx, r).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	if err := pb.ProduceSync(ctx, &kgo.Record{Value: []byte("b")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	idA, epA, err := pa.ProducerID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	idB, epB, err := pb.ProducerID(ctx)
	if err != nil {
		t.Fatal(err)
	}

	got, err := adm.DescribeProducers(ctx, kadm.TopicsSet{"prods": {0: {}, 1: {}}})
	if err != nil {
		t.Fatal(err)
	}
	parts := got.SortedPartitions()
	if len(parts) != 2 || parts[0].Err != nil || parts[1].Err != nil || len(parts[1].ActiveProducers) != 0 {
		t.Fatalf("partitions: %+v", parts)
	}
	ps := got.SortedProducers()
	if len(ps) != 2 {
		t.Fatalf("producers: %+v", ps)
	}
	want := map[int64]kadm.DescribedProducer{
		idA: {ProducerEpoch: epA, LastSequence: 2, LastTimestamp: last.UnixMilli()},
		idB: {ProducerEpoch: epB, LastSequence: 0},
	}
	for _, p := range ps {
		w, ok := want[p.ProducerID]
		if !ok || p.Partition != 0 || p.Leader != b.Node().NodeID() || p.ProducerEpoch != w.ProducerEpoch ||
			p.LastSequence != w.LastSequence || p.CoordinatorEpoch != -1 || p.CurrentTxnStartOffset != -1 {
			t.Errorf("producer %+v, want %+v", p, w)
		}
		if w.LastTimestamp != 0 && p.LastTimestamp != w.LastTimestamp || p.LastTimestamp <= 0 {
			t.Errorf("producer %d last timestamp %d, want %d", p.ProducerID, p.LastTimestamp, w.LastTimestamp)
		}
	}

	// Unknown topic and partition, straight to the broker (kadm would stop
	// at the metadata).
	req := kmsg.NewPtrDescribeProducersRequest()
	for _, tp := range []struct {
		topic string
		p     int32
	}{{"nope", 0}, {"prods", 7}} {
		rt := kmsg.NewDescribeProducersRequestTopic()
		rt.Topic, rt.Partitions = tp.topic, []int32{tp.p}
		req.Topics = append(req.Topics, rt)
	}
	resp, err := req.RequestWith(ctx, pa.Broker(int(b.Node().NodeID())))
	if err != nil {
		t.Fatal(err)
	}
	for _, rt := range resp.Topics {
		for _, rp := range rt.Partitions {
			if err := kerr.ErrorForCode(rp.ErrorCode); !errors.Is(err, kerr.UnknownTopicOrPartition) || len(rp.ActiveProducers) != 0 {
				t.Errorf("%s/%d: %v %+v", rt.Topic, rp.Partition, err, rp)
			}
		}
	}
	if len(resp.Topics) != 2 {
		t.Fatalf("topics %+v", resp.Topics)
	}
}
