package cluster

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/cluster/internal/controller"
	"sluice/engine"
)

// Log dir failures on the broker side (Kafka's LogDirFailureHandler,
// ZooKeeper mode). The engine takes a log dir offline after a disk error
// (engine/diskfull.go); the dir watcher notices (at once when a replica's
// log operation failed, else within dirPollEvery), stops the replicas in
// that dir (their state machines stop, acks=all waits end with
// NOT_LEADER_OR_FOLLOWER, fetchers unfollow) and has a log dir event
// notification written for this broker, so that the controller asks for
// the state of every replica here. LeaderAndIsr then answers
// KAFKA_STORAGE_ERROR for the partitions in offline dirs, and the
// controller moves their leadership elsewhere. A dir stays offline until
// the broker restarts. When every log dir has failed the broker has
// nothing left to serve: the watcher reports it on failed, and the broker
// halts (Kafka's LogManager: "Shutdown broker because all log dirs in ...
// have failed", Exit.halt(1)).

// dirPollEvery bounds how late an offline dir is noticed when no replica
// operation reported it (the flusher, a checkpoint or retention failed).
const dirPollEvery = time.Second

// logDirWatcher watches the engine's log dirs for ones gone offline. Its
// goroutine is started by replicaManager.start and stopped by close.
type logDirWatcher struct {
	rm   *replicaManager
	kick chan struct{}
	stop chan struct{}
	done chan struct{}
	// notify records a log dir failure of this broker for the controller
	// (clusterState.logDirFailed); it retries until ctx ends. Set before start.
	notify func(ctx context.Context)
	// handled are the dirs already taken care of (goroutine only).
	handled map[string]bool
	// failed receives one error when every log dir is offline.
	failed chan error
}

func newLogDirWatcher(rm *replicaManager) *logDirWatcher {
	return &logDirWatcher{rm: rm, kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}),
		handled: map[string]bool{}, failed: make(chan error, 1)}
}

// poke asks for a look at the dirs now (a log operation failed). It never
// blocks: callers may hold a replica's locks.
func (w *logDirWatcher) poke() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

func (w *logDirWatcher) start() { go w.run() }

func (w *logDirWatcher) close() {
	close(w.stop)
	<-w.done
}

func (w *logDirWatcher) run() {
	defer close(w.done)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-w.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	t := time.NewTicker(dirPollEvery)
	defer t.Stop()
	for {
		w.check(ctx)
		select {
		case <-w.stop:
			return
		case <-w.kick:
		case <-t.C:
		}
	}
}

// check handles the dirs that went offline since the last look.
func (w *logDirWatcher) check(ctx context.Context) {
	var failed []engine.DirInfo
	for _, d := range w.rm.eng.Dirs() {
		if d.Offline && !w.handled[d.Path] {
			w.handled[d.Path] = true
			failed = append(failed, d)
		}
	}
	if len(failed) == 0 {
		return
	}
	for _, d := range failed {
		n := w.rm.stopReplicasIn(d.Path)
		w.rm.logger.Error("log dir offline: its replicas stopped; the controller moves their leadership", "dir", d.Path,
			"replicas", n, "err", d.Err)
	}
	dirs := w.rm.eng.Dirs()
	if len(w.handled) == len(dirs) {
		paths := make([]string, len(dirs))
		for i, d := range dirs {
			paths[i] = d.Path
		}
		err := fmt.Errorf("%w: all log dirs in %s have failed", engine.ErrStorage, strings.Join(paths, ", "))
		w.rm.logger.Error("shutting the broker down: every log dir has failed", "dirs", strings.Join(paths, ","))
		select {
		case w.failed <- err:
		default:
		}
		return // no notification: the broker halts, and its replicas go with its registration
	}
	if w.notify != nil {
		w.notify(ctx)
	}
}

// stopReplicasIn stops and forgets the replicas whose logs are in dir
// (Kafka's handleLogDirFailure) and returns how many there were.
func (rm *replicaManager) stopReplicasIn(dir string) int {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	n := 0
	for tp, r := range rm.mu.parts {
		if r.log.Dir() != dir {
			continue
		}
		rm.fetchers.unfollow(tp)
		r.stop()
		delete(rm.mu.parts, tp)
		rm.stateLog.Warn("replica stopped: its log dir is offline", "partition", tpString(tp), "dir", dir)
		n++
	}
	rm.publishLocked()
	return n
}

