package engine

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"sluice/engine/vfs"
	"sluice/engine/vfs/errorfs"
)

// truncSource builds a cleanly closed log of 24 batches of 3 records over
// several segments and returns its dir and the batches as stored.
func truncSource(t *testing.T) (string, [][]byte) {
	env := newEnv(t, 1)
	e := env.open()
	l := mustCreate(t, e, tp0, map[string]string{"segment.bytes": "1200", "file.delete.delay.ms": "0"})
	var stored [][]byte
	for i := 0; i < 24; i++ {
		b := env.batch(batchSpec{n: 3, valSize: 60, pid: 4, seq: int32(3 * i)})
		if _, err := l.Append(b, AppendOptions{LeaderEpoch: int32(i / 8)}); err != nil {
			t.Fatal(err)
		}
		stored = append(stored, b)
	}
	l.SetHighWatermark(l.LogEndOffset())
	if n := len(l.mu.segs); n < 4 {
		t.Fatalf("%d segments, want several", n)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	return env.dirs[0], stored
}

// recoveredBatches opens dir on the real file system and returns the
// log's bytes, batch by batch.
func recoveredBatches(t *testing.T, dir string) (leo int64, got [][]byte) {
	t.Helper()
	e, err := Open(Options{Dirs: []string{dir}, FS: noSyncFS{vfs.Default}, DisableBackground: true})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	l, ok := e.Log(tp0)
	if !ok {
		t.Fatalf("log not recovered: %v", e.RecoveryErrors())
	}
	l.SetHighWatermark(l.LogEndOffset())
	for off := l.LogStartOffset(); off < l.LogEndOffset(); {
		r, err := l.Read(off, 1<<20, ReadOptions{MaxOffset: -1, MinOneBatch: true})
		if err != nil {
			t.Fatal(err)
		}
		data, err := r.AppendTo(nil)
		r.Release()
		if err != nil || len(data) == 0 {
			t.Fatalf("read at %d: %v", off, err)
		}
		for len(data) > 0 {
			h := parseHdr(t, data)
			got = append(got, data[:h.Size()])
			off = h.LastOffset() + 1
			data = data[h.Size():]
		}
	}
	return l.LogEndOffset(), got
}

// checkUncutOrCut requires the recovered log to be the whole source log or
// exactly its batches below cut, byte for byte: never a gap below cut.
func checkUncutOrCut(t *testing.T, what string, stored [][]byte, leo int64, got [][]byte, cut int64) {
	t.Helper()
	orig := int64(3 * len(stored))
	if leo != orig && leo != cut {
		t.Fatalf("%s: recovered log end %d, want %d (uncut) or %d (cut)", what, leo, orig, cut)
	}
	want := stored
	if leo == cut {
		want = stored[:cut/3]
	}
	if len(got) != len(want) {
		t.Fatalf("%s: %d batches recovered, want %d", what, len(got), len(want))
	}
	for i := range want {
		g, w := append([]byte(nil), got[i]...), append([]byte(nil), want[i]...)
		// The stored copy's base offset and epoch were written in place.
		if !bytes.Equal(g[16:], w[16:]) || parseHdr(t, g).BaseOffset != int64(3*i) {
			t.Fatalf("%s: batch %d differs", what, i)
		}
	}
}

// A crash anywhere in TruncateTo(x) (or an I/O error at any of its
// operations followed by a crash), under errorfs's strict crash model,
// recovers the synced log either uncut or cut at x, never with a gap below
// x: in the middle of a segment, at a segment boundary, below the first
// segment (full truncation), and with a reader holding the segment being
// cut (which makes TruncateTo copy the kept prefix).
func TestTruncateToCrashAnywhere(t *testing.T) {
	src, stored := truncSource(t)
	cases := []struct {
		name   string
		x, cut int64
		reader bool
	}{
		{"mid-batch", 40, 39, false},
		{"mid-batch with a reader", 40, 39, true},
		{"batch boundary", 30, 30, false},
		{"segment boundary", 0, 0, false}, // set below from the source's segments
		{"full", 0, 0, false},
	}
	ents, _ := os.ReadDir(filepath.Join(src, "orders-0"))
	for _, en := range ents {
		if b, ok := parseBase(stringsTrimSuffix(en.Name(), ".log")); ok && b > 20 && cases[3].x == 0 {
			cases[3].x, cases[3].cut = b, b
		}
	}
	work, scratch := t.TempDir(), ""
	if fast := tmpfs(t, "256m"); fast != "" { // fsyncs cost nothing there
		work, scratch = filepath.Join(fast, "work"), filepath.Join(fast, "scratch")
		os.MkdirAll(scratch, 0o755)
	}
	run := func(c int, inject func(n int64) errorfs.Injector, n int64) (ops int64, err error) {
		dir := filepath.Join(work, fmt.Sprintf("c%d-%d", c, n))
		copyDir(t, src, dir)
		sdir := filepath.Join(scratch, fmt.Sprintf("c%d-%d", c, n))
		if scratch == "" {
			sdir = t.TempDir()
		} else {
			os.MkdirAll(sdir, 0o755)
			defer os.RemoveAll(sdir)
		}
		efs := errorfs.NewAt(vfs.Default, sdir)
		e, err := Open(Options{Dirs: []string{dir}, FS: efs, DisableBackground: true})
		if err != nil {
			t.Fatal(err)
		}
		l, _ := e.Log(tp0)
		if cases[c].reader {
			r, err := l.Read(cases[c].cut-3, 100, ReadOptions{MaxOffset: -1, MinOneBatch: true})
			if err != nil || r.Size == 0 {
				t.Fatalf("read: %v", err)
			}
			defer r.Release()
		}
		start := efs.Ops()
		if inject != nil {
			efs.SetInjector(inject(start + n))
		}
		err = l.TruncateTo(cases[c].x)
		ops = efs.Ops() - start
		efs.SetInjector(nil)
		if inject == nil {
			if err != nil || l.LogEndOffset() != cases[c].cut {
				t.Fatalf("%s: TruncateTo(%d) = %v, log end %d, want %d", cases[c].name, cases[c].x, err, l.LogEndOffset(), cases[c].cut)
			}
		}
		_ = efs.Crash(nil, nil)
		leo, got := recoveredBatches(t, dir)
		checkUncutOrCut(t, fmt.Sprintf("%s, fault at op %d", cases[c].name, n), stored, leo, got, cases[c].cut)
		_ = os.RemoveAll(dir)
		return ops, err
	}
	for c := range cases {
		if cases[c].name == "segment boundary" && cases[c].x == 0 {
			t.Fatal("no segment boundary found")
		}
		total, _ := run(c, nil, 0)
		crashes, failures := 0, 0
		for n := int64(1); n <= total; n++ {
			// Crash at op n: that op and everything after fail.
			run(c, func(at int64) errorfs.Injector {
				fired := false
				return func(_ errorfs.Op, _ string, count int64) error {
					if count >= at {
						fired = true
					}
					if fired {
						return errorfs.ErrCrashed
					}
					return nil
				}
			}, n)
			crashes++
			// EIO at op n alone, then a crash after TruncateTo returns.
			if _, err := run(c, func(at int64) errorfs.Injector {
				return func(_ errorfs.Op, _ string, count int64) error {
					if count == at {
						return syscall.EIO
					}
					return nil
				}
			}, n); err != nil && !errors.Is(err, ErrStorage) {
				t.Fatalf("%s: EIO at op %d: %v, want ErrStorage", cases[c].name, n, err)
			}
			failures++
		}
		t.Logf("%s: %d operations; %d crash points and %d failing operations recovered uncut or cut at %d", cases[c].name, total, crashes, failures, cases[c].cut)
	}
}

func stringsTrimSuffix(s, suf string) string {
	if len(s) >= len(suf) && s[len(s)-len(suf):] == suf {
		return s[:len(s)-len(suf)]
	}
	return s
}
