package engine

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"sluice/engine/vfs"
	"sluice/engine/vfs/errorfs"
)

// Injected EIO on append, fsync, roll and rename: the call fails with
// ErrStorage, the log dir goes offline, nothing panics, the log stays
// readable, the other dir's partitions keep working, and after a restart
// every acknowledged batch is there.
func TestInjectedDiskErrors(t *testing.T) {
	inLog := func(p string) bool { return strings.Contains(p, "/orders-0/") }
	cases := []struct {
		name   string
		inject errorfs.Injector
		act    func(e *Engine, l *Log, env *testEnv) error
	}{
		{"EIO on append (torn)", errorfs.FailNth(errorfs.OpWrite, 1, func(p string) bool { return strings.HasSuffix(p, ".log") },
			&errorfs.TornWrite{N: 30, Err: syscall.EIO}),
			func(e *Engine, l *Log, env *testEnv) error {
				_, err := l.Append(env.batch(batchSpec{n: 3, valSize: 100}), AppendOptions{})
				return err
			}},
		{"EIO on append", errorfs.FailNth(errorfs.OpWrite, 1, func(p string) bool { return strings.HasSuffix(p, ".log") }, syscall.EIO),
			func(e *Engine, l *Log, env *testEnv) error {
				_, err := l.Append(env.batch(batchSpec{n: 3, valSize: 100}), AppendOptions{})
				return err
			}},
		{"EIO on fsync", errorfs.FailNth(errorfs.OpSync, 1, inLog, syscall.EIO),
			func(e *Engine, l *Log, env *testEnv) error {
				if _, err := l.Append(env.batch(batchSpec{n: 3, valSize: 100}), AppendOptions{}); err != nil {
					return err
				}
				return l.Flush()
			}},
		{"EIO on roll", errorfs.FailNth(errorfs.OpOpen, 1, inLog, syscall.EIO),
			func(e *Engine, l *Log, env *testEnv) error {
				cfg, _ := l.Config().With(map[string]string{"segment.ms": "1"})
				l.SetConfig(cfg)
				env.clock.Advance(time.Second)
				_, err := l.Append(env.batch(batchSpec{n: 3, valSize: 100}), AppendOptions{})
				return err
			}},
		{"EIO on rename (retention)", errorfs.FailNth(errorfs.OpRename, 1, inLog, syscall.EIO),
			func(e *Engine, l *Log, env *testEnv) error {
				cfg, _ := l.Config().With(map[string]string{"retention.ms": "1000"})
				l.SetConfig(cfg)
				env.clock.Advance(time.Hour)
				_, err := l.applyRetention(env.clock.Now().UnixMilli())
				return err
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := newEnv(t, 2)
			efs := errorfs.New(vfs.Default)
			env.fs = efs
			e := env.open()
			l := mustCreate(t, e, tp0, map[string]string{"segment.bytes": "1500"})
			other := mustCreate(t, e, TopicPartition{Topic: "other", Partition: 0}, nil)
			if l.Dir() == other.Dir() {
				t.Fatal("expected the two logs in different dirs")
			}
			for i := 0; i < 6; i++ {
				mustAppend(t, l, env.batch(batchSpec{n: 3, valSize: 100}))
			}
			leo := l.LogEndOffset()
			logFiles := snapshotDir(t, filepath.Join(l.Dir(), "orders-0"))
			efs.SetInjector(c.inject)
			err := c.act(e, l, env)
			efs.SetInjector(nil)
			if !errors.Is(err, ErrStorage) {
				t.Fatalf("err = %v, want ErrStorage", err)
			}
			if !l.Offline() || !e.Dirs()[indexOf(env.dirs, l.Dir())].Offline {
				t.Fatal("log dir not offline")
			}
			if _, err := l.Append(env.batch(batchSpec{n: 1, valSize: 1}), AppendOptions{}); !errors.Is(err, ErrStorage) {
				t.Fatalf("append to offline dir: %v", err)
			}
			// Still readable: every acknowledged batch.
			if got := readAll(t, l, l.LogStartOffset()); len(got) == 0 || got[len(got)-1].LastOffset()+1 != l.LogEndOffset() {
				t.Fatalf("read after error: %d batches", len(got))
			}
			if strings.Contains(c.name, "append") {
				// the partial write was trimmed: the files are as before
				now := snapshotDir(t, filepath.Join(l.Dir(), "orders-0"))
				for p, b := range logFiles {
					if strings.HasSuffix(p, ".log") && now[p] != b {
						t.Fatalf("%s changed by the failed append", p)
					}
				}
				if l.LogEndOffset() != leo {
					t.Fatal("log end moved")
				}
			}
			// The other dir is unaffected.
			mustAppend(t, other, env.batch(batchSpec{n: 1, valSize: 10}))
			if other.Offline() {
				t.Fatal("other dir offline")
			}
			e.Close()
			e = env.open()
			defer e.Close()
			l2, ok := e.Log(tp0)
			if !ok {
				t.Fatalf("not reopened: %v", e.RecoveryErrors())
			}
			if l2.LogEndOffset() < leo {
				t.Fatalf("acknowledged data lost: %d < %d", l2.LogEndOffset(), leo)
			}
			readAll(t, l2, l2.LogStartOffset())
			mustAppend(t, l2, env.batch(batchSpec{n: 1, valSize: 10}))
		})
	}
}

func indexOf(xs []string, s string) int {
	for i, x := range xs {
		if x == s {
			return i
		}
	}
	return -1
}

// A broken partition is reported and the others open.
func TestBrokenPartitionReportedOthersOpen(t *testing.T) {
	env := newEnv(t, 1)
	e := env.open()
	mustAppend(t, mustCreate(t, e, tp0, nil), env.batch(batchSpec{n: 1, valSize: 10}))
	bad := TopicPartition{Topic: "bad", Partition: 0}
	mustAppend(t, mustCreate(t, e, bad, nil), env.batch(batchSpec{n: 1, valSize: 10}))
	e.Close()
	os.WriteFile(filepath.Join(env.dirs[0], "bad-0", "partition.metadata"), []byte("garbage"), 0o644)
	e = env.open()
	defer e.Close()
	if _, ok := e.Log(tp0); !ok {
		t.Fatal("healthy partition not opened")
	}
	if err := e.RecoveryErrors()[bad]; err == nil {
		t.Fatal("broken partition not reported")
	}
}
