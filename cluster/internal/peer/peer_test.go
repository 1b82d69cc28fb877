package peer_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/cluster"
	"sluice/cluster/internal/peer"
	"sluice/engine"
	"sluice/netio"
	"sluice/protocol"
	"sluice/protocol/handlers"
)

// startBroker serves the protocol handler over a single node (no group
// coordinator): enough for Metadata and ApiVersions. The broker's full
// wiring lives in cmd/sluice/internal/broker, which is not importable here.
func startBroker(t *testing.T) string {
	t.Helper()
	cfg, _, err := cluster.ParseBrokerConfig(map[string]string{"listeners": "PLAINTEXT://127.0.0.1:0", "log.dirs": t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	eo, err := cluster.EngineOptions(cfg)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.Open(eo)
	if err != nil {
		t.Fatal(err)
	}
	node, err := cluster.Open(cfg, eng, nil)
	if err != nil {
		eng.Close()
		t.Fatal(err)
	}
	h := protocol.NewHandler(&handlers.Env{Deps: handlers.Deps{Engine: eng, Node: node}}, protocol.HandlerOptions{IOThreads: 2})
	srv, err := netio.NewServer(netio.Config{Addr: cfg.ListenAddr(), Loops: 1}, h)
	if err == nil {
		err = srv.Start()
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		node.Leave()
		h.BeginShutdown()
		if srv != nil {
			srv.Shutdown(ctx)
		}
		h.Close()
		node.Close()
		eng.Close()
	})
	if err != nil {
		t.Fatal(err)
	}
	bound := srv.Addr().(*net.TCPAddr)
	node.SetAdvertisedAddr(bound.IP.String(), int32(bound.Port))
	if err := node.Join(); err != nil {
		t.Fatal(err)
	}
	return srv.Addr().String()
}

// TestRequest talks to a real broker: versions are negotiated, a request
// goes out at the highest common version and its answer decodes.
func TestRequest(t *testing.T) {
	addr := startBroker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := peer.Dial(ctx, addr, peer.Options{ClientID: "test"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if v := c.MaxVersion(3); v < 9 {
		t.Fatalf("Metadata max version %d", v)
	}
	for i := 0; i < 3; i++ { // several on one connection
		resp, err := c.Request(ctx, kmsg.NewPtrMetadataRequest())
		if err != nil {
			t.Fatal(err)
		}
		md := resp.(*kmsg.MetadataResponse)
		if len(md.Brokers) != 1 || md.Version != c.MaxVersion(3) {
			t.Fatalf("metadata v%d brokers %+v", md.Version, md.Brokers)
		}
	}
	// A key the broker does not serve.
	if _, err := c.Request(ctx, kmsg.NewPtrDescribeQuorumRequest()); !errors.Is(err, peer.ErrUnsupported) {
		t.Fatalf("unsupported request: %v", err)
	}
}

// TestContextCancel: a request to a peer that never answers ends with the
// context.
func TestContextCancel(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			defer c.Close()
			time.Sleep(5 * time.Second)
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = peer.Dial(ctx, ln.Addr().String(), peer.Options{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("dial to a silent peer: %v", err)
	}
	if time.Since(start) > 3*time.Second {
		t.Fatal("dial did not end with its context")
	}
}
