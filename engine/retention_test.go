package engine

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func countFiles(t *testing.T, dir, suffix string) int {
	ents, _ := os.ReadDir(dir)
	n := 0
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), suffix) {
			n++
		}
	}
	return n
}

func TestRetentionByTime(t *testing.T) {
	env := newEnv(t, 1)
	e := env.open()
	defer e.Close()
	l := mustCreate(t, e, tp0, map[string]string{"segment.bytes": "1200", "retention.ms": "3600000", "file.delete.delay.ms": "1000"})
	for i := 0; i < 10; i++ {
		mustAppend(t, l, env.batch(batchSpec{n: 2, valSize: 200}))
		env.clock.Advance(10 * time.Minute)
	}
	// Segments hold two batches each; the first ones are now older than 1h.
	pdir := filepath.Join(l.Dir(), "orders-0")
	before := countFiles(t, pdir, ".log")
	e.RunRetention()
	if l.LogStartOffset() == 0 {
		t.Fatal("nothing deleted")
	}
	// Every remaining segment has a record younger than retention.ms.
	l.mu.Lock()
	now := env.clock.Now().UnixMilli()
	for _, s := range l.mu.segs[:len(l.mu.segs)-1] {
		if ts, _ := s.MaxTimestamp(); now-ts > 3600000 {
			t.Errorf("expired segment %d kept", s.Base())
		}
	}
	first := l.mu.segs[0].Base()
	l.mu.Unlock()
	if l.LogStartOffset() != first {
		t.Fatalf("log start %d, first segment %d", l.LogStartOffset(), first)
	}
	if countFiles(t, pdir, ".deleted") == 0 {
		t.Fatal("no .deleted files during file.delete.delay.ms")
	}
	env.clock.Advance(2 * time.Second)
	e.RunRetention()
	if n := countFiles(t, pdir, ".deleted"); n != 0 {
		t.Fatalf("%d .deleted files after the delay", n)
	}
	if after := countFiles(t, pdir, ".log"); after >= before {
		t.Fatalf("segments %d -> %d", before, after)
	}
	ck, _ := os.ReadFile(filepath.Join(l.Dir(), "log-start-offset-checkpoint"))
	if !strings.Contains(string(ck), "orders 0 ") || strings.Contains(string(ck), "orders 0 0\n") {
		t.Fatalf("log start not checkpointed: %q", ck)
	}
	if _, err := l.Read(0, 100, ReadOptions{MaxOffset: -1}); !errors.Is(err, ErrOffsetOutOfRange) {
		t.Fatalf("read below log start: %v", err)
	}
	// Purge: retention.ms=1000 rolls the expired active segment and deletes it.
	cfg, _ := l.Config().With(map[string]string{"retention.ms": "1000"})
	l.SetConfig(cfg)
	env.clock.Advance(2 * time.Second)
	e.RunRetention()
	if l.LogStartOffset() != l.LogEndOffset() || l.Size() != 0 {
		t.Fatalf("purge: start %d end %d size %d", l.LogStartOffset(), l.LogEndOffset(), l.Size())
	}
	r := mustAppend(t, l, env.batch(batchSpec{n: 1, valSize: 10}))
	if r.BaseOffset != 20 {
		t.Fatalf("offsets continue after purge: %d", r.BaseOffset)
	}
}

