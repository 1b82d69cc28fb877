package perf

import (
	"fmt"
	"io"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Config describes a run. Zero values mean the defaults noted.
type Config struct {
	Topic string
	// Records to produce, or to consume (0 for consume: everything up to
	// the end of each partition as of the start).
	Records int64
	// Size of each produced value in bytes (default 100).
	Size int
	// Rate caps records per second over all clients (0: no cap).
	Rate float64
	// Clients is the number of independent clients (default 1).
	Clients int
	// NewClient connects one client with the extra options.
	NewClient func(opts ...kgo.Opt) (*kgo.Client, error)
	// Offset is where consumers start (default: the start of the log).
	Offset kgo.Offset
	// Partitions to consume, all of the topic's (the caller looks them up).
	Partitions []int32
	// Ends holds, per partition, the offset to consume up to when Records
	// is 0.
	Ends map[int32]int64
	// Progress, when set, receives the live progress; TTY selects the
	// redrawn bar; Interval is the plain-line period (default 5 s).
	Progress io.Writer
	TTY      bool
	Interval time.Duration
	// StallTimeout ends the run with ErrStalled when no record moves for
	// this long (default 30 s).
	StallTimeout time.Duration
}

func (c *Config) ensureDefaults() error {
	if c.Size <= 0 {
		c.Size = 100
	}
	if c.Clients <= 0 {
		c.Clients = 1
	}
	if c.StallTimeout <= 0 {
		c.StallTimeout = 30 * time.Second
	}
	if c.Rate < 0 || c.Records < 0 || c.Topic == "" || c.NewClient == nil {
		return fmt.Errorf("%w: need a topic, a client factory and non-negative records and rate", ErrConfig)
	}
	return nil
}
