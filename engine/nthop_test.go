package engine

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"sluice/engine/record"
	"sluice/engine/vfs"
	"sluice/engine/vfs/errorfs"
)

// workload drives a log through appends, flushes, rolls, retention,
// compaction, truncation and close. It returns the offset up to which data was
// acknowledged and then successfully flushed. Errors are expected (an
// operation fails somewhere); panics are not.
func workload(env *testEnv) (durable int64) {
	e, err := Open(Options{Dirs: env.dirs, FS: env.fs, Now: env.clock.Now, DisableBackground: true})
	if err != nil {
		return 0
	}
	defer e.Close()
	cfg, _ := DefaultTopicConfig().With(map[string]string{"segment.bytes": "800", "cleanup.policy": "compact,delete",
		"retention.ms": "600000", "min.cleanable.dirty.ratio": "0.01", "file.delete.delay.ms": "0", "segment.index.bytes": "4096"})
	l, ok := e.Log(tp0)
	if !ok {
		if l, err = e.CreateLog(tp0, [16]byte{9}, cfg); err != nil {
			return 0
		}
	}
	l.SetConfig(cfg)
	for i := 0; i < 12; i++ {
		o := record.DefaultBuilderOptions()
		b := record.NewBuilder(o)
		b.Add([]byte(fmt.Sprintf("k%d", i%3)), []byte(fmt.Sprintf("v%03d", i)), env.clock.Now().UnixMilli())
		if _, err := l.Append(b.Build(), AppendOptions{}); err != nil {
			return durable
		}
		l.SetHighWatermark(l.LogEndOffset())
		if i%4 == 3 {
			if err := l.Flush(); err != nil {
				return durable
			}
			durable = l.LogEndOffset()
		}
		if i == 6 {
			env.clock.Advance(time.Hour)
			e.RunRetention()
			e.RunCleaner()
		}
		if i == 9 {
			// A follower's truncation: whatever happens, the log keeps
			// everything below the cut (one record per batch: exact).
			cut := l.LogEndOffset() - 2
			durable = min(durable, cut)
			if err := l.TruncateTo(cut); err != nil {
				return durable
			}
		}
	}
	return durable
}

// Fail the Nth file-system operation (any kind; some writes torn) of the
// workload, crash,
// and reopen: no panic, the log opens, holds only valid batches in offset
// order, and nothing acknowledged-and-flushed is lost.
func TestErrorAtNthOperation(t *testing.T) {
	probe := newEnv(t, 1)
	pfs := errorfs.NewAt(vfs.Default, t.TempDir())
	probe.fs = pfs
	workload(probe)
	total := pfs.Ops()
	stride := max(total/70, 1)
	if testing.Verbose() && !testing.Short() {
		t.Logf("%d operations, every %dth fails once", total, stride)
	}
	for n := int64(1); n <= total; n += stride {
		env := newEnv(t, 1)
		efs := errorfs.NewAt(vfs.Default, t.TempDir())
		env.fs = efs
		efs.SetInjector(func(op errorfs.Op, path string, count int64) error {
			switch {
			case count != n:
				return nil
			case op == errorfs.OpWrite && n%3 == 0:
				return &errorfs.TornWrite{N: 7, Err: syscall.ENOSPC} // partial write, then ENOSPC
			}
			return syscall.EIO
		})
		durable := workload(env)
		efs.Crash(nil, nil)
		env.fs = vfs.Default
		e, err := Open(Options{Dirs: env.dirs, Now: env.clock.Now, DisableBackground: true})
		if err != nil {
			t.Fatalf("op %d: reopen: %v", n, err)
		}
		l, ok := e.Log(tp0)
		if !ok {
			if rerr := e.RecoveryErrors()[tp0]; rerr != nil {
				t.Fatalf("op %d: recovery error %v", n, rerr)
			}
			if durable > 0 {
				t.Fatalf("op %d: log with durable data %d missing", n, durable)
			}
			e.Close()
			continue
		}
		if l.LogEndOffset() < durable {
			t.Fatalf("op %d: log end %d < flushed %d", n, l.LogEndOffset(), durable)
		}
		l.SetHighWatermark(l.LogEndOffset())
		readAll(t, l, l.LogStartOffset()) // CRC-valid, increasing offsets
		e.Close()
	}
}
