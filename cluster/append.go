package cluster

import (
	"context"
	"fmt"
	"time"

	"sluice/engine"
	"sluice/engine/record"
)

// Log returns the local log of a partition this node leads, with its
// partition info. Errors: ErrUnknownTopicOrPartition, ErrNotLeader (another
// broker leads it), or an error wrapping engine.ErrStorage when the
// replica's log is offline (KAFKA_STORAGE_ERROR).
func (n *Node) Log(tp engine.TopicPartition) (*engine.Log, PartitionInfo, error) {
	if n.zk != nil {
		l, info, _, err := n.zkLog(tp)
		return l, info, err
	}
	_, p, err := n.partition(tp)
	if err != nil {
		return nil, PartitionInfo{}, err
	}
	return p.log, p.info, nil
}

// partition looks up a led, online partition.
func (n *Node) partition(tp engine.TopicPartition) (*topicState, *partitionState, error) {
	t, ok := n.snap.Load().topics[tp.Topic]
	if !ok || tp.Partition < 0 || int(tp.Partition) >= len(t.parts) {
		return nil, nil, errorf(ErrUnknownTopicOrPartition, "This server does not host this topic-partition.")
	}
	p := t.parts[tp.Partition]
	if p.info.Leader != n.cfg.NodeID {
		return nil, nil, errorf(ErrNotLeader, "Leader not local for partition %s-%d on broker %d", tp.Topic, tp.Partition, n.cfg.NodeID)
	}
	if p.log == nil {
		if p.err != nil {
			return nil, nil, p.err
		}
		return nil, nil, fmt.Errorf("%w: %s-%d has no local log", engine.ErrStorage, tp.Topic, tp.Partition)
	}
	if p.log.Offline() {
		return nil, nil, fmt.Errorf("%w: log dir of %s-%d is offline", engine.ErrStorage, tp.Topic, tp.Partition)
	}
	return t, p, nil
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
	if n.zk != nil {
		return n.zkAppendAsync(ctx, tp, records, acks, engine.OriginClient)
	}
	res, err := n.appendAsLeader(tp, records, acks, engine.OriginClient, budgetFrom(ctx))
	return res, nil, err
}

type budgetKey struct{}

// NewRequestBudget returns the decompression budget of one Produce request
// (sluice.request.decompressed.max.bytes); WithBudget hands it to the
// Append calls of the request's partitions.
func (n *Node) NewRequestBudget() *record.Budget {
	return record.NewBudget(n.cfg.RequestDecompressedMax)
}

// WithBudget returns ctx carrying a request's decompression budget, which
// Append charges for every batch it decompresses.
func WithBudget(ctx context.Context, b *record.Budget) context.Context {
	return context.WithValue(ctx, budgetKey{}, b)
}

func budgetFrom(ctx context.Context) *record.Budget {
	if ctx == nil {
		return nil
	}
	b, _ := ctx.Value(budgetKey{}).(*record.Budget)
	return b
}

// AppendCoordinator appends a batch written by the broker's own group or
// transaction coordinator (internal topics allowed, control batches
// allowed), with acks=-1 semantics.
func (n *Node) AppendCoordinator(ctx context.Context, tp engine.TopicPartition, records []byte) (engine.AppendResult, error) {
	if n.zk != nil {
		if _, ok := ctx.Deadline(); !ok { // offsets.commit.timeout.ms
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
		}
		res, w, err := n.zkAppendAsync(ctx, tp, records, -1, engine.OriginCoordinator)
		if err != nil || w == nil {
			return res, err
		}
		return res, n.awaitAcks(ctx, tp, w)
	}
	return n.appendAsLeader(tp, records, -1, engine.OriginCoordinator, nil)
}

func (n *Node) appendAsLeader(tp engine.TopicPartition, records []byte, acks int16, origin engine.AppendOrigin, budget *record.Budget) (engine.AppendResult, error) {
	t, p, err := n.partition(tp)
	if err != nil {
		return engine.AppendResult{}, err
	}
	if acks == -1 && int(t.minISR) > len(p.info.ISR) {
		return engine.AppendResult{}, errorf(ErrNotEnoughReplicas,
			"The size of the current ISR Set(%s) is insufficient to satisfy the min.isr requirement of %d for partition %s-%d",
			joinIDs(p.info.ISR), t.minISR, tp.Topic, tp.Partition)
	}
	res, err := p.log.Append(records, engine.AppendOptions{Origin: origin, LeaderEpoch: p.info.LeaderEpoch, Budget: budget})
	if err != nil {
		return res, err
	}
	n.advanceHighWatermark(p)
	return res, nil
}

// advanceHighWatermark moves the HW to the log end offset: with one
// replica (the ISR is this node) every appended record is committed.
func (n *Node) advanceHighWatermark(p *partitionState) {
	p.hwMu.Lock()
	if leo := p.log.LogEndOffset(); leo > p.log.HighWatermark() {
		p.log.SetHighWatermark(leo)
	}
	p.hwMu.Unlock()
}

// AllocateProducerID hands out a producer id that was never handed out
// before, even across restarts: ids come from blocks of 1000 whose end is
// persisted before the first id of the block is used (Kafka's
// ProducerIdManager), so a restart skips the rest of the current block.
func (n *Node) AllocateProducerID() (int64, error) {
	if n.zk != nil {
		return n.zkAllocateProducerID()
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.mu.closed {
		return -1, ErrClosed
	}
	if n.mu.nextPID >= n.mu.state.ProducerIDBlockEnd {
		next := n.mu.state.Clone()
		next.ProducerIDBlockEnd = n.mu.nextPID + producerIDBlockSize
		if err := n.saveLocked(next); err != nil {
			return -1, err
		}
	}
	id := n.mu.nextPID
	n.mu.nextPID++
	return id, nil
}
