package protocol

import (
	"context"
	"fmt"
	"testing"
	"time"

	kafka "github.com/segmentio/kafka-go"
)

// TestKafkaGoWriterReader: segmentio/kafka-go's Writer (every codec) and
// Reader, seeking to an offset.
func TestKafkaGoWriterReader(t *testing.T) {
	b := startTestBroker(t, "", nil)
	codecs := []struct {
		name string
		c    kafka.Compression
	}{{"none", 0}, {"gzip", kafka.Gzip}, {"snappy", kafka.Snappy}, {"lz4", kafka.Lz4}, {"zstd", kafka.Zstd}}
	for _, c := range codecs {
		t.Run(c.name, func(t *testing.T) {
			topic := "kafkago-" + c.name
			createTopic(t, b, topic, 1, nil)
			w := &kafka.Writer{Addr: kafka.TCP(b.Addr().String()), Topic: topic, Compression: c.c,
				RequiredAcks: kafka.RequireAll, BatchTimeout: 5 * time.Millisecond, Transport: &kafka.Transport{}}
			defer w.Close()
			const n = 40
			ts := time.UnixMilli(time.Now().UnixMilli())
			var msgs []kafka.Message
			for i := range n {
				msgs = append(msgs, kafka.Message{Key: []byte("k"), Value: recName("g", i), Time: ts,
					Headers: []kafka.Header{{Key: "h", Value: []byte(fmt.Sprint(i))}}})
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if err := w.WriteMessages(ctx, msgs...); err != nil {
				t.Fatal(err)
			}
			r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{b.Addr().String()}, Topic: topic, Partition: 0, MaxWait: 200 * time.Millisecond})
			defer r.Close()
			if err := r.SetOffset(5); err != nil {
				t.Fatal(err)
			}
			for i := 5; i < n; i++ {
				m, err := r.ReadMessage(ctx)
				if err != nil {
					t.Fatalf("read %d: %v", i, err)
				}
				if m.Offset != int64(i) || string(m.Value) != string(recName("g", i)) || !m.Time.Equal(ts) ||
					len(m.Headers) != 1 || string(m.Headers[0].Value) != fmt.Sprint(i) {
					t.Fatalf("message %d: %+v", i, m)
				}
			}
		})
	}
}
