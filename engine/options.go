package engine

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"sluice/engine/vfs"
)

// Kafka's defaults for the engine-level broker settings.
const (
	DefaultRetentionCheckInterval = 5 * time.Minute  // log.retention.check.interval.ms
	DefaultFlushCheckInterval     = time.Second      // how often flush.ms is checked
	DefaultCleanerBackoff         = 15 * time.Second // log.cleaner.backoff.ms
	// DefaultMaxBatchDecompressed is sluice.batch.decompressed.max.bytes.
	DefaultMaxBatchDecompressed = 64 << 20
	// CheckpointInterval is how often the per-dir checkpoint files are
	// rewritten (Kafka: replica.high.watermark.checkpoint.interval.ms 5 s).
	CheckpointInterval = 5 * time.Second
	// DefaultReserveAhead is Options.ReserveAhead's default: 16 MiB of
	// .log blocks reserved ahead of the appends.
	DefaultReserveAhead = 16 << 20
	// DefaultProducerIDExpiration is producer.id.expiration.ms, checked
	// every DefaultProducerIDExpirationCheckInterval
	// (producer.id.expiration.check.interval.ms).
	DefaultProducerIDExpiration              = 24 * time.Hour
	DefaultProducerIDExpirationCheckInterval = 10 * time.Minute
	// DefaultReserveDirPercent is Options.ReserveDirPercent's default: 1%
	// of a log dir's volume reserved ahead at most, over all partitions.
	DefaultReserveDirPercent = 1.0
	// ReserveIdleAfter is how long a partition may go without an append
	// before its active segment gives its reserved blocks back.
	ReserveIdleAfter = 10 * time.Second
)

// EnsureDefaults fills zero fields with their defaults and returns o.
func (o *Options) EnsureDefaults() *Options {
	if o.FS == nil {
		o.FS = vfs.Default
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Defaults.isZero() {
		o.Defaults = DefaultTopicConfig()
	}
	if o.RetentionCheckInterval == 0 {
		o.RetentionCheckInterval = DefaultRetentionCheckInterval
	}
	if o.FlushCheckInterval == 0 {
		o.FlushCheckInterval = DefaultFlushCheckInterval
	}
	if o.CleanerBackoff == 0 {
		o.CleanerBackoff = DefaultCleanerBackoff
	}
	if o.MaxBatchDecompressed == 0 {
		o.MaxBatchDecompressed = DefaultMaxBatchDecompressed
	}
	if o.ReserveAhead == 0 {
		o.ReserveAhead = DefaultReserveAhead
	}
	if o.ProducerIDExpiration == 0 {
		o.ProducerIDExpiration = DefaultProducerIDExpiration
	}
	if o.ProducerIDExpirationCheckInterval == 0 {
		o.ProducerIDExpirationCheckInterval = DefaultProducerIDExpirationCheckInterval
	}
	if o.ReserveDirPercent == 0 {
		o.ReserveDirPercent = DefaultReserveDirPercent
	}
	return o
}

// Validate reports every bad field at once.
func (o *Options) Validate() error {
	var errs []error
	if len(o.Dirs) == 0 {
		errs = append(errs, fmt.Errorf("%w: Dirs (log.dirs) must name at least one directory", ErrInvalidOptions))
	}
	seen := map[string]bool{}
	for _, d := range o.Dirs {
		if d == "" {
			errs = append(errs, fmt.Errorf("%w: Dirs has an empty path", ErrInvalidOptions))
		}
		if seen[d] {
			errs = append(errs, fmt.Errorf("%w: Dirs lists %q twice", ErrInvalidOptions, d))
		}
		seen[d] = true
	}
	for _, x := range []struct {
		name string
		d    time.Duration
	}{{"RetentionCheckInterval", o.RetentionCheckInterval}, {"FlushCheckInterval", o.FlushCheckInterval}, {"CleanerBackoff", o.CleanerBackoff},
		{"ProducerIDExpiration", o.ProducerIDExpiration}, {"ProducerIDExpirationCheckInterval", o.ProducerIDExpirationCheckInterval}} {
		if x.d < 0 {
			errs = append(errs, fmt.Errorf("%w: %s must be >= 0, got %v", ErrInvalidOptions, x.name, x.d))
		}
	}
	if o.ReserveDirPercent > 100 {
		errs = append(errs, fmt.Errorf("%w: ReserveDirPercent must be at most 100, got %v", ErrInvalidOptions, o.ReserveDirPercent))
	}
	if o.MaxBatchDecompressed < 0 {
		errs = append(errs, fmt.Errorf("%w: MaxBatchDecompressed must be >= 0, got %d", ErrInvalidOptions, o.MaxBatchDecompressed))
	}
	if o.NodeID < 0 {
		errs = append(errs, fmt.Errorf("%w: NodeID must be >= 0, got %d", ErrInvalidOptions, o.NodeID))
	}
	return errors.Join(errs...)
}
