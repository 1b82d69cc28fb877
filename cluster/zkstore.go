package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"sluice/cluster/internal/controller"
	"sluice/cluster/internal/kzk"
	"sluice/cluster/internal/zkdata"
	"sluice/cluster/internal/znode"
)

// uncleanKey is the config that decides whether a partition may elect a
// leader outside its ISR.
const uncleanKey = "unclean.leader.election.enable"

// errNotElected: Apply or Resign without an election won (Apply reports
// it as moved: nothing is written).
var errNotElected = errors.New("cluster: this broker was not elected controller")

// zkControllerStore is the controllerStore over ZooKeeper (package kzk):
//
//	TryElect        kzk TryElectController (keeps the Fence won)
//	ControllerW     kzk ControllerW (exists watch on /controller)
//	Resign          kzk Resign(Fence): fenced delete of /controller
//	BrokersW        kzk BrokerIDsW + Broker (Epoch = czxid)
//	TopicNamesW     kzk TopicsW (/brokers/topics children)
//	TopicW          kzk TopicAssignmentW + /config/topics/<t>, /config/brokers/<id>,
//	                /config/brokers/<default>, static config for the unclean flag
//	DeletionsW      kzk TopicDeletionsW (/admin/delete_topics children)
//	ConfigChangesW  kzk ConfigChangesW, firing only for topic and broker entities
//	PartitionStates kzk PartitionStates
//	Apply           CreateState: CreatePartitionStates; UpdateState:
//	                UpdatePartitionStates; DeleteTopic: CompleteTopicDeletion;
//	                RemoveDeletionMark: WriteFenced delete of the mark;
//	                SetAssignment: SetTopicAssignment (any version).
//	                All fenced by the last Fence won.
//
// Watches are converted from znode.Event channels by a goroutine each,
// which ends when the znode watch fires (a change, or EventNotWatching
// when the session expires or the tree closes).
type zkControllerStore struct {
	s *kzk.Store
	// static returns the broker's statically configured value of a
	// property (BrokerConfig.Static); nil: none.
	static func(name string) (string, bool)
	logger *slog.Logger

	mu struct {
		sync.Mutex
		fence   kzk.Fence
		elected bool  // fence is from an election won and not resigned
		self    int32 // the broker id that stood last (-1: none yet)
	}
	// cfgSeq is the highest config change notification seen (-1: none
	// listed yet).
	cfgSeq atomic.Int64
}

var _ controllerStore = (*zkControllerStore)(nil)

// newZKControllerStore returns the controller's store over s. static gives
// the statically configured broker properties (pass BrokerConfig.Static),
// the last fallback of a topic's unclean.leader.election.enable.
func newZKControllerStore(s *kzk.Store, static func(name string) (string, bool), logger *slog.Logger) *zkControllerStore {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	z := &zkControllerStore{s: s, static: static, logger: logger.With("component", "controller")}
	z.mu.self = -1
	z.cfgSeq.Store(-1)
	return z
}

// fence returns the fence of the election won last.
func (z *zkControllerStore) fence() (kzk.Fence, bool) {
	z.mu.Lock()
	defer z.mu.Unlock()
	return z.mu.fence, z.mu.elected
}

// TryElect stands for election with kzk's TryElectController; a win keeps
// the Fence that every later Apply and Resign checks. An election lost to
// a controller that left at once (the office is vacant) is tried again, so
// that holder is a broker id unless that keeps happening.
func (z *zkControllerStore) TryElect(ctx context.Context, id int32) (int32, bool, int32, error) {
	z.mu.Lock()
	z.mu.self = id
	z.mu.Unlock()
	var e kzk.Election
	for range 5 {
		var err error
		if e, err = z.s.TryElectController(ctx, id); err != nil {
			return 0, false, -1, err
		}
		if e.Won || e.Controller >= 0 {
			break
		}
	}
	z.mu.Lock()
	defer z.mu.Unlock()
	if !e.Won {
		z.mu.elected = false
		return 0, false, e.Controller, nil
	}
	z.mu.fence, z.mu.elected = e.Fence, true
	return e.Fence.Epoch, true, id, nil
}

func (z *zkControllerStore) ControllerW(ctx context.Context) (int32, <-chan struct{}, error) {
	id, ok, ch, err := z.s.ControllerW(ctx)
	if err != nil {
		return -1, nil, err
	}
	if !ok {
		id = -1
	}
	return id, oneShot(ch), nil
}

