package protocol

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"sluice/cluster"
	"sluice/engine"
	"sluice/engine/vfs"
	"sluice/netio"
	"sluice/protocol/coordinator"
	"sluice/protocol/handlers"
)

// testBroker is the package's tests' own wiring of a broker: engine,
// cluster node, group coordinator, Handler and netio server, as
// cmd/sluice/internal/broker wires them for the binary (that package
// cannot be imported from here; its tests cover the wiring itself). These
// tests are about what the Handler answers over real sockets with a real
// engine and node behind it.
type testBroker struct {
	eng    *engine.Engine
	node   *cluster.Node
	h      *Handler
	srv    *netio.Server
	groups *coordinator.Groups

	closeOnce sync.Once
	closeErr  error
}

// testBrokerOptions are the pieces a test may replace (nil: defaults).
type testBrokerOptions struct {
	Config   cluster.BrokerConfig
	Logger   *slog.Logger
	FS       vfs.FS
	Recorder handlers.Recorder
}

// startTestBrokerWith starts a broker as the binary does, from an
// explicit configuration (listeners must give an address).
func startTestBrokerWith(o testBrokerOptions) (*testBroker, error) {
	cfg := o.Config
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	eo, err := cluster.EngineOptions(cfg)
	if err != nil {
		return nil, err
	}
	eo.FS, eo.Logger = o.FS, logger.With("component", "engine")
	if o.Recorder != nil {
		eo.OnFlush = o.Recorder.LogFlush
	}
	eng, err := engine.Open(eo)
	if err != nil {
		return nil, err
	}
	node, err := cluster.Open(cfg, eng, logger)
	if err != nil {
		return nil, errors.Join(err, eng.Close())
	}
	groups, err := coordinator.StartGroups(node, logger)
	if err != nil {
		return nil, errors.Join(err, node.Close(), eng.Close())
	}
	b := &testBroker{eng: eng, node: node, groups: groups}
	b.h = NewHandler(&handlers.Env{Deps: handlers.Deps{Engine: eng, Node: node, Groups: groups}, Rec: o.Recorder},
		HandlerOptions{IOThreads: cfg.NumIOThreads, Logger: logger})
	perIP := cfg.Limits.MaxConnectionsPerIP
	if perIP == 0 {
		perIP = netio.NoConnsPerIP
	}
	b.srv, err = netio.NewServer(netio.Config{
		Addr: cfg.ListenAddr(), Loops: cfg.NumNetworkThreads, MaxFrameBytes: cfg.SocketRequestMaxBytes,
		IdleTimeout: cfg.ConnectionsMaxIdle, Logger: logger.With("component", "network"),
		Budget: netio.NewBudget(cfg.Limits.QueuedMaxRequestBytes), MaxConns: cfg.Limits.MaxConnections, MaxConnsPerIP: perIP,
		MaxConnsPerIPOverrides: cfg.Limits.MaxConnectionsPerIPOverrides,
	}, b.h)
	if err == nil {
		err = b.srv.Start()
	}
	if err != nil {
		b.h.Close()
		groups.Close()
		return nil, errors.Join(err, node.Close(), eng.Close())
	}
	if host, port := cfg.Advertised(); port == 0 {
		bound := b.srv.Addr().(*net.TCPAddr)
		if host == "" {
			host = bound.IP.String()
		}
		node.SetAdvertisedAddr(host, int32(bound.Port))
	}
	if err := node.Join(); err != nil {
		b.Close(context.Background())
		return nil, err
	}
	return b, nil
}

func (b *testBroker) Addr() net.Addr                          { return b.srv.Addr() }
func (b *testBroker) Node() *cluster.Node                     { return b.node }
func (b *testBroker) Engine() *engine.Engine                  { return b.eng }
func (b *testBroker) GroupLoadStatus() coordinator.LoadStatus { return b.groups.LoadStatus() }
func (b *testBroker) Stats() netio.Stats                      { return b.srv.Stats() }

// Close stops the broker in the reverse order of its start.
func (b *testBroker) Close(ctx context.Context) error {
	b.closeOnce.Do(func() {
		b.node.Leave()
		b.h.BeginShutdown()
		errNet := b.srv.Shutdown(ctx)
		b.h.Close()
		b.groups.Close()
		b.closeErr = errors.Join(errNet, b.node.Close(), b.eng.Close())
	})
	return b.closeErr
}

// startTestBroker runs a broker on 127.0.0.1:0 with its data in dir
// (t.TempDir() when empty); it is closed at the end of the test unless the
// test closes it first.
func startTestBroker(t testing.TB, dir string, props map[string]string) *testBroker {
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
	b, err := startTestBrokerWith(testBrokerOptions{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeBroker(t, b) })
	return b
}

func closeBroker(t testing.TB, b *testBroker) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := b.Close(ctx); err != nil {
		t.Errorf("broker close: %v", err)
	}
}

// createTopic creates a topic through the node (admin APIs belong to the
// cluster room's handlers).
func createTopic(t testing.TB, b *testBroker, name string, partitions int32, configs map[string]string) {
	t.Helper()
	if _, err := b.Node().CreateTopic(cluster.CreateTopicRequest{
		Name: name, NumPartitions: partitions, ReplicationFactor: -1, Configs: configs,
	}); err != nil {
		t.Fatalf("create topic %s: %v", name, err)
	}
}

func newKgo(t testing.TB, b *testBroker, opts ...kgo.Opt) *kgo.Client {
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
