package engine

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"sluice/engine/record"
	"sluice/engine/vfs"
	"sluice/engine/vfs/errorfs"
)

type kv struct {
	key, val string
	off      int64
	tomb     bool
}

func appendKV(t *testing.T, env *testEnv, l *Log, codec record.Codec, pairs ...[2]string) {
	t.Helper()
	o := record.DefaultBuilderOptions()
	o.Codec = codec
	b := record.NewBuilder(o)
	for _, p := range pairs {
		var v []byte
		if p[1] != "<nil>" {
			v = []byte(p[1])
		}
		b.Add([]byte(p[0]), v, env.clock.Now().UnixMilli())
	}
	mustAppend(t, l, b.Build())
}

func dumpKV(t *testing.T, l *Log) []kv {
	t.Helper()
	var out []kv
	var v record.Validator
	for off := l.LogStartOffset(); off < l.LogEndOffset(); {
		r, err := l.Read(off, 1<<20, ReadOptions{MaxOffset: -1, MinOneBatch: true})
		if err != nil {
			t.Fatal(err)
		}
		data, _ := r.AppendTo(nil)
		r.Release()
		if len(data) == 0 {
			break
		}
		for len(data) > 0 {
			h := parseHdr(t, data)
			v.ForEachRecord(data[:h.Size()], func(rec *record.Record) error {
				out = append(out, kv{key: string(rec.Key), val: string(rec.Value), off: rec.Offset, tomb: rec.Value == nil})
				return nil
			})
			off = h.LastOffset() + 1
			data = data[h.Size():]
		}
	}
	return out
}

func TestCompaction(t *testing.T) {
	for _, codec := range []record.Codec{record.None, record.Zstd} {
		t.Run(codec.String(), func(t *testing.T) {
			env := newEnv(t, 1)
			e := env.open()
			l := mustCreate(t, e, tp0, map[string]string{"cleanup.policy": "compact", "segment.bytes": "400",
				"delete.retention.ms": "3600000", "min.cleanable.dirty.ratio": "0.01", "file.delete.delay.ms": "0"})
			// Keys k0..k4 written many times; k3 deleted by a tombstone.
			for round := 0; round < 6; round++ {
				for k := 0; k < 5; k++ {
					appendKV(t, env, l, codec, [2]string{fmt.Sprintf("k%d", k), fmt.Sprintf("v%d-%d", k, round)})
				}
			}
			appendKV(t, env, l, codec, [2]string{"k3", "<nil>"})
			appendKV(t, env, l, codec, [2]string{"k0", "last"}) // keeps the tombstone out of the active segment
			for i := 0; i < 3; i++ {
				appendKV(t, env, l, codec, [2]string{"pad", fmt.Sprint(i)})
			}
			before := dumpKV(t, l)
			leo := l.LogEndOffset()
			latest := map[string]kv{}
			for _, r := range before {
				latest[r.key] = r
			}
			e.RunCleaner()
			after := dumpKV(t, l)
			if len(after) >= len(before) || l.LogEndOffset() != leo {
				t.Fatalf("not compacted: %d -> %d records, leo %d", len(before), len(after), l.LogEndOffset())
			}
			// Every key's latest record is still there, at its offset; the
			// cleaned part holds at most one record per key.
			l.mu.Lock()
			activeBase := l.active().Base()
			l.mu.Unlock()
			seen := map[string]int{}
			found := map[string]bool{}
			prev := int64(-1)
			for _, r := range after {
				if r.off <= prev {
					t.Fatal("offsets not increasing")
				}
				prev = r.off
				if r.off < activeBase {
					seen[r.key]++
				}
				if latest[r.key].off == r.off {
					found[r.key] = true
				}
			}
			for k, r := range latest {
				if !found[k] {
					t.Errorf("latest record of %s (offset %d) lost", k, r.off)
				}
			}
			for k, n := range seen {
				if n > 1 {
					t.Errorf("key %s appears %d times in the cleaned segments", k, n)
				}
			}
			if !found["k3"] || !latest["k3"].tomb {
				t.Fatal("tombstone dropped before delete.retention.ms")
			}
			// The cleaner offset is checkpointed; reopen sees the same data.
			ck, _ := os.ReadFile(filepath.Join(l.Dir(), "cleaner-offset-checkpoint"))
			if string(ck) == "0\n0\n" {
				t.Fatalf("cleaner offset not checkpointed: %q", ck)
			}
			// After delete.retention.ms the tombstone goes.
			env.clock.Advance(2 * time.Hour)
			appendKV(t, env, l, codec, [2]string{"pad", "x"})
			appendKV(t, env, l, codec, [2]string{"pad", "y"})
			if _, err := l.compact(env.clock.Now().UnixMilli(), true); err != nil {
				t.Fatal(err)
			}
			for _, r := range dumpKV(t, l) {
				if r.key == "k3" {
					t.Fatalf("tombstone kept after delete.retention.ms: %+v", r)
				}
			}
			final := dumpKV(t, l)
			e.Close()
			e = env.open()
			defer e.Close()
			l, _ = e.Log(tp0)
			cfg, _ := l.Config().With(map[string]string{"cleanup.policy": "compact"})
			l.SetConfig(cfg)
			if got := dumpKV(t, l); fmt.Sprint(got) != fmt.Sprint(final) {
				t.Fatalf("reopen differs:\n%v\n%v", got, final)
			}
		})
	}
}

