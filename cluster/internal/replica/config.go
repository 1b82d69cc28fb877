package replica

import (
	"errors"
	"fmt"
	"time"
)

// Config holds the settings a partition's replication decisions depend on.
// The zero value means Kafka 3.9's defaults; property names are given next
// to each field. A topic-level min.insync.replicas overrides the broker's;
// the adapter resolves that and sends ConfigChanged when it changes.
type Config struct {
	// MinInsyncReplicas is min.insync.replicas (default 1). The effective
	// minimum is min(MinInsyncReplicas, replication factor) (KAFKA-15583).
	MinInsyncReplicas int
	// ReplicaLagTimeMax is replica.lag.time.max.ms (default 30 s): a
	// follower that has not caught up to the leader's log end within it
	// leaves the ISR.
	ReplicaLagTimeMax time.Duration
}

// EnsureDefaults fills zero fields with the defaults and returns c.
func (c *Config) EnsureDefaults() *Config {
	if c.MinInsyncReplicas == 0 {
		c.MinInsyncReplicas = 1
	}
	if c.ReplicaLagTimeMax == 0 {
		c.ReplicaLagTimeMax = 30 * time.Second
	}
	return c
}

// Validate reports every bad field at once, wrapping ErrInvalidOptions.
func (c *Config) Validate() error {
	var errs []error
	if c.MinInsyncReplicas < 1 {
		errs = append(errs, fmt.Errorf("%w: min.insync.replicas %d: must be at least 1", ErrInvalidOptions, c.MinInsyncReplicas))
	}
	if c.ReplicaLagTimeMax <= 0 {
		errs = append(errs, fmt.Errorf("%w: replica.lag.time.max.ms %v: must be positive", ErrInvalidOptions, c.ReplicaLagTimeMax))
	}
	return errors.Join(errs...)
}

// Options configures New.
type Options struct {
	// BrokerID is this broker's id (broker.id).
	BrokerID int32
	// Log is the local replica's log, read-only; *engine.Log satisfies it.
	Log Log
	// Config is the replication settings (zero value: defaults).
	Config Config
}

// Validate reports every bad field at once, wrapping ErrInvalidOptions.
func (o *Options) Validate() error {
	var errs []error
	if o.BrokerID < 0 {
		errs = append(errs, fmt.Errorf("%w: broker id %d: must not be negative", ErrInvalidOptions, o.BrokerID))
	}
	if o.Log == nil {
		errs = append(errs, fmt.Errorf("%w: Log is nil", ErrInvalidOptions))
	}
	if err := o.Config.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