func TestRetentionBySizeAndHighWatermark(t *testing.T) {
	env := newEnv(t, 1)
	e := env.open()
	defer e.Close()
	l := mustCreate(t, e, tp0, map[string]string{"segment.bytes": "1000", "retention.bytes": "2500"})
	for i := 0; i < 20; i++ {
		if _, err := l.Append(env.batch(batchSpec{n: 1, valSize: 400}), AppendOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// HW at 0: nothing is deletable.
	e.RunRetention()
	if l.LogStartOffset() != 0 {
		t.Fatal("deleted above the high watermark")
	}
	l.SetHighWatermark(l.LogEndOffset())
	e.RunRetention()
	// Kafka's rule: delete the oldest segment while the log stays at or
	// above retention.bytes without it.
	l.mu.Lock()
	first := l.mu.segs[0].Size()
	l.mu.Unlock()
	if l.Size()-first >= 2500 || l.LogStartOffset() == 0 {
		t.Fatalf("size %d (oldest segment %d) after retention.bytes 2500", l.Size(), first)
	}
}

func TestDeleteRecordsBefore(t *testing.T) {
	env := newEnv(t, 1)
	e := env.open()
	l := mustCreate(t, e, tp0, map[string]string{"segment.bytes": "1000"})
	for i := 0; i < 10; i++ {
		mustAppend(t, l, env.batch(batchSpec{n: 3, valSize: 100}))
	}
	if _, err := l.DeleteRecordsBefore(31); !errors.Is(err, ErrOffsetOutOfRange) {
		t.Fatalf("beyond hw: %v", err)
	}
	start, err := l.DeleteRecordsBefore(13)
	if err != nil || start != 13 || l.LogStartOffset() != 13 {
		t.Fatalf("DeleteRecordsBefore: %d %v", start, err)
	}
	// Reading at the log start returns the batch holding it (12-14).
	r, err := l.Read(13, 1, ReadOptions{MaxOffset: -1, MinOneBatch: true})
	if err != nil {
		t.Fatal(err)
	}
	if h := readHeaders(t, r); h[0].BaseOffset != 12 {
		t.Fatalf("first batch %d", h[0].BaseOffset)
	}
	if _, err := l.Read(12, 1, ReadOptions{MaxOffset: -1}); !errors.Is(err, ErrOffsetOutOfRange) {
		t.Fatal("read below log start")
	}
	e.Close()
	e = env.open()
	defer e.Close()
	l, _ = e.Log(tp0)
	if l.LogStartOffset() != 13 {
		t.Fatalf("log start after reopen %d", l.LogStartOffset())
	}
	if s, err := l.DeleteRecordsBefore(-1); err != nil || s != 30 {
		t.Fatalf("delete to hw: %d %v", s, err)
	}
}

func TestTruncateTo(t *testing.T) {
	env := newEnv(t, 1)
	e := env.open()
	l := mustCreate(t, e, tp0, map[string]string{"segment.bytes": "1000"})
	for i := 0; i < 10; i++ {
		if _, err := l.Append(env.batch(batchSpec{n: 3, valSize: 100, pid: 5, seq: int32(3 * i)}), AppendOptions{LeaderEpoch: int32(i / 3)}); err != nil {
			t.Fatal(err)
		}
	}
	l.SetHighWatermark(30)
	if err := l.TruncateTo(16); err != nil { // mid-batch 15-17: the batch goes
		t.Fatal(err)
	}
	if l.LogEndOffset() != 15 || l.HighWatermark() != 15 {
		t.Fatalf("leo %d hw %d", l.LogEndOffset(), l.HighWatermark())
	}
	if ep := l.LatestEpoch(); ep != 1 {
		t.Fatalf("latest epoch %d", ep)
	}
	if ep, end := l.EndOffsetForEpoch(1); ep != 1 || end != 15 {
		t.Fatalf("EndOffsetForEpoch(1) = %d %d", ep, end)
	}
	if got := readAll(t, l, 0); len(got) != 5 || got[4].LastOffset() != 14 {
		t.Fatalf("after truncate: %d batches", len(got))
	}
	// Producer state was truncated: sequence 15 is next again.
	r, err := l.Append(env.batch(batchSpec{n: 3, valSize: 100, pid: 5, seq: 15}), AppendOptions{LeaderEpoch: 4})
	if err != nil || r.BaseOffset != 15 {
		t.Fatalf("append after truncate: %+v %v", r, err)
	}
	e.Close()
	e = env.open()
	defer e.Close()
	l, _ = e.Log(tp0)
	if l.LogEndOffset() != 18 || l.LatestEpoch() != 4 {
		t.Fatalf("reopen: leo %d epoch %d", l.LogEndOffset(), l.LatestEpoch())
	}
	if err := l.TruncateTo(0); err != nil || l.LogEndOffset() != 0 || l.Size() != 0 {
		t.Fatalf("truncate to 0: %v leo %d", err, l.LogEndOffset())
	}
}

func TestHighWatermarkWait(t *testing.T) {
	env := newEnv(t, 1)
	e := env.open()
	defer e.Close()
	l := mustCreate(t, e, tp0, nil)
	ch := l.Wait()
	if _, err := l.Append(env.batch(batchSpec{n: 1, valSize: 1}), AppendOptions{}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ch:
		t.Fatal("woke before the high watermark moved")
	default:
	}
	l.SetHighWatermark(1)
	select {
	case <-ch:
	case <-time.After(time.Second):
		t.Fatal("not woken")
	}
	l.SetHighWatermark(99)
	if l.HighWatermark() != 1 {
		t.Fatalf("hw not clamped to LEO: %d", l.HighWatermark())
	}
}
