package znode

import "fmt"

// normalize turns *CreateOp etc. into values and validates paths.
func normalize(ops []Op) ([]Op, error) {
	out := make([]Op, len(ops))
	for i, op := range ops {
		switch o := op.(type) {
		case *CreateOp:
			op = *o
		case *SetOp:
			op = *o
		case *DeleteOp:
			op = *o
		case *CheckOp:
			op = *o
		case CreateOp, SetOp, DeleteOp, CheckOp:
		case nil:
			return nil, &MultiError{Index: i, Op: CheckOp{}, Err: fmt.Errorf("%w: nil operation", ErrBadPath)}
		default:
			return nil, fmt.Errorf("znode: unknown operation type %T", op)
		}
		seq := false
		if c, ok := op.(CreateOp); ok {
			seq = c.Mode.IsSequential()
			if c.Mode < Persistent || c.Mode > EphemeralSequential {
				return nil, &MultiError{Index: i, Op: op, Err: fmt.Errorf("%w: unknown mode %d", ErrBadPath, c.Mode)}
			}
		}
		if err := ValidatePath(op.opPath(), seq); err != nil {
			return nil, &MultiError{Index: i, Op: op, Err: err}
		}
		out[i] = op
	}
	return out, nil
}

// failedResults builds the results of a Multi whose operation idx failed
// with err.
func failedResults(n, idx int, err error) []Result {
	rs := make([]Result, n)
	for i := range rs {
		rs[i].Err = ErrNotApplied
	}
	if idx >= 0 && idx < n {
		rs[idx].Err = err
	}
	return rs
}

// single unwraps the error of a one-operation Multi for Create/Set/Delete.
func single(op Op, err error) error {
	if me, ok := err.(*MultiError); ok {
		err = me.Err
	}
	return opErr(op.opName(), op.opPath(), err)
}
