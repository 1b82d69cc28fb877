package protocol

import (
	"bytes"
	"net"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/engine/record"
)

// roundTrip sends req at version v on c and decodes the answer.
func roundTrip(t *testing.T, c net.Conn, req kmsg.Request, v int16) kmsg.Response {
	t.Helper()
	req.SetVersion(v)
	if _, err := c.Write(rawRequest(req, int32(v)+1000)); err != nil {
		t.Fatal(err)
	}
	frame, err := readFrame(t, c)
	if err != nil {
		t.Fatalf("%T v%d: %v", req, v, err)
	}
	resp := req.ResponseKind()
	resp.SetVersion(v)
	hl := 4
	if req.IsFlexible() && req.Key() != 18 {
		hl = 5
	}
	if err := resp.ReadFrom(frame[hl:]); err != nil {
		t.Fatalf("%T v%d: decode: %v", resp, v, err)
	}
	return resp
}

func produceReq(topic string, partition int32, acks int16, batch []byte) *kmsg.ProduceRequest {
	req := kmsg.NewPtrProduceRequest()
	req.Acks, req.TimeoutMillis = acks, 5000
	rt := kmsg.NewProduceRequestTopic()
	rt.Topic = topic
	rp := kmsg.NewProduceRequestTopicPartition()
	rp.Partition, rp.Records = partition, batch
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	return req
}

func fetchReq(topic string, id [16]byte, partition int32, offset int64, partMax, max int32) *kmsg.FetchRequest {
	req := kmsg.NewPtrFetchRequest()
	req.MaxWaitMillis, req.MinBytes, req.MaxBytes, req.SessionEpoch = 0, 0, max, -1
	rt := kmsg.NewFetchRequestTopic()
	rt.Topic, rt.TopicID = topic, id
	rp := kmsg.NewFetchRequestTopicPartition()
	rp.Partition, rp.FetchOffset, rp.PartitionMaxBytes = partition, offset, partMax
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	return req
}

func zstdBatch(t *testing.T, n int) []byte {
	t.Helper()
	bl := record.NewBuilder(record.BuilderOptions{Codec: record.Zstd, ProducerID: -1, ProducerEpoch: -1, BaseSequence: -1})
	for i := range n {
		bl.Add(nil, bytes.Repeat([]byte{byte(i)}, 100), time.Now().UnixMilli())
	}
	return bl.Build()
}

