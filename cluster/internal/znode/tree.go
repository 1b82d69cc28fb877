package znode

import (
	"context"
	"fmt"
)

// AnyVersion, as the version of a Set, Delete or CheckOp, matches every
// version.
const AnyVersion int32 = -1

// Stat is a znode's metadata, as ZooKeeper keeps it.
type Stat struct {
	Czxid          int64 // zxid of the create (a broker registration's czxid is its broker epoch)
	Mzxid          int64 // zxid of the last data change
	Pzxid          int64 // zxid of the last change to the children
	Ctime          int64 // create time, ms since the epoch
	Mtime          int64 // last data change, ms since the epoch
	Version        int32 // data changes since the create (the "zkVersion")
	CVersion       int32 // child creates and deletes since the create
	EphemeralOwner int64 // owning session of an ephemeral znode, 0 otherwise
	DataLength     int32
	NumChildren    int32
}

// Mode says how a znode is created.
type Mode int

// Creation modes. A sequential znode's name gets a 10-digit, zero-padded
// number appended, unique and increasing under its parent.
const (
	Persistent Mode = iota
	Ephemeral
	PersistentSequential
	EphemeralSequential
)

// IsEphemeral says whether znodes of this mode vanish with their session.
func (m Mode) IsEphemeral() bool { return m == Ephemeral || m == EphemeralSequential }

// IsSequential says whether the name gets a sequence number appended.
func (m Mode) IsSequential() bool { return m == PersistentSequential || m == EphemeralSequential }

func (m Mode) String() string {
	switch m {
	case Persistent:
		return "persistent"
	case Ephemeral:
		return "ephemeral"
	case PersistentSequential:
		return "persistent-sequential"
	case EphemeralSequential:
		return "ephemeral-sequential"
	}
	return fmt.Sprintf("mode(%d)", int(m))
}

// Op is one operation of a Multi: *CreateOp, *SetOp, *DeleteOp or
// *CheckOp (values work too).
type Op interface {
	opPath() string
	opName() string
}

// CreateOp creates Path (the parent must exist, or be created earlier in
// the same Multi).
type CreateOp struct {
	Path string
	Data []byte
	Mode Mode
}

// SetOp replaces Path's data if its version is Version (or Version is
// AnyVersion).
type SetOp struct {
	Path    string
	Data    []byte
	Version int32
}

// DeleteOp deletes Path (it must have no children) if its version is
// Version (or AnyVersion).
type DeleteOp struct {
	Path    string
	Version int32
}

// CheckOp fails the Multi unless Path exists at Version (AnyVersion: just
// exists).
type CheckOp struct {
	Path    string
	Version int32
}

func (o CreateOp) opPath() string { return o.Path }
func (o SetOp) opPath() string    { return o.Path }
func (o DeleteOp) opPath() string { return o.Path }
func (o CheckOp) opPath() string  { return o.Path }
func (CreateOp) opName() string   { return "create" }
func (SetOp) opName() string      { return "set" }
func (DeleteOp) opName() string   { return "delete" }
func (CheckOp) opName() string    { return "check" }

// Result is the outcome of one operation of a Multi.
type Result struct {
	Path string // CreateOp: the created path (with the sequence number)
	Stat Stat   // SetOp: the znode's new Stat
	Err  error  // nil, or (when the Multi failed) why; ErrNotApplied for all but the failing operation
}

// EventType is the kind of a watch event.
type EventType int

// Watch event types. A data watch (GetW) fires on DataChanged or Deleted;
// an exists watch (ExistsW) on Created, DataChanged or Deleted; a child
// watch (ChildrenW) on ChildrenChanged or Deleted. NotWatching means the
// watch is void: its session expired or the tree was closed (Event.Err
// says which).
const (
	EventNodeCreated EventType = iota + 1
	EventNodeDeleted
	EventNodeDataChanged
	EventNodeChildrenChanged
	EventNotWatching
)

func (t EventType) String() string {
	switch t {
	case EventNodeCreated:
		return "created"
	case EventNodeDeleted:
		return "deleted"
	case EventNodeDataChanged:
		return "data-changed"
	case EventNodeChildrenChanged:
		return "children-changed"
	case EventNotWatching:
		return "not-watching"
	}
	return fmt.Sprintf("event(%d)", int(t))
}

// Event is what a watch delivers, once: its channel receives one Event
// and is then closed.
type Event struct {
	Type EventType
	Path string
	Err  error // for EventNotWatching: ErrSessionExpired or ErrClosed
}

// SessionState is the state of a tree's session.
type SessionState int

