package engine

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"syscall"
	"testing"
	"time"

	"sluice/engine/record"
	"sluice/engine/vfs"
)

// clock is an injectable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.UnixMilli(1_700_000_000_000)} }
func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type testEnv struct {
	t     *testing.T
	dirs  []string
	clock *clock
	fs    vfs.FS
}

func newEnv(t *testing.T, ndirs int) *testEnv {
	t.Helper()
	env := &testEnv{t: t, clock: newClock(), fs: vfs.Default}
	root := t.TempDir()
	for i := 0; i < ndirs; i++ {
		env.dirs = append(env.dirs, filepath.Join(root, fmt.Sprintf("d%d", i)))
	}
	return env
}

func (env *testEnv) open() *Engine {
	env.t.Helper()
	e, err := Open(Options{Dirs: env.dirs, FS: env.fs, Now: env.clock.Now, DisableBackground: true})
	if err != nil {
		env.t.Fatalf("Open: %v", err)
	}
	return e
}

var tp0 = TopicPartition{Topic: "orders", Partition: 0}

func mustCreate(t *testing.T, e *Engine, tp TopicPartition, overrides map[string]string) *Log {
	t.Helper()
	cfg, err := DefaultTopicConfig().With(overrides)
	if err != nil {
		t.Fatal(err)
	}
	l, err := e.CreateLog(tp, [16]byte{1, 2, 3}, cfg)
	if err != nil {
		t.Fatalf("CreateLog: %v", err)
	}
	return l
}

// batchSpec describes a test batch.
type batchSpec struct {
	n       int
	valSize int
	codec   record.Codec
	ts      int64 // first record's timestamp; 0 = clock now
	keys    []string
	pid     int64
	epoch   int16
	seq     int32
}

func (env *testEnv) batch(s batchSpec) []byte {
	o := record.DefaultBuilderOptions()
	o.Codec = s.codec
	if s.pid > 0 {
		o.ProducerID, o.ProducerEpoch, o.BaseSequence = s.pid, s.epoch, s.seq
	}
	b := record.NewBuilder(o)
	ts := s.ts
	if ts == 0 {
		ts = env.clock.Now().UnixMilli()
	}
	for i := 0; i < s.n; i++ {
		var key []byte
		if s.keys != nil {
			key = []byte(s.keys[i%len(s.keys)])
		}
		val := bytes.Repeat([]byte{byte('a' + i%26)}, s.valSize)
		b.Add(key, val, ts+int64(i))
	}
	return b.Build()
}

func mustAppend(t *testing.T, l *Log, b []byte) AppendResult {
	t.Helper()
	r, err := l.Append(b, AppendOptions{LeaderEpoch: 0})
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	l.SetHighWatermark(l.LogEndOffset())
	return r
}

// readAll reads every batch from offset to the end via the copying path.
func readAll(t *testing.T, l *Log, from int64) []record.Header {
	t.Helper()
	var out []record.Header
	off := from
	for off < l.LogEndOffset() {
		r, err := l.Read(off, 1<<20, ReadOptions{MaxOffset: -1, MinOneBatch: true})
		if err != nil {
			t.Fatalf("Read(%d): %v", off, err)
		}
		data, err := r.AppendTo(nil)
		r.Release()
		if err != nil {
			t.Fatal(err)
		}
		if len(data) == 0 {
			break
		}
		for len(data) > 0 {
			b, rest, err := record.NextBatch(data)
			if err != nil {
				t.Fatalf("read back: %v", err)
			}
			if !record.CRCValid(b) {
				t.Fatalf("read back a batch with a bad CRC at %d", off)
			}
			h, _ := record.ParseHeader(b)
			out = append(out, h)
			off = h.LastOffset() + 1
			data = rest
		}
	}
	return out
}

// snapshotDir returns every file under dir with its contents.
func snapshotDir(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return nil
		}
		b, _ := os.ReadFile(p)
		out[p] = string(b)
		return nil
	})
	return out
}

func sortedKeys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

type hdr = record.Header

func parseHdr(t *testing.T, b []byte) hdr {
	t.Helper()
	batch, _, err := record.NextBatch(b)
	if err != nil {
		t.Fatalf("NextBatch: %v", err)
	}
	if !record.CRCValid(batch) {
		t.Fatal("bad crc in read data")
	}
	h, err := record.ParseHeader(batch)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// tmpfs mounts a tmpfs of the given size ("512m") on a new temporary dir
// and unmounts it when the test ends; it returns "" when it cannot (not
// root).
func tmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size); err != nil {
		t.Logf("cannot mount a tmpfs (%v)", err)
		return ""
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// noSyncFS skips fsyncs, for tests that reopen logs hundreds of times and
// do not test durability (the crash tests use errorfs instead).
type noSyncFS struct{ vfs.FS }

type noSyncFile struct{ vfs.File }

func (noSyncFile) Sync() error { return nil }

func (f noSyncFile) Allocate(off, n int64) error { return vfs.Allocate(f.File, off, n) }

func (f noSyncFS) OpenFile(name string, flag int, perm os.FileMode) (vfs.File, error) {
	file, err := f.FS.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return noSyncFile{file}, nil
}

func (noSyncFS) SyncDir(string) error { return nil }
