package errorfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// inode returns the entry path names.
func (fs *FS) inode(path string) (entry, os.FileInfo, error) {
	st, err := fs.inner.Stat(path)
	if err != nil {
		return entry{}, nil, err
	}
	return entryOf(st), st, nil
}

func entryOf(st os.FileInfo) entry {
	var ino uint64
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		ino = sys.Ino
	}
	return entry{ino: ino, dir: st.IsDir()}
}

// listLocked reads a directory's entries; files never seen before count
// as durable as found.
// REQUIRES: fs.mu held.
func (fs *FS) listLocked(dir string) (map[string]entry, error) {
	ents, err := fs.inner.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	out := make(map[string]entry, len(ents))
	for _, e := range ents {
		st, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		en := entryOf(st)
		out[e.Name()] = en
		if !en.dir {
			if _, ok := fs.mu.durable[en.ino]; !ok {
				fs.mu.durable[en.ino] = st.Size()
			}
		}
	}
	return out, nil
}

// trackLocked makes sure dir is tracked: a directory first touched now is
// durable as found. It returns nil when dir does not exist.
// REQUIRES: fs.mu held.
func (fs *FS) trackLocked(dir string) *dirState {
	dir = filepath.Clean(dir)
	e, _, err := fs.inode(dir)
	if err != nil || !e.dir {
		return nil
	}
	if d, ok := fs.mu.dirs[e.ino]; ok {
		d.path = dir
		return d
	}
	ents, err := fs.listLocked(dir)
	if err != nil {
		return nil
	}
	d := &dirState{path: dir, entries: ents}
	fs.mu.dirs[e.ino] = d
	return d
}

// scratchLocked returns the scratch directory, making it if needed.
// REQUIRES: fs.mu held.
func (fs *FS) scratchLocked() (string, error) {
	if fs.mu.scratch != "" {
		return fs.mu.scratch, nil
	}
	d, err := os.MkdirTemp("", "errorfs-scratch-")
	if err != nil {
		return "", err
	}
	fs.mu.scratch, fs.mu.ownScratch = d, true
	return d, nil
}

// under reports whether path is root or inside it.
func under(path, root string) bool {
	return path == root || strings.HasPrefix(path, root+string(os.PathSeparator))
}

// relocateLocked records that the tree at from is now at to.
// REQUIRES: fs.mu held.
func (fs *FS) relocateLocked(from, to string) {
	for _, d := range fs.mu.dirs {
		if under(d.path, from) {
			d.path = to + d.path[len(from):]
		}
	}
	for f := range fs.mu.open {
		if under(f.name, from) {
			f.name = to + f.name[len(from):]
		}
	}
}

// stashLocked moves path (a file or a directory tree) into the scratch
// directory instead of deleting it, so that a crash can bring it back. It
// deletes instead when the scratch directory is on another file system.
// REQUIRES: fs.mu held.
func (fs *FS) stashLocked(path string, e entry) (string, error) {
	scratch, err := fs.scratchLocked()
	to := filepath.Join(scratch, strconv.FormatUint(e.ino, 10))
	if err == nil {
		err = fs.inner.Rename(path, to)
	}
	if err == nil {
		fs.relocateLocked(path, to)
		return to, nil
	}
	if errors.Is(err, syscall.EXDEV) || scratch == "" {
		return "", fs.inner.RemoveAll(path)
	}
	return "", err
}

// collectLocked frees the scratch entries no tracked directory names
// durably.
// REQUIRES: fs.mu held.
func (fs *FS) collectLocked() {
	if fs.mu.scratch == "" {
		return
	}
	ents, err := fs.inner.ReadDir(fs.mu.scratch)
	if err != nil {
		return
	}
	defer func() {
		// A scratch directory of our own goes when empty (made again when
		// needed), so that tests without a crash leave nothing behind.
		if left, err := fs.inner.ReadDir(fs.mu.scratch); err == nil && len(left) == 0 && fs.mu.ownScratch {
			if fs.inner.Remove(fs.mu.scratch) == nil {
				fs.mu.scratch, fs.mu.ownScratch = "", false
			}
		}
	}()
	named := map[uint64]bool{}
	for _, d := range fs.mu.dirs {
		for _, e := range d.entries {
			named[e.ino] = true
		}
	}
	for _, e := range ents {
		ino, err := strconv.ParseUint(e.Name(), 10, 64)
		if err == nil && !named[ino] {
			p := filepath.Join(fs.mu.scratch, e.Name())
			_ = fs.inner.RemoveAll(p)
			delete(fs.mu.durable, ino)
			for dino, d := range fs.mu.dirs {
				if under(d.path, p) {
					delete(fs.mu.dirs, dino)
				}
			}
		}
	}
}

