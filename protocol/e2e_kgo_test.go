package protocol

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/engine"
)

var kgoCodecs = []struct {
	name  string
	codec kgo.CompressionCodec
}{
	{"none", kgo.NoCompression()},
	{"gzip", kgo.GzipCompression()},
	{"snappy", kgo.SnappyCompression()},
	{"lz4", kgo.Lz4Compression()},
	{"zstd", kgo.ZstdCompression()},
}

// TestKgoProduceConsumeCodecsAcks produces with every codec and acks
// 0/1/all into a 3-partition topic and reads everything back: order per
// partition, keys, values, headers and timestamps preserved.
func TestKgoProduceConsumeCodecsAcks(t *testing.T) {
	b := startTestBroker(t, "", nil)
	acks := []struct {
		name string
		opts []kgo.Opt
	}{
		{"acks0", []kgo.Opt{kgo.RequiredAcks(kgo.NoAck()), kgo.DisableIdempotentWrite()}},
		{"acks1", []kgo.Opt{kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite()}},
		{"acksall", []kgo.Opt{kgo.RequiredAcks(kgo.AllISRAcks())}},
	}
	const n = 300
	base := time.UnixMilli(time.Now().UnixMilli() - 1000)
	for _, c := range kgoCodecs {
		for _, a := range acks {
			t.Run(c.name+"/"+a.name, func(t *testing.T) {
				topic := "kgo-" + c.name + "-" + a.name
				createTopic(t, b, topic, 3, nil)
				prod := newKgo(t, b, append(a.opts, kgo.ProducerBatchCompression(c.codec), kgo.DefaultProduceTopic(topic))...)
				for i := range n {
					r := &kgo.Record{Key: recName("k", i%7), Value: recName(topic, i), Timestamp: base.Add(time.Duration(i) * time.Millisecond),
						Headers: []kgo.RecordHeader{{Key: "i", Value: fmt.Appendf(nil, "%d", i)}, {Key: "empty"}}}
					prod.Produce(context.Background(), r, func(_ *kgo.Record, err error) {
						if err != nil {
							t.Errorf("produce: %v", err)
						}
					})
				}
				if err := prod.Flush(context.Background()); err != nil {
					t.Fatal(err)
				}
				cons := newKgo(t, b, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
				got := consumeN(t, cons, n)
				last := map[int32]int{}
				seen := map[string]bool{}
				for _, r := range got {
					var i int
					if _, err := fmt.Sscanf(string(r.Value), topic+"-%05d", &i); err != nil {
						t.Fatalf("value %q", r.Value)
					}
					if prev, ok := last[r.Partition]; ok && i <= prev {
						t.Fatalf("partition %d: record %d after %d", r.Partition, i, prev)
					}
					last[r.Partition] = i
					seen[string(r.Value)] = true
					if !bytes.Equal(r.Key, recName("k", i%7)) || !r.Timestamp.Equal(base.Add(time.Duration(i)*time.Millisecond)) {
						t.Fatalf("record %d: key %q ts %v", i, r.Key, r.Timestamp)
					}
					if len(r.Headers) != 2 || r.Headers[0].Key != "i" || string(r.Headers[0].Value) != fmt.Sprint(i) || r.Headers[1].Key != "empty" {
						t.Fatalf("record %d: headers %+v", i, r.Headers)
					}
				}
				if len(seen) != n {
					t.Fatalf("%d distinct records, want %d", len(seen), n)
				}
			})
		}
	}
}

// TestIdempotentRetryNotAppendedTwice sends the same idempotent Produce
// twice (a retry): both answer the same base offset, the log holds it once.
func TestIdempotentRetryNotAppendedTwice(t *testing.T) {
	b := startTestBroker(t, "", nil)
	createTopic(t, b, "idem", 1, nil)
	cl := newKgo(t, b)
	ctx := context.Background()
	initReq := kmsg.NewPtrInitProducerIDRequest()
	initResp, err := initReq.RequestWith(ctx, cl)
	if err != nil || initResp.ErrorCode != 0 {
		t.Fatalf("InitProducerId: %v %+v", err, initResp)
	}
	batch := buildBatch(t, initResp.ProducerID, initResp.ProducerEpoch, 0, 3)
	produce := func(seqBatch []byte) kmsg.ProduceResponseTopicPartition {
		req := kmsg.NewPtrProduceRequest()
		req.Acks, req.TimeoutMillis = -1, 5000
		rt := kmsg.NewProduceRequestTopic()
		rt.Topic = "idem"
		rp := kmsg.NewProduceRequestTopicPartition()
		rp.Records = seqBatch
		rt.Partitions = append(rt.Partitions, rp)
		req.Topics = append(req.Topics, rt)
		resp, err := req.RequestWith(ctx, cl)
		if err != nil {
			t.Fatal(err)
		}
		return resp.Topics[0].Partitions[0]
	}
	first := produce(batch)
	second := produce(batch)
	if first.ErrorCode != 0 || second.ErrorCode != 0 || first.BaseOffset != second.BaseOffset {
		t.Fatalf("first %+v second %+v", first, second)
	}
	third := produce(buildBatch(t, initResp.ProducerID, initResp.ProducerEpoch, 3, 2))
	if third.ErrorCode != 0 || third.BaseOffset != 3 {
		t.Fatalf("next batch: %+v", third)
	}
	gap := produce(buildBatch(t, initResp.ProducerID, initResp.ProducerEpoch, 10, 1))
	if gap.ErrorCode != 45 { // OUT_OF_ORDER_SEQUENCE_NUMBER
		t.Fatalf("sequence gap: %+v", gap)
	}
	l, _ := b.Engine().Log(engine.TopicPartition{Topic: "idem", Partition: 0})
	if leo := l.LogEndOffset(); leo != 5 {
		t.Fatalf("log end offset %d, want 5 (3 + 2, retry not appended)", leo)
	}
}

// TestSeekAndListOffsetsByTime seeks a consumer to an offset and looks
// offsets up by time with kadm.
func TestSeekAndListOffsetsByTime(t *testing.T) {
	b := startTestBroker(t, "", nil)
	createTopic(t, b, "seek", 1, nil)
	cl := newKgo(t, b, kgo.DefaultProduceTopic("seek"))
	base := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	for i := range 20 {
		r := &kgo.Record{Value: recName("v", i), Timestamp: base.Add(time.Duration(i) * time.Second)}
		if err := cl.ProduceSync(context.Background(), r).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	cons := newKgo(t, b, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{"seek": {0: kgo.NewOffset().At(12)}}))
	got := consumeN(t, cons, 8)
	if got[0].Offset != 12 || string(got[0].Value) != string(recName("v", 12)) {
		t.Fatalf("seek: first record offset %d value %q", got[0].Offset, got[0].Value)
	}
	adm := kadm.NewClient(cl)
	ctx := context.Background()
	after, err := adm.ListOffsetsAfterMilli(ctx, base.Add(7500*time.Millisecond).UnixMilli(), "seek")
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := after.Lookup("seek", 0); o.Err != nil || o.Offset != 8 {
		t.Fatalf("after 7.5s: %+v", o)
	}
	start, _ := adm.ListStartOffsets(ctx, "seek")
	end, _ := adm.ListEndOffsets(ctx, "seek")
	if o, _ := start.Lookup("seek", 0); o.Offset != 0 {
		t.Fatalf("start %+v", o)
	}
	if o, _ := end.Lookup("seek", 0); o.Offset != 20 {
		t.Fatalf("end %+v", o)
	}
	future, _ := adm.ListOffsetsAfterMilli(ctx, time.Now().Add(time.Hour).UnixMilli(), "seek")
	if o, _ := future.Lookup("seek", 0); o.Err != nil || o.Offset != 20 { // kadm maps "none" to the end
		t.Fatalf("after the last timestamp: %+v", o)
	}
	maxReq := kmsg.NewPtrListOffsetsRequest()
	rt := kmsg.NewListOffsetsRequestTopic()
	rt.Topic = "seek"
	rp := kmsg.NewListOffsetsRequestTopicPartition()
	rp.Timestamp = -3
	rt.Partitions = append(rt.Partitions, rp)
	maxReq.Topics = append(maxReq.Topics, rt)
	maxResp, err := maxReq.RequestWith(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	if p := maxResp.Topics[0].Partitions[0]; p.ErrorCode != 0 || p.Offset != 19 || p.Timestamp != base.Add(19*time.Second).UnixMilli() {
		t.Fatalf("max timestamp: %+v", p)
	}
}

// TestInvalidTopicNamesRefused asks Metadata to auto-create bad names.
func TestInvalidTopicNamesRefused(t *testing.T) {
	b := startTestBroker(t, "", map[string]string{"auto.create.topics.enable": "true"})
	cl := newKgo(t, b)
	req := kmsg.NewPtrMetadataRequest()
	req.AllowAutoTopicCreation = true
	for _, name := range []string{"bad name", "..", ".", strings.Repeat("x", 250), "a/b", "ok.topic"} {
		rt := kmsg.NewMetadataRequestTopic()
		rt.Topic = kmsg.StringPtr(name)
		req.Topics = append(req.Topics, rt)
	}
	resp, err := req.RequestWith(context.Background(), cl)
	if err != nil {
		t.Fatal(err)
	}
	for _, rt := range resp.Topics {
		want := int16(17) // INVALID_TOPIC_EXCEPTION
		if *rt.Topic == "ok.topic" {
			want = 5 // LEADER_NOT_AVAILABLE: created by this request
		}
		if rt.ErrorCode != want {
			t.Errorf("topic %q: error %d, want %d", *rt.Topic, rt.ErrorCode, want)
		}
	}
	// ok_topic collides with ok.topic.
	req2 := kmsg.NewPtrMetadataRequest()
	req2.AllowAutoTopicCreation = true
	rt := kmsg.NewMetadataRequestTopic()
	rt.Topic = kmsg.StringPtr("ok_topic")
	req2.Topics = append(req2.Topics, rt)
	resp2, err := req2.RequestWith(context.Background(), cl)
	if err != nil {
		t.Fatal(err)
	}
	if resp2.Topics[0].ErrorCode != 17 {
		t.Errorf("colliding name: error %d, want 17", resp2.Topics[0].ErrorCode)
	}
}

// TestOversizeRecordRefused: a record above max.message.bytes answers
// MESSAGE_TOO_LARGE and nothing is appended.
func TestOversizeRecordRefused(t *testing.T) {
	b := startTestBroker(t, "", nil)
	createTopic(t, b, "small", 1, map[string]string{"max.message.bytes": "1000"})
	cl := newKgo(t, b, kgo.DefaultProduceTopic("small"), kgo.ProducerBatchMaxBytes(100000), kgo.RecordRetries(1),
		kgo.ProducerBatchCompression(kgo.NoCompression()))
	err := cl.ProduceSync(context.Background(), &kgo.Record{Value: bytes.Repeat([]byte("x"), 2000)}).FirstErr()
	if err == nil || !strings.Contains(err.Error(), "MESSAGE_TOO_LARGE") {
		t.Fatalf("oversize produce: %v", err)
	}
	l, _ := b.Engine().Log(engine.TopicPartition{Topic: "small", Partition: 0})
	if leo := l.LogEndOffset(); leo != 0 {
		t.Fatalf("log end offset %d after a refused record", leo)
	}
	if err := cl.ProduceSync(context.Background(), &kgo.Record{Value: []byte("fits")}).FirstErr(); err != nil {
		t.Fatalf("small record after the refused one: %v", err)
	}
}

// TestLongPollWakesOnProduce: a consumer parked at the end of the log
// gets a new record long before its max wait.
func TestLongPollWakesOnProduce(t *testing.T) {
	b := startTestBroker(t, "", nil)
	createTopic(t, b, "poll", 1, nil)
	cons := newKgo(t, b, kgo.ConsumeTopics("poll"), kgo.FetchMaxWait(20*time.Second))
	// Let the consumer reach the (empty) end and park.
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	cons.PollFetches(ctx)
	cancel()
	prod := newKgo(t, b, kgo.DefaultProduceTopic("poll"))
	go func() {
		time.Sleep(300 * time.Millisecond)
		_ = prod.ProduceSync(context.Background(), &kgo.Record{Value: []byte("wake")})
	}()
	start := time.Now()
	got := consumeN(t, cons, 1)
	if d := time.Since(start); d > 5*time.Second || string(got[0].Value) != "wake" {
		t.Fatalf("long poll returned %q after %v (max wait 20s)", got[0].Value, d)
	}
}

// TestRestartKeepsAcknowledgedRecords closes the broker gracefully and
// reopens its data dir.
func TestRestartKeepsAcknowledgedRecords(t *testing.T) {
	dir := t.TempDir()
	b := startTestBroker(t, dir, nil)
	createTopic(t, b, "durable", 2, nil)
	cl := newKgo(t, b, kgo.DefaultProduceTopic("durable"))
	const n = 500
	for i := range n {
		cl.Produce(context.Background(), &kgo.Record{Value: recName("d", i)}, nil)
	}
	if err := cl.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	cl.Close()
	closeBroker(t, b)

	b2 := startTestBroker(t, dir, nil)
	cons := newKgo(t, b2, kgo.ConsumeTopics("durable"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	got := consumeN(t, cons, n)
	if len(got) != n {
		t.Fatalf("got %d records after restart", len(got))
	}
}
