package netio

import (
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Defaults, Kafka's for the matching broker properties.
const (
	DefaultLoops         = 3                 // num.network.threads
	DefaultMaxFrameBytes = 100 * 1024 * 1024 // socket.request.max.bytes
	DefaultIdleTimeout   = 10 * time.Minute  // connections.max.idle.ms
	DefaultMaxInflight   = 100               // Sluice's own; Kafka serves one request at a time per connection
)

// Config configures a Server. The zero value of every field means its default.
type Config struct {
	// Addr is host:port to listen on (TCP). "127.0.0.1:0" picks a free port.
	Addr string
	// Loops is the number of gnet event loops (num.network.threads).
	Loops int
	// MaxFrameBytes bounds a frame's length prefix (socket.request.max.bytes).
	// A larger, zero or negative length closes the connection.
	MaxFrameBytes int32
	// IdleTimeout closes connections without traffic and without pending
	// responses for this long (connections.max.idle.ms). Negative disables.
	IdleTimeout time.Duration
	// MaxInflight bounds the requests of one connection that were handed to
	// Serve but whose responses are not yet written. Further frames wait in
	// the inbound buffer until one completes (pipelining stays in order).
	MaxInflight int
	// Logger receives connection-level events; nil means slog.Default()
	// with component=network.
	Logger *slog.Logger
}

// EnsureDefaults returns cfg with zero fields replaced by their defaults.
func (cfg Config) EnsureDefaults() Config {
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:9092"
	}
	if cfg.Loops == 0 {
		cfg.Loops = DefaultLoops
	}
	if cfg.MaxFrameBytes == 0 {
		cfg.MaxFrameBytes = DefaultMaxFrameBytes
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.MaxInflight == 0 {
		cfg.MaxInflight = DefaultMaxInflight
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default().With("component", "network")
	}
	return cfg
}

// Validate reports every out-of-range field at once.
func (cfg Config) Validate() error {
	var errs []error
	if cfg.Loops < 1 || cfg.Loops > 1024 {
		errs = append(errs, fmt.Errorf("%w: Loops %d not in [1, 1024]", ErrInvalidConfig, cfg.Loops))
	}
	if cfg.MaxFrameBytes < 1 {
		errs = append(errs, fmt.Errorf("%w: MaxFrameBytes %d not in [1, 2147483647]", ErrInvalidConfig, cfg.MaxFrameBytes))
	}
	if cfg.MaxInflight < 1 {
		errs = append(errs, fmt.Errorf("%w: MaxInflight %d not in [1, 2147483647]", ErrInvalidConfig, cfg.MaxInflight))
	}
	return errors.Join(errs...)
}
