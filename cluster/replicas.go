package cluster

import (
	"errors"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"sluice/cluster/internal/controller"
	rsm "sluice/cluster/internal/replica"
	"sluice/engine"
)

// replicaManager owns this broker's replicas (Kafka's ReplicaManager):
// it applies the controller's LeaderAndIsr and StopReplica, creating and
// deleting logs, starts and stops the replica fetchers, ticks the leaders'
// ISR checks and sends their ISR changes to the controller.
type replicaManager struct {
	self     int32
	eng      *engine.Engine
	logger   *slog.Logger // component server
	stateLog *slog.Logger // component state-change
	now      func() time.Time
	lagMax   time.Duration
	// topicConfig is a topic's effective config (broker defaults plus its
	// overrides), read when a replica is created.
	topicConfig func(topic string) engine.TopicConfig
	// createConfig, when set, is topicConfig read afresh (from ZooKeeper),
	// for a replica being created.
	createConfig func(topic string) engine.TopicConfig
	alter        *alterSender
	fetchers     *fetchers
	cache        *metaCache
	dirs         *logDirWatcher     // offline log dirs (logdirs.go)
	quotas       *replicationQuotas // replication throttles (throttle.go)

	brokerEpoch atomic.Int64 // this broker's registration epoch

	mu struct {
		sync.Mutex
		controllerEpoch int32
		parts           map[engine.TopicPartition]*Replica
		// createErrs are the replicas this broker could not create for
		// lack of file descriptors or disk space (a CreateTopics that
		// meets one is undone: see Node.createTopic).
		createErrs map[engine.TopicPartition]error
	}
	snap atomic.Pointer[map[engine.TopicPartition]*Replica]

	stopTick chan struct{}
	tickDone chan struct{}
}

func newReplicaManager(self int32, eng *engine.Engine, cache *metaCache, lagMax time.Duration, now func() time.Time,
	topicConfig func(string) engine.TopicConfig, logger *slog.Logger) *replicaManager {
	rm := &replicaManager{self: self, eng: eng, cache: cache, lagMax: lagMax, now: now, topicConfig: topicConfig,
		logger: logger.With("component", "server"), stateLog: logger.With("component", "state-change"),
		stopTick: make(chan struct{}), tickDone: make(chan struct{})}
	rm.mu.parts = map[engine.TopicPartition]*Replica{}
	rm.mu.createErrs = map[engine.TopicPartition]error{}
	rm.quotas = newReplicationQuotas(now)
	rm.dirs = newLogDirWatcher(rm)
	rm.publishLocked()
	return rm
}

// start runs the ISR expiration ticker.
func (rm *replicaManager) start() {
	go rm.tickLoop()
	rm.dirs.start()
}

// close stops the ticker, the fetchers and every replica.
func (rm *replicaManager) close() {
	close(rm.stopTick)
	<-rm.tickDone
	rm.dirs.close()
	rm.fetchers.close()
	rm.alter.close()
	rm.mu.Lock()
	defer rm.mu.Unlock()
	for _, r := range rm.mu.parts {
		r.stop()
	}
}

// tickLoop ticks every leader every replica.lag.time.max.ms/2 (Kafka's
// isr-expiration task), and more often while acks=all produces wait so
// that their timeouts are answered close to time.
func (rm *replicaManager) tickLoop() {
	defer close(rm.tickDone)
	period := max(rm.lagMax/2, 10*time.Millisecond)
	t := time.NewTicker(min(period, 250*time.Millisecond))
	defer t.Stop()
	last := time.Time{}
	for {
		select {
		case <-rm.stopTick:
			return
		case <-t.C:
		}
		now := rm.now()
		full := now.Sub(last) >= period
		if full {
			last = now
		}
		for _, r := range *rm.snap.Load() {
			if !r.isLeader.Load() {
				continue
			}
			if full || r.hasWaits() {
				r.step(rsm.Tick{Now: now})
			}
		}
	}
}

// replica returns the local replica of tp, if any.
func (rm *replicaManager) replica(tp engine.TopicPartition) *Replica {
	return (*rm.snap.Load())[tp]
}

// replicas lists the local replicas.
func (rm *replicaManager) replicas() []*Replica {
	m := *rm.snap.Load()
	out := make([]*Replica, 0, len(m))
	for _, r := range m {
		out = append(out, r)
	}
	return out
}

// REQUIRES: rm.mu held.
func (rm *replicaManager) publishLocked() {
	m := make(map[engine.TopicPartition]*Replica, len(rm.mu.parts))
	for k, v := range rm.mu.parts {
		m[k] = v
	}
	rm.snap.Store(&m)
}

// checkEpochsLocked refuses a request of an older controller or meant for
// an earlier registration of this broker.
//
// REQUIRES: rm.mu held.
func (rm *replicaManager) checkEpochsLocked(controllerEpoch int32, brokerEpoch int64) int16 {
	if controllerEpoch < rm.mu.controllerEpoch {
		return codeStaleControllerEpoch
	}
	if brokerEpoch != -1 && brokerEpoch < rm.brokerEpoch.Load() {
		return codeStaleBrokerEpoch
	}
	rm.mu.controllerEpoch = controllerEpoch
	return 0
}