func TestProduceRules(t *testing.T) {
	b := startTestBroker(t, "", map[string]string{"auto.create.topics.enable": "true"})
	createTopic(t, b, "rules", 1, nil)
	c := dial(t, b)
	code := func(v int16, req *kmsg.ProduceRequest) int16 {
		return roundTrip(t, c, req, v).(*kmsg.ProduceResponse).Topics[0].Partitions[0].ErrorCode
	}
	if got := code(6, produceReq("rules", 0, 1, zstdBatch(t, 3))); got != 76 {
		t.Errorf("zstd at Produce v6: %d, want 76 UNSUPPORTED_COMPRESSION_TYPE", got)
	}
	if got := code(7, produceReq("rules", 0, 1, zstdBatch(t, 3))); got != 0 {
		t.Errorf("zstd at Produce v7: %d", got)
	}
	if got := code(9, produceReq("nosuchtopic", 0, 1, buildBatch(t, -1, -1, -1, 1))); got != 3 {
		t.Errorf("unknown topic: %d, want 3 (no auto-create on produce)", got)
	}
	if _, ok := b.Node().Topic("nosuchtopic"); ok {
		t.Error("produce auto-created a topic")
	}
	if got := code(9, produceReq("rules", 7, 1, buildBatch(t, -1, -1, -1, 1))); got != 3 {
		t.Errorf("unknown partition: %d, want 3", got)
	}
	if got := code(9, produceReq("__consumer_offsets", 0, 1, buildBatch(t, -1, -1, -1, 1))); got != 17 {
		t.Errorf("internal topic: %d, want INVALID_TOPIC_EXCEPTION", got)
	}
	if got := code(9, produceReq("rules", 0, 2, buildBatch(t, -1, -1, -1, 1))); got != 21 {
		t.Errorf("acks=2: %d, want 21 INVALID_REQUIRED_ACKS", got)
	}
	txn := produceReq("rules", 0, -1, buildBatch(t, -1, -1, -1, 1))
	txn.TransactionID = kmsg.StringPtr("t1")
	if got := code(9, txn); got != 53 {
		t.Errorf("transactional produce: %d, want 53", got)
	}
	two := append(buildBatch(t, -1, -1, -1, 1), buildBatch(t, -1, -1, -1, 1)...)
	resp := roundTrip(t, c, produceReq("rules", 0, 1, two), 9).(*kmsg.ProduceResponse)
	if p := resp.Topics[0].Partitions[0]; p.ErrorCode != 87 || p.ErrorMessage == nil {
		t.Errorf("two batches: %+v, want 87 INVALID_RECORD with a message", p)
	}
	// acks=0: success answers nothing (the next request's answer comes
	// first), failure closes the connection.
	c0 := dial(t, b)
	req0 := produceReq("rules", 0, 0, buildBatch(t, -1, -1, -1, 1))
	req0.SetVersion(9)
	if _, err := c0.Write(rawRequest(req0, 1)); err != nil {
		t.Fatal(err)
	}
	if v := roundTrip(t, c0, kmsg.NewPtrApiVersionsRequest(), 0).(*kmsg.ApiVersionsResponse); v.ErrorCode != 0 {
		t.Fatalf("ApiVersions after acks=0: %d", v.ErrorCode)
	}
	bad0 := produceReq("nosuchtopic", 0, 0, buildBatch(t, -1, -1, -1, 1))
	bad0.SetVersion(9)
	if _, err := c0.Write(rawRequest(bad0, 2)); err != nil {
		t.Fatal(err)
	}
	expectClosed(t, c0, "failed acks=0 produce")
}

