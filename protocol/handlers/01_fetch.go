package handlers

// Fetch v4-16 (key 1), consumers' path. Reads stop at the high watermark
// (read_committed: the last stable offset, equal to it without
// transactions); the first batch is returned even when larger than the
// limits (KIP-74); partition_max_bytes and the smaller of max_bytes and the
// broker's fetch.max.bytes bound the rest, as Kafka's handleFetchRequest.
// OFFSET_OUT_OF_RANGE outside [log start, high watermark];
// FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH against the partition's
// leader epoch when the client sends current_leader_epoch (v9+); zstd
// batches to a Fetch below v10 answer UNSUPPORTED_COMPRESSION_TYPE; topics
// by id from v13 (UNKNOWN_TOPIC_ID). Fewer than min_bytes parks the request
// (no worker held) until a fetched partition's high watermark advances or
// max_wait_ms passes; a partition error or an empty request answers at
// once, as Kafka does.
// The response is written by hand (fetch_encode.go) so records go out with
// sendfile(2).
//
// Fetch sessions (KIP-227): Sluice creates none. A request for a new
// session (id 0, epoch 0) or a sessionless one (epoch -1) is a full fetch
// answered with session id 0, which tells clients (franz-go, librdkafka,
// Java) to keep sending full fetches; an incremental fetch for a session
// id answers FETCH_SESSION_ID_NOT_FOUND, which makes them start over.
//
// A follower's fetch (replica_id >= 0 up to v14, replica_state from v15)
// reads up to the log end and records the follower's position for
// replication: see fetch_follower.go.
//
// Fetching from the closest replica (KIP-392, cluster/readreplica.go):
// from v11 a follower serves consumers too, up to its high watermark
// (OFFSET_OUT_OF_RANGE only past its log end: its high watermark trails
// the leader's); with replica.selector.class set, the leader answers a
// consumer of another rack with preferred_read_replica and no records, at
// once. Below v11 only the leader serves (NOT_LEADER_OR_FOLLOWER).

import (
	"encoding/binary"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/cluster"
	"sluice/engine"
	"sluice/engine/record"
	"sluice/netio"
	"sluice/protocol/kerr"
)

type fetchOp struct {
	env      *Env
	c        *Call
	req      *kmsg.FetchRequest
	deadline time.Time
	parked   time.Time // when it first parked (zero: never)
	// A follower's fetch: each partition's answer from the node (recorded
	// once), and the topics' names (resolved once from ids at v13+).
	follower [][]cluster.FollowerRead
	names    []string
}

func handleFetch(env *Env, c *Call) Reply {
	req := c.Req.(*kmsg.FetchRequest)
	f := &fetchOp{env: env, c: c, req: req,
		deadline: env.Now().Add(time.Duration(max(req.MaxWaitMillis, 0)) * time.Millisecond)}
	if c.Version >= 7 {
		var code int16
		switch {
		case req.SessionID != 0 && req.SessionEpoch != -1:
			code = kerr.FetchSessionIDNotFound.Code
		case req.SessionID == 0 && req.SessionEpoch > 0:
			code = kerr.InvalidFetchSessionEpoch.Code
		}
		if code != 0 {
			a := fetchAnswer{version: c.Version, errCode: code}
			chunks, n := a.encode()
			return Reply{Body: chunks, BodyLen: n, Errors: a.errorCounts()}
		}
	}
	if id := f.followerID(); id >= 0 {
		return f.followerStart(id)
	}
	return f.attempt(false)
}

