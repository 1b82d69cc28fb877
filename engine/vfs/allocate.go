package vfs

import (
	"errors"
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// Allocator is implemented by files that can reserve disk blocks past
// their end without changing their size.
type Allocator interface {
	Allocate(off, n int64) error
}

// Allocate reserves the disk blocks of [off, off+n) in f without changing
// its size (fallocate(2) with FALLOC_FL_KEEP_SIZE for OS files): reads and
// Stat see only what was written, and Truncate to any size releases the
// blocks past it. Files of other file systems may implement Allocator;
// the rest return ErrAllocateUnsupported. It is only an optimisation:
// callers ignore its errors.
func Allocate(f File, off, n int64) error {
	switch f := f.(type) {
	case *os.File:
		err := unix.Fallocate(int(f.Fd()), unix.FALLOC_FL_KEEP_SIZE, off, n)
		runtime.KeepAlive(f)
		if errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.ENOSYS) {
			return ErrAllocateUnsupported
		}
		return err
	case Allocator:
		return f.Allocate(off, n)
	}
	return ErrAllocateUnsupported
}
