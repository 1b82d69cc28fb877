package main

import (
	"context"
	"log/slog"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// Handing memory back after a burst.
//
// A burst (a flood of large requests, a client pipelining without reading)
// leaves the heap large: pooled buffers stay in their sync.Pools until two
// garbage collections pass, and freed spans stay mapped until the runtime's
// scavenger returns them, which it does slowly and only above the heap goal
// that the burst raised. A broker that goes quiet afterwards allocates too
// little to run a collection, so its resident memory stays at the burst's
// level for minutes. trimMemory watches for that: when no collection ran
// during a whole interval (the broker is quiet) and the heap's retained
// memory (objects plus free, unreleased spans) grew by more than
// trimSlack since the last trim, it runs two collections (emptying the
// pools) and returns the free spans to the OS (debug.FreeOSMemory). A busy
// broker collects on its own and is left to the runtime.
const (
	trimInterval = 5 * time.Second
	trimSlack    = 32 << 20
)

func trimMemory(ctx context.Context, log *slog.Logger) {
	samples := []metrics.Sample{
		{Name: "/gc/cycles/total:gc-cycles"},
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/heap/free:bytes"},
	}
	read := func() (cycles, retained uint64) {
		metrics.Read(samples)
		return samples[0].Value.Uint64(), samples[1].Value.Uint64() + samples[2].Value.Uint64()
	}
	lastCycles, baseline := read()
	t := time.NewTicker(trimInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		cycles, retained := read()
		quiet := cycles == lastCycles
		lastCycles = cycles
		if !quiet || retained < baseline+trimSlack {
			if quiet && retained < baseline {
				baseline = retained
			}
			continue
		}
		start := time.Now()
		runtime.GC()         // pooled buffers move to the victim caches...
		debug.FreeOSMemory() // ...and are freed here, with every free span returned
		lastCycles, baseline = read()
		log.Debug("returned heap memory to the OS after a burst", "retained_before", retained,
			"retained_after", baseline, "took", time.Since(start))
	}
}
