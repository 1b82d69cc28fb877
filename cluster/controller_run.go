package cluster

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"sluice/cluster/internal/controller"
)

// controllerStore is what the controller adapter needs of the metadata
// store (ZooKeeper, or the single-node file). Watches are one-shot
// channels closed on the next change, as ZooKeeper's.
type controllerStore interface {
	// TryElect tries to become controller. won=false with holder = the
	// current controller's id when another broker holds the office.
	TryElect(ctx context.Context, id int32) (epoch int32, won bool, holder int32, err error)
	// ControllerW returns the current controller's id (-1: none) and a
	// watch for a change.
	ControllerW(ctx context.Context) (int32, <-chan struct{}, error)
	// Resign gives the office up if this broker holds it.
	Resign(ctx context.Context, id int32) error

	BrokersW(ctx context.Context) (map[int32]controller.Broker, <-chan struct{}, error)
	TopicNamesW(ctx context.Context) ([]string, <-chan struct{}, error)
	// TopicW reads a topic's assignment (with its effective unclean
	// election setting); ok=false if it does not exist.
	TopicW(ctx context.Context, name string) (a controller.Assignment, ok bool, watch <-chan struct{}, err error)
	DeletionsW(ctx context.Context) ([]string, <-chan struct{}, error)
	// ConfigChangesW returns a watch that fires when a topic or broker
	// config changes (unclean.leader.election.enable may have).
	ConfigChangesW(ctx context.Context) (<-chan struct{}, error)
	PartitionStates(ctx context.Context, tps []controller.TP) (map[controller.TP]controller.LeaderAndIsr, error)
	// Apply carries out a Write, each op fenced by the controller epoch
	// won last. moved=true: the fence failed, nothing was written.
	Apply(ctx context.Context, ops []controller.Op) (res []controller.OpResult, moved bool, err error)
}

// controllerRunner runs the controller state machine for this broker:
// it stands for election, and while in office feeds the machine what the
// store's watches report and the requests brokers send, and carries out
// its actions (Kafka's KafkaController event thread). Everything happens
// on one goroutine; the event queue's length is ControllerEventQueueSize.
type controllerRunner struct {
	self   int32
	store  controllerStore
	ctrl   *controller.Controller
	ch     *channels
	logger *slog.Logger // component controller
	state  *slog.Logger // component state-change

	queueMu sync.Mutex
	queue   []func()
	wake    chan struct{}
	queued  atomic.Int64

	stats atomic.Pointer[controller.Stats]

	// balance is the automatic preferred leader rebalance; set before
	// start.
	balance leaderBalance

	reqMu   sync.Mutex
	nextReq uint64
	waiters map[uint64]chan any

	// Loop state (the runner goroutine only).
	active bool
	// term counts the times this broker took office; watches armed in an
	// earlier term are ignored.
	term    int
	topics  map[string][16]byte // known topics and their ids
	watched map[string]bool     // topics with a data watch armed

	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
}

// errNotController answers requests while this broker is not the
// controller.
var errNotController = errors.New("cluster: not the controller")

func newControllerRunner(self int32, store controllerStore, deleteEnable bool, ch *channels, logger *slog.Logger) *controllerRunner {
	r := &controllerRunner{self: self, store: store, ctrl: controller.New(controller.Options{DeleteTopicEnable: deleteEnable}),
		ch: ch, logger: logger.With("component", "controller"), state: logger.With("component", "state-change"),
		wake: make(chan struct{}, 1), waiters: map[uint64]chan any{}, done: make(chan struct{})}
	r.stats.Store(&controller.Stats{})
	r.ctx, r.cancel = context.WithCancel(context.Background())
	return r
}

// start runs the runner until stop.
func (r *controllerRunner) start() {
	go r.run()
	r.enqueue(r.elect)
}

// stop resigns and stops the goroutine.
func (r *controllerRunner) stop() {
	resigned := make(chan struct{})
	r.enqueue(func() {
		r.resign("broker stopping")
		close(resigned)
	})
	select {
	case <-resigned:
	case <-time.After(10 * time.Second):
	}
	r.cancel()
	<-r.done
	r.ch.close()
}