func TestFetchRules(t *testing.T) {
	b := startTestBroker(t, "", nil)
	createTopic(t, b, "f", 2, nil)
	info, _ := b.Node().Topic("f")
	c := dial(t, b)
	for i := range 5 {
		if got := roundTrip(t, c, produceReq("f", 0, 1, buildBatch(t, -1, -1, -1, 10)), 9).(*kmsg.ProduceResponse); got.Topics[0].Partitions[0].ErrorCode != 0 {
			t.Fatalf("produce %d: %+v", i, got)
		}
	}
	if got := roundTrip(t, c, produceReq("f", 1, 1, zstdBatch(t, 5)), 9).(*kmsg.ProduceResponse); got.Topics[0].Partitions[0].ErrorCode != 0 {
		t.Fatalf("zstd produce: %+v", got)
	}
	fetch := func(v int16, req *kmsg.FetchRequest) kmsg.FetchResponseTopicPartition {
		resp := roundTrip(t, c, req, v).(*kmsg.FetchResponse)
		if resp.ErrorCode != 0 || len(resp.Topics) != 1 {
			t.Fatalf("fetch v%d: %+v", v, resp)
		}
		return resp.Topics[0].Partitions[0]
	}
	for v := int16(4); v <= 16; v++ {
		p := fetch(v, fetchReq("f", info.ID, 0, 0, 1<<20, 1<<20))
		if p.ErrorCode != 0 || p.HighWatermark != 50 {
			t.Fatalf("v%d: %+v", v, p)
		}
		n := 0
		for rest := p.RecordBatches; len(rest) > 0; n++ {
			var err error
			if _, rest, err = record.NextBatch(rest); err != nil {
				t.Fatalf("v%d: %v", v, err)
			}
		}
		if n != 5 {
			t.Fatalf("v%d: %d batches, want 5", v, n)
		}
		if p := fetch(v, fetchReq("f", info.ID, 0, 51, 1<<20, 1<<20)); p.ErrorCode != 1 {
			t.Fatalf("v%d: offset past the high watermark: %d, want 1", v, p.ErrorCode)
		}
		z := fetch(v, fetchReq("f", info.ID, 1, 0, 1<<20, 1<<20))
		if want := map[bool]int16{true: 76, false: 0}[v < 10]; z.ErrorCode != want {
			t.Fatalf("v%d: zstd partition: %d, want %d", v, z.ErrorCode, want)
		}
	}
	// KIP-74: a first batch larger than both limits is still returned, alone.
	if p := fetch(12, fetchReq("f", info.ID, 0, 0, 10, 10)); p.ErrorCode != 0 || len(p.RecordBatches) == 0 {
		t.Fatalf("KIP-74: %+v", p)
	} else if _, rest, _ := record.NextBatch(p.RecordBatches); len(rest) != 0 {
		t.Fatalf("KIP-74: more than the first batch returned (%d extra bytes)", len(rest))
	}
	// Leader epochs (v9+).
	req := fetchReq("f", info.ID, 0, 0, 1<<20, 1<<20)
	req.Topics[0].Partitions[0].CurrentLeaderEpoch = info.Partitions[0].LeaderEpoch + 1
	if p := fetch(12, req); p.ErrorCode != 75 {
		t.Errorf("newer epoch: %d, want 75 UNKNOWN_LEADER_EPOCH", p.ErrorCode)
	}
	if info.Partitions[0].LeaderEpoch > 0 {
		req.Topics[0].Partitions[0].CurrentLeaderEpoch = info.Partitions[0].LeaderEpoch - 1
		if p := fetch(12, req); p.ErrorCode != 74 {
			t.Errorf("older epoch: %d, want 74 FENCED_LEADER_EPOCH", p.ErrorCode)
		}
	}
	// Topic ids (v13+).
	if p := fetch(13, fetchReq("", [16]byte{9, 9}, 0, 0, 1<<20, 1<<20)); p.ErrorCode != 100 {
		t.Errorf("unknown topic id: %d, want 100", p.ErrorCode)
	}
	// Sessions: none created; incremental fetches for unknown ids refused.
	newSession := fetchReq("f", info.ID, 0, 0, 1<<20, 1<<20)
	newSession.SessionEpoch = 0
	if resp := roundTrip(t, c, newSession, 12).(*kmsg.FetchResponse); resp.ErrorCode != 0 || resp.SessionID != 0 {
		t.Errorf("new session request: error %d session %d, want 0/0", resp.ErrorCode, resp.SessionID)
	}
	incr := fetchReq("f", info.ID, 0, 0, 1<<20, 1<<20)
	incr.SessionID, incr.SessionEpoch = 42, 1
	if resp := roundTrip(t, c, incr, 12).(*kmsg.FetchResponse); resp.ErrorCode != 70 {
		t.Errorf("unknown session: %d, want 70 FETCH_SESSION_ID_NOT_FOUND", resp.ErrorCode)
	}
	badEpoch := fetchReq("f", info.ID, 0, 0, 1<<20, 1<<20)
	badEpoch.SessionEpoch = 3
	if resp := roundTrip(t, c, badEpoch, 12).(*kmsg.FetchResponse); resp.ErrorCode != 71 {
		t.Errorf("epoch without session: %d, want 71 INVALID_FETCH_SESSION_EPOCH", resp.ErrorCode)
	}
}

