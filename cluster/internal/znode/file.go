package znode

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"sluice/engine/vfs"
)

// FileOptions configure OpenFile. The zero value means the defaults.
type FileOptions struct {
	// MaxRequestBytes limits a request's encoded size as ZooKeeper would
	// (DefaultMaxRequestBytes), so that code tested against the file tree
	// does not send ZooKeeper what it refuses.
	MaxRequestBytes int
	// Now is the clock for ctime/mtime (time.Now).
	Now func() time.Time
	// OnNoSpace, if set, is called when saving the file fails for lack
	// of space (ENOSPC); true means room was made and the save is tried
	// once more.
	OnNoSpace func(error) bool
}

// EnsureDefaults fills in zero fields.
func (o *FileOptions) EnsureDefaults() {
	if o.MaxRequestBytes <= 0 {
		o.MaxRequestBytes = DefaultMaxRequestBytes
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// fileStore is the tree shared by the sessions of one metadata file.
type fileStore struct {
	fs   vfs.FS
	dir  string
	opts FileOptions

	mu struct {
		sync.Mutex
		tree        *memTree
		watches     watchSet
		nextSession int64
	}
}

// FileTree is a session on the file-backed tree: a Tree whose persistent
// znodes live in dir/__sluice_metadata.json (rewritten atomically, and
// fsynced, before every write that changes them returns) and whose
// ephemerals live in memory only, with the sessions of this process.
// Every open starts a new zxid epoch (the high 32 bits), so zxids (and
// broker epochs, which are czxids) grow across restarts.
type FileTree struct {
	st     *fileStore
	id     atomic.Int64
	events *sessionQueue
	closed bool // guarded by st.mu
}

var _ Tree = (*FileTree)(nil)

// OpenFile opens (or creates) the metadata file in dir and returns the
// first session on it. A version-1 file (the single-node format before this package) is
// converted to the znode layout Kafka uses in ZooKeeper (see convertV1);
// the original is kept as __sluice_metadata.json.v1.
func OpenFile(fsys vfs.FS, dir string, opts FileOptions) (*FileTree, error) {
	opts.EnsureDefaults()
	if fsys == nil {
		fsys = vfs.Default
	}
	st := &fileStore{fs: fsys, dir: dir, opts: opts}
	st.mu.watches = watchSet{}
	path := filepath.Join(dir, FileName)
	data, err := readFile(fsys, path)
	var tree *memTree
	switch {
	case errors.Is(err, fs.ErrNotExist):
		tree = newMemTree()
	case err != nil:
		return nil, fmt.Errorf("znode: read %s: %w", path, err)
	default:
		var head struct {
			Version *int `json:"version"`
		}
		if err := json.Unmarshal(data, &head); err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, path, err)
		}
		switch {
		case head.Version == nil:
			return nil, fmt.Errorf("%w: %s: no version", ErrCorrupt, path)
		case *head.Version == 1:
			if tree, err = convertV1(path, data, opts.Now().UnixMilli()); err != nil {
				return nil, err
			}
			if err := writeFileAtomic(fsys, dir, FileName+".v1", data); err != nil {
				return nil, fmt.Errorf("znode: keep the version-1 file: %w", err)
			}
		case *head.Version == FileVersion:
			if tree, err = decodeFile(path, data); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("%w: %s: unknown version %d", ErrCorrupt, path, *head.Version)
		}
	}
	tree.zxid = (tree.zxid>>32 + 1) << 32 // a new epoch
	st.mu.tree = tree
	st.mu.nextSession = opts.Now().UnixMilli()<<16&(1<<62-1) | 1
	if err := st.saveLocked(); err != nil {
		return nil, err
	}
	return st.newSession(), nil
}

// saveLocked writes the tree to the file.
// REQUIRES: st.mu held (or st not yet shared).
func (st *fileStore) saveLocked() error {
	data := encodeFile(st.mu.tree)
	err := writeFileAtomic(st.fs, st.dir, FileName, data)
	if errors.Is(err, syscall.ENOSPC) && st.opts.OnNoSpace != nil && st.opts.OnNoSpace(err) {
		err = writeFileAtomic(st.fs, st.dir, FileName, data)
	}
	if err != nil {
		return fmt.Errorf("%w: %v", ErrPersist, err)
	}
	return nil
}