// storageErrorLocked reports whether a LeaderAndIsr for tp must be
// answered KAFKA_STORAGE_ERROR: its log is in an offline dir, or it has no
// log here, some dir is offline (its log may be there) and the controller
// does not call the partition new (Kafka's getOrCreateLog). anyOffline is
// evaluated at most once per request.
//
// REQUIRES: rm.mu held.
func (rm *replicaManager) storageErrorLocked(tp engine.TopicPartition, v controller.PartitionView, anyOffline func() bool) bool {
	if r := rm.mu.parts[tp]; r != nil {
		return r.log.Offline()
	}
	if l, ok := rm.eng.Log(tp); ok {
		return l.Offline()
	}
	return !v.IsNew && anyOffline()
}

// anyDirOffline returns a once-evaluated check for an offline log dir.
func (rm *replicaManager) anyDirOffline() func() bool {
	done, offline := false, false
	return func() bool {
		if !done {
			done = true
			for _, d := range rm.eng.Dirs() {
				offline = offline || d.Offline
			}
		}
		return offline
	}
}

// logDirFailed writes a log dir event notification for this broker
// (kzk.CreateLogDirEvent), retrying until it is written or ctx ends.
func (z *clusterState) logDirFailed(ctx context.Context) {
	for {
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		_, err := z.store.CreateLogDirEvent(wctx, z.n.cfg.NodeID)
		cancel()
		if err == nil {
			z.server.Info("wrote log dir event notification", "broker", z.n.cfg.NodeID)
			return
		}
		if ctx.Err() != nil {
			return
		}
		z.server.Error("cannot write log dir event notification; retrying", "err", err)
		select {
		case <-time.After(time.Second):
		case <-ctx.Done():
			return
		}
	}
}

// storageErrors reports the partitions a broker answered a LeaderAndIsr
// with KAFKA_STORAGE_ERROR for, back to the controller (ReplicasOffline).
func (ch *brokerChannel) storageErrors(req *controller.LeaderAndIsrRequest, code int16, errs map[controller.TP]int16) {
	if code != 0 {
		return
	}
	var tps []controller.TP
	for _, v := range req.Partitions {
		if errs[v.TP] == codeKafkaStorageError {
			tps = append(tps, v.TP)
		}
	}
	if len(tps) == 0 {
		return
	}
	ch.c.logger.Warn("broker reports replicas in offline log dirs", "broker", ch.broker.ID, "partitions", fmt.Sprint(tps))
	ch.c.onResult(controller.ReplicasOffline{Broker: ch.broker.ID, BrokerEpoch: req.BrokerEpoch, Partitions: tps})
}

// leaderAndIsrErrors reads the partitions' error codes (non-zero only)
// of a LeaderAndIsr response: by topic id from v5 on, by name before.
func leaderAndIsrErrors(req *controller.LeaderAndIsrRequest, resp *kmsg.LeaderAndISRResponse) map[controller.TP]int16 {
	names := map[[16]byte]string{}
	for _, v := range req.Partitions {
		names[v.TopicID] = v.TP.Topic
	}
	errs := map[controller.TP]int16{}
	for _, p := range resp.Partitions {
		if p.ErrorCode != 0 {
			errs[controller.TP{Topic: p.Topic, Partition: p.Partition}] = p.ErrorCode
		}
	}
	for _, t := range resp.Topics {
		name, ok := names[t.TopicID]
		if !ok {
			continue
		}
		for _, p := range t.Partitions {
			if p.ErrorCode != 0 {
				errs[controller.TP{Topic: name, Partition: p.Partition}] = p.ErrorCode
			}
		}
	}
	return errs
}

func sortedTPKeys(m map[controller.TP]int16) []controller.TP {
	out := make([]controller.TP, 0, len(m))
	for tp := range m {
		out = append(out, tp)
	}
	slices.SortFunc(out, func(a, b controller.TP) int {
		if c := strings.Compare(a.Topic, b.Topic); c != 0 {
			return c
		}
		return int(a.Partition) - int(b.Partition)
	})
	return out
}
