package vfs

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

type plainFile struct{ File }

func TestAllocateKeepsSize(t *testing.T) {
	f, err := Default.OpenFile(filepath.Join(t.TempDir(), "x"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt([]byte("abc"), 0); err != nil {
		t.Fatal(err)
	}
	err = Allocate(f, 3, 1<<20)
	if errors.Is(err, ErrAllocateUnsupported) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := f.Stat(); err != nil || fi.Size() != 3 {
		t.Fatalf("size after Allocate = %v, %v; want 3", fi.Size(), err)
	}
	if err := Allocate(plainFile{f}, 0, 10); !errors.Is(err, ErrAllocateUnsupported) {
		t.Fatalf("Allocate on a file without support = %v, want ErrAllocateUnsupported", err)
	}
}
