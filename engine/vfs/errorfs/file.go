package errorfs

import (
	"errors"
	"os"
	"path/filepath"

	"sluice/engine/vfs"
)

// OpenFile opens through the inner FS and tracks durability: a created or
// truncated file starts with nothing durable (and its name is not durable
// until its directory is synced); a file found as it was is durable as
// found.
func (fs *FS) OpenFile(name string, flag int, perm os.FileMode) (vfs.File, error) {
	if err := fs.check(OpOpen, name); err != nil {
		return nil, pathErr(OpOpen, name, err)
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.mu.crashed {
		return nil, ErrCrashed
	}
	fs.trackLocked(filepath.Dir(name))
	_, statErr := fs.inner.Stat(name)
	f, err := fs.inner.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	e := entryOf(st)
	if _, known := fs.mu.durable[e.ino]; statErr != nil || flag&os.O_TRUNC != 0 {
		fs.mu.durable[e.ino] = 0
	} else if !known {
		fs.mu.durable[e.ino] = st.Size()
	}
	w := &file{fs: fs, inner: f, name: name, ino: e.ino}
	fs.mu.open[w] = struct{}{}
	return w, nil
}

// Remove removes a file or an empty directory (kept aside until the
// removal is durable).
func (fs *FS) Remove(name string) error {
	if err := fs.check(OpRemove, name); err != nil {
		return pathErr(OpRemove, name, err)
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.trackLocked(filepath.Dir(name))
	e, st, err := fs.inode(name)
	if err != nil {
		return &os.PathError{Op: "remove", Path: name, Err: errors.Unwrap(err)}
	}
	if st.IsDir() {
		if ents, err := fs.inner.ReadDir(name); err != nil {
			return err
		} else if len(ents) > 0 {
			return fs.inner.Remove(name) // fails as os.Remove does
		}
	}
	_, err = fs.stashLocked(name, e)
	return err
}

// RemoveAll removes a tree (kept aside until the removal is durable).
func (fs *FS) RemoveAll(name string) error {
	if err := fs.check(OpRemove, name); err != nil {
		return pathErr(OpRemove, name, err)
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.trackLocked(filepath.Dir(name))
	e, _, err := fs.inode(name)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	_, err = fs.stashLocked(name, e)
	return err
}

// Rename renames a file or directory; a file it replaces is kept aside
// until the rename is durable.
func (fs *FS) Rename(oldname, newname string) error {
	if err := fs.check(OpRename, oldname); err != nil {
		return pathErr(OpRename, oldname, err)
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.trackLocked(filepath.Dir(oldname))
	fs.trackLocked(filepath.Dir(newname))
	from, _, err := fs.inode(oldname)
	if err != nil {
		return &os.LinkError{Op: "rename", Old: oldname, New: newname, Err: errors.Unwrap(err)}
	}
	if to, st, err := fs.inode(newname); err == nil && to.ino != from.ino && !st.IsDir() {
		if _, err := fs.stashLocked(newname, to); err != nil {
			return err
		}
	}
	if err := fs.inner.Rename(oldname, newname); err != nil {
		return err
	}
	fs.relocateLocked(oldname, newname)
	return nil
}

// MkdirAll creates directories; new ones are not durable until their
// parent is synced.
func (fs *FS) MkdirAll(name string, perm os.FileMode) error {
	if err := fs.check(OpMkdir, name); err != nil {
		return pathErr(OpMkdir, name, err)
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	name = filepath.Clean(name)
	var created []string
	p := name
	for {
		if _, err := fs.inner.Stat(p); err == nil {
			fs.trackLocked(p)
			break
		}
		created = append(created, p)
		parent := filepath.Dir(p)
		if parent == p {
			break
		}
		p = parent
	}
	if err := fs.inner.MkdirAll(name, perm); err != nil {
		return err
	}
	for _, d := range created {
		if e, _, err := fs.inode(d); err == nil {
			if _, ok := fs.mu.dirs[e.ino]; !ok {
				fs.mu.dirs[e.ino] = &dirState{path: d, entries: map[string]entry{}}
			}
		}
	}
	return nil
}

// ReadDir lists a directory.
func (fs *FS) ReadDir(name string) ([]os.DirEntry, error) {
	if err := fs.check(OpReadDir, name); err != nil {
		return nil, pathErr(OpReadDir, name, err)
	}
	return fs.inner.ReadDir(name)
}

// Stat describes a file.
func (fs *FS) Stat(name string) (os.FileInfo, error) {
	if err := fs.check(OpStat, name); err != nil {
		return nil, pathErr(OpStat, name, err)
	}
	return fs.inner.Stat(name)
}

// SyncDir fsyncs a directory: its entries as they are now become durable.
func (fs *FS) SyncDir(name string) error {
	if err := fs.check(OpSyncDir, name); err != nil {
		return pathErr(OpSyncDir, name, err)
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if err := fs.inner.SyncDir(name); err != nil {
		return err
	}
	d := fs.trackLocked(name)
	if d == nil {
		return nil
	}
	ents, err := fs.listLocked(d.path)
	if err != nil {
		return err
	}
	d.entries = ents
	fs.collectLocked()
	return nil
}

// file wraps an open file.
type file struct {
	fs    *FS
	inner vfs.File
	name  string
	ino   uint64
}

func (f *file) Read(p []byte) (int, error) {
	if err := f.fs.check(OpRead, f.name); err != nil {
		return 0, pathErr(OpRead, f.name, err)
	}
	return f.inner.Read(p)
}

func (f *file) ReadAt(p []byte, off int64) (int, error) {
	if err := f.fs.check(OpRead, f.name); err != nil {
		return 0, pathErr(OpRead, f.name, err)
	}
	return f.inner.ReadAt(p, off)
}

func (f *file) Write(p []byte) (int, error) {
	if err := f.fs.check(OpWrite, f.name); err != nil {
		var tw *TornWrite
		if errors.As(err, &tw) && tw.N > 0 {
			n, _ := f.inner.Write(p[:min(tw.N, len(p))])
			return n, err
		}
		return 0, pathErr(OpWrite, f.name, err)
	}
	return f.inner.Write(p)
}

func (f *file) WriteAt(p []byte, off int64) (int, error) {
	if err := f.fs.check(OpWrite, f.name); err != nil {
		var tw *TornWrite
		if errors.As(err, &tw) && tw.N > 0 {
			n, _ := f.inner.WriteAt(p[:min(tw.N, len(p))], off)
			return n, err
		}
		return 0, pathErr(OpWrite, f.name, err)
	}
	return f.inner.WriteAt(p, off)
}

func (f *file) Close() error {
	f.fs.mu.Lock()
	if f.fs.mu.open != nil {
		delete(f.fs.mu.open, f)
	}
	crashed := f.fs.mu.crashed
	f.fs.mu.Unlock()
	if crashed {
		return nil // closed by Crash
	}
	if err := f.fs.check(OpClose, f.name); err != nil {
		_ = f.inner.Close()
		return pathErr(OpClose, f.name, err)
	}
	return f.inner.Close()
}

func (f *file) Stat() (os.FileInfo, error) {
	if err := f.fs.check(OpStat, f.name); err != nil {
		return nil, pathErr(OpStat, f.name, err)
	}
	return f.inner.Stat()
}

// Sync makes the file's current length durable.
func (f *file) Sync() error {
	if err := f.fs.check(OpSync, f.name); err != nil {
		return pathErr(OpSync, f.name, err)
	}
	if err := f.inner.Sync(); err != nil {
		return err
	}
	st, err := f.inner.Stat()
	if err != nil {
		return err
	}
	f.fs.mu.Lock()
	if !f.fs.mu.crashed {
		f.fs.mu.durable[f.ino] = st.Size()
	}
	f.fs.mu.Unlock()
	return nil
}

func (f *file) Truncate(size int64) error {
	if err := f.fs.check(OpTruncate, f.name); err != nil {
		return pathErr(OpTruncate, f.name, err)
	}
	if err := f.inner.Truncate(size); err != nil {
		return err
	}
	f.fs.mu.Lock()
	if d, ok := f.fs.mu.durable[f.ino]; ok && size < d {
		f.fs.mu.durable[f.ino] = size
	}
	f.fs.mu.Unlock()
	return nil
}

// Allocate reserves blocks when the inner file can (vfs.Allocate).
func (f *file) Allocate(off, n int64) error {
	if err := f.fs.check(OpAllocate, f.name); err != nil {
		return pathErr(OpAllocate, f.name, err)
	}
	return vfs.Allocate(f.inner, off, n)
}

func (f *file) Fd() uintptr  { return f.inner.Fd() }
func (f *file) Name() string { return f.inner.Name() }