// attempt reads every partition; with fewer than min_bytes and time left
// it parks (unless final) and is resumed by the server.
func (f *fetchOp) attempt(final bool) Reply {
	req, c, n := f.req, f.c, f.env.Node
	canPark := !final && req.MinBytes > 0 && f.env.Now().Before(f.deadline)
	var wake []<-chan struct{}
	a := fetchAnswer{version: c.Version, topics: make([]fetchTopic, len(req.Topics))}
	remaining := max(int64(min(req.MaxBytes, f.env.Node.Config().FetchMaxBytes)), 0)
	var total int64
	answerNow := false // an error or a preferred read replica: no parking
	minOne := true
	for i := range req.Topics {
		rt := &req.Topics[i]
		at := &a.topics[i]
		at.name, at.id = rt.Topic, rt.TopicID
		topicErr := int16(0)
		if c.Version >= 13 {
			if t, ok := n.TopicByID(rt.TopicID); ok {
				at.name = t.Name
			} else {
				topicErr = kerr.UnknownTopicID.Code
			}
		}
		at.parts = make([]fetchPart, len(rt.Partitions))
		for j := range rt.Partitions {
			rp := &rt.Partitions[j]
			ap := &at.parts[j]
			*ap = fetchPart{partition: rp.Partition, hw: -1, lso: -1, logStart: -1, abortedNull: req.IsolationLevel == 0}
			if topicErr != 0 {
				ap.errCode = topicErr
				answerNow = true
				continue
			}
			tp := engine.TopicPartition{Topic: at.name, Partition: rp.Partition}
			cr := n.ReadForConsumer(tp, cluster.ConsumerFetch{Offset: rp.FetchOffset, CurrentLeaderEpoch: rp.CurrentLeaderEpoch,
				MaxBytes: min(int64(rp.PartitionMaxBytes), remaining), MinOneBatch: minOne,
				// v11+ carries client metadata: a follower serves it too (KIP-392).
				FollowerOK: c.Version >= 11, ClientRack: req.Rack, Park: canPark})
			if cr.Err != nil {
				ap.errCode = kerr.Code(cr.Err)
				answerNow = true
				continue
			}
			if cr.Wake != nil {
				wake = append(wake, cr.Wake)
			}
			ap.hw, ap.lso, ap.logStart = cr.HW, cr.HW, cr.LogStart
			if cr.PreferredReplica >= 0 {
				// No records; answered at once, as Kafka does.
				id := cr.PreferredReplica
				ap.preferred = &id
				answerNow = true
				continue
			}
			rr := cr.Records
			if rr == nil {
				continue
			}
			size := rangesLen(rr)
			if size == 0 {
				rr.Release()
				continue
			}
			if c.Version < 10 && rangesHaveZstd(rr) {
				rr.Release()
				ap.errCode = kerr.UnsupportedCompressionType.Code
				answerNow = true
				continue
			}
			ap.rr = rr
			total += size
			remaining -= size
			minOne = false
		}
	}
	if canPark && !answerNow && len(wake) > 0 && total < int64(req.MinBytes) {
		a.release()
		if f.parked.IsZero() {
			f.parked = time.Now()
		}
		return Reply{Park: &Park{Wake: wake, Deadline: f.deadline, Resume: func(timedOut bool) Reply {
			return f.attempt(timedOut)
		}}}
	}
	if !f.parked.IsZero() {
		f.env.Rec.FetchWait(time.Since(f.parked), total >= int64(req.MinBytes))
	}
	for i := range a.topics {
		for j := range a.topics[i].parts {
			if rr := a.topics[i].parts[j].rr; rr != nil {
				f.env.Rec.BytesOut(a.topics[i].name, int(rangesLen(rr)))
			}
		}
	}
	chunks, size := a.encode()
	netio.Prefetch(chunks)
	return Reply{Body: chunks, BodyLen: size, Done: a.release, Errors: a.errorCounts()}
}

// rangesHaveZstd reads the attributes of every batch in rr (only for
// clients below Fetch v10, which cannot decode zstd).
func rangesHaveZstd(rr *engine.ReadResult) bool {
	var hdr [23]byte // up to and including attributes
	for _, r := range rr.Ranges {
		off, end := r.Offset, r.Offset+r.Length
		for off+record.HeaderSize <= end {
			if _, err := r.File.ReadAt(hdr[:], off); err != nil {
				return false
			}
			if record.Codec(binary.BigEndian.Uint16(hdr[21:])&7) == record.Zstd {
				return true
			}
			length := int64(int32(binary.BigEndian.Uint32(hdr[8:])))
			if length <= 0 {
				return false
			}
			off += 12 + length
		}
	}
	return false
}
