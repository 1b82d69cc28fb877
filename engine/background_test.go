package engine

import (
	"testing"
	"time"
)

// The background goroutines apply retention, flush sealed segments and
// compact on their own, and Close stops them.
func TestBackgroundLoops(t *testing.T) {
	env := newEnv(t, 1)
	e, err := Open(Options{Dirs: env.dirs, Now: env.clock.Now, RetentionCheckInterval: 10 * time.Millisecond,
		FlushCheckInterval: 10 * time.Millisecond, CleanerEnable: true, CleanerBackoff: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	del := mustCreate(t, e, tp0, map[string]string{"segment.bytes": "500", "retention.ms": "60000"})
	cmp := mustCreate(t, e, TopicPartition{Topic: "c", Partition: 0}, map[string]string{"segment.bytes": "300",
		"cleanup.policy": "compact", "min.cleanable.dirty.ratio": "0.01"})
	for i := 0; i < 10; i++ {
		mustAppend(t, del, env.batch(batchSpec{n: 1, valSize: 200}))
		mustAppend(t, cmp, env.batch(batchSpec{n: 1, valSize: 100, keys: []string{"same"}}))
	}
	cmpSize := cmp.Size()
	env.clock.Advance(time.Hour)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if del.LogStartOffset() > 0 && cmp.Size() < cmpSize && del.recoveryPoint.Load() > 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if del.LogStartOffset() == 0 {
		t.Error("retention did not run")
	}
	if cmp.Size() >= cmpSize {
		t.Error("cleaner did not run")
	}
	if del.recoveryPoint.Load() == 0 {
		t.Error("sealed segments not flushed")
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
}
