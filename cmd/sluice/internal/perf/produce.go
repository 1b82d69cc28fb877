package perf

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"sluice/cmd/sluice/internal/hist"
)

// Produce sends cfg.Records records of cfg.Size bytes to cfg.Topic from
// cfg.Clients clients and returns the summary. A canceled ctx ends the run
// early; the summary covers what was acknowledged until then.
func Produce(ctx context.Context, cfg Config) (Result, error) {
	if err := cfg.ensureDefaults(); err != nil {
		return Result{}, err
	}
	if cfg.Records == 0 {
		return Result{}, fmt.Errorf("%w: produce needs --records > 0", ErrConfig)
	}
	payload := make([]byte, cfg.Size)
	for i := range payload {
		payload[i] = byte('A' + rand.IntN(26))
	}
	clients := make([]*kgo.Client, cfg.Clients)
	for i := range clients {
		cl, err := cfg.NewClient(kgo.DefaultProduceTopic(cfg.Topic))
		if err != nil {
			closeAll(clients)
			return Result{}, err
		}
		clients[i] = cl
	}
	defer closeAll(clients)

	var c counters
	prog := startProgress(cfg.Progress, cfg.TTY, cfg.Interval, cfg.Records, "sent", &c)
	start := time.Now()
	hists := make([]hist.Histogram, cfg.Clients)
	var (
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	setErr := func(err error) { errOnce.Do(func() { firstErr = err }) }
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go watchStall(runCtx, cancel, &c, cfg.StallTimeout, setErr)
	for i, cl := range clients {
		n := cfg.Records / int64(cfg.Clients)
		if int64(i) < cfg.Records%int64(cfg.Clients) {
			n++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			produceLoop(runCtx, cl, n, cfg.Rate/float64(cfg.Clients), payload, &hists[i], &c, setErr)
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	prog.end()
	var all hist.Histogram
	for i := range hists {
		all.Merge(&hists[i])
	}
	res := newResult("produce", c.records.Load(), c.bytes.Load(), c.errors.Load(), elapsed, &all)
	if firstErr != nil {
		res.FirstError = firstErr.Error()
	}
	if errors.Is(firstErr, ErrStalled) {
		return res, firstErr
	}
	return res, nil
}

// produceLoop sends n records from one client, pacing to rate (records/s,
// 0 = unlimited), and waits for every acknowledgement.
func produceLoop(ctx context.Context, cl *kgo.Client, n int64, rate float64, payload []byte, h *hist.Histogram, c *counters, setErr func(error)) {
	var mu sync.Mutex // promises may run on several goroutines
	start := time.Now()
	for i := int64(0); i < n && ctx.Err() == nil; i++ {
		if rate > 0 {
			if wait := time.Until(start.Add(time.Duration(float64(i) / rate * float64(time.Second)))); wait > time.Millisecond {
				select {
				case <-time.After(wait):
				case <-ctx.Done():
				}
			}
		}
		sent := time.Now()
		cl.Produce(ctx, &kgo.Record{Value: payload}, func(r *kgo.Record, err error) {
			if err != nil {
				c.errors.Add(1)
				if !errors.Is(err, context.Canceled) {
					setErr(err)
				}
				return
			}
			lat := time.Since(sent)
			mu.Lock()
			h.Record(lat.Microseconds())
			mu.Unlock()
			c.records.Add(1)
			c.bytes.Add(int64(len(r.Value)))
		})
	}
	_ = cl.Flush(context.WithoutCancel(ctx))
}

// watchStall cancels the run when the record count stops moving.
func watchStall(ctx context.Context, cancel context.CancelFunc, c *counters, timeout time.Duration, setErr func(error)) {
	t := time.NewTicker(timeout / 10)
	defer t.Stop()
	last, lastMove := int64(-1), time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			if n := c.records.Load() + c.errors.Load(); n != last {
				last, lastMove = n, now
			} else if now.Sub(lastMove) >= timeout {
				setErr(fmt.Errorf("%w for %s", ErrStalled, timeout))
				cancel()
				return
			}
		}
	}
}

func closeAll(cls []*kgo.Client) {
	for _, cl := range cls {
		if cl != nil {
			cl.Close()
		}
	}
}