// Kafka error codes the replica manager answers the controller with.
const (
	codeUnknownTopicOrPartition int16 = 3
	codeStaleControllerEpoch    int16 = 11
	codeKafkaStorageError       int16 = 56
	codeFencedLeaderEpoch       int16 = 74
	codeStaleBrokerEpoch        int16 = 77
)

// applyLeaderAndIsr makes this broker leader or follower of the partitions
// (Kafka's becomeLeaderOrFollower), creating their logs when new.
func (rm *replicaManager) applyLeaderAndIsr(ctrl int32, req *controller.LeaderAndIsrRequest) (int16, map[controller.TP]int16) {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	if code := rm.checkEpochsLocked(req.ControllerEpoch, req.BrokerEpoch); code != 0 {
		rm.stateLog.Warn("ignoring LeaderAndIsr", "controller", ctrl, "controller_epoch", req.ControllerEpoch,
			"broker_epoch", req.BrokerEpoch, "error_code", code)
		return code, nil
	}
	errs := map[controller.TP]int16{}
	leaders := map[int32]controller.Broker{}
	for _, b := range req.Leaders {
		leaders[b.ID] = b
	}
	changed := false
	anyOffline := rm.anyDirOffline()
	for _, v := range req.Partitions {
		tp := engine.TopicPartition{Topic: v.TP.Topic, Partition: v.TP.Partition}
		if !slices.Contains(v.Replicas, rm.self) {
			errs[v.TP] = codeUnknownTopicOrPartition
			continue
		}
		if rm.storageErrorLocked(tp, v, anyOffline) {
			errs[v.TP] = codeKafkaStorageError
			continue
		}
		r := rm.mu.parts[tp]
		if r == nil {
			var err error
			if r, err = rm.createReplica(tp, v.TopicID); err != nil {
				rm.stateLog.Error("cannot create replica", "partition", v.TP.String(), "err", err)
				if errors.Is(err, engine.ErrTooManyOpenFiles) || errors.Is(err, engine.ErrDiskFull) {
					rm.mu.createErrs[tp] = err
				}
				errs[v.TP] = codeKafkaStorageError
				continue
			}
			delete(rm.mu.createErrs, tp)
			rm.mu.parts[tp] = r
			changed = true
		}
		before := r.LeaderEpoch()
		role, _ := r.becomeLeaderOrFollower(v)
		if role == rsm.RoleLeader {
			rm.tellLive(r)
		}
		if v.State.LeaderEpoch < before {
			errs[v.TP] = codeStaleControllerEpoch
			continue
		}
		switch role {
		case rsm.RoleFollower:
			if lb, ok := leaders[v.State.Leader]; ok && v.State.Leader >= 0 {
				rm.fetchers.follow(r, lb)
			} else {
				rm.fetchers.unfollow(tp)
			}
		default:
			rm.fetchers.unfollow(tp)
		}
	}
	if changed {
		rm.publishLocked()
	}
	return 0, errs
}

// createError is why this broker could not create its replica of tp
// for lack of file descriptors or disk space (nil: no such failure).
func (rm *replicaManager) createError(tp engine.TopicPartition) error {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	return rm.mu.createErrs[tp]
}

// tellLive gives a leader the live brokers the metadata cache knows
// (followers of dead brokers neither join its ISR nor hold its HW).
func (rm *replicaManager) tellLive(r *Replica) {
	if ids := rm.cache.snap.Load().brokerIDs; len(ids) > 0 {
		r.step(rsm.LiveBrokers{Now: rm.now(), Brokers: ids})
	}
}

// liveChanged tells every local leader the live brokers after an
// UpdateMetadata.
func (rm *replicaManager) liveChanged() {
	for _, r := range rm.replicas() {
		if r.isLeader.Load() {
			rm.tellLive(r)
		}
	}
}

// createReplica opens (or creates) the log of a partition assigned to this
// broker. A log of another incarnation of the topic (another topic id) is
// deleted first: the controller's assignment is the truth.
//
// REQUIRES: rm.mu held.
func (rm *replicaManager) createReplica(tp engine.TopicPartition, id [16]byte) (*Replica, error) {
	cfg := rm.topicConfig
	if rm.createConfig != nil {
		cfg = rm.createConfig
	}
	return rm.createReplicaWith(tp, id, cfg(tp.Topic))
}

