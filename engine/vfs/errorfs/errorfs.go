// Package errorfs is a fault-injecting vfs.FS for crash and disk-error
// tests. It wraps another FS (normally vfs.Default on a temp dir) and
//
//   - counts operations and lets an Injector fail any of them (ENOSPC at the
//     Nth write, EIO on fsync, a failing rename...);
//   - tears writes: an injected *TornWrite error writes a prefix of the data
//     before failing;
//   - remembers, per file, how many bytes were made durable by Sync, and on
//     Crash drops everything written since (optionally keeping a torn,
//     possibly garbled part of it), closes every file it handed out and
//     fails every later operation of the crashed instance with ErrCrashed.
//
// The crash model is per-file prefix durability: data written past the
// synced length is lost; a crash does not resurrect overwritten bytes.
package errorfs

import (
	"errors"
	"os"
	"sync"
	"sync/atomic"

	"sluice/engine/vfs"
)

// ErrCrashed is returned by every operation after Crash.
var ErrCrashed = errors.New("errorfs: file system crashed")

// Op names an operation kind.
type Op int

// Operation kinds.
const (
	OpOpen Op = iota
	OpRead
	OpWrite
	OpSync
	OpTruncate
	OpClose
	OpRename
	OpRemove
	OpMkdir
	OpReadDir
	OpStat
	OpSyncDir
)

var opNames = [...]string{"open", "read", "write", "sync", "truncate", "close", "rename", "remove", "mkdir", "readdir", "stat", "syncdir"}

func (o Op) String() string {
	if int(o) < len(opNames) {
		return opNames[o]
	}
	return "op?"
}

// Injector decides whether the operation fails; nil lets it through.
// The count is the FS-wide number of operations so far, this one included.
type Injector func(op Op, path string, count int64) error

// TornWrite, returned by an Injector for OpWrite, writes the first N bytes
// of the data and then fails with Err.
type TornWrite struct {
	N   int
	Err error
}

func (t *TornWrite) Error() string { return "torn write: " + t.Err.Error() }
func (t *TornWrite) Unwrap() error { return t.Err }

// FailNth fails the nth operation of kind op (1-based) whose path passes
// match (nil matches all) with err, once.
func FailNth(op Op, n int64, match func(path string) bool, err error) Injector {
	var seen atomic.Int64
	return func(o Op, path string, _ int64) error {
		if o != op || (match != nil && !match(path)) {
			return nil
		}
		if seen.Add(1) == n {
			return err
		}
		return nil
	}
}

// FS is the fault-injecting file system.
type FS struct {
	inner vfs.FS
	ops   atomic.Int64

	mu struct {
		sync.Mutex
		inject  Injector
		crashed bool
		durable map[string]int64 // path -> bytes known durable
		open    map[*file]struct{}
	}
}

var _ vfs.FS = (*FS)(nil)

// New wraps inner.
func New(inner vfs.FS) *FS {
	fs := &FS{inner: inner}
	fs.mu.durable = make(map[string]int64)
	fs.mu.open = make(map[*file]struct{})
	return fs
}

// SetInjector installs (or with nil removes) the fault injector.
func (fs *FS) SetInjector(in Injector) {
	fs.mu.Lock()
	fs.mu.inject = in
	fs.mu.Unlock()
}

// Ops returns the number of operations so far.
func (fs *FS) Ops() int64 { return fs.ops.Load() }

// check counts an operation and asks the injector.
func (fs *FS) check(op Op, path string) error {
	n := fs.ops.Add(1)
	fs.mu.Lock()
	crashed, in := fs.mu.crashed, fs.mu.inject
	fs.mu.Unlock()
	if crashed {
		return ErrCrashed
	}
	if in != nil {
		if err := in(op, path, n); err != nil {
			return err
		}
	}
	return nil
}

func pathErr(op Op, path string, err error) error {
	var tw *TornWrite
	if errors.As(err, &tw) {
		return err
	}
	return &os.PathError{Op: op.String(), Path: path, Err: err}
}

// Crash simulates a power loss: every tracked file is cut back to its
// durable length plus keep(path, durable, size) bytes (nil keeps none; the
// function may return any value in [0, size-durable]), garble (if non-nil)
// may scribble on the kept torn part, all open files are closed and this
// FS fails everything afterwards. Open a new FS on the same inner FS to
// "reboot".
func (fs *FS) Crash(keep func(path string, durable, size int64) int64, garble func(path string, torn []byte)) error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.mu.crashed = true
	for f := range fs.mu.open {
		_ = f.inner.Close()
	}
	fs.mu.open = nil
	var firstErr error
	for path, durable := range fs.mu.durable {
		st, err := fs.inner.Stat(path)
		if err != nil || st.Size() <= durable {
			continue
		}
		size := st.Size()
		cut := durable
		if keep != nil {
			k := keep(path, durable, size)
			if k < 0 {
				k = 0
			}
			if k > size-durable {
				k = size - durable
			}
			cut += k
		}
		f, err := fs.inner.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			firstErr = errors.Join(firstErr, err)
			continue
		}
		if cut > durable && garble != nil {
			torn := make([]byte, cut-durable)
			if _, err := f.ReadAt(torn, durable); err == nil {
				garble(path, torn)
				_, _ = f.WriteAt(torn, durable)
			}
		}
		if err := f.Truncate(cut); err != nil {
			firstErr = errors.Join(firstErr, err)
		}
		_ = f.Close()
	}
	return firstErr
}
