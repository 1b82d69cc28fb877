package engine

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"sluice/engine/vfs"
)

// allocatedBytes is the disk space a file holds.
func allocatedBytes(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t).Blocks * 512
}

// The active segment reserves Options.ReserveAhead past its appends, or
// the whole segment with preallocate=true; the file's size is the data's
// either way, and a roll gives back what the sealed segment did not use.
func TestReserveAheadAndPreallocate(t *testing.T) {
	env := newEnv(t, 1)
	e := env.open()
	defer e.Close()
	probe, err := os.Create(filepath.Join(t.TempDir(), "probe"))
	if err != nil {
		t.Fatal(err)
	}
	defer probe.Close()
	if err := vfs.Allocate(probe, 0, 4096); errors.Is(err, vfs.ErrAllocateUnsupported) {
		t.Skip("file system cannot reserve blocks:", err)
	}
	const segBytes = 48 << 20
	for _, c := range []struct {
		prealloc string
		min, max int64
	}{{"false", DefaultReserveAhead, DefaultReserveAhead + 1<<20}, {"true", segBytes, segBytes + 1<<20}} {
		tp := TopicPartition{Topic: "prealloc-" + c.prealloc, Partition: 0}
		l := mustCreate(t, e, tp, map[string]string{"preallocate": c.prealloc, "segment.bytes": "50331648"})
		b := env.batch(batchSpec{n: 10, valSize: 100})
		mustAppend(t, l, b)
		path := filepath.Join(l.Dir(), partitionDirName(tp), "00000000000000000000.log")
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() != int64(len(b)) {
			t.Fatalf("preallocate=%s: file size %d, want the batch's %d", c.prealloc, fi.Size(), len(b))
		}
		if got := allocatedBytes(t, path); got < c.min || got > c.max {
			t.Fatalf("preallocate=%s: %d bytes allocated, want %d to %d", c.prealloc, got, c.min, c.max)
		}
		l.mu.Lock()
		err = l.rollLocked(l.cfg.Load(), env.clock.Now().UnixMilli())
		l.mu.Unlock()
		if err != nil {
			t.Fatal(err)
		}
		if got := allocatedBytes(t, path); got > 64<<10 {
			t.Fatalf("preallocate=%s: %d bytes still allocated after the roll", c.prealloc, got)
		}
	}
}
