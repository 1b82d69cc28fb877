package controller

import (
	"cmp"
	"fmt"
	"log/slog"
	"maps"
	"slices"
)

// Options configures a Controller.
type Options struct {
	// DeleteTopicEnable is delete.topic.enable: when false, deletion marks
	// are removed and nothing is deleted.
	DeleteTopicEnable bool
}

// Controller is the cluster controller's state machine. It is not safe
// for concurrent use: one goroutine (the adapter) calls Step.
type Controller struct {
	opts   Options
	active bool
	epoch  int32

	live         map[int32]Broker
	shuttingDown map[int32]bool
	topics       map[string]*topic
	parts        map[TP]*partition

	// offlineReplicas are the replicas each live broker reported in an
	// offline log dir (logdirs.go); nil until one is.
	offlineReplicas map[int32]map[TP]bool

	// dirty partitions are re-examined (decide) at the next flush.
	dirty map[TP]bool
	// extra are store writes decided by events (AlterPartition, topic
	// deletion) rather than by decide; they go out with the next flush.
	extra []intent
	// electPreferred and electUnclean are partitions an ElectLeaders
	// request asked about; decide honours them once.
	electPreferred map[TP]bool
	electUnclean   map[TP]bool

	nextID  uint64
	pending *pending
	// waiters run when no write or read is pending any more (answers that
	// must wait for the store).
	waiters []func(aborted bool)
	// deferred events run once nothing is pending (a bounced broker comes
	// back only after its failure was written).
	deferred []Event

	elections, unclean uint64
	out                []Action
}

type topic struct {
	a        Assignment
	deleting bool
	// delAwait: for a deletion in progress, the partitions each broker has
	// not yet confirmed deleted. nil: not started (or ineligible).
	delAwait map[int32]map[TP]bool
}

type partition struct {
	has bool // a state znode exists
	st  LeaderAndIsr
	// want is an assignment to write for this partition (a reassignment
	// starting, changing, cancelled or complete); see reassign.go.
	want *partAssign
	// bump: the assignment changed; the leader epoch is bumped so that
	// every replica learns it by LeaderAndIsr.
	bump bool
}

// pending is the write or read the adapter is carrying out.
type pending struct {
	id      uint64
	read    bool
	intents []intent
}

// intent is one op of a Write with what to do when it succeeds.
type intent struct {
	op      Op
	reason  string
	isNew   bool
	unclean bool
	// alter, when set, is the AlterPartition answer to complete.
	alter *alterWait
	slot  int
	// assigned are the partitions a SetAssignment op writes.
	assigned []TP
}

// New returns an inactive controller (it acts once Elected).
func New(o Options) *Controller {
	c := &Controller{opts: o}
	c.reset()
	return c
}

func (c *Controller) reset() {
	c.active = false
	c.epoch = 0
	c.live = map[int32]Broker{}
	c.shuttingDown = map[int32]bool{}
	c.offlineReplicas = nil
	c.topics = map[string]*topic{}
	c.parts = map[TP]*partition{}
	c.dirty = map[TP]bool{}
	c.extra = nil
	c.electPreferred = map[TP]bool{}
	c.electUnclean = map[TP]bool{}
	if c.pending != nil {
		answered := map[*alterWait]bool{}
		for _, in := range c.pending.intents {
			if w := in.alter; w != nil && !answered[w] {
				answered[w] = true
				c.emit(Respond{ReqID: w.reqID, Resp: &AlterPartitionResponse{Err: errNotController}})
			}
		}
	}
	c.pending = nil
	c.deferred = nil
	waiters := c.waiters
	c.waiters = nil
	for _, w := range waiters {
		w(true)
	}
}

// Active reports whether this controller is in office.
func (c *Controller) Active() bool { return c.active }

// Epoch is the controller epoch while active.
func (c *Controller) Epoch() int32 { return c.epoch }

// Step feeds one event and returns the actions to carry out, in order. A
// Write or ReadPartitionStates action must be answered (WriteResult,
// PartitionStatesRead) before any other event.
func (c *Controller) Step(ev Event) []Action {
	c.out = nil
	switch ev := ev.(type) {
	case WriteResult:
		c.onWriteResult(ev)
	case PartitionStatesRead:
		c.onStatesRead(ev)
	default:
		if c.pending != nil {
			panic(fmt.Sprintf("controller: %T while write %d is pending", ev, c.pending.id))
		}
		c.handle(ev)
	}
	c.settle()
	out := c.out
	c.out = nil
	return out
}