// Resign deletes /controller if this broker still holds the office (a
// fenced delete: after another election it changes nothing).
func (z *zkControllerStore) Resign(ctx context.Context, id int32) error {
	z.mu.Lock()
	f, elected := z.mu.fence, z.mu.elected && z.mu.self == id
	z.mu.elected = false
	z.mu.Unlock()
	if !elected {
		return nil
	}
	err := z.s.Resign(ctx, f)
	if errors.Is(err, kzk.ErrControllerMoved) {
		return nil // someone else holds it: nothing of ours to give up
	}
	return err
}

func (z *zkControllerStore) BrokersW(ctx context.Context) (map[int32]controller.Broker, <-chan struct{}, error) {
	ids, ch, err := z.s.BrokerIDsW(ctx)
	if err != nil {
		return nil, nil, err
	}
	out := make(map[int32]controller.Broker, len(ids))
	for _, id := range ids {
		b, ok, err := z.s.Broker(ctx, id)
		switch {
		case errors.Is(err, zkdata.ErrMalformed):
			// Hand-written garbage: the broker cannot be reached anyway.
			z.logger.Error("ignoring a malformed broker registration", "broker", id, "err", err)
		case err != nil:
			return nil, nil, err
		case ok: // else it went away meanwhile: the watch fires
			out[id] = brokerFromZK(b)
		}
	}
	return out, oneShot(ch), nil
}

func brokerFromZK(b kzk.Broker) controller.Broker {
	eps := make([]controller.Endpoint, len(b.Info.Endpoints))
	for i, e := range b.Info.Endpoints {
		eps[i] = controller.Endpoint{Listener: e.Listener, Host: e.Host, Port: e.Port, SecurityProtocol: e.SecurityProtocol}
	}
	return controller.Broker{ID: b.Info.ID, Epoch: b.Epoch, Endpoints: eps, Rack: b.Info.Rack}
}

func (z *zkControllerStore) TopicNamesW(ctx context.Context) ([]string, <-chan struct{}, error) {
	names, ch, err := z.s.TopicsW(ctx)
	if err != nil {
		return nil, nil, err
	}
	return names, oneShot(ch), nil
}

// TopicW reads /brokers/topics/<name> with a data watch. A malformed
// assignment (bad JSON, partitions not numbered 0..n-1, a bad topic id) is
// logged and reported as absent, with the watch armed, so that a fix by
// hand is noticed.
func (z *zkControllerStore) TopicW(ctx context.Context, name string) (controller.Assignment, bool, <-chan struct{}, error) {
	t, ch, err := z.s.TopicAssignmentW(ctx, name)
	switch {
	case errors.Is(err, kzk.ErrNoTopic):
		return controller.Assignment{}, false, nil, nil
	case errors.Is(err, zkdata.ErrMalformed):
		z.logger.Error("ignoring a malformed topic assignment", "topic", name, "err", err)
		return controller.Assignment{}, false, oneShot(ch), nil
	case err != nil:
		return controller.Assignment{}, false, nil, err
	}
	a, err := assignmentFromZK(t)
	if err != nil {
		z.logger.Error("ignoring a malformed topic assignment", "topic", name, "err", err)
		return controller.Assignment{}, false, oneShot(ch), nil
	}
	if a.Unclean, err = z.unclean(ctx, name); err != nil {
		return controller.Assignment{}, false, nil, err
	}
	return a, true, oneShot(ch), nil
}

func assignmentFromZK(t kzk.Topic) (controller.Assignment, error) {
	a := controller.Assignment{Topic: t.Name, Replicas: make([][]int32, len(t.Partitions))}
	if t.TopicID != "" {
		id, err := ParseUUID(t.TopicID)
		if err != nil {
			return a, err
		}
		a.ID = id
	}
	for p, ra := range t.Partitions {
		if p < 0 || int(p) >= len(a.Replicas) {
			return a, fmt.Errorf("cluster: topic %s: partitions are not numbered 0..%d (found %d)", t.Name, len(a.Replicas)-1, p)
		}
		a.Replicas[p] = ra.Replicas
		if len(ra.Adding) > 0 {
			if a.Adding == nil {
				a.Adding = map[int32][]int32{}
			}
			a.Adding[p] = ra.Adding
		}
		if len(ra.Removing) > 0 {
			if a.Removing == nil {
				a.Removing = map[int32][]int32{}
			}
			a.Removing[p] = ra.Removing
		}
	}
	return a, nil
}

