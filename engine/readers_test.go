package engine

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"sluice/engine/record"
)

// A reader holding a file range keeps reading the same bytes while
// retention, compaction and truncation remove or replace its segment.
func TestReaderRangeSurvivesRetentionCompactionTruncation(t *testing.T) {
	ops := []struct {
		name string
		cfg  map[string]string
		run  func(e *Engine, l *Log, env *testEnv)
	}{
		{"retention", map[string]string{"retention.ms": "1000"}, func(e *Engine, l *Log, env *testEnv) {
			env.clock.Advance(time.Hour)
			e.RunRetention()
			if l.LogStartOffset() == 0 {
				t.Fatal("retention deleted nothing")
			}
		}},
		{"compaction", map[string]string{"cleanup.policy": "compact", "min.cleanable.dirty.ratio": "0.01"}, func(e *Engine, l *Log, env *testEnv) {
			size := l.Size()
			e.RunCleaner()
			if l.Size() >= size {
				t.Fatal("compaction removed nothing")
			}
		}},
		{"truncation", nil, func(e *Engine, l *Log, env *testEnv) {
			if err := l.TruncateTo(1); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 30; i++ { // overwrite the old positions with new data
				appendKV(t, env, l, record.None, [2]string{"new", fmt.Sprint(i)})
			}
		}},
		{"truncation in the active segment", map[string]string{"segment.bytes": "1000000"}, func(e *Engine, l *Log, env *testEnv) {
			if err := l.TruncateTo(3); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 30; i++ {
				appendKV(t, env, l, record.None, [2]string{"new", fmt.Sprint(i)})
			}
		}},
	}
	for _, op := range ops {
		t.Run(op.name, func(t *testing.T) {
			env := newEnv(t, 1)
			e := env.open()
			defer e.Close()
			overrides := map[string]string{"segment.bytes": "600", "file.delete.delay.ms": "0"}
			for k, v := range op.cfg {
				overrides[k] = v
			}
			l := mustCreate(t, e, tp0, overrides)
			for i := 0; i < 30; i++ {
				appendKV(t, env, l, record.None, [2]string{"k", fmt.Sprintf("value-%02d", i)})
			}
			r, err := l.Read(0, 1<<20, ReadOptions{MaxOffset: -1})
			if err != nil {
				t.Fatal(err)
			}
			want, _ := r.AppendTo(nil)
			op.run(e, l, env)
			got, err := r.AppendTo(nil)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("range changed under the reader (%v)", err)
			}
			// Also through the descriptor, as sendfile would.
			fr := r.Ranges[0]
			raw := make([]byte, fr.Length)
			if _, err := fr.File.ReadAt(raw, fr.Offset); err != nil || !bytes.Equal(raw, want) {
				t.Fatalf("file range changed: %v", err)
			}
			r.Release()
			r.Release() // idempotent
		})
	}
}
