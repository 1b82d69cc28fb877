package znode

// watchKind is what a watch was set by.
type watchKind int

const (
	watchData  watchKind = iota // GetW: data changed, deleted
	watchExist                  // ExistsW: created, data changed, deleted
	watchChild                  // ChildrenW: children changed, deleted
)

// fires says whether an event of type t triggers a watch of kind k.
func (k watchKind) fires(t EventType) bool {
	switch t {
	case EventNodeCreated:
		return k == watchExist
	case EventNodeDataChanged:
		return k == watchExist || k == watchData
	case EventNodeChildrenChanged:
		return k == watchChild
	case EventNodeDeleted, EventNotWatching:
		return true
	}
	return false
}

// watch is one registered one-shot watch. Its channel has one slot, so
// firing never blocks.
type watch struct {
	kind    watchKind
	path    string
	session any // the session that set it (compared by identity)
	ch      chan Event
}

func newWatch(kind watchKind, path string, session any) *watch {
	return &watch{kind: kind, path: path, session: session, ch: make(chan Event, 1)}
}

func (w *watch) fire(ev Event) {
	w.ch <- ev
	close(w.ch)
}

// watchSet holds the registered watches by path. Not safe for concurrent
// use: its owner serializes access.
type watchSet map[string][]*watch

func (s watchSet) add(w *watch) { s[w.path] = append(s[w.path], w) }

// remove drops w if it is still registered (it was not fired).
func (s watchSet) remove(w *watch) bool {
	ws := s[w.path]
	for i, x := range ws {
		if x == w {
			ws = append(ws[:i:i], ws[i+1:]...)
			if len(ws) == 0 {
				delete(s, w.path)
			} else {
				s[w.path] = ws
			}
			return true
		}
	}
	return false
}

// trigger fires (and removes) the watches of path that an event of type
// t concerns.
func (s watchSet) trigger(path string, t EventType, err error) {
	ws := s[path]
	if len(ws) == 0 {
		return
	}
	keep := ws[:0]
	for _, w := range ws {
		if w.kind.fires(t) {
			w.fire(Event{Type: t, Path: path, Err: err})
		} else {
			keep = append(keep, w)
		}
	}
	if len(keep) == 0 {
		delete(s, path)
	} else {
		s[path] = keep
	}
}

// voidSession ends every watch of session (nil: all) with NotWatching.
func (s watchSet) voidSession(session any, err error) {
	for path, ws := range s {
		keep := ws[:0]
		for _, w := range ws {
			if session == nil || w.session == session {
				w.fire(Event{Type: EventNotWatching, Path: path, Err: err})
			} else {
				keep = append(keep, w)
			}
		}
		if len(keep) == 0 {
			delete(s, path)
		} else {
			s[path] = keep
		}
	}
}

// fireChanges triggers the watches concerned by applied changes: the
// znode's own watches, and for creates and deletes the parent's child
// watches.
func (s watchSet) fireChanges(changes []change) {
	for _, c := range changes {
		s.trigger(c.path, c.typ, nil)
		if c.typ == EventNodeCreated || c.typ == EventNodeDeleted {
			s.trigger(parentOf(c.path), EventNodeChildrenChanged, nil)
		}
	}
}
