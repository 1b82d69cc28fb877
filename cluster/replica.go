package cluster

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"sluice/cluster/internal/controller"
	rsm "sluice/cluster/internal/replica"
	"sluice/engine"
	"sluice/engine/record"
)

// Replica is this broker's replica of one partition: its log and its
// replication state machine (package cluster/internal/replica), which
// decides leadership, the ISR, the high watermark and truncation; Replica
// carries out its actions on the log and the network. Handlers read and
// append through it, never through the log directly.
//
// Locks: roleMu is held for reading across a leader's append (so that
// leadership cannot change between the check and the write) and for
// writing while a LeaderAndIsr or StopReplica is applied; mu guards the
// state machine. Order: roleMu -> mu -> engine.Log's locks.
type Replica struct {
	tp      engine.TopicPartition
	topicID [16]byte
	log     *engine.Log
	rm      *replicaManager

	roleMu sync.RWMutex
	mu     struct {
		sync.Mutex
		sm       *rsm.Partition
		waits    map[uint64]*AckWait
		nextWait uint64
		stopped  bool
	}

	// Published for lock-free checks.
	leader      atomic.Int32
	leaderEpoch atomic.Int32
	isLeader    atomic.Bool
	throttles   replicaThrottles // from the topic config (throttle.go)
	// appended is closed and replaced on every leader append: parked
	// follower fetches wake on it.
	appendMu sync.Mutex
	appended chan struct{}
}

// AckWait is an acks=all produce waiting for its records to be committed.
type AckWait struct {
	done chan struct{}
	err  error
}

// Done is closed when the wait ended; Err says how.
func (w *AckWait) Done() <-chan struct{} { return w.done }

// Err is nil when the records are committed, else the reason they are
// not known to be (NOT_ENOUGH_REPLICAS_AFTER_APPEND, REQUEST_TIMED_OUT,
// NOT_LEADER_OR_FOLLOWER). Valid once Done is closed.
func (w *AckWait) Err() error { return w.err }

func newReplica(rm *replicaManager, tp engine.TopicPartition, id [16]byte, l *engine.Log, cfg rsm.Config) (*Replica, error) {
	sm, err := rsm.New(rsm.Options{BrokerID: rm.self, Log: l, Config: cfg})
	if err != nil {
		return nil, err
	}
	r := &Replica{tp: tp, topicID: id, log: l, rm: rm, appended: make(chan struct{})}
	r.mu.sm = sm
	r.mu.waits = map[uint64]*AckWait{}
	r.leader.Store(-1)
	r.leaderEpoch.Store(-1)
	return r, nil
}

// TopicPartition names the replica's partition.
func (r *Replica) TopicPartition() engine.TopicPartition { return r.tp }

// LeaderEpoch is the current leader epoch.
func (r *Replica) LeaderEpoch() int32 { return r.leaderEpoch.Load() }

// HighWatermark, LogStartOffset and LogEndOffset are the log's.
func (r *Replica) HighWatermark() int64  { return r.log.HighWatermark() }
func (r *Replica) LogStartOffset() int64 { return r.log.LogStartOffset() }
func (r *Replica) LogEndOffset() int64   { return r.log.LogEndOffset() }

// Size is the log's size on disk.
func (r *Replica) Size() int64 { return r.log.Size() }

// Read reads batches for a consumer (o.MaxOffset: the HW) or a follower
// (-1: the log end). The result must be released.
func (r *Replica) Read(offset int64, maxBytes int32, o engine.ReadOptions) (*engine.ReadResult, error) {
	return r.log.Read(offset, maxBytes, o)
}

// Wait is closed when the high watermark next advances (consumer long
// polls).
func (r *Replica) Wait() <-chan struct{} { return r.log.Wait() }

// WaitAppend is closed at the next leader append (follower long polls).
func (r *Replica) WaitAppend() <-chan struct{} {
	r.appendMu.Lock()
	defer r.appendMu.Unlock()
	return r.appended
}

func (r *Replica) notifyAppend() {
	r.appendMu.Lock()
	close(r.appended)
	r.appended = make(chan struct{})
	r.appendMu.Unlock()
}

// OffsetForTimestamp and MaxTimestamp answer ListOffsets by time.
func (r *Replica) OffsetForTimestamp(ts int64) (engine.OffsetAndTimestamp, bool) {
	return r.log.OffsetForTimestamp(ts)
}
func (r *Replica) MaxTimestamp() (engine.OffsetAndTimestamp, bool) { return r.log.MaxTimestamp() }

// DeleteRecordsBefore advances the log start (DeleteRecords), never past
// the high watermark (Kafka: OFFSET_OUT_OF_RANGE beyond it).
func (r *Replica) DeleteRecordsBefore(offset int64) (int64, error) {
	return r.log.DeleteRecordsBefore(offset)
}