func TestMetadataAllVersions(t *testing.T) {
	b := startTestBroker(t, "", map[string]string{"auto.create.topics.enable": "false"})
	createTopic(t, b, "m", 3, nil)
	info, _ := b.Node().Topic("m")
	c := dial(t, b)
	for v := int16(0); v <= 12; v++ {
		all := kmsg.NewPtrMetadataRequest()
		if v == 0 {
			all.Topics = []kmsg.MetadataRequestTopic{}
		} else {
			all.Topics = nil
		}
		resp := roundTrip(t, c, all, v).(*kmsg.MetadataResponse)
		if len(resp.Brokers) != 1 || resp.Brokers[0].Port == 0 || len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 3 {
			t.Fatalf("v%d: %+v", v, resp)
		}
		if v >= 10 && resp.Topics[0].TopicID != info.ID {
			t.Fatalf("v%d: topic id %x, want %x", v, resp.Topics[0].TopicID, info.ID)
		}
		one := kmsg.NewPtrMetadataRequest()
		rt := kmsg.NewMetadataRequestTopic()
		rt.Topic = kmsg.StringPtr("missing")
		one.Topics = append(one.Topics, rt)
		one.AllowAutoTopicCreation = true
		if resp := roundTrip(t, c, one, v).(*kmsg.MetadataResponse); len(resp.Topics) != 1 || resp.Topics[0].ErrorCode != 3 {
			t.Fatalf("v%d: missing topic with auto-create off: %+v", v, resp.Topics)
		}
		if v >= 1 {
			none := kmsg.NewPtrMetadataRequest()
			none.Topics = []kmsg.MetadataRequestTopic{}
			if resp := roundTrip(t, c, none, v).(*kmsg.MetadataResponse); len(resp.Topics) != 0 {
				t.Fatalf("v%d: empty topic list answered %d topics", v, len(resp.Topics))
			}
		}
		if v >= 10 {
			byID := kmsg.NewPtrMetadataRequest()
			rt := kmsg.NewMetadataRequestTopic()
			rt.TopicID = [16]byte{1}
			byID.Topics = append(byID.Topics, rt)
			if resp := roundTrip(t, c, byID, v).(*kmsg.MetadataResponse); resp.Topics[0].ErrorCode != 100 {
				t.Fatalf("v%d: unknown topic id: %+v", v, resp.Topics[0])
			}
		}
	}
}

func TestListOffsetsInitProducerIDAndEpochs(t *testing.T) {
	b := startTestBroker(t, "", nil)
	createTopic(t, b, "lo", 1, nil)
	c := dial(t, b)
	for range 3 {
		roundTrip(t, c, produceReq("lo", 0, 1, buildBatch(t, -1, -1, -1, 4)), 9)
	}
	for v := int16(1); v <= 8; v++ {
		for _, tc := range []struct{ ts, want int64 }{{-2, 0}, {-1, 12}, {0, 0}} {
			req := kmsg.NewPtrListOffsetsRequest()
			req.ReplicaID = -1
			rt := kmsg.NewListOffsetsRequestTopic()
			rt.Topic = "lo"
			rp := kmsg.NewListOffsetsRequestTopicPartition()
			rp.Timestamp = tc.ts
			rt.Partitions = append(rt.Partitions, rp)
			req.Topics = append(req.Topics, rt)
			p := roundTrip(t, c, req, v).(*kmsg.ListOffsetsResponse).Topics[0].Partitions[0]
			if p.ErrorCode != 0 || p.Offset != tc.want {
				t.Fatalf("ListOffsets v%d ts %d: %+v, want offset %d", v, tc.ts, p, tc.want)
			}
		}
	}
	var last int64 = -1
	for v := int16(0); v <= 4; v++ {
		r := roundTrip(t, c, kmsg.NewPtrInitProducerIDRequest(), v).(*kmsg.InitProducerIDResponse)
		if r.ErrorCode != 0 || r.ProducerID <= last || r.ProducerEpoch != 0 {
			t.Fatalf("InitProducerId v%d: %+v (previous id %d)", v, r, last)
		}
		last = r.ProducerID
		txn := kmsg.NewPtrInitProducerIDRequest()
		txn.TransactionalID = kmsg.StringPtr("tx")
		if r := roundTrip(t, c, txn, v).(*kmsg.InitProducerIDResponse); r.ErrorCode != 53 {
			t.Fatalf("InitProducerId v%d with a transactional id: %d", v, r.ErrorCode)
		}
	}
	info, _ := b.Node().Topic("lo")
	epoch := info.Partitions[0].LeaderEpoch
	for v := int16(2); v <= 4; v++ {
		req := kmsg.NewPtrOffsetForLeaderEpochRequest()
		req.ReplicaID = -1
		rt := kmsg.NewOffsetForLeaderEpochRequestTopic()
		rt.Topic = "lo"
		rp := kmsg.NewOffsetForLeaderEpochRequestTopicPartition()
		rp.CurrentLeaderEpoch, rp.LeaderEpoch = epoch, epoch
		rt.Partitions = append(rt.Partitions, rp)
		req.Topics = append(req.Topics, rt)
		p := roundTrip(t, c, req, v).(*kmsg.OffsetForLeaderEpochResponse).Topics[0].Partitions[0]
		if p.ErrorCode != 0 || p.LeaderEpoch != epoch || p.EndOffset != 12 {
			t.Fatalf("OffsetForLeaderEpoch v%d: %+v (epoch %d)", v, p, epoch)
		}
	}
}

