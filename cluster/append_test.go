package cluster

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"sluice/cluster/internal/zkdata"
	"sluice/engine"
)

func TestAppendRules(t *testing.T) {
	b := newTestBroker(t, nil)
	b.create("p", 1, map[string]string{"min.insync.replicas": "2"})
	b.create("q", 1, nil)
	ctx := context.Background()
	tp := engine.TopicPartition{Topic: "p"}
	// The effective min ISR is min(min.insync.replicas, replication
	// factor), as Kafka 3.7+: one replica satisfies it here.
	if _, err := b.node.Append(ctx, tp, batch("x"), -1); err != nil {
		t.Errorf("acks=-1 with min.insync.replicas 2 and one replica: %v", err)
	}
	for _, acks := range []int16{0, 1} {
		if _, err := b.node.Append(ctx, tp, batch("x"), acks); err != nil {
			t.Errorf("acks=%d: %v", acks, err)
		}
	}
	if _, err := b.node.Append(ctx, engine.TopicPartition{Topic: "q"}, batch("x"), -1); err != nil {
		t.Errorf("acks=-1: %v", err)
	}
	if _, err := b.node.Append(ctx, tp, batch("x"), 2); !errors.Is(err, ErrInvalidRequiredAcks) {
		t.Errorf("acks=2: %v", err)
	}
	if _, err := b.node.Append(ctx, engine.TopicPartition{Topic: "p", Partition: 1}, batch("x"), 1); !errors.Is(err, ErrUnknownTopicOrPartition) {
		t.Errorf("missing partition: %v", err)
	}

	off, err := b.node.EnsureInternalTopic(ConsumerOffsetsTopic)
	if err != nil {
		t.Fatal(err)
	}
	if !off.Internal || len(off.Partitions) != 50 {
		t.Fatalf("__consumer_offsets: internal %v partitions %d", off.Internal, len(off.Partitions))
	}
	otp := engine.TopicPartition{Topic: ConsumerOffsetsTopic, Partition: 3}
	l, _, err := b.node.Log(otp)
	if err != nil || !l.Config().CleanupPolicy.Compact() || l.Config().SegmentBytes != 100<<20 {
		t.Fatalf("__consumer_offsets config: %v", err)
	}
	if _, err := b.node.Append(ctx, otp, batch("x"), 1); !errors.Is(err, ErrInvalidTopic) ||
		Message(err) != "Cannot append to internal topic __consumer_offsets" {
		t.Errorf("client produce to internal topic: %v", err)
	}
	if _, err := b.node.AppendCoordinator(ctx, otp, batch("x")); err != nil {
		t.Errorf("coordinator append: %v", err)
	}
	if err := b.node.CreatePartitions(ConsumerOffsetsTopic, 60, nil, false); !errors.Is(err, ErrInvalidPartitions) {
		t.Errorf("grow __consumer_offsets: %v", err)
	}
	if err := b.node.DeleteTopic(ConsumerOffsetsTopic); !errors.Is(err, ErrInternalTopicDeletion) {
		t.Errorf("delete internal topic: %v", err)
	}
	again, err := b.node.EnsureInternalTopic(ConsumerOffsetsTopic)
	if err != nil || again.ID != off.ID {
		t.Errorf("EnsureInternalTopic is not idempotent: %v", err)
	}
}

func TestAppendAdvancesHighWatermarkAndWakesFetches(t *testing.T) {
	b := newTestBroker(t, nil)
	b.create("w", 1, nil)
	tp := engine.TopicPartition{Topic: "w"}
	l, _, err := b.node.Log(tp)
	if err != nil {
		t.Fatal(err)
	}
	wait := l.Wait()
	select {
	case <-wait:
		t.Fatal("wait channel closed before any append")
	default:
	}
	if _, err := b.node.Append(context.Background(), tp, batch("a"), 1); err != nil {
		t.Fatal(err)
	}
	select {
	case <-wait:
	case <-time.After(5 * time.Second):
		t.Fatal("append did not wake a parked fetch")
	}
	if l.HighWatermark() != 1 {
		t.Fatalf("hw %d", l.HighWatermark())
	}
}