func (c *Controller) handle(ev Event) {
	switch ev := ev.(type) {
	case Elected:
		c.onElected(ev)
	case Resigned:
		if c.active {
			c.logf(slog.LevelInfo, "controller", "resigned as controller", "epoch", c.epoch)
		}
		c.reset()
	case BrokersChanged:
		c.onBrokersChanged(ev)
	case brokerUp:
		c.onBrokerUp(ev.b)
	case TopicsChanged:
		c.onTopicsChanged(ev)
	case DeletionsChanged:
		c.onDeletionsChanged(ev)
	case StopReplicaResult:
		c.onStopReplicaResult(ev)
	case AlterPartition:
		c.onAlterPartition(ev)
	case ControlledShutdown:
		c.onControlledShutdown(ev)
	case ElectLeaders:
		c.onElectLeaders(ev)
	case AlterReassignments:
		c.onAlterReassignments(ev)
	case ListReassignments:
		c.onListReassignments(ev)
	case LogDirEvent:
		c.onLogDirEvent(ev)
	case ReplicasOffline:
		c.onReplicasOffline(ev)
	default:
		panic(fmt.Sprintf("controller: unknown event %T", ev))
	}
}

// settle writes what is dirty; once nothing is pending it answers waiters
// and runs deferred events, which may write again.
func (c *Controller) settle() {
	for c.pending == nil {
		c.flush()
		if c.pending != nil {
			return
		}
		if len(c.waiters) > 0 {
			w := c.waiters
			c.waiters = nil
			for _, f := range w {
				f(false)
			}
			continue
		}
		if len(c.deferred) > 0 {
			ev := c.deferred[0]
			c.deferred = c.deferred[1:]
			c.handle(ev)
			continue
		}
		return
	}
}

// wait runs f once nothing is pending (at the end of this Step if nothing
// is written), or with aborted=true if the controller resigns first.
func (c *Controller) wait(f func(aborted bool)) { c.waiters = append(c.waiters, f) }

// flush decides every dirty partition and emits one Write for all the
// changes and extra ops.
func (c *Controller) flush() {
	if !c.active {
		c.dirty = map[TP]bool{}
		c.extra = nil
		return
	}
	busy := map[TP]bool{}
	for _, in := range c.extra {
		if in.op.Kind == CreateState || in.op.Kind == UpdateState {
			busy[in.op.TP] = true
		}
	}
	intents := c.extra
	c.extra = nil
	assign := map[string][]TP{}
	for _, tp := range sortedTPs(c.dirty) {
		if busy[tp] {
			continue // decided again once the extra op is applied
		}
		delete(c.dirty, tp)
		if in, ok := c.decide(tp); ok {
			intents = append(intents, in)
			continue
		}
		in, write, ok := c.reassignDecide(tp)
		switch {
		case ok:
			intents = append(intents, in)
		case write:
			assign[tp.Topic] = append(assign[tp.Topic], tp)
		}
	}
	intents = append(intents, c.assignIntents(assign)...)
	if len(intents) == 0 {
		return
	}
	c.nextID++
	c.pending = &pending{id: c.nextID, intents: intents}
	ops := make([]Op, len(intents))
	for i, in := range intents {
		ops[i] = in.op
	}
	c.emit(Write{ID: c.nextID, Ops: ops})
}

func (c *Controller) onWriteResult(wr WriteResult) {
	p := c.pending
	if p == nil || p.read || wr.ID != p.id {
		panic(fmt.Sprintf("controller: unexpected WriteResult %d", wr.ID))
	}
	if wr.ControllerMoved {
		c.logf(slog.LevelWarn, "controller", "controller epoch moved on: resigning", "epoch", c.epoch)
		c.emit(Resign{})
		c.reset() // answers the requests the write carried
		return
	}
	c.pending = nil
	if len(wr.Results) != len(p.intents) {
		panic(fmt.Sprintf("controller: WriteResult %d has %d results for %d ops", wr.ID, len(wr.Results), len(p.intents)))
	}
	var changed []intent
	var reread []TP
	for i, r := range wr.Results {
		in := p.intents[i]
		switch in.op.Kind {
		case CreateState, UpdateState:
			if r.Err == OpOK {
				in.op.State.Version = r.Version
				changed = append(changed, in)
				continue
			}
			if in.alter != nil {
				in.alter.res[in.slot].Err = errInvalidUpdateVersion
				in.alter.done()
			}
			if r.Err == OpFailed {
				c.logf(slog.LevelError, "state-change", "partition state write failed; retried on the next change",
					"partition", in.op.TP.String())
				continue
			}
			reread = append(reread, in.op.TP)
		case DeleteTopic:
			if r.Err == OpOK || r.Err == OpNoNode {
				c.completeDeletion(in.op.Topic)
			} else {
				c.logf(slog.LevelError, "controller", "cannot remove deleted topic's znodes; retried on the next change",
					"topic", in.op.Topic)
			}
		case RemoveDeletionMark:
		case SetAssignment:
			c.assignWritten(in, r.Err)
		}
	}
	c.applyChanged(changed)
	if len(reread) > 0 {
		c.nextID++
		c.pending = &pending{id: c.nextID, read: true}
		c.emit(ReadPartitionStates{Partitions: reread})
	}
}

