package protocol

import (
	"context"
	"fmt"
	"testing"
	"time"

	"errors"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestKgoConsumerGroupCommitAndResume: a franz-go group consumer reads
// half the records and commits; after a broker restart a new member of the
// same group resumes after the committed offset.
func TestKgoConsumerGroupCommitAndResume(t *testing.T) {
	dir := t.TempDir()
	b := startTestBroker(t, dir, map[string]string{"group.initial.rebalance.delay.ms": "0"})
	createTopic(t, b, "grp", 2, nil)
	prod := newKgo(t, b, kgo.DefaultProduceTopic("grp"))
	for i := range 100 {
		prod.Produce(context.Background(), &kgo.Record{Value: recName("g", i)}, nil)
	}
	if err := prod.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	cons := newKgo(t, b, kgo.ConsumerGroup("g1"), kgo.ConsumeTopics("grp"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.DisableAutoCommit())
	got := consumeN(t, cons, 100)
	if err := cons.CommitRecords(context.Background(), got...); err != nil {
		t.Fatal(err)
	}
	adm := kadm.NewClient(prod)
	offs, err := adm.FetchOffsets(context.Background(), "g1")
	if err != nil {
		t.Fatal(err)
	}
	total := int64(0)
	offs.Each(func(o kadm.OffsetResponse) { total += o.At })
	if total != 100 {
		t.Fatalf("committed offsets sum to %d, want 100: %+v", total, offs)
	}
	bogus := kadm.Offsets{}
	bogus.Add(kadm.Offset{Topic: "grp", Partition: 0, At: 50})
	bogus.Add(kadm.Offset{Topic: "nosuchtopic", Partition: 0, At: 1})
	bogus.Add(kadm.Offset{Topic: "grp", Partition: 9, At: 1})
	cr, err := adm.CommitOffsets(context.Background(), "g2", bogus)
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := cr.Lookup("grp", 0); r.Err != nil {
		t.Fatalf("commit to an existing partition: %v", r.Err)
	}
	for _, tp := range []struct {
		topic string
		p     int32
	}{{"nosuchtopic", 0}, {"grp", 9}} {
		if r, _ := cr.Lookup(tp.topic, tp.p); !errors.Is(r.Err, kerr.UnknownTopicOrPartition) {
			t.Fatalf("commit to %s/%d: %v, want UNKNOWN_TOPIC_OR_PARTITION", tp.topic, tp.p, r.Err)
		}
	}
	described, err := adm.DescribeGroups(context.Background(), "g1")
	if err != nil || described["g1"].State != "Stable" || len(described["g1"].Members) != 1 {
		t.Fatalf("describe: %+v %v", described, err)
	}
	cons.Close()
	prod.Close()
	closeBroker(t, b)

	b2 := startTestBroker(t, dir, map[string]string{"group.initial.rebalance.delay.ms": "0"})
	prod2 := newKgo(t, b2, kgo.DefaultProduceTopic("grp"))
	for i := 100; i < 110; i++ {
		if err := prod2.ProduceSync(context.Background(), &kgo.Record{Value: recName("g", i)}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	cons2 := newKgo(t, b2, kgo.ConsumerGroup("g1"), kgo.ConsumeTopics("grp"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	got2 := consumeN(t, cons2, 10)
	for _, r := range got2 {
		var i int
		if _, err := fmt.Sscanf(string(r.Value), "g-%05d", &i); err != nil || i < 100 {
			t.Fatalf("after restart the group re-read %q (committed offsets lost)", r.Value)
		}
	}
	groups, err := kadm.NewClient(prod2).ListGroups(context.Background())
	if err != nil || len(groups.Groups()) != 2 { // g1, and g2 that only committed offsets
		t.Fatalf("list groups: %+v %v", groups, err)
	}
}

// TestSaramaConsumerGroup: sarama's consumer group (classic protocol,
// range assignor) consumes and marks offsets.
func TestSaramaConsumerGroup(t *testing.T) {
	b := startTestBroker(t, "", map[string]string{"group.initial.rebalance.delay.ms": "0"})
	createTopic(t, b, "sgrp", 3, nil)
	prod := newKgo(t, b, kgo.DefaultProduceTopic("sgrp"))
	for i := range 60 {
		prod.Produce(context.Background(), &kgo.Record{Value: recName("s", i)}, nil)
	}
	if err := prod.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_6_0_0
	cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
	cg, err := sarama.NewConsumerGroup([]string{b.Addr().String()}, "sg", cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer cg.Close()
	h := &saramaHandler{want: 60, done: make(chan struct{})}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	go func() {
		for ctx.Err() == nil {
			if err := cg.Consume(ctx, []string{"sgrp"}, h); err != nil {
				return
			}
		}
	}()
	select {
	case <-h.done:
	case <-ctx.Done():
		t.Fatalf("sarama group consumed %d of 60", h.n)
	}
}

type saramaHandler struct {
	want, n int
	done    chan struct{}
}

func (*saramaHandler) Setup(sarama.ConsumerGroupSession) error   { return nil }
func (*saramaHandler) Cleanup(sarama.ConsumerGroupSession) error { return nil }
func (h *saramaHandler) ConsumeClaim(s sarama.ConsumerGroupSession, c sarama.ConsumerGroupClaim) error {
	for m := range c.Messages() {
		s.MarkMessage(m, "")
		h.n++
		if h.n == h.want {
			close(h.done)
		}
	}
	return nil
}
