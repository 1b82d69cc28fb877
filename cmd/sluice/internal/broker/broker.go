// Package broker wires one Sluice broker together: the storage engine,
// the cluster node on it, the group coordinator's host, the protocol
// handler and the network server, started in that order and closed in
// the reverse one (the node first leaves the cluster, by controlled
// shutdown, while still serving). It is the only place that knows all the
// rooms; each of them is tested alone, and this package tests the wiring.
package broker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"sluice/cluster"
	"sluice/engine"
	"sluice/engine/vfs"
	"sluice/netio"
	"sluice/protocol"
	"sluice/protocol/coordinator"
	"sluice/protocol/handlers"
)

// Options assemble a broker. Config is required; the rest defaults.
type Options struct {
	Config cluster.BrokerConfig
	Logger *slog.Logger
	// FS is the engine's file system (nil: the OS's); tests inject faults.
	FS vfs.FS
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// Recorder receives metrics events (nil: none). cmd/sluice passes its
	// Prometheus registry.
	Recorder handlers.Recorder
}

// Broker is one running Sluice broker: engine, cluster node, protocol
// handler and network server, started and stopped in that order (and its
// reverse).
type Broker struct {
	log    *slog.Logger
	eng    *engine.Engine
	node   *cluster.Node
	h      *protocol.Handler
	srv    *netio.Server
	groups *coordinator.Groups

	closeOnce sync.Once
	closeErr  error
}

// Start opens the engine on the configured log dirs, the cluster node on
// it, starts the group coordinator and serves the first listener, then
// joins the cluster. It does not wait for __consumer_offsets to load. With
// port 0 the bound port is advertised (tests use 127.0.0.1:0).
func Start(o Options) (*Broker, error) {
	cfg := o.Config
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	addr := cfg.ListenAddr()
	if addr == "" {
		return nil, fmt.Errorf("%w: no usable listener in %q", ErrBadListener, cfg.Listeners)
	}
	eo, err := cluster.EngineOptions(cfg)
	if err != nil {
		return nil, err
	}
	eo.FS, eo.Now, eo.Logger = o.FS, o.Now, logger.With("component", "engine")
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
	b := &Broker{log: logger.With("component", "server"), eng: eng, node: node, groups: groups}
	b.h = protocol.NewHandler(&handlers.Env{Deps: handlers.Deps{Engine: eng, Node: node, Groups: groups}, Now: o.Now, Rec: o.Recorder},
		protocol.HandlerOptions{IOThreads: cfg.NumIOThreads, Logger: logger})
	// One Budget for the data-plane (client) listeners; a control-plane or
	// inter-broker listener gets none, so it never waits behind clients.
	// Only the first client listener is served today.
	budget := netio.NewBudget(cfg.Limits.QueuedMaxRequestBytes)
	b.srv, err = netio.NewServer(netio.Config{
		Addr: addr, Loops: cfg.NumNetworkThreads, MaxFrameBytes: cfg.SocketRequestMaxBytes,
		IdleTimeout: cfg.ConnectionsMaxIdle, Logger: logger.With("component", "network"),
		Budget: budget, MaxConns: cfg.Limits.MaxConnections, MaxConnsPerIP: connsPerIP(cfg.Limits.MaxConnectionsPerIP),
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
	host, port := cfg.Advertised()
	if bound, ok := b.srv.Addr().(*net.TCPAddr); ok && port == 0 {
		port = int32(bound.Port)
		if host == "" {
			host = bound.IP.String()
		}
		node.SetAdvertisedAddr(host, port)
	}
	if err := node.Join(); err != nil {
		b.Close(context.Background())
		return nil, err
	}
	b.log.Info("broker started", "listen", b.srv.Addr().String(), "advertised", net.JoinHostPort(host, strconv.Itoa(int(port))),
		"node_id", cfg.NodeID, "cluster_id", node.ClusterID())
	return b, nil
}

// Addr is the bound listener address.
func (b *Broker) Addr() net.Addr { return b.srv.Addr() }

// Node is the cluster node (tests inspect topics and logs through it).
func (b *Broker) Node() *cluster.Node { return b.node }

// Engine is the storage engine.
func (b *Broker) Engine() *engine.Engine { return b.eng }

// ParkedFetches is the number of fetch long polls waiting now (the Fetch
// purgatory's size).
func (b *Broker) ParkedFetches() int { return b.h.ParkedFetches() }

// GroupLoadStatus counts the __consumer_offsets partitions by load state
// (loading, loaded, failed and waiting to retry).
func (b *Broker) GroupLoadStatus() coordinator.LoadStatus { return b.groups.LoadStatus() }

// Stats are the network layer's counters.
func (b *Broker) Stats() netio.Stats { return b.srv.Stats() }

// Accepting reports whether the listener takes new connections now and, if
// not, why (at max.connections, accept failing, shutting down).
func (b *Broker) Accepting() (bool, string) { return b.srv.Accepting() }

// connsPerIP maps max.connections.per.ip to netio's setting: Kafka's 0
// admits only the overrides.
func connsPerIP(n int) int {
	if n == 0 {
		return netio.NoConnsPerIP
	}
	return n
}

// Close shuts down gracefully: parked long polls answer, the network layer
// stops accepting and finishes in-flight responses (bounded by ctx), the
// workers and the group coordinator stop, then the node and the engine close (flush, checkpoints,
// clean-shutdown marker). Later calls return the first call's result.
func (b *Broker) Close(ctx context.Context) error {
	b.closeOnce.Do(func() {
		b.node.Leave() // controlled shutdown while still serving
		b.h.BeginShutdown()
		errNet := b.srv.Shutdown(ctx)
		b.h.Close()
		b.groups.Close()
		errNode := b.node.Close()
		errEng := b.eng.Close()
		b.log.Info("broker stopped")
		b.closeErr = errors.Join(errNet, errNode, errEng)
	})
	return b.closeErr
}