// CheckLeaderEpoch checks a client's CurrentLeaderEpoch (-1: none):
// FENCED_LEADER_EPOCH below ours, UNKNOWN_LEADER_EPOCH above.
func (r *Replica) CheckLeaderEpoch(current int32) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return codeErr(r.mu.sm.CheckLeaderEpoch(current), r.tp)
}

// OffsetForLeaderEpoch answers OffsetForLeaderEpoch as leader.
func (r *Replica) OffsetForLeaderEpoch(current, epoch int32) (int32, int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, c := r.mu.sm.OffsetForLeaderEpoch(current, epoch)
	if err := codeErr(c, r.tp); err != nil {
		return -1, -1, err
	}
	return e.Epoch, e.EndOffset, nil
}

// Info is the replica's view of the partition: leadership and ISR as this
// broker knows them.
func (r *Replica) Info() PartitionInfo {
	info, _ := r.infoRole()
	return info
}

// infoRole is Info with this broker's role, read together.
func (r *Replica) infoRole() (PartitionInfo, rsm.Role) {
	r.mu.Lock()
	defer r.mu.Unlock()
	sm := r.mu.sm
	return PartitionInfo{Partition: r.tp.Partition, Leader: sm.Leader(), LeaderEpoch: sm.LeaderEpoch(),
		Replicas: sm.Replicas(), ISR: sm.ISR()}, sm.Role()
}

// append appends a batch as leader. acks=-1 returns a wait that ends when
// the batch is committed (or cannot be); timeout is the request's. Within
// a Produce request's scope (non-nil) the batch is charged to its
// decompression budget and parked follower fetches wake when the request
// ends; otherwise they wake at once.
func (r *Replica) append(records []byte, acks int16, origin engine.AppendOrigin, timeout time.Duration, scope *produceScope) (engine.AppendResult, *AckWait, error) {
	var budget *record.Budget
	if scope != nil {
		budget = scope.budget
	}
	r.roleMu.RLock()
	r.mu.Lock()
	code := r.mu.sm.CanAppend(acks)
	epoch := r.mu.sm.LeaderEpoch()
	isr := r.mu.sm.ISR()
	r.mu.Unlock()
	if code != rsm.None {
		r.roleMu.RUnlock()
		if code == rsm.NotEnoughReplicas {
			return engine.AppendResult{}, nil, errorf(ErrNotEnoughReplicas,
				"The size of the current ISR Set(%s) is insufficient to satisfy the min.isr requirement of %d for partition %s-%d",
				joinIDs(isr), r.minISR(), r.tp.Topic, r.tp.Partition)
		}
		return engine.AppendResult{}, nil, codeErr(code, r.tp)
	}
	res, err := r.log.Append(records, engine.AppendOptions{Origin: origin, LeaderEpoch: epoch, Budget: budget})
	r.roleMu.RUnlock()
	if err != nil {
		r.rm.storageFailure(r, err)
		return res, nil, err
	}
	now := r.rm.now()
	r.mu.Lock()
	acts := r.mu.sm.Step(rsm.Appended{Now: now})
	var w *AckWait
	// A duplicate (an idempotent producer's retry) waits too: the first
	// attempt's records may not be committed yet (Kafka's DelayedProduce
	// waits for the duplicate's offsets as well).
	if acks == -1 && res.LastOffset >= 0 {
		r.mu.nextWait++
		id := r.mu.nextWait
		w = &AckWait{done: make(chan struct{})}
		r.mu.waits[id] = w
		acts = append(acts, r.mu.sm.Step(rsm.WaitAcks{Now: now, ID: id, RequiredOffset: res.LastOffset + 1,
			Deadline: now.Add(timeout)})...)
	}
	r.applyLocked(acts)
	r.mu.Unlock()
	if scope != nil {
		scope.wake(r)
	} else {
		r.notifyAppend()
	}
	return res, w, nil
}

// hasWaits reports whether acks=all produces wait.
func (r *Replica) hasWaits() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.mu.waits) > 0
}

func tpString(tp engine.TopicPartition) string { return fmt.Sprintf("%s-%d", tp.Topic, tp.Partition) }

func (r *Replica) minISR() int {
	return int(r.log.Config().MinInsyncReplicas)
}

// step feeds one event.
func (r *Replica) step(ev rsm.Event) []rsm.Action {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.mu.stopped {
		return nil
	}
	return r.applyLocked(r.mu.sm.Step(ev))
}

