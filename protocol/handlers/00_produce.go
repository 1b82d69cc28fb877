package handlers

// Produce v3-11 (key 0). One record batch (magic 2) per partition, appended
// through cluster.Node.Append (Kafka's ReplicaManager.appendRecords): the
// engine validates the batch, checks idempotent-producer sequences (a
// retried batch is answered with its original offsets, nothing appended)
// and the node advances the high watermark. acks=0 answers nothing, and a
// failed acks=0 produce closes the connection (Kafka's only signal).
//
// timeout_ms bounds the wait of acks=all: in a ZooKeeper cluster the
// node waits until the ISR has the records, and a partition whose ISR
// does not catch up within timeout_ms of the request's start answers
// REQUEST_TIMED_OUT (Kafka's DelayedProduce). Every partition is appended
// first; the request then parks (holding no worker, so follower fetches
// that commit the records are never starved) until the waits end. A
// single node acknowledges acks=all at once (it is the whole ISR).
//
// Differences from Kafka: no transactions — a request with a
// transactional id answers TRANSACTIONAL_ID_AUTHORIZATION_FAILED for every
// partition (what Kafka answers a principal not allowed to use it);
// zstd below v7 answers UNSUPPORTED_COMPRESSION_TYPE as Kafka does;
// decompression is capped per batch and per request
// (sluice.batch.decompressed.max.bytes, sluice.request.decompressed.max.bytes),
// past which a batch answers INVALID_RECORD (Kafka has no cap).
//
// KIP-951 (v10+): a partition answered NOT_LEADER_OR_FOLLOWER (or
// FENCED_LEADER_EPOCH) carries the current leader and its epoch, and the
// response lists that leader's endpoint (node_endpoints), so the client
// can move without a Metadata round trip; every other partition leaves
// the tagged field at its default {-1, -1}, which is not sent.

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/cluster"
	"sluice/engine"
	"sluice/engine/record"
	"sluice/protocol/kerr"
)

func handleProduce(env *Env, c *Call) Reply {
	req := c.Req.(*kmsg.ProduceRequest)
	var refuse *kerr.Error
	switch {
	case req.Acks != 0 && req.Acks != 1 && req.Acks != -1:
		refuse = kerr.InvalidRequiredAcks
	case req.TransactionID != nil:
		refuse = kerr.TransactionalIDAuthFailed
	}
	// The request's appends share one decompression budget
	// (sluice.request.decompressed.max.bytes); followers parked on its
	// partitions wake once, after the last append, and fetch them all in
	// one round trip (as Kafka's action queue).
	ctx, end := env.Node.BeginProduce(c.Ctx)
	timeout := time.Duration(max(req.TimeoutMillis, 0)) * time.Millisecond
	if req.Acks == -1 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	results := produceAll(ctx, env, c, req, refuse)
	end()
	return answerProduce(env, c, req, results, time.Now().Add(timeout+time.Second))
}

// answerProduce answers once no partition waits for its ISR any more; an
// acks=all request whose records are not yet committed parks (holding no
// worker) until their waits end: committed, refused, or timed out by the
// replica at timeout_ms (deadline is a backstop past it).
func answerProduce(env *Env, c *Call, req *kmsg.ProduceRequest, results []produceResult, deadline time.Time) Reply {
	var wake []<-chan struct{}
	for i := range results {
		if w := results[i].wait; w != nil {
			select {
			case <-w.Done():
				results[i].err, results[i].wait = w.Err(), nil
			default:
				wake = append(wake, w.Done())
			}
		}
	}
	if len(wake) > 0 {
		return Reply{Park: &Park{Wake: wake, Deadline: deadline, Resume: func(timedOut bool) Reply {
			if timedOut {
				for i := range results {
					if results[i].wait != nil {
						results[i].err, results[i].wait = kerr.RequestTimedOut, nil
					}
				}
			}
			return answerProduce(env, c, req, results, deadline)
		}}}
	}
	resp := c.NewResponse().(*kmsg.ProduceResponse)
	failed := false
	k := 0 // index into results
	resp.Topics = make([]kmsg.ProduceResponseTopic, len(req.Topics))
	for i := range req.Topics {
		rt := &req.Topics[i]
		st := &resp.Topics[i]
		st.Default()
		st.Topic = rt.Topic
		st.Partitions = make([]kmsg.ProduceResponseTopicPartition, len(rt.Partitions))
		for j := range rt.Partitions {
			rp := &rt.Partitions[j]
			sp := &st.Partitions[j]
			sp.Default() // CurrentLeader {-1, -1}: not sent
			sp.Partition = rp.Partition
			res, err := results[k].res, results[k].err
			k++
			if err == nil {
				if !res.Duplicate {
					env.Rec.BytesIn(rt.Topic, len(rp.Records))
					env.Rec.MessagesIn(rt.Topic, int(res.RecordCount))
				}
				sp.BaseOffset = res.BaseOffset
				sp.LogAppendTime = res.LogAppendTime
				sp.LogStartOffset = res.LogStartOffset
				continue
			}
			failed = true
			ke := kerr.FromError(err)
			sp.ErrorCode = ke.Code
			sp.BaseOffset, sp.LogAppendTime, sp.LogStartOffset = -1, -1, -1
			if c.Version >= 10 && (ke == kerr.NotLeaderOrFollower || ke == kerr.FencedLeaderEpoch) {
				currentLeader(env, resp, sp, rt.Topic, rp.Partition)
			}
			if c.Version >= 8 {
				if msg := kerr.Message(err); msg != "" && !errors.As(err, new(*kerr.Error)) {
					sp.ErrorMessage = &msg
				}
				var ve *record.ValidationError
				if errors.As(err, &ve) {
					for _, re := range ve.RecordErrors {
						m := re.Msg
						sp.ErrorRecords = append(sp.ErrorRecords, kmsg.ProduceResponseTopicPartitionErrorRecord{RelativeOffset: re.Index, ErrorMessage: &m})
					}
				}
			}
			if ke == kerr.UnknownServerError {
				env.Logger.Warn("produce failed", "topic", rt.Topic, "partition", rp.Partition, "err", err)
			}
		}
	}
	if req.Acks == 0 {
		if failed {
			return Reply{Close: true}
		}
		return Reply{NoResponse: true}
	}
	return Reply{Resp: resp}
}

