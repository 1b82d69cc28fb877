package errorfs

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"sluice/engine/vfs"
)

func TestCrashDropsUnsynced(t *testing.T) {
	dir := t.TempDir()
	fs := New(vfs.Default)
	p := filepath.Join(dir, "f")
	f, err := fs.OpenFile(p, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt([]byte("synced"), 0)
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	f.WriteAt([]byte("-lost"), 6)
	if err := fs.Crash(nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("x"), 0); !errors.Is(err, ErrCrashed) {
		t.Fatalf("write after crash: %v", err)
	}
	got, _ := os.ReadFile(p)
	if string(got) != "synced" {
		t.Fatalf("after crash %q", got)
	}
}

func TestTornKeepAndRename(t *testing.T) {
	dir := t.TempDir()
	fs := New(vfs.Default)
	p, q := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	f, _ := fs.OpenFile(p, os.O_CREATE|os.O_RDWR, 0o644)
	f.WriteAt([]byte("0123"), 0)
	f.Sync()
	if err := fs.Rename(p, q); err != nil {
		t.Fatal(err)
	}
	f.WriteAt([]byte("456789"), 4)
	fs.Crash(func(string, int64, int64) int64 { return 2 }, func(_ string, b []byte) { b[0] = 'X' })
	got, _ := os.ReadFile(q)
	if string(got) != "0123X5" {
		t.Fatalf("got %q", got)
	}
}

func TestFailNthAndTornWrite(t *testing.T) {
	dir := t.TempDir()
	fs := New(vfs.Default)
	fs.SetInjector(FailNth(OpWrite, 2, nil, &TornWrite{N: 3, Err: syscall.ENOSPC}))
	f, _ := fs.OpenFile(filepath.Join(dir, "f"), os.O_CREATE|os.O_RDWR, 0o644)
	if _, err := f.WriteAt([]byte("abc"), 0); err != nil {
		t.Fatal(err)
	}
	n, err := f.WriteAt([]byte("defghi"), 3)
	if n != 3 || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("torn write n=%d err=%v", n, err)
	}
	if _, err := f.WriteAt([]byte("j"), 6); err != nil {
		t.Fatal(err)
	}
	f.Close()
	got, _ := os.ReadFile(filepath.Join(dir, "f"))
	if string(got) != "abcdefj" {
		t.Fatalf("got %q", got)
	}
}
