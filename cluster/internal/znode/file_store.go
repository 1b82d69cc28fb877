package znode

import (
	"fmt"
	"sort"
)

// fnode is one znode of the file-backed tree.
type fnode struct {
	data     []byte // never mutated in place
	stat     Stat   // DataLength and NumChildren are derived on read
	children map[string]struct{}
}

func (n *fnode) statOut() Stat {
	st := n.stat
	st.DataLength = int32(len(n.data))
	st.NumChildren = int32(len(n.children))
	return st
}

func (n *fnode) childNames() []string {
	names := make([]string, 0, len(n.children))
	for c := range n.children {
		names = append(names, c)
	}
	sort.Strings(names)
	return names
}

// memTree is the in-memory znode tree: paths to nodes, and the last zxid.
// It is not safe for concurrent use; fileStore serializes access.
type memTree struct {
	nodes map[string]*fnode
	zxid  int64
}

func newMemTree() *memTree {
	return &memTree{nodes: map[string]*fnode{"/": {children: map[string]struct{}{}}}}
}

// change is one applied modification, kept for the watch events it fires
// and for deciding whether the file must be rewritten.
type change struct {
	typ        EventType // created, deleted or data-changed
	path       string
	persistent bool // the znode is persistent (the file changes)
}

// txn applies ops as one transaction with one zxid: all or nothing. On
// failure it returns the index of the failing op and its error, and the
// tree is unchanged. On success undo reverts it (if saving fails).
func (t *memTree) txn(ops []Op, session int64, now int64) (results []Result, changes []change, undo func(), failed int, err error) {
	zxid := t.zxid + 1
	var undos []func()
	revert := func() {
		for i := len(undos) - 1; i >= 0; i-- {
			undos[i]()
		}
	}
	results = make([]Result, len(ops))
	for i, op := range ops {
		var r Result
		var ch *change
		switch o := op.(type) {
		case CreateOp:
			r.Path, ch, err = t.create(o, session, zxid, now, &undos)
		case SetOp:
			r.Stat, ch, err = t.set(o, zxid, now, &undos)
		case DeleteOp:
			ch, err = t.delete(o, zxid, &undos)
		case CheckOp:
			err = t.check(o)
		}
		if err != nil {
			revert()
			return nil, nil, nil, i, err
		}
		results[i] = r
		if ch != nil {
			changes = append(changes, *ch)
		}
	}
	oldZxid := t.zxid
	t.zxid = zxid
	undo = func() { revert(); t.zxid = oldZxid }
	return results, changes, undo, -1, nil
}

func (t *memTree) create(o CreateOp, session, zxid, now int64, undos *[]func()) (string, *change, error) {
	path := o.Path
	parentPath := parentOf(path)
	if path == "/" {
		return "", nil, ErrNodeExists
	}
	parent := t.nodes[parentPath]
	if parent == nil {
		return "", nil, ErrNoNode
	}
	if parent.stat.EphemeralOwner != 0 {
		return "", nil, ErrNoChildrenForEphemerals
	}
	if o.Mode.IsSequential() {
		path = fmt.Sprintf("%s%010d", path, parent.stat.CVersion)
	}
	if t.nodes[path] != nil {
		return "", nil, ErrNodeExists
	}
	n := &fnode{data: cloneBytes(o.Data), children: map[string]struct{}{}}
	n.stat = Stat{Czxid: zxid, Mzxid: zxid, Pzxid: zxid, Ctime: now, Mtime: now}
	if o.Mode.IsEphemeral() {
		n.stat.EphemeralOwner = session
	}
	name := baseOf(path)
	oldParent := parent.stat
	t.nodes[path] = n
	parent.children[name] = struct{}{}
	parent.stat.CVersion++
	parent.stat.Pzxid = zxid
	*undos = append(*undos, func() {
		delete(t.nodes, path)
		delete(parent.children, name)
		parent.stat = oldParent
	})
	return path, &change{typ: EventNodeCreated, path: path, persistent: !o.Mode.IsEphemeral()}, nil
}

func (t *memTree) set(o SetOp, zxid, now int64, undos *[]func()) (Stat, *change, error) {
	n := t.nodes[o.Path]
	if n == nil {
		return Stat{}, nil, ErrNoNode
	}
	if o.Version != AnyVersion && o.Version != n.stat.Version {
		return Stat{}, nil, ErrBadVersion
	}
	oldData, oldStat := n.data, n.stat
	n.data = cloneBytes(o.Data)
	n.stat.Version++
	n.stat.Mzxid = zxid
	n.stat.Mtime = now
	*undos = append(*undos, func() { n.data, n.stat = oldData, oldStat })
	return n.statOut(), &change{typ: EventNodeDataChanged, path: o.Path, persistent: n.stat.EphemeralOwner == 0}, nil
}

func (t *memTree) delete(o DeleteOp, zxid int64, undos *[]func()) (*change, error) {
	if o.Path == "/" {
		return nil, fmt.Errorf("%w: the root cannot be deleted", ErrBadPath)
	}
	n := t.nodes[o.Path]
	if n == nil {
		return nil, ErrNoNode
	}
	if o.Version != AnyVersion && o.Version != n.stat.Version {
		return nil, ErrBadVersion
	}
	if len(n.children) > 0 {
		return nil, ErrNotEmpty
	}
	parent := t.nodes[parentOf(o.Path)]
	name := baseOf(o.Path)
	oldParent := parent.stat
	delete(t.nodes, o.Path)
	delete(parent.children, name)
	parent.stat.CVersion++
	parent.stat.Pzxid = zxid
	*undos = append(*undos, func() {
		t.nodes[o.Path] = n
		parent.children[name] = struct{}{}
		parent.stat = oldParent
	})
	return &change{typ: EventNodeDeleted, path: o.Path, persistent: n.stat.EphemeralOwner == 0}, nil
}

func (t *memTree) check(o CheckOp) error {
	n := t.nodes[o.Path]
	if n == nil {
		return ErrNoNode
	}
	if o.Version != AnyVersion && o.Version != n.stat.Version {
		return ErrBadVersion
	}
	return nil
}

// ephemeralsOf returns the paths of a session's ephemerals.
func (t *memTree) ephemeralsOf(session int64) []string {
	var out []string
	for p, n := range t.nodes {
		if n.stat.EphemeralOwner == session {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

func cloneBytes(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return append([]byte(nil), b...)
}
