package znode

import (
	"errors"
	"fmt"
)

// Errors of tree operations (they mirror ZooKeeper's error codes).
var (
	ErrNoNode                  = errors.New("znode: no such znode")
	ErrNodeExists              = errors.New("znode: znode already exists")
	ErrBadVersion              = errors.New("znode: version mismatch")
	ErrNotEmpty                = errors.New("znode: znode has children")
	ErrNoChildrenForEphemerals = errors.New("znode: ephemeral znodes may not have children")
	ErrBadPath                 = errors.New("znode: invalid path")
	ErrTooLarge                = errors.New("znode: request too large")
	// ErrNotApplied marks the operations of a failed Multi that did not
	// fail themselves (nothing of a failed Multi is applied).
	ErrNotApplied = errors.New("znode: not applied: another operation of the multi failed")
	// ErrConnectionLoss: the connection dropped (or ctx ended) while a
	// write was in flight; it may or may not have been applied.
	ErrConnectionLoss = errors.New("znode: connection lost, the request may or may not have been applied")
	// ErrSessionExpired: the session expired while the request was in
	// flight (a write may or may not have been applied).
	ErrSessionExpired = errors.New("znode: session expired")
	ErrClosed         = errors.New("znode: tree closed")
	// ErrConnect: no ZooKeeper server could be reached within the
	// connection timeout.
	ErrConnect = errors.New("znode: cannot connect to ZooKeeper")
	// ErrCorrupt: the metadata file cannot be read as a tree.
	ErrCorrupt = errors.New("znode: corrupt metadata file")
	// ErrPersist: a write could not be saved to the metadata file; it was
	// not applied.
	ErrPersist = errors.New("znode: cannot save the metadata file")
)

// MultiError is the error of a failed Multi: operation Index failed with
// Err (nothing was applied).
type MultiError struct {
	Index int
	Op    Op
	Err   error
}

func (e *MultiError) Error() string {
	if e.Op == nil {
		return fmt.Sprintf("znode: multi operation %d: %v", e.Index, e.Err)
	}
	return fmt.Sprintf("znode: multi operation %d (%s %s): %v", e.Index, e.Op.opName(), e.Op.opPath(), e.Err)
}

// Unwrap returns the failing operation's error.
func (e *MultiError) Unwrap() error { return e.Err }

// FailedOp returns the index of the operation that failed a Multi, or -1.
func FailedOp(err error) int {
	var me *MultiError
	if errors.As(err, &me) {
		return me.Index
	}
	return -1
}

func opErr(op, path string, err error) error {
	return fmt.Errorf("%s %s: %w", op, path, err)
}
