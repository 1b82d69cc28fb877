package protocol

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"sluice/engine"
)

// TestProducerIDExpirationBroker: producer.id.expiration.ms and
// producer.id.expiration.check.interval.ms reach the engine: an idempotent
// producer's state is dropped once it has been idle that long, and the
// producer carries on (Kafka accepts an expired producer id again).
func TestProducerIDExpirationBroker(t *testing.T) {
	t.Parallel()
	b := startTestBroker(t, "", map[string]string{"producer.id.expiration.ms": "1000", "producer.id.expiration.check.interval.ms": "50"})
	createTopic(t, b, "px", 1, nil)
	cl := newKgo(t, b, kgo.DefaultProduceTopic("px"))
	produce := func() {
		t.Helper()
		if err := cl.ProduceSync(context.Background(), &kgo.Record{Value: []byte("v")}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	produce()
	l, ok := b.Engine().Log(engine.TopicPartition{Topic: "px", Partition: 0})
	if !ok {
		t.Fatal("no log")
	}
	if c := l.ProducerCount(); c != 1 {
		t.Fatalf("%d producers after an idempotent produce", c)
	}
	for deadline := time.Now().Add(30 * time.Second); l.ProducerCount() != 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("producer state never expired")
		}
	}
	produce() // the same producer id carries on
	if c, leo := l.ProducerCount(), l.LogEndOffset(); c != 1 || leo != 2 {
		t.Fatalf("after producing again: %d producers, log end %d", c, leo)
	}
}