// enqueue runs f on the runner goroutine, after what is queued.
func (r *controllerRunner) enqueue(f func()) {
	r.queueMu.Lock()
	r.queue = append(r.queue, f)
	r.queueMu.Unlock()
	r.queued.Add(1)
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

func (r *controllerRunner) run() {
	defer close(r.done)
	for {
		r.queueMu.Lock()
		q := r.queue
		r.queue = nil
		r.queueMu.Unlock()
		for _, f := range q {
			if r.ctx.Err() != nil {
				return
			}
			f()
			r.queued.Add(-1)
		}
		if len(q) > 0 {
			continue
		}
		select {
		case <-r.wake:
		case <-r.ctx.Done():
			return
		}
	}
}

// watch calls f on the runner goroutine when w fires, unless the runner
// stopped or left the office it held when the watch was armed.
func (r *controllerRunner) watch(w <-chan struct{}, f func()) {
	if w == nil {
		return
	}
	term := r.term
	go func() {
		select {
		case <-w:
			r.enqueue(func() {
				if r.term == term {
					f()
				}
			})
		case <-r.ctx.Done():
		}
	}()
}

// retry runs f again after a pause (a store read failed).
func (r *controllerRunner) retry(what string, err error, f func()) {
	if r.ctx.Err() != nil {
		return
	}
	r.logger.Warn("store operation failed; retrying", "op", what, "err", err)
	go func() {
		select {
		case <-time.After(time.Second):
			r.enqueue(f)
		case <-r.ctx.Done():
		}
	}()
}

// elect stands for election and, on winning, takes office. Losing, it
// watches the office to stand again when it is vacant.
func (r *controllerRunner) elect() {
	if r.active {
		return
	}
	epoch, won, holder, err := r.store.TryElect(r.ctx, r.self)
	if err != nil {
		r.retry("elect", err, r.elect)
		return
	}
	if !won {
		cur, w, err := r.store.ControllerW(r.ctx)
		if err != nil {
			r.retry("watch controller", err, r.elect)
			return
		}
		if cur < 0 { // the holder resigned meanwhile: stand again
			r.enqueue(r.elect)
			return
		}
		r.logger.Debug("another broker is the controller", "controller", holder)
		r.watch(w, r.elect)
		return
	}
	start := time.Now()
	r.term++
	st, err := r.readState()
	if err != nil {
		r.resign("cannot read the cluster state: " + err.Error())
		r.retry("read state", err, r.elect)
		return
	}
	r.active = true
	r.step(controller.Elected{Epoch: epoch, State: st})
	r.logDirEvents()
	r.logger.Info("controller took office", "epoch", epoch, "load_ms", time.Since(start).Milliseconds())
	if r.balance.Enable {
		r.scheduleBalance(balanceFirstDelay)
	}
	_, w, err := r.store.ControllerW(r.ctx)
	if err == nil {
		r.watch(w, r.checkOffice)
	}
}

// checkOffice runs when /controller changed: if another broker holds it
// now, this one resigns.
func (r *controllerRunner) checkOffice() {
	if !r.active {
		return
	}
	holder, w, err := r.store.ControllerW(r.ctx)
	if err != nil {
		r.retry("watch controller", err, r.checkOffice)
		return
	}
	if holder != r.self {
		r.resign("another broker took office")
		r.elect()
		return
	}
	r.watch(w, r.checkOffice)
}

// resign leaves office: the machine forgets its state, the channels close,
// waiting requests get NOT_CONTROLLER.
func (r *controllerRunner) resign(why string) {
	if !r.active {
		return
	}
	r.active = false
	r.logger.Info("resigning as controller", "reason", why)
	r.step(controller.Resigned{})
	r.ch.close()
	_ = r.store.Resign(r.ctx, r.self)
	r.failWaiters()
}

// readState reads everything the controller needs and arms the watches.
func (r *controllerRunner) readState() (controller.State, error) {
	st := controller.State{Topics: map[string]controller.Assignment{}, Partitions: map[controller.TP]controller.LeaderAndIsr{}}
	brokers, bw, err := r.store.BrokersW(r.ctx)
	if err != nil {
		return st, err
	}
	st.Brokers = brokers
	names, tw, err := r.store.TopicNamesW(r.ctx)
	if err != nil {
		return st, err
	}
	r.topics, r.watched = map[string][16]byte{}, map[string]bool{}
	var tps []controller.TP
	for _, name := range names {
		a, ok, w, err := r.store.TopicW(r.ctx, name)
		if err != nil {
			return st, err
		}
		if !ok {
			continue
		}
		st.Topics[name] = a
		r.topics[name] = a.ID
		r.armTopic(name, w)
		for p := range a.Replicas {
			tps = append(tps, controller.TP{Topic: name, Partition: int32(p)})
		}
	}
	if st.Partitions, err = r.store.PartitionStates(r.ctx, tps); err != nil {
		return st, err
	}
	dels, dw, err := r.store.DeletionsW(r.ctx)
	if err != nil {
		return st, err
	}
	st.Deleting = dels
	cw, err := r.store.ConfigChangesW(r.ctx)
	if err != nil {
		return st, err
	}
	r.ch.setBrokers(brokers)
	r.watch(bw, r.brokersChanged)
	r.watch(tw, r.topicsChanged)
	r.watch(dw, r.deletionsChanged)
	r.watch(cw, r.configsChanged)
	return st, nil
}

func (r *controllerRunner) armTopic(name string, w <-chan struct{}) {
	r.watched[name] = true
	r.watch(w, func() { r.topicChanged(name) })
}

func (r *controllerRunner) brokersChanged() {
	if !r.active {
		return
	}
	live, w, err := r.store.BrokersW(r.ctx)
	if err != nil {
		r.retry("read brokers", err, r.brokersChanged)
		return
	}
	r.watch(w, r.brokersChanged)
	r.ch.setBrokers(live)
	r.step(controller.BrokersChanged{Live: live})
}

func (r *controllerRunner) topicsChanged() {
	if !r.active {
		return
	}
	names, w, err := r.store.TopicNamesW(r.ctx)
	if err != nil {
		r.retry("read topics", err, r.topicsChanged)
		return
	}
	r.watch(w, r.topicsChanged)
	var ev controller.TopicsChanged
	for _, name := range names {
		if _, known := r.topics[name]; known {
			continue
		}
		a, ok, tw, err := r.store.TopicW(r.ctx, name)
		if err != nil {
			r.retry("read topic", err, r.topicsChanged)
			return
		}
		if !ok {
			continue
		}
		r.topics[name] = a.ID
		r.armTopic(name, tw)
		ev.Set = append(ev.Set, a)
	}
	for name := range r.topics {
		if !slices.Contains(names, name) {
			delete(r.topics, name)
			delete(r.watched, name)
			ev.Removed = append(ev.Removed, name)
		}
	}
	if len(ev.Set)+len(ev.Removed) > 0 {
		r.step(ev)
	}
}

// topicChanged re-reads one topic's assignment (partitions added, or a
// reassignment).
func (r *controllerRunner) topicChanged(name string) {
	if !r.active || !r.watched[name] {
		return
	}
	a, ok, w, err := r.store.TopicW(r.ctx, name)
	if err != nil {
		r.retry("read topic", err, func() { r.topicChanged(name) })
		return
	}
	if !ok {
		return // gone: topicsChanged reports it
	}
	r.armTopic(name, w)
	r.topics[name] = a.ID
	r.step(controller.TopicsChanged{Set: []controller.Assignment{a}})
}

func (r *controllerRunner) deletionsChanged() {
	if !r.active {
		return
	}
	dels, w, err := r.store.DeletionsW(r.ctx)
	if err != nil {
		r.retry("read deletions", err, r.deletionsChanged)
		return
	}
	r.watch(w, r.deletionsChanged)
	r.step(controller.DeletionsChanged{Topics: dels})
}

// configsChanged re-reads every topic (their unclean election setting may
// have changed) when a config change notification arrives.
func (r *controllerRunner) configsChanged() {
	if !r.active {
		return
	}
	w, err := r.store.ConfigChangesW(r.ctx)
	if err != nil {
		r.retry("watch config changes", err, r.configsChanged)
		return
	}
	r.watch(w, r.configsChanged)
	var ev controller.TopicsChanged
	for name := range r.topics {
		a, ok, _, err := r.store.TopicW(r.ctx, name)
		if err != nil {
			r.retry("read topic", err, r.configsChanged)
			return
		}
		if ok {
			ev.Set = append(ev.Set, a)
		}
	}
	if len(ev.Set) > 0 {
		r.step(ev)
	}
}

// step feeds an event and carries out the actions, feeding write and read
// results back at once.
func (r *controllerRunner) step(ev controller.Event) {
	queue := []controller.Event{ev}
	for len(queue) > 0 {
		ev := queue[0]
		queue = queue[1:]
		for _, a := range r.ctrl.Step(ev) {
			switch a := a.(type) {
			case controller.Write:
				queue = append(queue, r.write(a))
			case controller.ReadPartitionStates:
				states, err := r.store.PartitionStates(r.ctx, a.Partitions)
				if err != nil {
					r.logger.Error("cannot read partition states", "err", err)
					states = map[controller.TP]controller.LeaderAndIsr{}
				}
				queue = append(queue, controller.PartitionStatesRead{States: states})
			case controller.Send:
				r.ch.send(a.Broker, a.Req)
			case controller.Respond:
				r.respond(a.ReqID, a.Resp)
			case controller.Log:
				l := r.logger
				if a.Component == "state-change" {
					l = r.state
				}
				l.Log(r.ctx, a.Level, a.Msg, a.Attrs...)
			case controller.Resign:
				r.active = false
				r.ch.close()
				queue = append(queue, controller.Resigned{})
				r.failWaiters()
				r.enqueue(r.elect)
			}
		}
	}
	s := r.ctrl.Stats()
	r.stats.Store(&s)
}

func (r *controllerRunner) write(w controller.Write) controller.Event {
	res, moved, err := r.store.Apply(r.ctx, w.Ops)
	if err != nil && !moved {
		r.logger.Error("store write failed", "err", err)
		res = make([]controller.OpResult, len(w.Ops))
		for i := range res {
			res[i].Err = controller.OpFailed
		}
	}
	// A deleted topic is forgotten here and now, as Kafka's controller
	// drops it from its context in the same event: a topic created again
	// under the name before the next read of /brokers/topics is then a
	// new topic to that read, not one it already knows.
	for i, op := range w.Ops {
		if op.Kind == controller.DeleteTopic && i < len(res) && (res[i].Err == controller.OpOK || res[i].Err == controller.OpNoNode) {
			delete(r.topics, op.Topic)
			delete(r.watched, op.Topic)
		}
	}
	return controller.WriteResult{ID: w.ID, ControllerMoved: moved, Results: res}
}

// request submits a broker's request (AlterPartition, ControlledShutdown,
// ElectLeaders; build sets its ReqID) and waits for the answer.
func (r *controllerRunner) request(ctx context.Context, build func(id uint64) controller.Event) (any, error) {
	r.reqMu.Lock()
	r.nextReq++
	id := r.nextReq
	ch := make(chan any, 1)
	r.waiters[id] = ch
	r.reqMu.Unlock()
	r.enqueue(func() {
		if !r.active {
			r.respond(id, errNotController)
			return
		}
		r.step(build(id))
	})
	select {
	case resp := <-ch:
		if err, ok := resp.(error); ok {
			return nil, err
		}
		return resp, nil
	case <-ctx.Done():
		r.reqMu.Lock()
		delete(r.waiters, id)
		r.reqMu.Unlock()
		return nil, ctx.Err()
	}
}

func (r *controllerRunner) respond(id uint64, resp any) {
	r.reqMu.Lock()
	ch := r.waiters[id]
	delete(r.waiters, id)
	r.reqMu.Unlock()
	if ch != nil {
		ch <- resp
	}
}

func (r *controllerRunner) failWaiters() {
	r.reqMu.Lock()
	defer r.reqMu.Unlock()
	for id, ch := range r.waiters {
		ch <- errNotController
		delete(r.waiters, id)
	}
}

// queueSize is ControllerEventQueueSize.
func (r *controllerRunner) queueSize() int64 { return r.queued.Load() }