// currentLeader fills a partition's CurrentLeader from the metadata
// ({-1, -1} when the partition is unknown, as Kafka) and adds the leader's
// endpoint to the response once, when the leader is a live broker.
func currentLeader(env *Env, resp *kmsg.ProduceResponse, sp *kmsg.ProduceResponseTopicPartition, topic string, partition int32) {
	t, _ := env.Node.Topic(topic)
	i := slices.IndexFunc(t.Partitions, func(p cluster.PartitionInfo) bool { return p.Partition == partition })
	if i < 0 {
		return
	}
	p := t.Partitions[i]
	sp.CurrentLeader.LeaderID, sp.CurrentLeader.LeaderEpoch = p.Leader, p.LeaderEpoch
	for _, b := range resp.Brokers {
		if b.NodeID == p.Leader {
			return
		}
	}
	for _, b := range env.Node.Brokers() {
		if b.NodeID == p.Leader {
			nb := kmsg.NewProduceResponseBroker()
			nb.NodeID, nb.Host, nb.Port = b.NodeID, b.Host, b.Port
			if b.Rack != "" {
				nb.Rack = kmsg.StringPtr(b.Rack)
			}
			resp.Brokers = append(resp.Brokers, nb)
		}
	}
}

type produceResult struct {
	res  engine.AppendResult
	err  error
	wait *cluster.AckWait // acks=all in a cluster: the ISR has yet to commit the records
}

// produceAll appends every partition's batch, in request order (a
// partition named twice keeps its batches in order); acks=all waits are
// returned, not waited for.
func produceAll(ctx context.Context, env *Env, c *Call, req *kmsg.ProduceRequest, refuse *kerr.Error) []produceResult {
	var out []produceResult
	for i := range req.Topics {
		for j := range req.Topics[i].Partitions {
			var r produceResult
			if refuse != nil {
				r.err = refuse
			} else {
				r.res, r.wait, r.err = produceOne(ctx, env, c, req, req.Topics[i].Topic, &req.Topics[i].Partitions[j])
			}
			out = append(out, r)
		}
	}
	return out
}

// produceOne appends one partition's batch.
func produceOne(ctx context.Context, env *Env, c *Call, req *kmsg.ProduceRequest, topic string, rp *kmsg.ProduceRequestTopicPartition) (engine.AppendResult, *cluster.AckWait, error) {
	batch, rest, err := record.NextBatch(rp.Records)
	if err != nil || len(batch) == 0 {
		return engine.AppendResult{}, nil, kerr.CorruptMessage
	}
	if len(rest) != 0 {
		return engine.AppendResult{}, nil, errOneBatch
	}
	h, err := record.ParseHeader(batch)
	if err != nil {
		return engine.AppendResult{}, nil, kerr.CorruptMessage
	}
	if h.Codec() == record.Zstd && c.Version < 7 {
		return engine.AppendResult{}, nil, kerr.UnsupportedCompressionType
	}
	if h.IsTransactional() {
		return engine.AppendResult{}, nil, kerr.TransactionalIDAuthFailed
	}
	return env.Node.AppendAsync(ctx, engine.TopicPartition{Topic: topic, Partition: rp.Partition}, batch, req.Acks)
}

// errOneBatch: Kafka allows exactly one batch per partition from v3.
var errOneBatch = &record.ValidationError{Kind: record.ErrInvalidRecord,
	Msg: "Produce requests with version 3 and above are only allowed to contain exactly one record batch per partition."}