func (c *Controller) onStatesRead(ev PartitionStatesRead) {
	if c.pending == nil || !c.pending.read {
		panic("controller: unexpected PartitionStatesRead")
	}
	c.pending = nil
	for tp, st := range ev.States {
		if p := c.parts[tp]; p != nil {
			p.has, p.st = true, st
			c.dirty[tp] = true
		}
	}
}

// applyChanged records written states and tells the brokers: LeaderAndIsr
// to the live replicas (not for ISR changes a leader asked for), then
// UpdateMetadata to every live broker.
func (c *Controller) applyChanged(changed []intent) {
	if len(changed) == 0 {
		return
	}
	lair := map[int32][]PartitionView{}
	var um []PartitionView
	for _, in := range changed {
		tp := in.op.TP
		p := c.parts[tp]
		if p == nil {
			continue // its topic went away meanwhile
		}
		old := p.st
		p.has, p.st = true, in.op.State
		c.logStateChange(tp, old, p.st, in)
		if p.st.Leader != NoLeader && (in.op.Kind == CreateState || p.st.Leader != old.Leader) {
			c.elections++
			if in.unclean {
				c.unclean++
			}
		}
		if in.alter != nil {
			in.alter.res[in.slot].State = p.st
			in.alter.done()
		} else {
			p.bump = false // a new leader epoch: the replicas learn the assignment
		}
		if p.want != nil || p.bump || c.assignOf(tp).moving() {
			c.dirty[tp] = true // the reassignment may go on
		}
		v := c.view(tp)
		v.IsNew = in.isNew
		um = append(um, v)
		if in.alter != nil {
			continue
		}
		for _, r := range v.Replicas {
			if _, ok := c.live[r]; ok {
				lair[r] = append(lair[r], v)
			}
		}
	}
	for _, b := range sortedKeys(lair) {
		c.sendLeaderAndIsr(b, lair[b], false)
	}
	for _, b := range sortedKeys(c.live) {
		c.sendUpdateMetadata(b, um)
	}
}

func (c *Controller) logStateChange(tp TP, old, st LeaderAndIsr, in intent) {
	attrs := []any{"partition", tp.String(), "leader", st.Leader, "leader_epoch", st.LeaderEpoch, "isr", ids(st.ISR),
		"partition_epoch", st.Version, "controller_epoch", c.epoch, "reason", in.reason}
	if in.op.Kind == UpdateState {
		attrs = append(attrs, "old_leader", old.Leader, "old_leader_epoch", old.LeaderEpoch, "old_isr", ids(old.ISR))
	}
	level := slog.LevelInfo
	if in.unclean {
		level = slog.LevelWarn
	}
	c.logf(level, "state-change", "partition state changed", attrs...)
}

func (c *Controller) emit(a Action) { c.out = append(c.out, a) }

func (c *Controller) logf(level slog.Level, component, msg string, attrs ...any) {
	c.emit(Log{Component: component, Level: level, Msg: msg, Attrs: attrs})
}

// online: live and not shutting down (may lead and be in the ISR).
func (c *Controller) online(b int32) bool {
	_, ok := c.live[b]
	return ok && !c.shuttingDown[b]
}

func (c *Controller) isLive(b int32) bool {
	_, ok := c.live[b]
	return ok
}

// replicas returns a partition's assigned replicas (nil if unknown).
func (c *Controller) replicas(tp TP) []int32 {
	t := c.topics[tp.Topic]
	if t == nil || tp.Partition < 0 || int(tp.Partition) >= len(t.a.Replicas) {
		return nil
	}
	return t.a.Replicas[tp.Partition]
}

// hostedOn lists the partitions with a replica on broker b, sorted.
func (c *Controller) hostedOn(b int32) []TP {
	var out []TP
	for _, t := range c.topics {
		for p, rs := range t.a.Replicas {
			if contains(rs, b) {
				out = append(out, TP{t.a.Topic, int32(p)})
			}
		}
	}
	slices.SortFunc(out, compareTP)
	return out
}

func (c *Controller) markAllDirty() {
	for tp := range c.parts {
		c.dirty[tp] = true
	}
}

func compareTP(a, b TP) int {
	if n := cmp.Compare(a.Topic, b.Topic); n != 0 {
		return n
	}
	return cmp.Compare(a.Partition, b.Partition)
}

func sortedTPs(m map[TP]bool) []TP {
	out := slices.Collect(maps.Keys(m))
	slices.SortFunc(out, compareTP)
	return out
}

func sortedKeys[V any](m map[int32]V) []int32 {
	return slices.Sorted(maps.Keys(m))
}

func filter(l []int32, keep func(int32) bool) []int32 {
	var out []int32
	for _, x := range l {
		if keep(x) {
			out = append(out, x)
		}
	}
	return out
}