func (st *fileStore) newSession() *FileTree {
	st.mu.Lock()
	defer st.mu.Unlock()
	ft := &FileTree{st: st, events: newSessionQueue()}
	ft.id.Store(st.mu.nextSession)
	st.mu.nextSession++
	ft.events.push(SessionEvent{State: SessionConnected, SessionID: ft.id.Load()})
	return ft
}

// NewSession opens another session on the same tree (another "client"
// of the same metadata, e.g. for tests of several brokers).
func (ft *FileTree) NewSession() *FileTree { return ft.st.newSession() }

// SessionID implements Tree.
func (ft *FileTree) SessionID() int64 { return ft.id.Load() }

// MaxMultiOps implements Tree: no limit (one file write per multi).
func (ft *FileTree) MaxMultiOps() int { return 0 }

// SessionEvents implements Tree.
func (ft *FileTree) SessionEvents() <-chan SessionEvent { return ft.events.ch }

func (ft *FileTree) begin(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ft.st.mu.Lock()
	if ft.closed {
		ft.st.mu.Unlock()
		return ErrClosed
	}
	return nil
}

// snapshot is what a read returns, copied under the lock.
type snapshot struct {
	exists   bool
	data     []byte
	stat     Stat
	children []string
}

// read reads path (and registers a watch of kind if watch is set; not on
// a missing znode unless kind is watchExist), all under one lock hold.
func (ft *FileTree) read(ctx context.Context, op, path string, kind watchKind, watch bool) (snapshot, <-chan Event, error) {
	if err := ValidatePath(path, false); err != nil {
		return snapshot{}, nil, opErr(op, path, err)
	}
	if err := ft.begin(ctx); err != nil {
		return snapshot{}, nil, opErr(op, path, err)
	}
	defer ft.st.mu.Unlock()
	var s snapshot
	if n := ft.st.mu.tree.nodes[path]; n != nil {
		s = snapshot{exists: true, data: cloneBytes(n.data), stat: n.statOut()}
		if kind == watchChild {
			s.children = n.childNames()
		}
	} else if kind != watchExist {
		return s, nil, opErr(op, path, ErrNoNode)
	}
	if !watch {
		return s, nil, nil
	}
	w := newWatch(kind, path, ft)
	ft.st.mu.watches.add(w)
	return s, w.ch, nil
}

// Get implements Tree.
func (ft *FileTree) Get(ctx context.Context, path string) ([]byte, Stat, error) {
	s, _, err := ft.read(ctx, "get", path, watchData, false)
	return s.data, s.stat, err
}

// GetW implements Tree.
func (ft *FileTree) GetW(ctx context.Context, path string) ([]byte, Stat, <-chan Event, error) {
	s, ch, err := ft.read(ctx, "get", path, watchData, true)
	return s.data, s.stat, ch, err
}

// Exists implements Tree.
func (ft *FileTree) Exists(ctx context.Context, path string) (bool, Stat, error) {
	s, _, err := ft.read(ctx, "exists", path, watchExist, false)
	return s.exists, s.stat, err
}

// ExistsW implements Tree.
func (ft *FileTree) ExistsW(ctx context.Context, path string) (bool, Stat, <-chan Event, error) {
	s, ch, err := ft.read(ctx, "exists", path, watchExist, true)
	return s.exists, s.stat, ch, err
}

// Children implements Tree.
func (ft *FileTree) Children(ctx context.Context, path string) ([]string, Stat, error) {
	s, _, err := ft.read(ctx, "children", path, watchChild, false)
	return s.children, s.stat, err
}

// ChildrenW implements Tree.
func (ft *FileTree) ChildrenW(ctx context.Context, path string) ([]string, Stat, <-chan Event, error) {
	s, ch, err := ft.read(ctx, "children", path, watchChild, true)
	return s.children, s.stat, ch, err
}

