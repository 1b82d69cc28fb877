package clustertest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// TestAcksAllDoesNotHoldWorkers: an acks=all produce waiting for its ISR
// must not occupy one of the leader's num.io.threads workers, or the
// followers' fetches that would satisfy it queue behind it. With one
// worker per broker, every acks=all produce would then wait until the
// ISR shrinks (replica.lag.time.max.ms) or the request times out.
func TestAcksAllDoesNotHoldWorkers(t *testing.T) {
	c := startCluster(t, 3, map[string]string{"num.io.threads": "1"})
	adm := c.admin()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := adm.CreateTopic(ctx, 1, 3, nil, "w1"); err != nil {
		t.Fatal(err)
	}
	c.waitTopic(adm, "w1", 3, 30*time.Second)
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Seeds()...), kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.DefaultProduceTopic("w1"), kgo.ProducerLinger(0))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var slowest time.Duration
	for i := range 20 {
		start := time.Now()
		if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte(fmt.Sprint(i))}).FirstErr(); err != nil {
			t.Fatal(err)
		}
		slowest = max(slowest, time.Since(start))
	}
	t.Logf("slowest acks=all produce: %v", slowest)
	if slowest > 2*time.Second {
		t.Fatalf("an acks=all produce took %v with num.io.threads=1: its wait holds the leader's worker", slowest)
	}
	c.waitTopic(adm, "w1", 3, 5*time.Second)
}
