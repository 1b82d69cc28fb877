package protocol

import (
	"context"
	"testing"
	"time"

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

// BenchmarkLongPollWake measures how long a consumer parked at the end of
// the log (max wait 10 s) takes to see a record produced while it waits:
// the append wakes the parked fetch through Log.Wait.
func BenchmarkLongPollWake(b *testing.B) {
	br := startTestBroker(b, "", nil)
	createTopic(b, br, "wake", 1, nil)
	prod := newKgo(b, br, kgo.DefaultProduceTopic("wake"), kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite())
	cons := newKgo(b, br, kgo.ConsumeTopics("wake"), kgo.FetchMaxWait(10*time.Second))
	ctx := context.Background()
	b.ResetTimer()
	var total time.Duration
	for range b.N {
		got := make(chan time.Time, 1)
		go func() {
			cons.PollFetches(ctx)
			got <- time.Now()
		}()
		time.Sleep(5 * time.Millisecond) // let the fetch park
		start := time.Now()
		if err := prod.ProduceSync(ctx, &kgo.Record{Value: []byte("x")}).FirstErr(); err != nil {
			b.Fatal(err)
		}
		total += (<-got).Sub(start)
	}
	b.ReportMetric(float64(total.Microseconds())/float64(b.N), "µs/wake")
}
