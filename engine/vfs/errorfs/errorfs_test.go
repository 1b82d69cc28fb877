package errorfs

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"

	"sluice/engine/vfs"
)

func newFS(t *testing.T) *FS { return NewAt(vfs.Default, t.TempDir()) }

func create(t *testing.T, fs *FS, p, data string, sync bool) vfs.File {
	t.Helper()
	f, err := fs.OpenFile(p, os.O_CREATE|os.O_RDWR|os.O_TRUNC, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte(data), 0); err != nil {
		t.Fatal(err)
	}
	if sync {
		if err := f.Sync(); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// tree lists the files under dir with their contents.
func tree(t *testing.T, dir string) string {
	t.Helper()
	var out []string
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || p == dir {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		if info.IsDir() {
			out = append(out, rel+"/")
			return nil
		}
		b, _ := os.ReadFile(p)
		out = append(out, rel+"="+string(b))
		return nil
	})
	sort.Strings(out)
	return strings.Join(out, " ")
}

func TestCrashDropsUnsyncedData(t *testing.T) {
	dir := t.TempDir()
	fs := newFS(t)
	p := filepath.Join(dir, "f")
	f := create(t, fs, p, "synced", true)
	if err := fs.SyncDir(dir); err != nil {
		t.Fatal(err)
	}
	f.WriteAt([]byte("-lost"), 6)
	if err := fs.Crash(nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("x"), 0); !errors.Is(err, ErrCrashed) {
		t.Fatalf("write after crash: %v", err)
	}
	if got := tree(t, dir); got != "f=synced" {
		t.Fatalf("after crash %q", got)
	}
}

// A file whose creation was never made durable by a SyncDir goes, even
// with its data fsynced; one found before the FS touched its directory
// stays as found.
func TestCrashDropsUnsyncedCreation(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "old"), []byte("before"), 0o644)
	fs := newFS(t)
	create(t, fs, filepath.Join(dir, "new"), "data", true)
	if err := fs.MkdirAll(filepath.Join(dir, "sub", "deeper"), 0o755); err != nil {
		t.Fatal(err)
	}
	create(t, fs, filepath.Join(dir, "sub", "deeper", "x"), "x", true)
	fs.SyncDir(filepath.Join(dir, "sub", "deeper"))
	if err := fs.Crash(nil, nil); err != nil {
		t.Fatal(err)
	}
	if got := tree(t, dir); got != "old=before" {
		t.Fatalf("after crash %q", got)
	}
}

// Unsynced renames, removals and renames over an existing name are undone,
// data included; synced ones stay.
func TestCrashUndoesUnsyncedNamespaceChanges(t *testing.T) {
	dir := t.TempDir()
	fs := newFS(t)
	create(t, fs, filepath.Join(dir, "a"), "A", true)
	create(t, fs, filepath.Join(dir, "b"), "B", true)
	create(t, fs, filepath.Join(dir, "c"), "C", true)
	create(t, fs, filepath.Join(dir, "d"), "D", true)
	if err := fs.SyncDir(dir); err != nil {
		t.Fatal(err)
	}
	if err := fs.Rename(filepath.Join(dir, "a"), filepath.Join(dir, "a2")); err != nil {
		t.Fatal(err)
	}
	if err := fs.Remove(filepath.Join(dir, "b")); err != nil {
		t.Fatal(err)
	}
	if err := fs.Rename(filepath.Join(dir, "c"), filepath.Join(dir, "d")); err != nil { // c replaces d
		t.Fatal(err)
	}
	if got := tree(t, dir); got != "a2=A d=C" {
		t.Fatalf("before crash %q", got)
	}
	fs.Crash(nil, nil)
	if got := tree(t, dir); got != "a=A b=B c=C d=D" {
		t.Fatalf("after crash %q", got)
	}

	// The same changes made durable by a SyncDir survive.
	fs = newFS(t)
	fs.Rename(filepath.Join(dir, "a"), filepath.Join(dir, "a2"))
	fs.Remove(filepath.Join(dir, "b"))
	fs.Rename(filepath.Join(dir, "c"), filepath.Join(dir, "d"))
	if err := fs.SyncDir(dir); err != nil {
		t.Fatal(err)
	}
	fs.Crash(nil, nil)
	if got := tree(t, dir); got != "a2=A d=C" {
		t.Fatalf("after a synced crash %q", got)
	}
}

// A directory renamed and then removed comes back with its durable
// contents; new files in it go.
func TestCrashRestoresDirectories(t *testing.T) {
	root := t.TempDir()
	fs := newFS(t)
	part := filepath.Join(root, "orders-0")
	if err := fs.MkdirAll(part, 0o755); err != nil {
		t.Fatal(err)
	}
	fs.SyncDir(root)
	create(t, fs, filepath.Join(part, "0.log"), "batch", true)
	fs.SyncDir(part)
	create(t, fs, filepath.Join(part, "9.log"), "new", true)
	del := filepath.Join(root, "orders-0.x-delete")
	if err := fs.Rename(part, del); err != nil {
		t.Fatal(err)
	}
	if err := fs.RemoveAll(del); err != nil {
		t.Fatal(err)
	}
	if got := tree(t, root); got != "" {
		t.Fatalf("before crash %q", got)
	}
	fs.Crash(nil, nil)
	if got := tree(t, root); got != "orders-0/ orders-0/0.log=batch" {
		t.Fatalf("after crash %q", got)
	}
}

func TestTornKeepAndRename(t *testing.T) {
	dir := t.TempDir()
	fs := newFS(t)
	p, q := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	f := create(t, fs, p, "0123", true)
	if err := fs.Rename(p, q); err != nil {
		t.Fatal(err)
	}
	fs.SyncDir(dir)
	f.WriteAt([]byte("456789"), 4)
	fs.Crash(func(string, int64, int64) int64 { return 2 }, func(_ string, b []byte) { b[0] = 'X' })
	if got := tree(t, dir); got != "b=0123X5" {
		t.Fatalf("got %q", got)
	}
}

func TestFailNthAndTornWrite(t *testing.T) {
	dir := t.TempDir()
	fs := newFS(t)
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

// Removed files wait in the scratch directory only until the removal is
// durable.
func TestScratchFreedOnSync(t *testing.T) {
	dir, scratch := t.TempDir(), t.TempDir()
	fs := NewAt(vfs.Default, scratch)
	create(t, fs, filepath.Join(dir, "a"), "A", true)
	fs.SyncDir(dir)
	fs.Remove(filepath.Join(dir, "a"))
	if ents, _ := os.ReadDir(scratch); len(ents) != 1 {
		t.Fatalf("%d entries in scratch, want the removed file", len(ents))
	}
	fs.SyncDir(dir)
	if ents, _ := os.ReadDir(scratch); len(ents) != 0 {
		t.Fatalf("%d entries in scratch after the removal was synced", len(ents))
	}
	if err := fs.Remove(filepath.Join(dir, "a")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("remove of a missing file: %v", err)
	}
}