// applyLocked carries out actions and returns those for the caller
// (FetchAnswer, ListLeaderOffsets, Backoff). A failed log mutation drops
// the later ones of the same step.
//
// REQUIRES: r.mu held.
func (r *Replica) applyLocked(acts []rsm.Action) []rsm.Action {
	var out []rsm.Action
	failed := false
	mutate := func(what string, f func() error) {
		if failed {
			return
		}
		if err := f(); err != nil {
			failed = true
			r.rm.stateLog.Error("log mutation failed", "partition", tpString(r.tp), "op", what, "err", err)
			r.rm.storageFailure(r, err)
		}
	}
	for _, a := range acts {
		switch a := a.(type) {
		case rsm.AssignEpoch:
			mutate("assign epoch", func() error { return r.log.AssignEpoch(a.Epoch, a.StartOffset) })
		case rsm.SetHighWatermark:
			if !failed {
				r.log.SetHighWatermark(a.Offset)
			}
		case rsm.Truncate:
			mutate("truncate", func() error { return r.log.TruncateTo(a.Offset) })
		case rsm.TruncateFully:
			mutate("truncate fully", func() error { return r.log.TruncateFullyAt(a.Offset) })
		case rsm.AppendRecords:
			mutate("append", func() error {
				_, err := r.log.Append(a.Records, engine.AppendOptions{Origin: engine.OriginReplication})
				return err
			})
		case rsm.SetLogStart:
			mutate("advance log start", func() error {
				_, err := r.log.AdvanceLogStart(a.Offset)
				return err
			})
		case rsm.AlterPartition:
			r.rm.alter.submit(r, a)
		case rsm.CompleteAck:
			if w := r.mu.waits[a.ID]; w != nil {
				delete(r.mu.waits, a.ID)
				w.err = codeErr(a.Err, r.tp)
				close(w.done)
			}
		case rsm.LogLine:
			r.rm.stateLog.Log(context.Background(), a.Level, a.Msg, append([]any{"partition", tpString(r.tp)}, a.Attrs...)...)
		default: // FetchAnswer, ListLeaderOffsets, Backoff
			out = append(out, a)
		}
	}
	sm := r.mu.sm
	r.leader.Store(sm.Leader())
	r.leaderEpoch.Store(sm.LeaderEpoch())
	r.isLeader.Store(sm.Role() == rsm.RoleLeader)
	return out
}

// becomeLeaderOrFollower applies one partition of a LeaderAndIsr.
func (r *Replica) becomeLeaderOrFollower(v controller.PartitionView) (rsm.Role, bool) {
	r.roleMu.Lock()
	defer r.roleMu.Unlock()
	r.mu.Lock()
	defer r.mu.Unlock()
	before := r.mu.sm.LeaderEpoch()
	r.applyLocked(r.mu.sm.Step(rsm.LeaderAndIsr{Now: r.rm.now(), Leader: v.State.Leader, LeaderEpoch: v.State.LeaderEpoch,
		PartitionEpoch: v.State.Version, Replicas: v.Replicas, ISR: v.State.ISR}))
	return r.mu.sm.Role(), r.mu.sm.LeaderEpoch() != before
}

// stop ends the replica's role (StopReplica, log dir offline): waits are
// answered NOT_LEADER_OR_FOLLOWER and it takes no more events.
func (r *Replica) stop() {
	r.roleMu.Lock()
	defer r.roleMu.Unlock()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.mu.stopped {
		return
	}
	r.applyLocked(r.mu.sm.Step(rsm.Stop{}))
	r.mu.stopped = true
	for id, w := range r.mu.waits {
		delete(r.mu.waits, id)
		w.err = codeErr(rsm.NotLeaderOrFollower, r.tp)
		close(w.done)
	}
}

// codeErr turns a state machine code into an error wrapping this
// package's sentinel for it (nil for None).
func codeErr(c rsm.Code, tp engine.TopicPartition) error {
	switch c {
	case rsm.None:
		return nil
	case rsm.NotLeaderOrFollower:
		return errorf(ErrNotLeader, "Leader not local for partition %s-%d", tp.Topic, tp.Partition)
	case rsm.FencedLeaderEpoch:
		return errorf(ErrFencedLeaderEpoch, "The leader epoch in the request is older than the epoch on the broker.")
	case rsm.UnknownLeaderEpoch:
		return errorf(ErrUnknownLeaderEpoch, "The leader epoch in the request is newer than the epoch on the broker.")
	case rsm.NotEnoughReplicas:
		return errorf(ErrNotEnoughReplicas, "Not enough in-sync replicas for partition %s-%d", tp.Topic, tp.Partition)
	case rsm.NotEnoughReplicasAfterAppend:
		return errorf(ErrNotEnoughReplicasAfterAppend, "The number of insync replicas for partition %s-%d dropped below the minimum "+
			"after the append", tp.Topic, tp.Partition)
	case rsm.RequestTimedOut:
		return errorf(ErrRequestTimedOut, "Timed out waiting for the in-sync replicas of %s-%d", tp.Topic, tp.Partition)
	case rsm.OffsetOutOfRange:
		return fmt.Errorf("%w: %s-%d", engine.ErrOffsetOutOfRange, tp.Topic, tp.Partition)
	}
	return fmt.Errorf("%w: %s-%d: %s", ErrReplication, tp.Topic, tp.Partition, c)
}