// REQUIRES: rm.mu held.
func (rm *replicaManager) createReplicaWith(tp engine.TopicPartition, id [16]byte, cfg engine.TopicConfig) (*Replica, error) {
	l, ok := rm.eng.Log(tp)
	if ok && l.TopicID() != id && l.TopicID() != [16]byte{} && id != [16]byte{} {
		rm.logger.Warn("deleting the log of an older incarnation of the topic", "topic", tp.Topic, "partition", tp.Partition,
			"log_topic_id", UUIDString(l.TopicID()), "topic_id", UUIDString(id))
		if err := rm.eng.DeleteLog(tp); err != nil {
			return nil, err
		}
		ok = false
	}
	if ok {
		if rerr, bad := rm.eng.RecoveryErrors()[tp]; bad {
			return nil, rerr
		}
		l.SetConfig(cfg)
	} else {
		var err error
		if l, err = rm.eng.CreateLog(tp, id, cfg); err != nil {
			return nil, err
		}
	}
	r, err := newReplica(rm, tp, id, l, rm.replicationConfig(cfg))
	if err != nil {
		return nil, err
	}
	r.throttles.set(cfg, tp.Partition, rm.self)
	return r, nil
}

func (rm *replicaManager) replicationConfig(cfg engine.TopicConfig) rsm.Config {
	return rsm.Config{MinInsyncReplicas: int(cfg.MinInsyncReplicas), ReplicaLagTimeMax: rm.lagMax}
}

// applyStopReplica stops replicas, deleting their logs when asked
// (topic deletion).
func (rm *replicaManager) applyStopReplica(ctrl int32, req *controller.StopReplicaRequest) (int16, map[controller.TP]int16) {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	if code := rm.checkEpochsLocked(req.ControllerEpoch, req.BrokerEpoch); code != 0 {
		return code, nil
	}
	errs := map[controller.TP]int16{}
	for _, p := range req.Partitions {
		tp := engine.TopicPartition{Topic: p.TP.Topic, Partition: p.TP.Partition}
		delete(rm.mu.createErrs, tp)
		r := rm.mu.parts[tp]
		if r != nil {
			if p.LeaderEpoch != controller.EpochDuringDelete && p.LeaderEpoch < r.LeaderEpoch() {
				errs[p.TP] = codeFencedLeaderEpoch
				continue
			}
			rm.fetchers.unfollow(tp)
			r.stop()
			delete(rm.mu.parts, tp)
		}
		if p.Delete {
			if err := rm.eng.DeleteLog(tp); err != nil && !errors.Is(err, engine.ErrUnknownLog) {
				rm.stateLog.Error("cannot delete replica", "partition", p.TP.String(), "err", err)
				errs[p.TP] = codeKafkaStorageError
				continue
			}
			rm.stateLog.Info("replica deleted", "partition", p.TP.String(), "controller", ctrl)
		}
		errs[p.TP] = 0
	}
	rm.publishLocked()
	return 0, errs
}

// applyConfigs gives every replica its topic's effective config after a
// change. rm.mu is held, as createReplica holds it from reading a topic's
// config until the replica is in rm.mu.parts: a replica created while the
// configs change either read the new config or is updated here (before,
// a replica created from the old config but published after this pass
// kept it, e.g. a lifted replication throttle, until the next change).
func (rm *replicaManager) applyConfigs() {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	cfgs := map[string]engine.TopicConfig{}
	for _, r := range rm.mu.parts {
		cfg, ok := cfgs[r.tp.Topic]
		if !ok {
			cfg = rm.topicConfig(r.tp.Topic)
			cfgs[r.tp.Topic] = cfg
		}
		r.log.SetConfig(cfg)
		r.throttles.set(cfg, r.tp.Partition, rm.self)
		r.step(rsm.ConfigChanged{Now: rm.now(), Config: rm.replicationConfig(cfg)})
	}
}

// storageFailure is told of a log operation that failed. A log whose dir
// went offline stops being replicated here (logdirs.go). It may be called
// with the replica's locks held.
func (rm *replicaManager) storageFailure(r *Replica, err error) {
	if r.log.Offline() {
		rm.logger.Error("replica's log dir is offline", "partition", r.tp.Topic, "index", r.tp.Partition, "err", err)
		rm.dirs.poke()
	}
}

// Stats sums the replication gauges over the local replicas.
type ReplicaStats struct {
	Leaders, Partitions                      int
	UnderReplicated, UnderMinISR, AtMinISR   int
	IsrExpands, IsrShrinks, FailedIsrUpdates int64
	AckWaits                                 int
}

// stats computes the replication gauges.
func (rm *replicaManager) stats() ReplicaStats {
	var s ReplicaStats
	for _, r := range rm.replicas() {
		s.Partitions++
		r.mu.Lock()
		sm := r.mu.sm
		if sm.Role() == rsm.RoleLeader {
			s.Leaders++
			if sm.UnderReplicated() {
				s.UnderReplicated++
			}
			if sm.UnderMinISR() {
				s.UnderMinISR++
			}
			if sm.AtMinISR() {
				s.AtMinISR++
			}
		}
		st := sm.Stats()
		s.IsrExpands += st.IsrExpands
		s.IsrShrinks += st.IsrShrinks
		s.FailedIsrUpdates += st.FailedIsrUpdates
		s.AckWaits += len(r.mu.waits)
		r.mu.Unlock()
	}
	return s
}