// Create implements Tree.
func (ft *FileTree) Create(ctx context.Context, path string, data []byte, mode Mode) (string, error) {
	op := CreateOp{Path: path, Data: data, Mode: mode}
	rs, err := ft.Multi(ctx, op)
	if err != nil {
		return "", single(op, err)
	}
	return rs[0].Path, nil
}

// Set implements Tree.
func (ft *FileTree) Set(ctx context.Context, path string, data []byte, version int32) (Stat, error) {
	op := SetOp{Path: path, Data: data, Version: version}
	rs, err := ft.Multi(ctx, op)
	if err != nil {
		return Stat{}, single(op, err)
	}
	return rs[0].Stat, nil
}

// Delete implements Tree.
func (ft *FileTree) Delete(ctx context.Context, path string, version int32) error {
	op := DeleteOp{Path: path, Version: version}
	if _, err := ft.Multi(ctx, op); err != nil {
		return single(op, err)
	}
	return nil
}

// Multi implements Tree. It is one transaction (one zxid) and, if it
// changes a persistent znode, one file write.
func (ft *FileTree) Multi(ctx context.Context, ops ...Op) ([]Result, error) {
	ops, err := normalize(ops)
	if err != nil {
		if me, ok := err.(*MultiError); ok {
			return failedResults(len(ops), me.Index, me.Err), err
		}
		return nil, err
	}
	if n := requestSize(ops); n > ft.st.opts.MaxRequestBytes {
		return nil, fmt.Errorf("%w: %d operations, %d bytes encoded, limit %d", ErrTooLarge, len(ops), n, ft.st.opts.MaxRequestBytes)
	}
	if err := ft.begin(ctx); err != nil {
		return nil, err
	}
	defer ft.st.mu.Unlock()
	return ft.st.txnLocked(ops, ft.id.Load())
}

// txnLocked applies ops, saves the file if a persistent znode changed
// (undoing the transaction if that fails) and fires the watches.
// REQUIRES: st.mu held.
func (st *fileStore) txnLocked(ops []Op, session int64) ([]Result, error) {
	results, changes, undo, failed, err := st.mu.tree.txn(ops, session, st.opts.Now().UnixMilli())
	if err != nil {
		return failedResults(len(ops), failed, err), &MultiError{Index: failed, Op: ops[failed], Err: err}
	}
	for _, c := range changes {
		if c.persistent {
			if err := st.saveLocked(); err != nil {
				undo()
				return nil, err
			}
			break
		}
	}
	st.mu.watches.fireChanges(changes)
	return results, nil
}

// endSessionLocked deletes the session's ephemerals and voids its
// watches.
// REQUIRES: st.mu held.
func (ft *FileTree) endSessionLocked(err error) {
	st := ft.st
	var ops []Op
	for _, p := range st.mu.tree.ephemeralsOf(ft.id.Load()) {
		ops = append(ops, DeleteOp{Path: p, Version: AnyVersion})
	}
	if len(ops) > 0 {
		// Ephemerals have no children and no persistent change is made,
		// so this cannot fail.
		if _, terr := st.txnLocked(ops, ft.id.Load()); terr != nil {
			panic("znode: deleting a session's ephemerals failed: " + terr.Error())
		}
	}
	st.mu.watches.voidSession(ft, err)
}

// Close implements Tree: the session's ephemerals are deleted, its
// watches void (ErrClosed).
func (ft *FileTree) Close() error {
	ft.st.mu.Lock()
	defer ft.st.mu.Unlock()
	if ft.closed {
		return nil
	}
	ft.closed = true
	ft.endSessionLocked(ErrClosed)
	ft.events.close()
	return nil
}

// Expire ends the session as a ZooKeeper session expiry would (its
// ephemerals deleted, its watches void with ErrSessionExpired) and starts
// a new one, reported as SessionExpired with the new id. For tests of
// what session owners do on expiry.
func (ft *FileTree) Expire() {
	ft.st.mu.Lock()
	defer ft.st.mu.Unlock()
	if ft.closed {
		return
	}
	ft.endSessionLocked(ErrSessionExpired)
	ft.id.Store(ft.st.mu.nextSession)
	ft.st.mu.nextSession++
	ft.events.push(SessionEvent{State: SessionExpired, SessionID: ft.id.Load()})
}