func TestCompactionRespectsDirtyRatioAndLag(t *testing.T) {
	env := newEnv(t, 1)
	e := env.open()
	defer e.Close()
	l := mustCreate(t, e, tp0, map[string]string{"cleanup.policy": "compact", "segment.bytes": "300",
		"min.compaction.lag.ms": "60000"})
	for i := 0; i < 20; i++ {
		appendKV(t, env, l, record.None, [2]string{"k", fmt.Sprint(i)})
	}
	size := l.Size()
	e.RunCleaner()
	if l.Size() != size {
		t.Fatal("cleaned records younger than min.compaction.lag.ms")
	}
	env.clock.Advance(2 * time.Minute)
	e.RunCleaner()
	if l.Size() >= size {
		t.Fatal("not cleaned after the lag")
	}
	// max.compaction.lag.ms forces cleaning below the dirty ratio.
	cfg, _ := l.Config().With(map[string]string{"min.cleanable.dirty.ratio": "0.99", "max.compaction.lag.ms": "600000"})
	l.SetConfig(cfg)
	for i := 0; i < 20; i++ {
		appendKV(t, env, l, record.None, [2]string{"k", fmt.Sprint(i)})
	}
	env.clock.Advance(2 * time.Minute)
	size = l.Size()
	if did, _ := l.compact(env.clock.Now().UnixMilli(), false); did {
		t.Fatal("cleaned below the dirty ratio before max.compaction.lag.ms")
	}
	env.clock.Advance(20 * time.Minute)
	if did, _ := l.compact(env.clock.Now().UnixMilli(), false); !did || l.Size() >= size {
		t.Fatal("max.compaction.lag.ms did not force cleaning")
	}
	// Nothing new is dirty: a second pass does nothing (ratio 0 < 0.5).
	size = l.Size()
	if did, _ := l.compact(env.clock.Now().UnixMilli(), false); did {
		t.Fatal("cleaned a clean log")
	}
	if l.Size() != size {
		t.Fatal("size changed")
	}
}

// A crash in the middle of the cleaner's swap (after .cleaned -> .swap)
// is completed on the next open: the log holds the cleaned data.
func TestCompactionSwapCompletedAfterCrash(t *testing.T) {
	env := newEnv(t, 1)
	efs := errorfs.New(vfs.Default)
	env.fs = efs
	e := env.open()
	l := mustCreate(t, e, tp0, map[string]string{"cleanup.policy": "compact", "segment.bytes": "400",
		"min.cleanable.dirty.ratio": "0.01", "file.delete.delay.ms": "0"})
	for round := 0; round < 6; round++ {
		for k := 0; k < 4; k++ {
			appendKV(t, env, l, record.None, [2]string{fmt.Sprintf("k%d", k), fmt.Sprintf("v%d", round)})
		}
	}
	if err := l.Flush(); err != nil {
		t.Fatal(err)
	}
	latest := map[string]string{}
	for _, r := range dumpKV(t, l) {
		latest[r.key] = r.val
	}
	// Fail the rename of the old segment to .deleted: the .swap and its
	// marker are on disk, the old segment too.
	efs.SetInjector(errorfs.FailNth(errorfs.OpRename, 1, func(p string) bool {
		return strings.HasSuffix(p, ".log")
	}, syscall.EIO))
	if did, err := l.compact(env.clock.Now().UnixMilli(), true); err == nil {
		t.Fatalf("compaction (did=%v) succeeded despite the injected rename failure", did)
	}
	efs.SetInjector(nil)
	ents, _ := os.ReadDir(filepath.Join(l.Dir(), "orders-0"))
	swaps := 0
	for _, en := range ents {
		if strings.HasSuffix(en.Name(), ".swap") {
			swaps++
		}
	}
	if swaps == 0 {
		t.Fatal("no .swap file left to recover")
	}
	efs.Crash(nil, nil)
	env.fs = vfs.Default
	e = env.open()
	defer e.Close()
	l, ok := e.Log(tp0)
	if !ok {
		t.Fatalf("not reopened: %v", e.RecoveryErrors())
	}
	got := map[string]string{}
	for _, r := range dumpKV(t, l) {
		got[r.key] = r.val
	}
	if fmt.Sprint(got) != fmt.Sprint(latest) {
		t.Fatalf("after swap recovery %v, want %v", got, latest)
	}
	ents, _ = os.ReadDir(filepath.Join(l.Dir(), "orders-0"))
	for _, en := range ents {
		if strings.Contains(en.Name(), ".swap") {
			t.Fatalf("%s left after recovery", en.Name())
		}
	}
}
