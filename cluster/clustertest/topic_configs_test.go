package clustertest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestCreateTopicConfigsApply: the configs given to CreateTopics apply on
// the partitions' leaders from the start, as Kafka's brokers read a new
// topic's config znode when they create its logs (no /config/changes
// notification is written at creation): a topic created with
// max.message.bytes=1000 refuses a 5000-byte batch at once.
func TestCreateTopicConfigsApply(t *testing.T) {
	c := startCluster(t, 3, nil)
	adm := c.admin()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	small := "1000"
	for _, topic := range []string{"small-a", "small-b", "small-c"} {
		if _, err := adm.CreateTopic(ctx, 3, 3, map[string]*string{"max.message.bytes": &small}, topic); err != nil {
			t.Fatal(err)
		}
		cl, err := kgo.NewClient(kgo.SeedBrokers(c.Seeds()...), kgo.ProducerBatchCompression(kgo.NoCompression()),
			kgo.RecordPartitioner(kgo.ManualPartitioner()))
		if err != nil {
			t.Fatal(err)
		}
		for p := int32(0); p < 3; p++ {
			err := cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Partition: p, Value: make([]byte, 5000)}).FirstErr()
			if !errors.Is(err, kerr.MessageTooLarge) {
				t.Errorf("%s-%d: a 5000-byte batch with max.message.bytes=1000: %v, want MESSAGE_TOO_LARGE", topic, p, err)
			}
		}
		cl.Close()
	}
}
