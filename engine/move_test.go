package engine

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// TestMoveLog: a log with several segments, producer state and a reader
// holding a range moves to the other log dir while a goroutine appends;
// afterwards every batch is there (in the new dir, byte for byte as read
// before), the held range still reads, appends go on, the old dir holds
// only the partition's -delete dir, and a restart finds the log in the new
// dir. Moving to a dir not in log.dirs fails with ErrLogDirNotFound,
// moving where it is does nothing.
func TestMoveLog(t *testing.T) {
	env := newEnv(t, 2)
	e := env.open()
	l := mustCreate(t, e, tp0, map[string]string{"segment.bytes": "4096"})
	for i := range 20 {
		mustAppend(t, l, env.batch(batchSpec{n: 3, valSize: 100, pid: 9, seq: int32(3 * i)}))
	}
	from := l.Dir()
	to := env.dirs[0]
	if filepath.Clean(from) == filepath.Clean(to) {
		to = env.dirs[1]
	}
	held, err := l.Read(0, 1<<20, ReadOptions{MaxOffset: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release()
	before, err := held.AppendTo(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.MoveLog(tp0, filepath.Join(to, "nope")); !errors.Is(err, ErrLogDirNotFound) {
		t.Fatalf("move to an unknown dir: %v", err)
	}
	if err := e.MoveLog(tp0, from); err != nil || l.Dir() != from {
		t.Fatalf("move in place: %v, dir %s", err, l.Dir())
	}

	var wg sync.WaitGroup
	stop := make(chan struct{})
	appended := 0
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := l.Append(env.batch(batchSpec{n: 1, valSize: 50}), AppendOptions{}); err != nil {
				t.Errorf("append during the move: %v", err)
				return
			}
			appended++
		}
	}()
	err = e.MoveLog(tp0, to)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if l.Dir() != filepath.Clean(to) {
		t.Fatalf("log in %s after moving to %s", l.Dir(), to)
	}
	if leo := l.LogEndOffset(); leo != int64(60+appended) {
		t.Fatalf("log end %d, want %d", leo, 60+appended)
	}
	mustAppend(t, l, env.batch(batchSpec{n: 1, valSize: 10, pid: 9, seq: 60}))
	after, err := l.Read(0, int32(len(before)), ReadOptions{MaxOffset: -1})
	if err != nil {
		t.Fatal(err)
	}
	got, err := after.AppendTo(nil)
	after.Release()
	if err != nil || !slices.Equal(got, before) {
		t.Fatalf("read after the move differs (%v)", err)
	}
	again, err := held.AppendTo(nil)
	if err != nil || !slices.Equal(again, before) {
		t.Fatalf("range held across the move: %v", err)
	}
	if ps := l.Producers(); len(ps) != 1 || ps[0].LastSequence != 60 {
		t.Fatalf("producers %+v", ps)
	}
	ents, _ := os.ReadDir(from)
	for _, ent := range ents {
		if strings.HasPrefix(ent.Name(), "orders-0") && !strings.HasSuffix(ent.Name(), deleteDirSuffix) {
			t.Fatalf("left in the old dir: %s", ent.Name())
		}
	}
	hs := readAll(t, l, 0)
	leo := l.LogEndOffset()
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}

	e = env.open()
	defer e.Close()
	if errs := e.RecoveryErrors(); len(errs) != 0 {
		t.Fatalf("recovery errors %v", errs)
	}
	l2, ok := e.Log(tp0)
	if !ok || l2.Dir() != filepath.Clean(to) || l2.LogEndOffset() != leo {
		t.Fatalf("after restart: %v %+v", ok, l2)
	}
	if hs2 := readAll(t, l2, 0); !slices.Equal(hs, hs2) {
		t.Fatal("batches differ after restart")
	}
}

// TestMoveLogInterrupted: what Open makes of a move cut short by a crash.
// A -future copy is removed (the source is the log); a source marked
// moved-out whose twin is in the other dir is discarded (the twin is
// complete); a marked source without a twin is kept.
func TestMoveLogInterrupted(t *testing.T) {
	env := newEnv(t, 2)
	e := env.open()
	l := mustCreate(t, e, tp0, nil)
	for range 5 {
		mustAppend(t, l, env.batch(batchSpec{n: 2, valSize: 10}))
	}
	src := l.Dir()
	other := env.dirs[0]
	if filepath.Clean(other) == src {
		other = env.dirs[1]
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	part := filepath.Join(src, "orders-0")
	copyDir := func(dst string) {
		t.Helper()
		if err := os.MkdirAll(dst, 0o755); err != nil {
			t.Fatal(err)
		}
		ents, _ := os.ReadDir(part)
		for _, ent := range ents {
			b, err := os.ReadFile(filepath.Join(part, ent.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dst, ent.Name()), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	reopen := func(wantDir string) {
		t.Helper()
		e := env.open()
		defer e.Close()
		if errs := e.RecoveryErrors(); len(errs) != 0 {
			t.Fatalf("recovery errors %v", errs)
		}
		l, ok := e.Log(tp0)
		if !ok || l.Dir() != wantDir || l.LogEndOffset() != 10 {
			t.Fatalf("log %v in %s (want %s), end %d", ok, l.Dir(), wantDir, l.LogEndOffset())
		}
	}

	// A copy cut short before the swap.
	future := filepath.Join(other, "orders-0.0123-future")
	copyDir(future)
	reopen(src)
	if _, err := os.Stat(future); !os.IsNotExist(err) {
		t.Fatalf("future dir left: %v", err)
	}
	// Marked source, no twin: kept, marker removed.
	if err := os.WriteFile(filepath.Join(part, movedOutFile), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	reopen(src)
	if _, err := os.Stat(filepath.Join(part, movedOutFile)); !os.IsNotExist(err) {
		t.Fatalf("marker left: %v", err)
	}
	// Crash between the destination's rename and the source's: the twin wins.
	copyDir(filepath.Join(other, "orders-0"))
	if err := os.WriteFile(filepath.Join(part, movedOutFile), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	reopen(filepath.Clean(other))
	if _, err := os.Stat(part); !os.IsNotExist(err) {
		t.Fatalf("source left: %v", err)
	}
}