// Session states.
//
//   - SessionConnected: the session is live and the tree connected (at
//     start, and again after a disconnection the session survived:
//     ephemerals and watches are intact, watches fire for what changed
//     meanwhile).
//   - SessionDisconnected: the connection is lost. The session may still
//     be alive; calls wait for the reconnection (bounded by their ctx).
//   - SessionExpired: the previous session expired (its ephemerals are
//     gone, its watches received EventNotWatching) and a new session,
//     SessionID, is established. The owner re-creates its ephemerals
//     (broker registration, controller election) and re-sets its watches.
//   - SessionAuthFailed: the server refused the credentials.
const (
	SessionConnected SessionState = iota + 1
	SessionDisconnected
	SessionExpired
	SessionAuthFailed
)

func (s SessionState) String() string {
	switch s {
	case SessionConnected:
		return "connected"
	case SessionDisconnected:
		return "disconnected"
	case SessionExpired:
		return "expired"
	case SessionAuthFailed:
		return "auth-failed"
	}
	return fmt.Sprintf("session-state(%d)", int(s))
}

// SessionEvent reports a change of the session's state.
type SessionEvent struct {
	State     SessionState
	SessionID int64 // the session in force after the event (0 if none)
}

// Tree is a ZooKeeper-like tree of znodes as one session sees it.
//
// Paths are absolute, "/"-separated, without a trailing "/" (except the
// root "/"), and follow ZooKeeper's rules (no empty, "." or ".." names, no
// control characters). Data up to about 1 MB per request (ErrTooLarge).
//
// Reads wait for a connection and are retried across disconnections
// until ctx is done. A write that cannot be known to have been applied
// or not (the connection dropped while it was in flight, or ctx ended
// while it was in flight) returns an error wrapping ErrConnectionLoss
// (or ErrSessionExpired): the caller decides whether to retry, knowing
// that a retried create may find its own znode (ErrNodeExists) and a
// retried conditional write its own version (ErrBadVersion).
//
// Watches are one-shot: the channel returned by a ...W method receives
// exactly one Event and is closed. A watch may fire early (the caller
// re-reads anyway). Watches survive disconnections of a live session and
// end with EventNotWatching when the session expires or the tree closes.
//
// All methods are safe for concurrent use.
type Tree interface {
	// Get returns a znode's data and Stat (ErrNoNode if absent).
	Get(ctx context.Context, path string) ([]byte, Stat, error)
	// GetW is Get plus a data watch. No watch is set on ErrNoNode.
	GetW(ctx context.Context, path string) ([]byte, Stat, <-chan Event, error)
	// Exists says whether the znode exists (Stat only if it does).
	Exists(ctx context.Context, path string) (bool, Stat, error)
	// ExistsW is Exists plus a watch that also fires on creation.
	ExistsW(ctx context.Context, path string) (bool, Stat, <-chan Event, error)
	// Children returns the names of a znode's children, sorted.
	Children(ctx context.Context, path string) ([]string, Stat, error)
	// ChildrenW is Children plus a child watch. No watch on ErrNoNode.
	ChildrenW(ctx context.Context, path string) ([]string, Stat, <-chan Event, error)
	// Create creates a znode and returns its path (with the sequence
	// number for sequential modes). The parent must exist and not be
	// ephemeral.
	Create(ctx context.Context, path string, data []byte, mode Mode) (string, error)
	// Set replaces the data if the version matches (AnyVersion: any).
	Set(ctx context.Context, path string, data []byte, version int32) (Stat, error)
	// Delete deletes a childless znode if the version matches.
	Delete(ctx context.Context, path string, version int32) error
	// Multi applies all operations atomically, or none. On failure the
	// error is a *MultiError (wrapping the failing operation's error) and
	// the results say which operation failed; the others carry
	// ErrNotApplied. A Multi of no operations succeeds.
	Multi(ctx context.Context, ops ...Op) ([]Result, error)
	// MaxMultiOps is how many operations a Multi should carry at most
	// when a large write is split into several (0: no limit but the
	// request size). ZooKeeper handles a multi as one request whose cost
	// grows with its operations (more so when one fails); a multi that
	// takes longer than the client's read timeout (2/3 of the session
	// timeout) drops the connection. The file tree rewrites its file once
	// per multi, so fewer, larger ones are better there.
	MaxMultiOps() int
	// SessionID is the current session (the owner of the ephemerals this
	// tree creates).
	SessionID() int64
	// SessionEvents reports session state changes. The channel holds one
	// event; if the reader lags, events are coalesced (an expiry is never
	// lost: it wins over later Connected/Disconnected events). It is
	// closed by Close. The first event is SessionConnected.
	SessionEvents() <-chan SessionEvent
	// Close ends the session: its ephemerals are deleted, its watches
	// receive EventNotWatching, later calls fail with ErrClosed.
	Close() error
}
