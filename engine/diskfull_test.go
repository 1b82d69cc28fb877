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

// noSpace fails every write (torn after 30 bytes for .log files) and every
// block reservation with ENOSPC, as a full volume does.
func noSpace(op errorfs.Op, path string, _ int64) error {
	switch {
	case op == errorfs.OpWrite && strings.HasSuffix(path, ".log"):
		return &errorfs.TornWrite{N: 30, Err: syscall.ENOSPC}
	case op == errorfs.OpWrite || op == errorfs.OpAllocate:
		return syscall.ENOSPC
	}
	return nil
}

// Out of space, a log dir degrades instead of going offline: appends fail
// with ErrDiskFull (KAFKA_STORAGE_ERROR) and leave the files byte for byte
// as they were, Dirs reports the dir full, reads, DeleteRecords and
// retention go on, and appends resume by themselves once writes succeed
// again; every acknowledged batch survives a restart.
func TestDiskFullDegrades(t *testing.T) {
	env := newEnv(t, 1)
	efs := errorfs.NewAt(vfs.Default, t.TempDir())
	env.fs = efs
	e := env.open()
	l := mustCreate(t, e, tp0, map[string]string{"segment.bytes": "1500", "retention.ms": "3600000", "file.delete.delay.ms": "0"})
	for i := 0; i < 12; i++ {
		mustAppend(t, l, env.batch(batchSpec{n: 3, valSize: 100}))
	}
	leo := l.LogEndOffset()
	pdir := filepath.Join(l.Dir(), "orders-0")
	before := snapshotDir(t, pdir)

	efs.SetInjector(noSpace)
	for i := 0; i < 3; i++ {
		_, err := l.Append(env.batch(batchSpec{n: 3, valSize: 100}), AppendOptions{})
		if !errors.Is(err, ErrDiskFull) || !errors.Is(err, ErrStorage) {
			t.Fatalf("append on a full disk: %v, want ErrDiskFull", err)
		}
	}
	// A roll that cannot write the sealed segment's indexes fails alike.
	cfg, _ := l.Config().With(map[string]string{"segment.ms": "1"})
	l.SetConfig(cfg)
	env.clock.Advance(time.Second)
	if _, err := l.Append(env.batch(batchSpec{n: 3, valSize: 100}), AppendOptions{}); !errors.Is(err, ErrDiskFull) {
		t.Fatalf("append with a roll on a full disk: %v, want ErrDiskFull", err)
	}
	cfg, _ = l.Config().With(map[string]string{"segment.ms": "604800000"})
	l.SetConfig(cfg)
	if l.Offline() || e.Dirs()[0].Offline || !e.Dirs()[0].Full {
		t.Fatalf("dir state %+v: want online and full", e.Dirs()[0])
	}
	if l.LogEndOffset() != leo {
		t.Fatalf("log end moved to %d from %d", l.LogEndOffset(), leo)
	}
	now := snapshotDir(t, pdir)
	for p, b := range before {
		if strings.HasSuffix(p, ".log") && now[p] != b {
			t.Fatalf("%s changed by the refused appends", p)
		}
	}
	for p := range now {
		if strings.HasSuffix(p, ".log") && before[p] == "" && now[p] != "" {
			t.Fatalf("%s holds bytes of a refused append", p)
		}
	}
	// Reads of what is on disk.
	if got := readAll(t, l, 0); len(got) != 12 {
		t.Fatalf("read %d batches while full, want 12", len(got))
	}
	// DeleteRecords and retention free space.
	if start, err := l.DeleteRecordsBefore(6); err != nil || start != 6 {
		t.Fatalf("DeleteRecords while full: %d, %v", start, err)
	}
	segsBefore := len(l.mu.segs)
	env.clock.Advance(2 * time.Hour)
	e.RunRetention()
	if len(l.mu.segs) >= segsBefore || l.LogStartOffset() <= 6 {
		t.Fatalf("retention while full: %d segments (was %d), log start %d", len(l.mu.segs), segsBefore, l.LogStartOffset())
	}
	if l.Offline() {
		t.Fatal("deletes took the dir offline")
	}

	// Space is back: the flusher's probe (or an append 100 ms later) sees
	// it and appends go on.
	efs.SetInjector(nil)
	e.probeFullDirs()
	r := mustAppend(t, l, env.batch(batchSpec{n: 3, valSize: 100}))
	if r.BaseOffset != leo || e.Dirs()[0].Full {
		t.Fatalf("append after space came back: base %d (want %d), full %v", r.BaseOffset, leo, e.Dirs()[0].Full)
	}
	leo = l.LogEndOffset()
	start := l.LogStartOffset()
	if err := l.Flush(); err != nil {
		t.Fatal(err)
	}
	e.Close()
	e = env.open()
	defer e.Close()
	l2, ok := e.Log(tp0)
	if !ok || l2.LogEndOffset() != leo {
		t.Fatalf("after restart: %v, log end %d, want %d", ok, l2.LogEndOffset(), leo)
	}
	got := readAll(t, l2, l2.LogStartOffset())
	if len(got) == 0 || got[0].BaseOffset > start || got[len(got)-1].LastOffset()+1 != leo {
		t.Fatalf("after restart read %d batches", len(got))
	}
}

