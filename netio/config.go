package netio

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"
)

// Defaults, Kafka's for the matching broker properties.
const (
	DefaultLoops         = 3                 // num.network.threads
	DefaultMaxFrameBytes = 100 * 1024 * 1024 // socket.request.max.bytes
	DefaultIdleTimeout   = 10 * time.Minute  // connections.max.idle.ms
	DefaultMaxInflight   = 100               // Sluice's own; Kafka serves one request at a time per connection
	// DefaultMaxQueuedBytes bounds the request bytes one connection holds
	// (served, not yet answered). Requests of a connection run one at a
	// time, so a deeper queue only adds latency; five pipelined 1 MiB
	// produce requests fit.
	DefaultMaxQueuedBytes = 8 << 20
	// DefaultMaxUnsentBytes bounds the response memory one connection
	// holds (answered, not yet written). File ranges do not count.
	DefaultMaxUnsentBytes = 4 << 20
)

// NoConnsPerIP as Config.MaxConnsPerIP admits only the addresses listed in
// MaxConnsPerIPOverrides (Kafka's max.connections.per.ip=0).
const NoConnsPerIP = -1

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
	// Serve but whose responses are not yet written. At the bound the
	// connection is muted (see the package doc) until one completes.
	MaxInflight int
	// MaxQueuedBytes bounds the frame bytes of one connection's requests
	// that were handed to Serve and not yet answered (Respond); at the
	// bound the connection is muted. A frame is admitted while the
	// connection is below the bound, so one frame larger than it still
	// passes.
	MaxQueuedBytes int64
	// MaxUnsentBytes bounds the memory-chunk bytes of one connection's
	// answered responses not yet written; at the bound it is muted.
	MaxUnsentBytes int64
	// Budget, shared by the Servers of a broker, bounds the request bytes
	// they hold together (queued.max.request.bytes). nil exempts this
	// Server: a control-plane or inter-broker listener.
	Budget *Budget
	// MaxConns bounds the open connections (max.connections); at the
	// bound the listener stops accepting until one closes. 0 (and
	// math.MaxInt32, Kafka's default) means the open-files limit minus a
	// reserve for log files (ConnLimitFromFDs); a larger value is lowered
	// to it.
	MaxConns int
	// MaxConnsPerIP bounds the connections from one address
	// (max.connections.per.ip): a connection past it is closed at once.
	// 0 means no bound; NoConnsPerIP admits only the overrides.
	MaxConnsPerIP int
	// MaxConnsPerIPOverrides maps an IP address or a host name to its own
	// bound (max.connections.per.ip.overrides). Host names are resolved
	// by NewServer.
	MaxConnsPerIPOverrides map[string]int
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
	if cfg.MaxQueuedBytes == 0 {
		cfg.MaxQueuedBytes = DefaultMaxQueuedBytes
	}
	if cfg.MaxUnsentBytes == 0 {
		cfg.MaxUnsentBytes = DefaultMaxUnsentBytes
	}
	if cfg.MaxConnsPerIP == 0 {
		cfg.MaxConnsPerIP = math.MaxInt32
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
	if cfg.MaxQueuedBytes < 1 {
		errs = append(errs, fmt.Errorf("%w: MaxQueuedBytes %d not in [1, ...]", ErrInvalidConfig, cfg.MaxQueuedBytes))
	}
	if cfg.MaxUnsentBytes < 1 {
		errs = append(errs, fmt.Errorf("%w: MaxUnsentBytes %d not in [1, ...]", ErrInvalidConfig, cfg.MaxUnsentBytes))
	}
	if cfg.MaxConns < 0 {
		errs = append(errs, fmt.Errorf("%w: MaxConns %d not in [0, ...]", ErrInvalidConfig, cfg.MaxConns))
	}
	if cfg.MaxConnsPerIP < NoConnsPerIP {
		errs = append(errs, fmt.Errorf("%w: MaxConnsPerIP %d not in [-1, ...]", ErrInvalidConfig, cfg.MaxConnsPerIP))
	}
	for host, n := range cfg.MaxConnsPerIPOverrides {
		if n < 0 {
			errs = append(errs, fmt.Errorf("%w: MaxConnsPerIPOverrides[%q] %d not in [0, ...]", ErrInvalidConfig, host, n))
		}
	}
	return errors.Join(errs...)
}
