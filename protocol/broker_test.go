package protocol

import (
	"context"
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"sluice/cluster"
)

// startTestBroker runs a broker on 127.0.0.1:0 with its data in dir
// (t.TempDir() when empty); it is closed at the end of the test unless the
// test closes it first.
func startTestBroker(t testing.TB, dir string, props map[string]string) *Broker {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	all := map[string]string{
		"listeners":           "PLAINTEXT://127.0.0.1:0",
		"log.dirs":            dir,
		"num.io.threads":      "4",
		"num.network.threads": "2",
	}
	maps.Copy(all, props)
	cfg, _, err := cluster.ParseBrokerConfig(all)
	if err != nil {
		t.Fatal(err)
	}
	b, err := StartBroker(BrokerOptions{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeBroker(t, b) })
	return b
}

func closeBroker(t testing.TB, b *Broker) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := b.Close(ctx); err != nil {
		t.Errorf("broker close: %v", err)
	}
}

// createTopic creates a topic through the node (admin APIs belong to the
// cluster room's handlers).
func createTopic(t testing.TB, b *Broker, name string, partitions int32, configs map[string]string) {
	t.Helper()
	if _, err := b.Node().CreateTopic(cluster.CreateTopicRequest{
		Name: name, NumPartitions: partitions, ReplicationFactor: -1, Configs: configs,
	}); err != nil {
		t.Fatalf("create topic %s: %v", name, err)
	}
}

func newKgo(t testing.TB, b *Broker, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	opts = append([]kgo.Opt{kgo.SeedBrokers(b.Addr().String()), kgo.RetryTimeout(10 * time.Second)}, opts...)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// consumeN polls until n records arrived (or fails the test after 20s).
func consumeN(t testing.TB, cl *kgo.Client, n int) []*kgo.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out []*kgo.Record
	for len(out) < n {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("consumed %d of %d records before timeout", len(out), n)
		}
		for _, e := range fs.Errors() {
			t.Fatalf("fetch error %s/%d: %v", e.Topic, e.Partition, e.Err)
		}
		out = append(out, fs.Records()...)
	}
	return out
}

func recName(prefix string, i int) []byte { return fmt.Appendf(nil, "%s-%05d", prefix, i) }