// A new leader epoch whose checkpoint cannot be written refuses the batch
// and leaves both the log and the epoch cache as they were.
func TestDiskFullEpochCheckpoint(t *testing.T) {
	env := newEnv(t, 1)
	efs := errorfs.NewAt(vfs.Default, t.TempDir())
	env.fs = efs
	e := env.open()
	defer e.Close()
	l := mustCreate(t, e, tp0, nil)
	mustAppend(t, l, env.batch(batchSpec{n: 2, valSize: 10}))
	efs.SetInjector(func(op errorfs.Op, path string, _ int64) error {
		if op == errorfs.OpWrite && strings.Contains(path, leaderEpochFile) {
			return syscall.ENOSPC
		}
		return nil
	})
	if _, err := l.Append(env.batch(batchSpec{n: 2, valSize: 10}), AppendOptions{LeaderEpoch: 3}); !errors.Is(err, ErrDiskFull) {
		t.Fatalf("append with a new epoch: %v", err)
	}
	if l.LogEndOffset() != 2 || l.LatestEpoch() != 0 {
		t.Fatalf("log end %d, latest epoch %d after the refused append", l.LogEndOffset(), l.LatestEpoch())
	}
	efs.SetInjector(nil)
	e.probeFullDirs()
	if _, err := l.Append(env.batch(batchSpec{n: 2, valSize: 10}), AppendOptions{LeaderEpoch: 3}); err != nil {
		t.Fatal(err)
	}
	if l.LatestEpoch() != 3 {
		t.Fatalf("latest epoch %d", l.LatestEpoch())
	}
	if ep, end := l.EndOffsetForEpoch(0); ep != 0 || end != 2 {
		t.Fatalf("epoch 0 ends at %d (%d), want 2", end, ep)
	}
}

