package engine

import (
	"strings"
	"sync"
	"testing"
	"time"

	"sluice/engine/vfs"
	"sluice/engine/vfs/errorfs"
)

// syncCounter counts fsyncs of .log files.
func syncCounter(efs *errorfs.FS) *countInjector {
	c := &countInjector{}
	efs.SetInjector(func(op errorfs.Op, path string, _ int64) error {
		if op == errorfs.OpSync && strings.HasSuffix(path, ".log") {
			c.mu.Lock()
			c.n++
			c.mu.Unlock()
		}
		return nil
	})
	return c
}

type countInjector struct {
	mu sync.Mutex
	n  int
}

func (c *countInjector) get() int { c.mu.Lock(); defer c.mu.Unlock(); return c.n }

func TestFlushGroupCommit(t *testing.T) {
	env := newEnv(t, 1)
	efs := errorfs.New(vfs.Default)
	env.fs = efs
	e := env.open()
	defer e.Close()
	l := mustCreate(t, e, tp0, nil)
	cnt := syncCounter(efs)
	// Many concurrent producers each asking for a flush of their append.
	const n = 32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if _, err := l.Append(env.batch(batchSpec{n: 1, valSize: 100}), AppendOptions{}); err != nil {
				t.Error(err)
				return
			}
			if err := l.Flush(); err != nil {
				t.Error(err)
			}
		}()
	}
	close(start)
	wg.Wait()
	if got := cnt.get(); got == 0 || got >= n {
		t.Fatalf("%d fsyncs for %d flushes: no group commit", got, n)
	}
	if l.flushed.Load() != l.LogEndOffset() || l.recoveryPoint.Load() != l.LogEndOffset() {
		t.Fatal("recovery point not advanced")
	}
	// Nothing new: no fsync.
	before := cnt.get()
	l.Flush()
	if cnt.get() != before {
		t.Fatal("fsync with nothing to flush")
	}
}

func TestFlushMessagesAndFlushMs(t *testing.T) {
	env := newEnv(t, 1)
	efs := errorfs.New(vfs.Default)
	env.fs = efs
	e := env.open()
	defer e.Close()
	l := mustCreate(t, e, tp0, map[string]string{"flush.messages": "3"})
	cnt := syncCounter(efs)
	for i := 0; i < 6; i++ {
		mustAppend(t, l, env.batch(batchSpec{n: 1, valSize: 10}))
	}
	if got := cnt.get(); got != 2 {
		t.Fatalf("flush.messages=3: %d fsyncs after 6 messages", got)
	}
	cfg, _ := l.Config().With(map[string]string{"flush.messages": "1000", "flush.ms": "1000"})
	l.SetConfig(cfg)
	mustAppend(t, l, env.batch(batchSpec{n: 1, valSize: 10}))
	l.maybeFlushByTime(env.clock.Now().UnixMilli())
	if got := cnt.get(); got != 2 {
		t.Fatalf("flush.ms: flushed early (%d)", got)
	}
	env.clock.Advance(2 * time.Second)
	l.maybeFlushByTime(env.clock.Now().UnixMilli())
	if got := cnt.get(); got != 3 {
		t.Fatalf("flush.ms: %d fsyncs", got)
	}
}

func TestFlushCallsOnFlush(t *testing.T) {
	env := newEnv(t, 1)
	var mu sync.Mutex
	var calls []time.Duration
	e, err := Open(Options{Dirs: env.dirs, Now: env.clock.Now, DisableBackground: true,
		OnFlush: func(d time.Duration) { mu.Lock(); calls = append(calls, d); mu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	l := mustCreate(t, e, tp0, map[string]string{"flush.messages": "1"})
	mustAppend(t, l, env.batch(batchSpec{n: 1, valSize: 10}))
	mustAppend(t, l, env.batch(batchSpec{n: 1, valSize: 10}))
	if err := l.Flush(); err != nil { // nothing new: no fsync, no call
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(calls) != 2 {
		t.Fatalf("OnFlush called %d times for 2 flushed appends, want 2", len(calls))
	}
	for _, d := range calls {
		if d <= 0 {
			t.Errorf("flush duration %v", d)
		}
	}
}
