package protocol

import (
	"context"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

// BenchmarkProduce1KiB: a franz-go producer (acks=1, no compression)
// against an in-process broker; bytes are record values.
func BenchmarkProduce1KiB(b *testing.B) {
	br := startTestBroker(b, "", nil)
	createTopic(b, br, "bench", 1, nil)
	cl := newKgo(b, br, kgo.DefaultProduceTopic("bench"), kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite(),
		kgo.ProducerBatchCompression(kgo.NoCompression()), kgo.MaxBufferedRecords(100000))
	val := make([]byte, 1024)
	b.SetBytes(int64(len(val)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		cl.Produce(context.Background(), &kgo.Record{Value: val}, nil)
	}
	if err := cl.Flush(context.Background()); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkConsume1KiB: a franz-go consumer reading records produced
// beforehand (sendfile path).
func BenchmarkConsume1KiB(b *testing.B) {
	br := startTestBroker(b, "", nil)
	createTopic(b, br, "bench", 1, nil)
	prod := newKgo(b, br, kgo.DefaultProduceTopic("bench"), kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite(),
		kgo.ProducerBatchCompression(kgo.NoCompression()), kgo.MaxBufferedRecords(100000))
	val := make([]byte, 1024)
	for range b.N {
		prod.Produce(context.Background(), &kgo.Record{Value: val}, nil)
	}
	if err := prod.Flush(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(val)))
	b.ReportAllocs()
	b.ResetTimer()
	cons := newKgo(b, br, kgo.ConsumeTopics("bench"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	for n := 0; n < b.N; {
		fs := cons.PollFetches(context.Background())
		n += fs.NumRecords()
	}
}
