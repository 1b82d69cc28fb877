package errorfs

import (
	"errors"
	"os"

	"sluice/engine/vfs"
)

// OpenFile opens through the inner FS and tracks durability: a file that
// existed is durable as found; a created or truncated one starts at 0.
func (fs *FS) OpenFile(name string, flag int, perm os.FileMode) (vfs.File, error) {
	if err := fs.check(OpOpen, name); err != nil {
		return nil, pathErr(OpOpen, name, err)
	}
	_, statErr := fs.inner.Stat(name)
	f, err := fs.inner.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	w := &file{fs: fs, inner: f, name: name}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.mu.crashed {
		_ = f.Close()
		return nil, ErrCrashed
	}
	if _, tracked := fs.mu.durable[name]; !tracked || flag&os.O_TRUNC != 0 || statErr != nil {
		if statErr == nil && flag&os.O_TRUNC == 0 {
			if st, err := f.Stat(); err == nil {
				fs.mu.durable[name] = st.Size()
			}
		} else {
			fs.mu.durable[name] = 0
		}
	}
	fs.mu.open[w] = struct{}{}
	return w, nil
}

// Remove removes a file and forgets it.
func (fs *FS) Remove(name string) error {
	if err := fs.check(OpRemove, name); err != nil {
		return pathErr(OpRemove, name, err)
	}
	if err := fs.inner.Remove(name); err != nil {
		return err
	}
	fs.mu.Lock()
	delete(fs.mu.durable, name)
	fs.mu.Unlock()
	return nil
}

// RemoveAll removes a tree.
func (fs *FS) RemoveAll(name string) error {
	if err := fs.check(OpRemove, name); err != nil {
		return pathErr(OpRemove, name, err)
	}
	if err := fs.inner.RemoveAll(name); err != nil {
		return err
	}
	fs.mu.Lock()
	for p := range fs.mu.durable {
		if p == name || len(p) > len(name) && p[:len(name)] == name && p[len(name)] == '/' {
			delete(fs.mu.durable, p)
		}
	}
	fs.mu.Unlock()
	return nil
}

// Rename renames and moves the durability record (including those of the
// files under a renamed directory).
func (fs *FS) Rename(oldname, newname string) error {
	if err := fs.check(OpRename, oldname); err != nil {
		return pathErr(OpRename, oldname, err)
	}
	if err := fs.inner.Rename(oldname, newname); err != nil {
		return err
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for p, d := range fs.mu.durable {
		switch {
		case p == oldname:
			delete(fs.mu.durable, p)
			fs.mu.durable[newname] = d
		case len(p) > len(oldname) && p[:len(oldname)] == oldname && p[len(oldname)] == '/':
			delete(fs.mu.durable, p)
			fs.mu.durable[newname+p[len(oldname):]] = d
		}
	}
	for f := range fs.mu.open {
		switch {
		case f.name == oldname:
			f.name = newname
		case len(f.name) > len(oldname) && f.name[:len(oldname)] == oldname && f.name[len(oldname)] == '/':
			f.name = newname + f.name[len(oldname):]
		}
	}
	return nil
}

// MkdirAll creates directories.
func (fs *FS) MkdirAll(name string, perm os.FileMode) error {
	if err := fs.check(OpMkdir, name); err != nil {
		return pathErr(OpMkdir, name, err)
	}
	return fs.inner.MkdirAll(name, perm)
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

// SyncDir fsyncs a directory.
func (fs *FS) SyncDir(name string) error {
	if err := fs.check(OpSyncDir, name); err != nil {
		return pathErr(OpSyncDir, name, err)
	}
	return fs.inner.SyncDir(name)
}

// file wraps an open file.
type file struct {
	fs    *FS
	inner vfs.File
	name  string
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
		f.fs.mu.durable[f.name] = st.Size()
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
	if d, ok := f.fs.mu.durable[f.name]; ok && size < d {
		f.fs.mu.durable[f.name] = size
	}
	f.fs.mu.Unlock()
	return nil
}

func (f *file) Fd() uintptr  { return f.inner.Fd() }
func (f *file) Name() string { return f.inner.Name() }
