package perf

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"sluice/cmd/sluice/internal/hist"
)

// Consume reads cfg.Partitions of cfg.Topic, split round-robin over
// cfg.Clients clients, until cfg.Records records arrived or, with Records
// 0, until every partition in cfg.Ends reached its end (partitions not in
// Ends have nothing to read), and returns the summary.
func Consume(ctx context.Context, cfg Config) (Result, error) {
	if err := cfg.ensureDefaults(); err != nil {
		return Result{}, err
	}
	if len(cfg.Partitions) == 0 {
		return Result{}, fmt.Errorf("%w: no partitions to consume", ErrConfig)
	}
	nc := min(cfg.Clients, len(cfg.Partitions))
	assign := make([]map[int32]kgo.Offset, nc)
	for i, p := range cfg.Partitions {
		if assign[i%nc] == nil {
			assign[i%nc] = make(map[int32]kgo.Offset)
		}
		assign[i%nc][p] = cfg.Offset
	}
	clients := make([]*kgo.Client, nc)
	for i := range clients {
		cl, err := cfg.NewClient(kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{cfg.Topic: assign[i]}),
			kgo.FetchMaxWait(200*time.Millisecond))
		if err != nil {
			closeAll(clients)
			return Result{}, err
		}
		clients[i] = cl
	}
	defer closeAll(clients)

	var c counters
	prog := startProgress(cfg.Progress, cfg.TTY, cfg.Interval, cfg.Records, "consumed", &c)
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		errOnce  sync.Once
		firstErr error
	)
	setErr := func(err error) { errOnce.Do(func() { firstErr = err }) }
	go watchStall(runCtx, cancel, &c, cfg.StallTimeout, setErr)
	start := time.Now()
	hists := make([]hist.Histogram, nc)
	var wg sync.WaitGroup
	for i, cl := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			consumeLoop(runCtx, cancel, cl, cfg, assign[i], &hists[i], &c, setErr)
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	prog.end()
	var all hist.Histogram
	for i := range hists {
		all.Merge(&hists[i])
	}
	res := newResult("consume", c.records.Load(), c.bytes.Load(), c.errors.Load(), elapsed, &all)
	if firstErr != nil {
		res.FirstError = firstErr.Error()
		if errors.Is(firstErr, ErrStalled) {
			return res, firstErr
		}
	}
	return res, nil
}

// consumeLoop polls one client until the shared total reaches
// cfg.Records (then cancels the others) or, with Records 0, until each of
// its partitions reaches its end in cfg.Ends.
func consumeLoop(ctx context.Context, cancel context.CancelFunc, cl *kgo.Client, cfg Config, assigned map[int32]kgo.Offset, h *hist.Histogram, c *counters, setErr func(error)) {
	var remaining map[int32]int64
	if cfg.Records == 0 {
		remaining = make(map[int32]int64)
		for p := range assigned {
			if end, ok := cfg.Ends[p]; ok {
				remaining[p] = end
			}
		}
		if len(remaining) == 0 {
			return
		}
	}
	for ctx.Err() == nil {
		fs := cl.PollFetches(ctx)
		fs.EachError(func(_ string, p int32, err error) {
			if !errors.Is(err, context.Canceled) {
				c.errors.Add(1)
				setErr(fmt.Errorf("partition %d: %w", p, err))
			}
		})
		now := time.Now()
		fs.EachRecord(func(r *kgo.Record) {
			h.Record(now.Sub(r.Timestamp).Microseconds())
			c.bytes.Add(int64(len(r.Key) + len(r.Value)))
			c.records.Add(1)
			if end, ok := remaining[r.Partition]; ok && r.Offset+1 >= end {
				delete(remaining, r.Partition)
			}
		})
		if cfg.Records > 0 && c.records.Load() >= cfg.Records {
			cancel()
			return
		}
		if remaining != nil && len(remaining) == 0 {
			return
		}
	}
}
