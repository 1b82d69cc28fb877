package protocol

import (
	"fmt"
	"testing"
	"time"

	"github.com/IBM/sarama"
)

// TestSaramaProduceConsume: IBM/sarama's sync producer (every codec, acks
// 1 and all, idempotent for all) and partition consumer.
func TestSaramaProduceConsume(t *testing.T) {
	b := startTestBroker(t, "", nil)
	codecs := []sarama.CompressionCodec{sarama.CompressionNone, sarama.CompressionGZIP, sarama.CompressionSnappy, sarama.CompressionLZ4, sarama.CompressionZSTD}
	for _, codec := range codecs {
		for _, acks := range []sarama.RequiredAcks{sarama.WaitForLocal, sarama.WaitForAll} {
			topic := fmt.Sprintf("sarama-%s-%d", codec, acks)
			t.Run(topic, func(t *testing.T) {
				createTopic(t, b, topic, 1, nil)
				cfg := sarama.NewConfig()
				cfg.Version = sarama.V3_6_0_0
				cfg.Producer.Return.Successes = true
				cfg.Producer.Compression = codec
				cfg.Producer.RequiredAcks = acks
				if acks == sarama.WaitForAll {
					cfg.Producer.Idempotent = true
					cfg.Net.MaxOpenRequests = 1
				}
				prod, err := sarama.NewSyncProducer([]string{b.Addr().String()}, cfg)
				if err != nil {
					t.Fatal(err)
				}
				defer prod.Close()
				const n = 50
				ts := time.UnixMilli(time.Now().UnixMilli())
				var msgs []*sarama.ProducerMessage
				for i := range n {
					msgs = append(msgs, &sarama.ProducerMessage{Topic: topic, Value: sarama.ByteEncoder(recName("s", i)), Timestamp: ts,
						Headers: []sarama.RecordHeader{{Key: []byte("h"), Value: []byte(fmt.Sprint(i))}}})
				}
				if err := prod.SendMessages(msgs); err != nil {
					t.Fatal(err)
				}
				cons, err := sarama.NewConsumer([]string{b.Addr().String()}, cfg)
				if err != nil {
					t.Fatal(err)
				}
				defer cons.Close()
				pc, err := cons.ConsumePartition(topic, 0, sarama.OffsetOldest)
				if err != nil {
					t.Fatal(err)
				}
				defer pc.Close()
				for i := range n {
					select {
					case m := <-pc.Messages():
						if string(m.Value) != string(recName("s", i)) || m.Offset != int64(i) || !m.Timestamp.Equal(ts) ||
							len(m.Headers) != 1 || string(m.Headers[0].Value) != fmt.Sprint(i) {
							t.Fatalf("message %d: offset %d value %q ts %v headers %v", i, m.Offset, m.Value, m.Timestamp, m.Headers)
						}
					case err := <-pc.Errors():
						t.Fatal(err)
					case <-time.After(15 * time.Second):
						t.Fatalf("timed out after %d messages", i)
					}
				}
			})
		}
	}
}
