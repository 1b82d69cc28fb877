package kzk

import (
	"context"
	"errors"
	"fmt"

	"sluice/cluster/internal/zkdata"
	"sluice/cluster/internal/znode"
)

// Fence is a controller's fencing token: the epoch it was elected with
// and the version of /controller_epoch its election wrote. Every
// controller write is a multi that starts with a check of that version
// (KAFKA-6082), so a controller that lost office cannot write: the
// election of its successor bumped the version.
type Fence struct {
	Epoch          int32
	EpochZkVersion int32
}

func (f Fence) check() znode.Op {
	return znode.CheckOp{Path: zkdata.ControllerEpochPath, Version: f.EpochZkVersion}
}

func (s *Store) moved(f Fence, err error) error {
	return fmt.Errorf("%w (elected with epoch %d, /controller_epoch version %d: %v)", ErrControllerMoved, f.Epoch, f.EpochZkVersion, err)
}

// FencedMulti applies ops atomically if the controller still holds
// office: one multi, the fence check first. On a fence failure the error
// is ErrControllerMoved; on another failure a *znode.MultiError whose
// Index counts ops (not the check). ops must fit one request.
func (s *Store) FencedMulti(ctx context.Context, f Fence, ops ...znode.Op) ([]znode.Result, error) {
	multi := append([]znode.Op{f.check()}, ops...)
	var rs []znode.Result
	err := s.retry(ctx, func() (err error) {
		rs, err = s.tree.Multi(ctx, multi...)
		return err
	})
	var me *znode.MultiError
	switch {
	case err == nil:
		return rs[1:], nil
	case errors.As(err, &me) && me.Index == 0:
		return nil, s.moved(f, me.Err)
	case errors.As(err, &me) && me.Index > 0:
		return rs[1:], &znode.MultiError{Index: me.Index - 1, Op: me.Op, Err: me.Err}
	}
	return nil, err
}

// WriteFenced applies ops as controller writes that need not be atomic
// together: in chunks (at most MaxMultiBytes, and the tree's
// MaxMultiOps: ZooKeeper refuses a request over 1 MiB, and a multi slower
// than the client's read timeout drops the connection; a topic of 10,000
// partitions fits neither), each chunk a fenced multi, in order. An
// operation that fails (ErrNodeExists, ErrBadVersion, ErrNoNode...) gets
// its error in its Result and the rest of its chunk is applied without
// it (after two failures in a chunk, one operation per multi: a failing
// multi costs ZooKeeper time for each of its operations). The returned
// error is only for the whole write: ErrControllerMoved (the fence
// failed: nothing more is attempted and the remaining results say
// ErrNotApplied), or ctx's.
//
// A chunk lost in flight is sent again, so an operation applied by the
// lost attempt reports ErrNodeExists / ErrBadVersion / ErrNoNode as if a
// concurrent writer had done it.
func (s *Store) WriteFenced(ctx context.Context, f Fence, ops []znode.Op) ([]znode.Result, error) {
	results := make([]znode.Result, len(ops))
	for i := range results {
		results[i].Err = znode.ErrNotApplied
	}
	for _, chunk := range s.chunks(ops, znode.OpSize(f.check())) {
		failures := 0
		segments := [][]int{chunk}
		for len(segments) > 0 {
			seg := segments[0]
			segments = segments[1:]
			if len(seg) == 0 {
				continue
			}
			if failures >= 2 && len(seg) > 1 {
				singles := make([][]int, len(seg))
				for j := range seg {
					singles[j] = seg[j : j+1]
				}
				segments = append(singles, segments...)
				continue
			}
			multi := make([]znode.Op, 0, len(seg)+1)
			multi = append(multi, f.check())
			for _, i := range seg {
				multi = append(multi, ops[i])
			}
			rs, err := s.tree.Multi(ctx, multi...)
			var me *znode.MultiError
			switch {
			case err == nil:
				for j, i := range seg {
					results[i] = rs[j+1]
				}
			case lost(err):
				if err := s.pause(ctx); err != nil {
					return results, err
				}
				segments = append([][]int{seg}, segments...)
			case errors.As(err, &me) && me.Index == 0:
				return results, s.moved(f, me.Err)
			case errors.As(err, &me) && me.Index > 0:
				j := me.Index - 1
				results[seg[j]] = znode.Result{Err: me.Err}
				failures++
				// The operations before the failing one passed: apply them,
				// then go on after it.
				segments = append([][]int{seg[:j:j], seg[j+1:]}, segments...)
			default:
				return results, err
			}
		}
	}
	return results, nil
}

// chunks splits ops (by index) into runs whose multi stays under
// MaxMultiBytes (with reserve bytes for the fence check) and the tree's
// MaxMultiOps. An op too large for any chunk goes alone (and fails with
// ErrTooLarge).
func (s *Store) chunks(ops []znode.Op, reserve int) [][]int {
	maxOps := s.opts.MaxMultiOps
	if maxOps <= 0 {
		maxOps = s.tree.MaxMultiOps()
	}
	var out [][]int
	var cur []int
	size := znode.MultiOverhead + reserve
	for i, op := range ops {
		n := znode.OpSize(op)
		if len(cur) > 0 && (size+n > s.opts.MaxMultiBytes || maxOps > 0 && len(cur) >= maxOps) {
			out = append(out, cur)
			cur, size = nil, znode.MultiOverhead+reserve
		}
		cur = append(cur, i)
		size += n
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// firstError returns the first error among results that is not allowed.
func firstError(ops []znode.Op, rs []znode.Result, allowed ...error) error {
	for i, r := range rs {
		if r.Err == nil {
			continue
		}
		ok := false
		for _, a := range allowed {
			if errors.Is(r.Err, a) {
				ok = true
			}
		}
		if !ok {
			return &znode.MultiError{Index: i, Op: ops[i], Err: r.Err}
		}
	}
	return nil
}
