package protocol

import (
	"bytes"
	"context"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestFetchMaxBytesBroker: the broker's fetch.max.bytes caps a Fetch whose
// max_bytes asks for more (Kafka: min(request max_bytes, fetch.max.bytes));
// the first batch still comes whole (KIP-74).
func TestFetchMaxBytesBroker(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		props       map[string]string
		wantBatches int
	}{
		{"default", nil, 3},
		{"capped", map[string]string{"fetch.max.bytes": "1024"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := startTestBroker(t, "", tc.props)
			createTopic(t, b, "fm", 1, nil)
			cl := newKgo(t, b, kgo.DefaultProduceTopic("fm"), kgo.ProducerBatchCompression(kgo.NoCompression()))
			for i := range 3 { // three batches of about 700 bytes
				if err := cl.ProduceSync(context.Background(), &kgo.Record{Value: bytes.Repeat([]byte{byte('a' + i)}, 640)}).FirstErr(); err != nil {
					t.Fatal(err)
				}
			}
			req := kmsg.NewPtrFetchRequest()
			req.MaxBytes = 100 << 20
			rt := kmsg.NewFetchRequestTopic()
			rt.Topic = "fm"
			rt.TopicID = mustTopicID(t, b, "fm")
			rp := kmsg.NewFetchRequestTopicPartition()
			rp.PartitionMaxBytes = 100 << 20
			rt.Partitions = append(rt.Partitions, rp)
			req.Topics = append(req.Topics, rt)
			resp, err := cl.Broker(0).Request(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			fr := resp.(*kmsg.FetchResponse)
			if fr.ErrorCode != 0 || len(fr.Topics) != 1 || len(fr.Topics[0].Partitions) != 1 || fr.Topics[0].Partitions[0].ErrorCode != 0 {
				t.Fatalf("fetch answer %+v", fr)
			}
			recs := fr.Topics[0].Partitions[0].RecordBatches
			n := 0
			for len(recs) >= 12 {
				var h kmsg.RecordBatch
				if err := h.ReadFrom(recs); err != nil {
					t.Fatal(err)
				}
				recs = recs[12+int(h.Length):]
				n++
			}
			if n != tc.wantBatches {
				t.Fatalf("%d batches (%d bytes), want %d", n, len(fr.Topics[0].Partitions[0].RecordBatches), tc.wantBatches)
			}
		})
	}
}
