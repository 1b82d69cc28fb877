package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"sluice/cluster"
	"sluice/cmd/sluice/internal/broker"
	"sluice/cmd/sluice/internal/obs"
	"sluice/cmd/sluice/internal/props"
)

// shutdownGrace bounds how long a graceful stop waits for in-flight
// requests before closing connections.
const shutdownGrace = 30 * time.Second

func newBrokerCmd() *cobra.Command {
	var configFile string
	var overrides []string
	cmd := &cobra.Command{
		Use:   "broker",
		Short: "Run a broker (127.0.0.1:9092, data in ./data, unless configured)",
		Long: `Run a Sluice broker.

With no arguments it serves PLAINTEXT://127.0.0.1:9092 with data in ./data.
--config reads a Kafka server.properties file; --override key=value sets one
property (repeatable, applied after the file). Property names are Kafka's;
settings Kafka lacks are prefixed "sluice.". See docs/config.md.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, warnings, err := loadBrokerConfig(configFile, overrides)
			if err != nil {
				return err
			}
			return runBroker(cmd.Context(), cfg, warnings)
		},
	}
	cmd.Flags().StringVar(&configFile, "config", "", "server.properties file")
	cmd.Flags().StringArrayVar(&overrides, "override", nil, "property=value, overriding the file (repeatable)")
	return cmd
}

// loadBrokerConfig merges the properties file and the overrides and parses
// them. Every error is a configuration error (exit status 2).
func loadBrokerConfig(file string, overrides []string) (cluster.BrokerConfig, []string, error) {
	p := map[string]string{}
	if file != "" {
		f, err := os.Open(file)
		if err != nil {
			return cluster.BrokerConfig{}, nil, usagef("config: %v", err)
		}
		p, err = props.Parse(f)
		f.Close()
		if err != nil {
			return cluster.BrokerConfig{}, nil, usagef("config %s: %v", file, err)
		}
	}
	for _, o := range overrides {
		k, v, ok := strings.Cut(o, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return cluster.BrokerConfig{}, nil, usagef("--override %q: want key=value", o)
		}
		p[strings.TrimSpace(k)] = v
	}
	cfg, warnings, err := cluster.ParseBrokerConfig(p)
	if err != nil {
		return cluster.BrokerConfig{}, nil, usageError{err}
	}
	return cfg, warnings, nil
}

func runBroker(parent context.Context, cfg cluster.BrokerConfig, warnings []string) error {
	level := slog.LevelInfo
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		return usagef("sluice.log.level: %v", err)
	}
	logger, closeLogs, err := obs.NewLogger(obs.LogOptions{Format: cfg.LogFormat, Level: level, FilesDir: cfg.LogFilesDir})
	if err != nil {
		return usageError{err}
	}
	defer closeLogs.Close()
	server := obs.Component(logger, "server")
	for _, w := range warnings {
		server.Warn(w)
	}

	// The metrics listener comes up first so /healthz answers during
	// recovery; /readyz turns ready once the broker serves, and says not
	// ready while its listener does not accept (max.connections reached,
	// accept failing) or a log dir is full or offline.
	var (
		ready   atomic.Bool
		running atomic.Pointer[broker.Broker]
	)
	metrics := obs.NewMetrics()
	msrv, err := obs.Serve(cfg.MetricsListener, metrics, func() (bool, string) {
		b := running.Load()
		if !ready.Load() || b == nil {
			return false, "not ready"
		}
		if ok, why := b.Accepting(); !ok {
			return false, why
		}
		if why := storageHealth(b.Engine()); why != "" {
			return false, why
		}
		return true, ""
	})
	if err != nil {
		return err
	}
	defer msrv.Close()

	// SIGTERM or SIGINT from here on stops the broker in order, also when
	// it arrives while the broker is starting (once started).
	ctx, stop := signalContext(parent)
	defer stop()
	start := time.Now()
	b, err := broker.Start(broker.Options{Config: cfg, Logger: logger, Recorder: metrics})
	if errors.Is(err, cluster.ErrBrokerIDInUse) || errors.Is(err, cluster.ErrInconsistentClusterID) {
		return usageError{err} // the configuration names a taken id or another cluster's dirs
	}
	if err != nil {
		return err
	}
	gm := newGroupMetrics(b.Addr().String())
	defer gm.Close()
	metrics.SetStateFunc(gm.With(brokerState(b)))
	metrics.Registry().MustRegister(netCollector{b})
	running.Store(b)
	ready.Store(true)
	server.Info("ready", "listen", b.Addr().String(), "metrics", addrString(msrv),
		"start_ms", time.Since(start).Milliseconds(), "log_dirs", strings.Join(cfg.LogDirs, ","))

	go trimMemory(ctx, server)
	select {
	case <-ctx.Done():
	case err := <-b.Node().Failed():
		// Every log dir failed: halt without an orderly shutdown, which
		// would write to the dead disks (Kafka's Exit.halt(1)). The
		// registration goes with the ZooKeeper session.
		ready.Store(false)
		return err
	}
	server.Info("shutting down")
	ready.Store(false)
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := b.Close(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

func addrString(s *obs.Server) string {
	if a := s.Addr(); a != nil {
		return a.String()
	}
	return "off"
}