// An append that runs out of space while other partitions hold blocks
// reserved ahead gets them released and succeeds.
func TestDiskFullReleasesReservations(t *testing.T) {
	env := newEnv(t, 1)
	efs := errorfs.NewAt(vfs.Default, t.TempDir())
	env.fs = efs
	e, err := Open(Options{Dirs: env.dirs, FS: efs, Now: env.clock.Now, DisableBackground: true, ReserveAhead: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	holders := []*Log{mustCreate(t, e, TopicPartition{Topic: "a", Partition: 0}, nil), mustCreate(t, e, TopicPartition{Topic: "b", Partition: 0}, nil)}
	for _, h := range holders {
		mustAppend(t, h, env.batch(batchSpec{n: 1, valSize: 10}))
	}
	if e.Dirs()[0].ReservedBytes == 0 {
		t.Skip("no blocks reserved (file system cannot reserve)")
	}
	l := mustCreate(t, e, tp0, nil)
	efs.SetInjector(errorfs.FailNth(errorfs.OpWrite, 1, func(p string) bool { return strings.Contains(p, "/orders-0/") },
		&errorfs.TornWrite{N: 10, Err: syscall.ENOSPC}))
	if _, err := l.Append(env.batch(batchSpec{n: 1, valSize: 10}), AppendOptions{}); err != nil {
		t.Fatalf("append after releasing reservations: %v", err)
	}
	for _, h := range holders {
		h.mu.Lock()
		r := h.active().Reserved()
		h.mu.Unlock()
		if r != 0 {
			t.Fatalf("%s still holds %d reserved bytes", h.name, r)
		}
	}
	if e.Dirs()[0].Full {
		t.Fatal("dir reported full after the append succeeded")
	}
}

// With 10,000 partitions the blocks reserved ahead stay within the dir's
// budget, measured on disk (blocks allocated past each file's size) and
// in the engine's accounting; partitions left idle give theirs back, and
// the writers then get it.
func TestReservationCapWithManyPartitions(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 partitions")
	}
	env := newEnv(t, 1)
	if dir := tmpfs(t, "512m"); dir != "" {
		env.dirs[0] = filepath.Join(dir, "d0") // much faster than ext4 with 10,000 dirs
	}
	if err := os.MkdirAll(env.dirs[0], 0o755); err != nil {
		t.Fatal(err)
	}
	probe, _ := os.Create(filepath.Join(env.dirs[0], "probe"))
	err := vfs.Allocate(probe, 0, 4096)
	probe.Close()
	os.Remove(filepath.Join(env.dirs[0], "probe"))
	if errors.Is(err, vfs.ErrAllocateUnsupported) {
		t.Skip("file system cannot reserve blocks")
	}
	var st syscall.Statfs_t
	if err := syscall.Statfs(env.dirs[0], &st); err != nil {
		t.Fatal(err)
	}
	const budget = 64 << 20
	percent := float64(budget) * 100 / float64(int64(st.Blocks)*st.Bsize)
	e, err := Open(Options{Dirs: env.dirs, FS: noSyncFS{vfs.Default}, Now: env.clock.Now, DisableBackground: true,
		ReserveAhead: 1 << 20, ReserveDirPercent: percent})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	limit := e.Dirs()[0].ReserveLimit
	if limit < budget-1<<20 || limit > budget+1<<20 {
		t.Fatalf("reserve limit %d, want about %d", limit, budget)
	}
	cfg, _ := DefaultTopicConfig().With(map[string]string{"segment.index.bytes": "4096", "file.delete.delay.ms": "0"})
	logs := make([]*Log, 10000)
	for i := range logs {
		l, err := e.CreateLog(TopicPartition{Topic: "many", Partition: int32(i)}, [16]byte{1}, cfg)
		if err != nil {
			t.Fatalf("partition %d: %v", i, err)
		}
		mustAppend(t, l, env.batch(batchSpec{n: 1, valSize: 100}))
		logs[i] = l
	}
	onDisk := func() (reserved int64) {
		for _, l := range logs {
			fi, err := os.Stat(filepath.Join(l.dirPath(), "00000000000000000000.log"))
			if err != nil {
				t.Fatal(err)
			}
			blocks := fi.Sys().(*syscall.Stat_t).Blocks * 512
			reserved += max(blocks-(fi.Size()+4095)/4096*4096, 0)
		}
		return reserved
	}
	d := e.Dirs()[0]
	disk := onDisk()
	t.Logf("10,000 partitions: %d MiB reserved on disk, %d MiB accounted, limit %d MiB", disk>>20, d.ReservedBytes>>20, limit>>20)
	if d.ReservedBytes > limit || disk > limit+1<<20 {
		t.Fatalf("reserved %d on disk, %d accounted: over the limit %d", disk, d.ReservedBytes, limit)
	}
	if d.ReservedBytes < limit-1<<20 {
		t.Fatalf("only %d of %d reserved: the budget is not used", d.ReservedBytes, limit)
	}
	// Everyone idle for a sweep: the reservations go back; then the one
	// partition that writes gets a step.
	e.sweepIdleReservations()
	e.sweepIdleReservations()
	if r := e.Dirs()[0].ReservedBytes; r != 0 || onDisk() > 1<<20 {
		t.Fatalf("after idle sweeps %d accounted, %d on disk", r, onDisk())
	}
	writer := logs[9999]
	mustAppend(t, writer, env.batch(batchSpec{n: 1, valSize: 100}))
	writer.mu.Lock()
	r := writer.active().Reserved()
	writer.mu.Unlock()
	if r < 1<<20-4096 {
		t.Fatalf("the writing partition got %d reserved after the sweep", r)
	}
}

// A partition that cannot open its files (EMFILE) fails its CreateLog with
// ErrTooManyOpenFiles, leaves no partition dir behind and changes nothing
// else: the dir stays online and the other logs work.
func TestCreateLogTooManyOpenFiles(t *testing.T) {
	env := newEnv(t, 1)
	efs := errorfs.NewAt(vfs.Default, t.TempDir())
	env.fs = efs
	e := env.open()
	defer e.Close()
	other := mustCreate(t, e, TopicPartition{Topic: "other", Partition: 0}, nil)
	efs.SetInjector(errorfs.FailNth(errorfs.OpOpen, 1, func(p string) bool { return strings.HasSuffix(p, ".log") && strings.Contains(p, "/orders-0/") }, syscall.EMFILE))
	_, err := e.CreateLog(tp0, [16]byte{1}, DefaultTopicConfig())
	efs.SetInjector(nil)
	if !errors.Is(err, ErrTooManyOpenFiles) || !errors.Is(err, ErrStorage) || !strings.Contains(err.Error(), "ulimit -n") {
		t.Fatalf("CreateLog at the descriptor limit: %v", err)
	}
	if e.Dirs()[0].Offline || e.Dirs()[0].Full {
		t.Fatalf("dir state %+v after EMFILE", e.Dirs()[0])
	}
	if _, ok := e.Log(tp0); ok {
		t.Fatal("the failed log is registered")
	}
	if _, err := os.Stat(filepath.Join(env.dirs[0], "orders-0")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("partition dir left behind: %v", err)
	}
	mustAppend(t, other, env.batch(batchSpec{n: 1, valSize: 10}))
	mustCreate(t, e, tp0, nil) // once descriptors are back
}
