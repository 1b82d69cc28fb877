package engine

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"sluice/engine/record"
)

// Appends, reads, flushes, retention, the cleaner and truncation running
// at once (run with -race): no race, no error other than the expected
// out-of-range reads, and the log stays readable.
func TestConcurrentAppendReadCleanRetention(t *testing.T) {
	env := newEnv(t, 1)
	e := env.open()
	defer e.Close()
	l := mustCreate(t, e, tp0, map[string]string{"cleanup.policy": "compact,delete", "segment.bytes": "2000",
		"min.cleanable.dirty.ratio": "0.01", "retention.bytes": "20000", "file.delete.delay.ms": "0"})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	run := func(fn func(i int)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
					fn(i)
				}
			}
		}()
	}
	run(func(i int) {
		o := record.DefaultBuilderOptions()
		b := record.NewBuilder(o)
		b.Add([]byte(fmt.Sprintf("k%d", i%7)), []byte(fmt.Sprintf("value-%d", i)), env.clock.Now().UnixMilli())
		if _, err := l.Append(b.Build(), AppendOptions{}); err != nil {
			t.Error(err)
		}
		l.SetHighWatermark(l.LogEndOffset())
	})
	run(func(int) {
		r, err := l.Read(l.LogStartOffset(), 4096, ReadOptions{MaxOffset: -1, MinOneBatch: true})
		if err != nil {
			// The log start may move between the two calls; nothing else
			// may fail (a read checking headers without Log.mu must not
			// mistake a concurrent truncation or swap for corruption).
			if !errors.Is(err, ErrOffsetOutOfRange) {
				t.Error(err)
			}
			return
		}
		data, err := r.AppendTo(nil)
		r.Release()
		if err != nil {
			t.Error(err)
		}
		for len(data) > 0 {
			b, rest, err := record.NextBatch(data)
			if err != nil || !record.CRCValid(b) {
				t.Errorf("read a bad batch: %v", err)
				return
			}
			data = rest
		}
	})
	run(func(i int) {
		e.RunCleaner()
		e.RunRetention()
		if i%5 == 4 {
			if err := l.TruncateTo(l.LogEndOffset() - 1); err != nil {
				t.Error(err)
			}
		}
		time.Sleep(time.Millisecond)
	})
	run(func(int) { _ = l.Flush(); l.OffsetForTimestamp(0); l.MaxTimestamp(); time.Sleep(time.Millisecond) })
	time.Sleep(400 * time.Millisecond)
	close(stop)
	wg.Wait()
	if l.LogEndOffset() == 0 {
		t.Fatal("nothing appended")
	}
	readAll(t, l, l.LogStartOffset())
}