// Crash simulates a power loss (see the package doc for the model):
// every tracked directory is rolled back to its durable entries, every
// file cut back to its durable length plus keep(path, durable, size)
// bytes (nil keeps none; the function may return any value in
// [0, size-durable]), garble (if non-nil) may scribble on the kept torn
// part, all open files are closed and this FS fails everything afterwards.
// Open a new FS on the same inner FS to "reboot".
func (fs *FS) Crash(keep func(path string, durable, size int64) int64, garble func(path string, torn []byte)) error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.mu.crashed = true
	for f := range fs.mu.open {
		_ = f.inner.Close()
	}
	fs.mu.open = nil
	c := crash{fs: fs, keep: keep, garble: garble, where: map[uint64]string{}}
	// Where every entry is now, by inode.
	if fs.mu.scratch != "" {
		if ents, err := fs.inner.ReadDir(fs.mu.scratch); err == nil {
			for _, e := range ents {
				if ino, err := strconv.ParseUint(e.Name(), 10, 64); err == nil {
					c.where[ino] = filepath.Join(fs.mu.scratch, e.Name())
				}
			}
		}
	}
	paths := map[string]bool{}
	for _, d := range fs.mu.dirs {
		paths[d.path] = true
		if cur, err := fs.listLocked(d.path); err == nil {
			for name, e := range cur {
				c.where[e.ino] = filepath.Join(d.path, name)
			}
		}
	}
	// Roll back from the outermost tracked directories down: a directory
	// brought back (or taken away) by its parent is then itself rolled
	// back where its parent's durable entries put it.
	for ino, d := range fs.mu.dirs {
		inScratch := fs.mu.scratch != "" && under(d.path, fs.mu.scratch)
		if !inScratch && !paths[filepath.Dir(d.path)] {
			c.restore(ino, d.path)
		}
	}
	if fs.mu.scratch != "" {
		if ents, err := fs.inner.ReadDir(fs.mu.scratch); err == nil {
			for _, e := range ents {
				_ = fs.inner.RemoveAll(filepath.Join(fs.mu.scratch, e.Name()))
			}
		}
		if fs.mu.ownScratch {
			_ = fs.inner.RemoveAll(fs.mu.scratch)
		}
	}
	return errors.Join(c.errs...)
}

// crash is one Crash's rollback.
type crash struct {
	fs     *FS
	keep   func(path string, durable, size int64) int64
	garble func(path string, torn []byte)
	where  map[uint64]string
	errs   []error
}

func (c *crash) move(from, to string, ino uint64) error {
	if err := c.fs.inner.Rename(from, to); err != nil {
		return err
	}
	for i, p := range c.where {
		if under(p, from) {
			c.where[i] = to + p[len(from):]
		}
	}
	c.where[ino] = to
	return nil
}

// restore rolls the tracked directory ino, now at path, back to its
// durable entries, then its tracked subdirectories and its files' data.
func (c *crash) restore(ino uint64, path string) {
	fs := c.fs
	d := fs.mu.dirs[ino]
	if st, err := fs.inner.Stat(path); err != nil || !st.IsDir() || entryOf(st).ino != ino {
		return
	}
	cur, err := fs.listLocked(path)
	if err != nil {
		c.errs = append(c.errs, err)
		return
	}
	for name, e := range cur {
		if w, ok := d.entries[name]; ok && w.ino == e.ino {
			continue
		}
		scratch, err := fs.scratchLocked()
		if err == nil {
			err = c.move(filepath.Join(path, name), filepath.Join(scratch, strconv.FormatUint(e.ino, 10)), e.ino)
		}
		if err != nil {
			c.errs = append(c.errs, err)
		}
	}
	for name, w := range d.entries {
		p := filepath.Join(path, name)
		if e, ok := cur[name]; !ok || e.ino != w.ino {
			src, ok := c.where[w.ino]
			if !ok {
				c.errs = append(c.errs, fmt.Errorf("errorfs: %s (inode %d) is gone and cannot be brought back", p, w.ino))
				continue
			}
			if err := c.move(src, p, w.ino); err != nil {
				c.errs = append(c.errs, err)
				continue
			}
		}
		if w.dir {
			if _, tracked := fs.mu.dirs[w.ino]; tracked {
				c.restore(w.ino, p)
			}
			continue
		}
		if err := c.cut(p, fs.mu.durable[w.ino]); err != nil {
			c.errs = append(c.errs, err)
		}
	}
}

// cut cuts one file back to durable bytes plus what keep allows.
func (c *crash) cut(path string, durable int64) error {
	st, err := c.fs.inner.Stat(path)
	if err != nil || st.Size() <= durable {
		return nil
	}
	size := st.Size()
	cut := durable
	if c.keep != nil {
		cut += min(max(c.keep(path, durable, size), 0), size-durable)
	}
	f, err := c.fs.inner.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	if cut > durable && c.garble != nil {
		torn := make([]byte, cut-durable)
		if _, err := f.ReadAt(torn, durable); err == nil {
			c.garble(path, torn)
			_, _ = f.WriteAt(torn, durable)
		}
	}
	return f.Truncate(cut)
}
