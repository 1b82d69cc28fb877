// Package errorfs is a fault-injecting vfs.FS for crash and disk-error
// tests. It wraps another FS (vfs.Default on a temp dir: it needs inode
// numbers and same-file-system renames) and
//
//   - counts operations and lets an Injector fail any of them (ENOSPC at the
//     Nth write, EIO on fsync, a failing rename...);
//   - tears writes: an injected *TornWrite error writes a prefix of the data
//     before failing;
//   - on Crash rolls the tree back to what was made durable, closes every
//     file it handed out and fails every later operation of the crashed
//     instance with ErrCrashed.
//
// # Crash model (strict)
//
// A directory's entries are durable as of its last SyncDir: a file created,
// renamed, removed or a directory made since then is undone by a crash
// (the file under its old name, with its data, comes back; a new one, even
// fsynced, goes). A file's data is durable up to the length it had at its
// last Sync (per file, whatever its name): bytes written past it are lost
// (Crash may keep a torn, possibly garbled part of them); a crash does not
// resurrect overwritten bytes, and a truncation is durable at once.
// Directories and files that existed before this FS first touched their
// directory count as durable as found.
//
// To undo removals, Remove, RemoveAll and renames over an existing name
// move the old entry into a scratch directory instead of deleting it; a
// SyncDir makes the removal durable and frees what no durable directory
// still names.
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
	OpAllocate
)

var opNames = [...]string{"open", "read", "write", "sync", "truncate", "close", "rename", "remove", "mkdir", "readdir", "stat", "syncdir", "allocate"}

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
		open    map[*file]struct{}
		// scratch holds removed entries (named by inode) until their
		// removal is durable; "" until first needed.
		scratch    string
		ownScratch bool // created by this FS (removed by Crash)
		// dirs are the tracked directories, by inode.
		dirs map[uint64]*dirState
		// durable is the durable length of each file, by inode.
		durable map[uint64]int64
	}
}

// entry is a directory entry: what it names.
type entry struct {
	ino uint64
	dir bool
}

// dirState is a tracked directory: where it is now and its durable
// entries.
type dirState struct {
	path    string
	entries map[string]entry
}

var _ vfs.FS = (*FS)(nil)

// New wraps inner; removed entries are kept in a temporary directory made
// under os.TempDir (it must be on the same file system as the files).
func New(inner vfs.FS) *FS { return NewAt(inner, "") }

// NewAt wraps inner keeping removed entries in scratch, an empty
// directory on the same file system as the files ("" makes one under
// os.TempDir).
func NewAt(inner vfs.FS, scratch string) *FS {
	fs := &FS{inner: inner}
	fs.mu.open = make(map[*file]struct{})
	fs.mu.dirs = make(map[uint64]*dirState)
	fs.mu.durable = make(map[uint64]int64)
	fs.mu.scratch = scratch
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
