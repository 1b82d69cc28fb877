package engine

import "testing"

// TestReplicaOps covers what a replica's state machine asks of its log:
// a new leader's epoch before any record, trimming epochs at the log end,
// starting over beyond the log end, and following the leader's log start.
func TestReplicaOps(t *testing.T) {
	env := newEnv(t, 1)
	e := env.open()
	defer e.Close()
	l := mustCreate(t, e, tp0, nil)
	for i := 0; i < 3; i++ {
		mustAppend(t, l, env.batch(batchSpec{n: 2, valSize: 10}))
	}
	if l.LogEndOffset() != 6 {
		t.Fatalf("leo %d", l.LogEndOffset())
	}
	// A new leader records its epoch at its log end.
	if err := l.AssignEpoch(3, 6); err != nil {
		t.Fatal(err)
	}
	if l.LatestEpoch() != 3 {
		t.Fatalf("latest epoch %d", l.LatestEpoch())
	}
	if e, end := l.EndOffsetForEpoch(0); e != 0 || end != 6 {
		t.Fatalf("end of epoch 0: %d %d", e, end)
	}
	// An older epoch is ignored.
	if err := l.AssignEpoch(2, 6); err != nil || l.LatestEpoch() != 3 {
		t.Fatalf("older epoch: %v, latest %d", err, l.LatestEpoch())
	}
	// Truncating at the log end drops the epoch that has no record.
	if err := l.TruncateTo(6); err != nil {
		t.Fatal(err)
	}
	if l.LatestEpoch() != 0 || l.LogEndOffset() != 6 {
		t.Fatalf("after trimming: epoch %d leo %d", l.LatestEpoch(), l.LogEndOffset())
	}
	// Following the leader's log start moves the HW with it.
	l.SetHighWatermark(2)
	if start, err := l.AdvanceLogStart(4); err != nil || start != 4 || l.HighWatermark() != 4 {
		t.Fatalf("advance: start %d err %v hw %d", start, err, l.HighWatermark())
	}
	if start, err := l.AdvanceLogStart(100); err != nil || start != 6 {
		t.Fatalf("advance past the end: %d %v", start, err)
	}
	// Starting over beyond the log end.
	if err := l.TruncateFullyAt(50); err != nil {
		t.Fatal(err)
	}
	if l.LogStartOffset() != 50 || l.LogEndOffset() != 50 || l.HighWatermark() != 50 || l.LatestEpoch() != -1 {
		t.Fatalf("after full truncation: start %d leo %d hw %d epoch %d", l.LogStartOffset(), l.LogEndOffset(),
			l.HighWatermark(), l.LatestEpoch())
	}
	res, err := l.Append(env.batch(batchSpec{n: 1, valSize: 1}), AppendOptions{LeaderEpoch: 4})
	if err != nil || res.BaseOffset != 50 {
		t.Fatalf("append after: %+v %v", res, err)
	}
	// Reopen: all of it persisted.
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	e = env.open()
	l, _ = e.Log(tp0)
	if l.LogStartOffset() != 50 || l.LogEndOffset() != 51 || l.LatestEpoch() != 4 {
		t.Fatalf("reopened: start %d leo %d epoch %d", l.LogStartOffset(), l.LogEndOffset(), l.LatestEpoch())
	}
}