// TestPipelinedRequestsAnswerInOrder: many requests written at once on one
// connection (produce, metadata, fetch mixed) come back in order.
func TestPipelinedRequestsAnswerInOrder(t *testing.T) {
	b := startTestBroker(t, "", nil)
	createTopic(t, b, "pipe", 1, nil)
	c := dial(t, b)
	var out []byte
	const n = 200
	for i := range n {
		var req kmsg.Request
		switch i % 3 {
		case 0:
			req = produceReq("pipe", 0, 1, buildBatch(t, -1, -1, -1, 1))
			req.SetVersion(9)
		case 1:
			req = kmsg.NewPtrApiVersionsRequest()
		default:
			req = kmsg.NewPtrMetadataRequest()
			req.SetVersion(12)
		}
		out = append(out, rawRequest(req, int32(i))...)
	}
	if _, err := c.Write(out); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		frame, err := readFrame(t, c)
		if err != nil {
			t.Fatal(err)
		}
		if corr := int32(frame[0])<<24 | int32(frame[1])<<16 | int32(frame[2])<<8 | int32(frame[3]); corr != int32(i) {
			t.Fatalf("answer %d has correlation id %d", i, corr)
		}
	}
	cl := newKgo(t, b, kgo.ConsumeTopics("pipe"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	got := consumeN(t, cl, (n+2)/3)
	for i, r := range got {
		if r.Offset != int64(i) {
			t.Fatalf("record %d at offset %d", i, r.Offset)
		}
	}
}

// TestProducerStateSurvivesRestart: after a graceful restart and after
// kill-style reopen, an idempotent producer continues its sequence and a
// resent batch is still recognised as a duplicate.
func TestProducerStateSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	b := startTestBroker(t, dir, nil)
	createTopic(t, b, "ps", 1, nil)
	c := dial(t, b)
	ip := roundTrip(t, c, kmsg.NewPtrInitProducerIDRequest(), 4).(*kmsg.InitProducerIDResponse)
	first := buildBatch(t, ip.ProducerID, ip.ProducerEpoch, 0, 3)
	if p := roundTrip(t, c, produceReq("ps", 0, -1, first), 9).(*kmsg.ProduceResponse).Topics[0].Partitions[0]; p.ErrorCode != 0 || p.BaseOffset != 0 {
		t.Fatalf("first batch: %+v", p)
	}
	c.Close()
	closeBroker(t, b)

	b2 := startTestBroker(t, dir, nil)
	c2 := dial(t, b2)
	if p := roundTrip(t, c2, produceReq("ps", 0, -1, first), 9).(*kmsg.ProduceResponse).Topics[0].Partitions[0]; p.ErrorCode != 0 || p.BaseOffset != 0 {
		t.Fatalf("resent first batch after restart: %+v, want a duplicate at offset 0", p)
	}
	next := buildBatch(t, ip.ProducerID, ip.ProducerEpoch, 3, 2)
	if p := roundTrip(t, c2, produceReq("ps", 0, -1, next), 9).(*kmsg.ProduceResponse).Topics[0].Partitions[0]; p.ErrorCode != 0 || p.BaseOffset != 3 {
		t.Fatalf("next batch after restart: %+v", p)
	}
	ip2 := roundTrip(t, c2, kmsg.NewPtrInitProducerIDRequest(), 4).(*kmsg.InitProducerIDResponse)
	if ip2.ProducerID <= ip.ProducerID {
		t.Fatalf("producer id reused after restart: %d then %d", ip.ProducerID, ip2.ProducerID)
	}
	if l, _ := b2.Engine().Log(engineTP("ps", 0)); l.LogEndOffset() != 5 {
		t.Fatalf("log end %d, want 5", l.LogEndOffset())
	}
}
