package cluster

import (
	"context"
	"slices"
	"time"

	"sluice/engine"
	"sluice/engine/record"
)

// Log returns the local log of a partition this node leads, with its
// partition info. Errors: ErrUnknownTopicOrPartition, ErrNotLeader (another
// broker leads it), or an error wrapping engine.ErrStorage when the
// replica's log is offline (KAFKA_STORAGE_ERROR).
func (n *Node) Log(tp engine.TopicPartition) (*engine.Log, PartitionInfo, error) {
	l, info, _, err := n.localLog(tp)
	return l, info, err
}

// Append appends a client's produce batch to a partition, as Kafka's
// ReplicaManager.appendRecords: refuses internal topics
// (INVALID_TOPIC_EXCEPTION "Cannot append to internal topic ..."), checks
// acks (-1, 0 or 1, else ErrInvalidRequiredAcks) and, for acks=-1,
// min.insync.replicas against the ISR (ErrNotEnoughReplicas), appends as
// leader with the current leader epoch, then advances the high watermark.
// With a single replica the HW moves to the log end at once, which wakes
// parked fetches; acks=-1 is then satisfied too, so nothing waits on ctx
// (it is there for replication). Engine errors (record validation,
// sequence checks, storage) are returned as the engine wrapped them.
func (n *Node) Append(ctx context.Context, tp engine.TopicPartition, records []byte, acks int16) (engine.AppendResult, error) {
	res, w, err := n.AppendAsync(ctx, tp, records, acks)
	if err != nil || w == nil {
		return res, err
	}
	return res, n.awaitAcks(ctx, tp, w)
}

// AppendAsync is Append without the wait: for acks=-1 in a cluster it
// returns the wait that ends when the ISR has the records (or cannot
// have them); nil when nothing is left to wait for.
func (n *Node) AppendAsync(ctx context.Context, tp engine.TopicPartition, records []byte, acks int16) (engine.AppendResult, *AckWait, error) {
	if acks != -1 && acks != 0 && acks != 1 {
		return engine.AppendResult{}, nil, errorf(ErrInvalidRequiredAcks, "Invalid required acks: %d", acks)
	}
	if IsInternalTopic(tp.Topic) {
		return engine.AppendResult{}, nil, errorf(ErrInvalidTopic, "Cannot append to internal topic %s", tp.Topic)
	}
	return n.leaderAppend(ctx, tp, records, acks, engine.OriginClient)
}

// produceScope is what the appends of one Produce request share: the
// request's decompression budget (sluice.request.decompressed.max.bytes)
// and the partitions whose parked follower fetches wake when the request
// ends. Not safe for concurrent use: one request's appends run one after
// another.
type produceScope struct {
	budget *record.Budget
	wakes  []*Replica
}

type produceScopeKey struct{}

// BeginProduce returns ctx for the Append and AppendAsync calls of one
// Produce request, and end, which the caller runs after the request's
// last append (before it waits for acks). The appends share the request's
// decompression budget, and they leave waking the follower fetches parked
// on their partitions to end, as Kafka's ReplicaManager completes delayed
// fetches from its action queue once the whole Produce is appended: a
// follower then copies every partition of the request in one fetch, where
// waking it at the first append would answer it with that partition alone
// and leave the rest, and their acks=all waits, to its next round trip.
func (n *Node) BeginProduce(ctx context.Context) (context.Context, func()) {
	s := &produceScope{budget: record.NewBudget(n.cfg.RequestDecompressedMax)}
	return context.WithValue(ctx, produceScopeKey{}, s), s.end
}

func (s *produceScope) wake(r *Replica) {
	if !slices.Contains(s.wakes, r) {
		s.wakes = append(s.wakes, r)
	}
}

func (s *produceScope) end() {
	for _, r := range s.wakes {
		r.notifyAppend()
	}
	s.wakes = nil
}

// produceScopeFrom is ctx's Produce request scope, nil outside one.
func produceScopeFrom(ctx context.Context) *produceScope {
	if ctx == nil {
		return nil
	}
	s, _ := ctx.Value(produceScopeKey{}).(*produceScope)
	return s
}

// AppendCoordinator appends a batch written by the broker's own group or
// transaction coordinator (internal topics allowed, control batches
// allowed), with acks=-1 semantics.
func (n *Node) AppendCoordinator(ctx context.Context, tp engine.TopicPartition, records []byte) (engine.AppendResult, error) {
	if _, ok := ctx.Deadline(); !ok { // offsets.commit.timeout.ms
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
	}
	res, w, err := n.leaderAppend(ctx, tp, records, -1, engine.OriginCoordinator)
	if err != nil || w == nil {
		return res, err
	}
	return res, n.awaitAcks(ctx, tp, w)
}

// AllocateProducerID hands out a producer id that was never handed out
// before, even across restarts: ids come from blocks of 1000 claimed in
// /latest_producer_id_block before the first id of the block is used
// (Kafka's ProducerIdManager), so a restart skips the rest of the
// current block.
func (n *Node) AllocateProducerID() (int64, error) {
	return n.allocateProducerID()
}