// assignmentToZK is the topic znode's content for a.
func assignmentToZK(a controller.Assignment) zkdata.TopicAssignment {
	out := zkdata.TopicAssignment{Partitions: make(map[int32]zkdata.ReplicaAssignment, len(a.Replicas))}
	if a.ID != ([16]byte{}) {
		out.TopicID = UUIDString(a.ID)
	}
	for p, rs := range a.Replicas {
		out.Partitions[int32(p)] = zkdata.ReplicaAssignment{Replicas: rs, Adding: a.Adding[int32(p)], Removing: a.Removing[int32(p)]}
	}
	return out
}

// unclean is a topic's effective unclean.leader.election.enable, in
// Kafka's order: the topic's override (/config/topics/<t>), the
// controller broker's dynamic config (/config/brokers/<id>), the
// cluster-wide dynamic default (/config/brokers/<default>), the static
// config, false. A value that is not a boolean is skipped (logged).
func (z *zkControllerStore) unclean(ctx context.Context, topic string) (bool, error) {
	z.mu.Lock()
	self := z.mu.self
	z.mu.Unlock()
	type level struct{ entityType, name string }
	levels := []level{{zkdata.ConfigTypeTopic, topic}}
	if self >= 0 {
		levels = append(levels, level{zkdata.ConfigTypeBroker, strconv.Itoa(int(self))})
	}
	levels = append(levels, level{zkdata.ConfigTypeBroker, zkdata.DefaultEntity})
	for _, l := range levels {
		cfg, err := z.s.EntityConfig(ctx, l.entityType, l.name)
		if errors.Is(err, zkdata.ErrMalformed) {
			z.logger.Error("ignoring a malformed config znode", "path", zkdata.ConfigEntityPath(l.entityType, l.name), "err", err)
			continue
		}
		if err != nil {
			return false, err
		}
		if v, ok := cfg[uncleanKey]; ok {
			if b, ok := parseBool(v); ok {
				return b, nil
			}
			z.logger.Warn("ignoring a config value that is not a boolean", "path", zkdata.ConfigEntityPath(l.entityType, l.name),
				"name", uncleanKey, "value", v)
		}
	}
	if z.static != nil {
		if v, ok := z.static(uncleanKey); ok {
			if b, ok := parseBool(v); ok {
				return b, nil
			}
		}
	}
	return false, nil
}