// A leader append wakes the follower fetches parked on its partition at
// once; under BeginProduce (one Produce request's appends) only when the
// request ends, so that a follower copies all its partitions in one
// fetch.
func TestProduceScopeDefersFollowerWakes(t *testing.T) {
	b := newTestBroker(t, nil)
	b.create("dw", 2, nil)
	var waits []<-chan struct{}
	var tps []engine.TopicPartition
	for p := int32(0); p < 2; p++ {
		tp := engine.TopicPartition{Topic: "dw", Partition: p}
		_, _, r, err := b.node.localLog(tp)
		if err != nil {
			t.Fatal(err)
		}
		tps, waits = append(tps, tp), append(waits, r.WaitAppend())
	}
	closed := func(c <-chan struct{}) bool {
		select {
		case <-c:
			return true
		default:
			return false
		}
	}
	ctx, flush := b.node.BeginProduce(context.Background())
	for _, tp := range tps {
		for range 2 { // a partition appended twice is woken once
			if _, err := b.node.Append(ctx, tp, batch("a"), 1); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i, w := range waits {
		if closed(w) {
			t.Fatalf("partition %d woke before the request's appends were flushed", i)
		}
	}
	flush()
	for i, w := range waits {
		if !closed(w) {
			t.Fatalf("partition %d did not wake at the flush", i)
		}
	}
	_, _, r, _ := b.node.localLog(tps[0])
	w := r.WaitAppend()
	if _, err := b.node.Append(context.Background(), tps[0], batch("b"), 1); err != nil {
		t.Fatal(err)
	}
	if !closed(w) {
		t.Fatal("an append outside a Produce request's scope did not wake at once")
	}
}

// Concurrent appends (and metadata reads and changes alongside) keep the
// high watermark equal to the log end and never moving back.
func TestConcurrentAppends(t *testing.T) {
	b := newTestBroker(t, nil)
	b.create("c", 1, nil)
	tp := engine.TopicPartition{Topic: "c"}
	const writers, perWriter = 4, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers+1)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perWriter; i++ {
				if _, err := b.node.Append(context.Background(), tp, batch("x", "y"), 1); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 5; i++ {
			if _, err := b.node.CreateTopic(CreateTopicRequest{Name: fmt.Sprintf("side-%d", i), NumPartitions: 1, ReplicationFactor: 1}); err != nil {
				errs <- err
				return
			}
			b.node.Topics()
		}
	}()
	l, _, _ := b.node.Log(tp)
	var lastHW int64
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		time.Sleep(100 * time.Microsecond)
		hw := l.HighWatermark()
		if hw < lastHW {
			t.Fatalf("high watermark moved back: %d -> %d", lastHW, hw)
		}
		lastHW = hw
	}
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if l.HighWatermark() != writers*perWriter*2 || l.LogEndOffset() != writers*perWriter*2 {
		t.Fatalf("hw %d leo %d, want %d", l.HighWatermark(), l.LogEndOffset(), writers*perWriter*2)
	}
}

func TestTransactionStateTopic(t *testing.T) {
	b := newTestBroker(t, map[string]string{"transaction.state.log.num.partitions": "3"})
	info, err := b.node.EnsureInternalTopic(TransactionStateTopic)
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Partitions) != 3 || !info.Internal {
		t.Fatalf("%+v", info)
	}
	l, _, err := b.node.Log(engine.TopicPartition{Topic: TransactionStateTopic})
	if err != nil || l.Config().MinInsyncReplicas != 1 || !l.Config().CleanupPolicy.Compact() {
		t.Fatalf("config: %v", err)
	}
	// The coordinator writes with acks=-1; single-node min ISR 1 lets it.
	if _, err := b.node.AppendCoordinator(context.Background(), engine.TopicPartition{Topic: TransactionStateTopic}, batch("x")); err != nil {
		t.Fatal(err)
	}
	if _, err := b.node.EnsureInternalTopic("__other"); !errors.Is(err, ErrInvalidTopic) {
		t.Errorf("non-internal name: %v", err)
	}
}

func TestProducerIDsNeverReused(t *testing.T) {
	b := newTestBroker(t, nil)
	seen := map[int64]bool{}
	alloc := func(n int) int64 {
		var last int64 = -1
		for i := 0; i < n; i++ {
			id, err := b.node.AllocateProducerID()
			if err != nil {
				t.Fatal(err)
			}
			if seen[id] || id <= last {
				t.Fatalf("producer id %d reused or not increasing (last %d)", id, last)
			}
			seen[id], last = true, id
		}
		return last
	}
	first := alloc(3)
	b.reopen()
	second := alloc(zkdata.ProducerIDBlockSize + 5) // crosses a block boundary
	if second <= first {
		t.Fatal("ids went backwards")
	}
	b.reopen()
	alloc(2)
	if len(seen) != 3+zkdata.ProducerIDBlockSize+5+2 {
		t.Fatalf("saw %d ids", len(seen))
	}
}
