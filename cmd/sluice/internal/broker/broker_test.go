package broker

import (
	"context"
	"errors"
	"maps"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/cluster"
	"sluice/engine"
	"sluice/protocol/handlers"
)

// The rooms are tested alone (engine, cluster, protocol with its own test
// wiring, protocol/coordinator); these tests check what only the wiring
// does: the order things start in, what is handed to whom, and Close.

func config(t *testing.T, props map[string]string) cluster.BrokerConfig {
	t.Helper()
	all := map[string]string{
		"listeners": "PLAINTEXT://127.0.0.1:0", "log.dirs": t.TempDir(),
		"num.io.threads": "2", "num.network.threads": "1",
		"offsets.topic.num.partitions": "3", "group.initial.rebalance.delay.ms": "0",
	}
	maps.Copy(all, props)
	cfg, _, err := cluster.ParseBrokerConfig(all)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func closeBroker(t *testing.T, b *Broker) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := b.Close(ctx); err != nil {
		t.Errorf("close: %v", err)
	}
}

// flushRecorder counts what the wiring routes to the Recorder from the
// engine (LogFlush) and from the handler (ConnOpened).
type flushRecorder struct {
	handlers.Recorder
	flushes, conns atomic.Int64
}

func (r *flushRecorder) LogFlush(time.Duration) { r.flushes.Add(1) }
func (r *flushRecorder) ConnOpened()            { r.conns.Add(1) }

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestStartServesAndCloses: the bound port is advertised, the Recorder
// hears the engine's fsyncs and the handler's connections, the group
// coordinator is served and loads __consumer_offsets, ParkedFetches sees
// a long poll, and Close answers it, stops serving and returns the same
// result twice.
func TestStartServesAndCloses(t *testing.T) {
	rec := &flushRecorder{Recorder: handlers.NopRecorder}
	b, err := Start(Options{Config: config(t, nil), Recorder: rec})
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	t.Cleanup(func() {
		if !closed {
			closeBroker(t, b)
		}
	})
	port := int32(b.Addr().(*net.TCPAddr).Port)
	if bs := b.Node().Brokers(); len(bs) != 1 || bs[0].Port != port {
		t.Fatalf("advertised %+v, bound port %d", bs, port)
	}
	eventually(t, "the listener accepting", func() bool { ok, _ := b.Accepting(); return ok })
	if _, err := b.Node().CreateTopic(cluster.CreateTopicRequest{
		Name: "w", NumPartitions: 1, ReplicationFactor: -1, Configs: map[string]string{"flush.messages": "1"},
	}); err != nil {
		t.Fatal(err)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.Addr().String()), kgo.DefaultProduceTopic("w"),
		kgo.ConsumeTopics("w"), kgo.FetchMaxWait(3*time.Second), kgo.RetryTimeout(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte("v")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	if rec.flushes.Load() == 0 || rec.conns.Load() == 0 {
		t.Errorf("recorder: %d flushes, %d connections", rec.flushes.Load(), rec.conns.Load())
	}
	if fs := cl.PollFetches(ctx); len(fs.Records()) != 1 {
		t.Fatalf("consumed %d records, errors %v", len(fs.Records()), fs.Errors())
	}
	polled := make(chan struct{})
	go func() { defer close(polled); cl.PollFetches(ctx) }() // parks at the log end
	eventually(t, "a parked fetch", func() bool { return b.ParkedFetches() > 0 })

	for {
		r, err := kmsg.NewPtrFindCoordinatorRequest().RequestWith(ctx, cl)
		if err != nil {
			t.Fatal(err)
		}
		if r.ErrorCode == 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	eventually(t, "__consumer_offsets loaded", func() bool { return b.GroupLoadStatus().Loaded == 3 })

	closed = true
	closeBroker(t, b)
	if n := b.ParkedFetches(); n != 0 {
		t.Errorf("%d fetches parked after Close", n)
	}
	cancel() // the client itself keeps retrying the closed broker
	<-polled
	if err := b.Close(context.Background()); err != nil {
		t.Errorf("second close: %v", err)
	}
	if c, err := net.DialTimeout("tcp", b.Addr().String(), time.Second); err == nil {
		c.Close()
		t.Error("still accepting after Close")
	}
}

// TestStartBadListener: no client listener to serve is refused before
// anything is opened.
func TestStartBadListener(t *testing.T) {
	cfg := config(t, nil)
	cfg.Listeners = ""
	if _, err := Start(Options{Config: cfg}); !errors.Is(err, ErrBadListener) {
		t.Fatalf("err %v", err)
	}
}

// TestRestartKeepsData: Close leaves the engine and the node consistent,
// so a new broker on the same dirs serves what the old one stored.
func TestRestartKeepsData(t *testing.T) {
	cfg := config(t, nil)
	b, err := Start(Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Node().CreateTopic(cluster.CreateTopicRequest{Name: "r", NumPartitions: 1, ReplicationFactor: -1}); err != nil {
		t.Fatal(err)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.Addr().String()), kgo.DefaultProduceTopic("r"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err = cl.ProduceSync(ctx, &kgo.Record{Value: []byte("1")}, &kgo.Record{Value: []byte("2")}).FirstErr()
	cl.Close()
	if err != nil {
		t.Fatal(err)
	}
	closeBroker(t, b)

	b, err = Start(Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	defer closeBroker(t, b)
	l, _, err := b.Node().Log(engine.TopicPartition{Topic: "r", Partition: 0})
	if err != nil {
		t.Fatal(err)
	}
	if end := l.LogEndOffset(); end != 2 {
		t.Fatalf("log end %d after restart, want 2", end)
	}
}