func parseBool(v string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

func (z *zkControllerStore) DeletionsW(ctx context.Context) ([]string, <-chan struct{}, error) {
	names, ch, err := z.s.TopicDeletionsW(ctx)
	if err != nil {
		return nil, nil, err
	}
	return names, oneShot(ch), nil
}

// ConfigChangesW watches /config/changes. The watch fires on the next
// notification about a topic or a broker (or a malformed one); others
// (client and user quotas) and the purging of old notifications are
// skipped. Notifications newer than those an earlier call saw fire it at
// once.
func (z *zkControllerStore) ConfigChangesW(ctx context.Context) (<-chan struct{}, error) {
	seen := z.cfgSeq.Load()
	cs, ch, err := z.s.ConfigChangesW(ctx, seen)
	if ch == nil {
		if err == nil {
			err = errors.New("cluster: no watch on config changes")
		}
		return nil, err
	}
	out := make(chan struct{})
	last, relevant := z.consumeConfigChanges(seen, cs, err)
	if relevant && seen >= 0 {
		close(out)
		return out, nil
	}
	go z.watchConfigChanges(ctx, ch, last, out)
	return out, nil
}

// watchConfigChanges closes out on the first relevant notification after
// last, re-arming the watch on others.
func (z *zkControllerStore) watchConfigChanges(ctx context.Context, ch <-chan znode.Event, last int64, out chan struct{}) {
	defer close(out)
	for {
		select {
		case ev := <-ch:
			if ev.Type == znode.EventNotWatching {
				return
			}
		case <-ctx.Done():
			return
		}
		cs, next, err := z.s.ConfigChangesW(ctx, last)
		if next == nil {
			return // cannot re-arm: let the caller read and watch again
		}
		var relevant bool
		if last, relevant = z.consumeConfigChanges(last, cs, err); relevant {
			return
		}
		ch = next
	}
}

// consumeConfigChanges records notifications read after last and says
// whether one may have changed a topic's unclean election setting.
func (z *zkControllerStore) consumeConfigChanges(last int64, cs []kzk.ConfigChange, err error) (int64, bool) {
	relevant := err != nil // malformed: cannot tell
	for _, c := range cs {
		if c.EntityType == zkdata.ConfigTypeTopic || c.EntityType == zkdata.ConfigTypeBroker {
			relevant = true
		}
		last = max(last, c.Seq)
	}
	for {
		cur := z.cfgSeq.Load()
		if cur >= last || z.cfgSeq.CompareAndSwap(cur, last) {
			break
		}
	}
	return last, relevant
}

// PartitionStates reads state znodes; absent ones are left out, and so
// are malformed ones (logged).
func (z *zkControllerStore) PartitionStates(ctx context.Context, tps []controller.TP) (map[controller.TP]controller.LeaderAndIsr, error) {
	ztps := make([]zkdata.TopicPartition, len(tps))
	for i, tp := range tps {
		ztps[i] = zkdata.TopicPartition{Topic: tp.Topic, Partition: tp.Partition}
	}
	states, err := z.s.PartitionStates(ctx, ztps)
	if states == nil && err != nil {
		return nil, err
	}
	if err != nil {
		z.logger.Error("ignoring malformed partition states", "err", err)
	}
	out := make(map[controller.TP]controller.LeaderAndIsr, len(states))
	for tp, st := range states {
		out[controller.TP{Topic: tp.Topic, Partition: tp.Partition}] = controller.LeaderAndIsr{
			Leader: st.Leader, LeaderEpoch: st.LeaderEpoch, ISR: st.ISR,
			ControllerEpoch: st.ControllerEpoch, Version: st.ZkVersion,
		}
	}
	return out, nil
}

// Apply carries out the controller's ops, each fenced by the Fence of the
// election won last (a check of /controller_epoch's zkVersion at the
// start of every multi) and independent of the others:
//
//	CreateState        kzk CreatePartitionStates (parents too); Version 0
//	UpdateState        kzk UpdatePartitionStates, conditional on State.Version
//	DeleteTopic        kzk CompleteTopicDeletion (topic, partitions, config, mark)
//	RemoveDeletionMark kzk WriteFenced delete of /admin/delete_topics/<t>
//	SetAssignment      kzk SetTopicAssignment, any version (as Kafka's controller)
//
// Several ops on one partition are applied one after the other, in
// order. moved=true: a fence check failed (another controller was
// elected), and nothing more is written. The writes are several multis
// (a large write cannot be one), so ops applied before another election
// stay applied: they were made while this broker held office. An error
// of one op (connection trouble) is its OpFailed; Apply itself fails
// only when ctx ends.
func (z *zkControllerStore) Apply(ctx context.Context, ops []controller.Op) ([]controller.OpResult, bool, error) {
	f, ok := z.fence()
	if !ok {
		return nil, true, errNotElected
	}
	res := make([]controller.OpResult, len(ops))
	var states, marks, deletes, assigns []int
	for i, op := range ops {
		switch op.Kind {
		case controller.CreateState, controller.UpdateState:
			states = append(states, i)
		case controller.SetAssignment:
			assigns = append(assigns, i)
		case controller.RemoveDeletionMark:
			marks = append(marks, i)
		case controller.DeleteTopic:
			deletes = append(deletes, i)
		default:
			panic(fmt.Sprintf("cluster: unknown controller op kind %d", op.Kind))
		}
	}
	for len(states) > 0 {
		var round, rest []int
		seen := map[controller.TP]bool{}
		for _, i := range states {
			if seen[ops[i].TP] {
				rest = append(rest, i)
				continue
			}
			seen[ops[i].TP] = true
			round = append(round, i)
		}
		if moved, err := z.applyStates(ctx, f, ops, round, res); moved || err != nil {
			return nil, moved, err
		}
		states = rest
	}
	if len(marks) > 0 {
		zops := make([]znode.Op, len(marks))
		for j, i := range marks {
			zops[j] = znode.DeleteOp{Path: zkdata.DeleteTopicPath(ops[i].Topic), Version: znode.AnyVersion}
		}
		rs, err := z.s.WriteFenced(ctx, f, zops)
		if moved, err := z.whole(ctx, err); moved || err != nil {
			return nil, moved, err
		}
		for j, i := range marks {
			res[i].Err = opErr(rs[j].Err)
		}
	}
	for _, i := range assigns {
		_, err := z.s.SetTopicAssignment(ctx, ops[i].Topic, assignmentToZK(*ops[i].Assignment), znode.AnyVersion, &f)
		if moved, err := z.whole(ctx, err); moved || err != nil {
			return nil, moved, err
		}
		if errors.Is(err, kzk.ErrNoTopic) {
			err = znode.ErrNoNode
		}
		if err != nil {
			z.logger.Error("cannot write a topic assignment", "topic", ops[i].Topic, "err", err)
		}
		res[i].Err = opErr(err)
	}
	for _, i := range deletes {
		err := z.s.CompleteTopicDeletion(ctx, f, ops[i].Topic)
		if moved, err := z.whole(ctx, err); moved || err != nil {
			return nil, moved, err
		}
		if err != nil {
			z.logger.Error("cannot remove a deleted topic's znodes", "topic", ops[i].Topic, "err", err)
		}
		res[i].Err = opErr(err)
	}
	return res, false, nil
}

// applyStates writes the states of distinct partitions.
func (z *zkControllerStore) applyStates(ctx context.Context, f kzk.Fence, ops []controller.Op, idx []int, res []controller.OpResult) (bool, error) {
	creates := map[zkdata.TopicPartition]zkdata.PartitionState{}
	updates := map[zkdata.TopicPartition]kzk.StateUpdate{}
	for _, i := range idx {
		op := ops[i]
		tp := zkdata.TopicPartition{Topic: op.TP.Topic, Partition: op.TP.Partition}
		st := zkdata.PartitionState{Leader: op.State.Leader, LeaderEpoch: op.State.LeaderEpoch,
			ControllerEpoch: op.State.ControllerEpoch, ISR: op.State.ISR}
		if op.Kind == controller.CreateState {
			creates[tp] = st
		} else {
			updates[tp] = kzk.StateUpdate{State: st, ExpectedZkVersion: op.State.Version}
		}
	}
	var created, updated map[zkdata.TopicPartition]kzk.WriteResult
	var cerr, uerr error
	if len(creates) > 0 {
		created, cerr = z.s.CreatePartitionStates(ctx, f, creates)
		if moved, err := z.whole(ctx, cerr); moved || err != nil {
			return moved, err
		}
	}
	if len(updates) > 0 {
		updated, uerr = z.s.UpdatePartitionStates(ctx, f, updates)
		if moved, err := z.whole(ctx, uerr); moved || err != nil {
			return moved, err
		}
	}
	for _, i := range idx {
		op := ops[i]
		tp := zkdata.TopicPartition{Topic: op.TP.Topic, Partition: op.TP.Partition}
		r, err := updated[tp], uerr
		if op.Kind == controller.CreateState {
			r, err = created[tp], cerr
		}
		if err != nil {
			res[i].Err = controller.OpFailed
			continue
		}
		res[i] = controller.OpResult{Err: opErr(r.Err), Version: r.ZkVersion}
		if res[i].Err == controller.OpFailed {
			z.logger.Error("partition state write failed", "partition", op.TP.String(), "err", r.Err)
		}
	}
	return false, nil
}

// whole sorts the error of a kzk write: moved (the fence failed), or a
// failure of the whole Apply (ctx ended). Other errors are the op's.
func (z *zkControllerStore) whole(ctx context.Context, err error) (bool, error) {
	switch {
	case err == nil:
		return false, nil
	case errors.Is(err, kzk.ErrControllerMoved):
		z.logger.Warn("controller write fenced off: another controller was elected", "err", err)
		return true, err
	case ctx.Err() != nil:
		return false, ctx.Err()
	}
	return false, nil
}

// opErr maps a znode error to the controller's outcome of an op.
func opErr(err error) controller.OpErr {
	switch {
	case err == nil:
		return controller.OpOK
	case errors.Is(err, znode.ErrBadVersion):
		return controller.OpBadVersion
	case errors.Is(err, znode.ErrNoNode):
		return controller.OpNoNode
	case errors.Is(err, znode.ErrNodeExists):
		return controller.OpNodeExists
	}
	return controller.OpFailed
}

// oneShot converts a znode watch into a channel closed when it fires (nil
// stays nil: no watch).
func oneShot(ch <-chan znode.Event) <-chan struct{} {
	if ch == nil {
		return nil
	}
	out := make(chan struct{})
	go func() {
		<-ch
		close(out)
	}()
	return out
}
