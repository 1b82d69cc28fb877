package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"sluice/cluster/internal/controller"
	"sluice/cluster/internal/kzk"
	"sluice/cluster/internal/zkdata"
	"sluice/cluster/internal/znode"
	"sluice/engine"
)

// clusterState is a Node's cluster half, Kafka 3.x's ZooKeeper mode
// over the metadata store (a ZooKeeper session, or the single node's
// file): the session and the typed store over it, the metadata cache the
// controller's UpdateMetadata keeps, the replica manager the
// controller's LeaderAndIsr and StopReplica drive, and the controller
// runner that stands for election. The node's client-facing methods read
// the cache and the replicas.
type clusterState struct {
	n         *Node
	tree      znode.Tree // ZooKeeper, or the single node's file
	store     *kzk.Store
	cache     *metaCache
	rm        *replicaManager
	runner    *controllerRunner
	ctrlc     *controllerClient
	listener  string // inter-broker listener name
	clusterID string
	logger    *slog.Logger // component zookeeper
	server    *slog.Logger // component server

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	// configs are the dynamic configs read from /config: topic
	// overrides by topic, broker configs by id ("" = <default>).
	configs atomic.Pointer[dynamicConfigs]
	// configsMu orders the reads of /config and the stores of configs
	// (loadConfigs, readTopicConfig): the last store is of the newest read.
	configsMu sync.Mutex

	pidMu   sync.Mutex
	pidNext int64
	pidLast int64 // -1: no block

	// leadership is closed and replaced whenever this broker's replicas
	// or the metadata change (coordinators follow leadership).
	leadMu     sync.Mutex
	leadership chan struct{}

	registered atomic.Bool
	leaveOnce  sync.Once
}

type dynamicConfigs struct {
	topics  map[string]map[string]string
	brokers map[string]map[string]string
}

// openState connects to the metadata store (ZooKeeper, or the single
// node's file), learns (or sets) the cluster id and prepares the broker's
// replica manager. The broker registers (and stands for controller) in
// Join, once its listener is bound.
func openState(n *Node) (*clusterState, error) {
	cfg := n.cfg
	ctx, cancel := context.WithTimeout(context.Background(), max(cfg.ZookeeperConnectionTimeout, time.Second)+5*time.Second)
	defer cancel()
	var tree znode.Tree
	freshFile := false
	if cfg.ZooKeeperMode() {
		t, err := znode.DialZK(ctx, znode.ZKOptions{Connect: cfg.ZookeeperConnect, SessionTimeout: cfg.ZookeeperSessionTimeout,
			ConnectionTimeout: cfg.ZookeeperConnectionTimeout, Logger: n.base.With("component", "zookeeper")})
		if err != nil {
			return nil, fmt.Errorf("cluster: cannot connect to ZooKeeper at %s: %w", cfg.ZookeeperConnect, err)
		}
		tree = t
	} else {
		t, fresh, err := n.openFileStore()
		if err != nil {
			return nil, err
		}
		tree, freshFile = t, fresh
	}
	component := "zookeeper" // the store's log lines
	if !cfg.ZooKeeperMode() {
		component = "metadata"
	}
	storeLog := n.base.With("component", component)
	z := &clusterState{n: n, tree: tree, logger: storeLog, server: n.base.With("component", "server"), leadership: make(chan struct{}), pidLast: -1}
	z.store = kzk.New(tree, kzk.Options{SessionTimeout: cfg.ZookeeperSessionTimeout, Logger: storeLog})
	fail := func(err error) (*clusterState, error) {
		tree.Close()
		return nil, err
	}
	if err := z.store.CreateTopLevelPaths(ctx); err != nil {
		return fail(fmt.Errorf("cluster: create the metadata store's top-level paths: %w", err))
	}
	local, err := readMetaPropertiesClusterID(n.fs, n.dir)
	if err != nil {
		return fail(err)
	}
	proposed := local
	if proposed == "" {
		proposed = UUIDString(NewUUID())
	}
	_, existed, err := z.store.ClusterID(ctx)
	if err != nil {
		return fail(fmt.Errorf("cluster: read /cluster/id: %w", err))
	}
	id, err := z.store.CreateOrGetClusterID(ctx, proposed)
	if err != nil {
		return fail(fmt.Errorf("cluster: read /cluster/id: %w", err))
	}
	if local != "" && local != id {
		return fail(errorf(ErrInconsistentClusterID, "The Cluster ID %s doesn't match stored clusterId Some(%s) in meta.properties. "+
			"The broker is trying to join the wrong cluster. Configured zookeeper.connect may be wrong.", id, local))
	}
	if err := n.eng.SetClusterID(id); err != nil {
		return fail(err)
	}
	z.clusterID = id
	switch {
	case cfg.ZooKeeperMode() && !existed && id == proposed:
		if err := z.importSingleNode(ctx); err != nil {
			return fail(err)
		}
	case freshFile:
		if err := z.adoptLogs(ctx); err != nil {
			return fail(err)
		}
	}
	if err := z.loadConfigs(ctx); err != nil {
		return fail(err)
	}
	z.listener = n.interBrokerListener()
	z.cache = newMetaCache()
	z.rm = newReplicaManager(cfg.NodeID, n.eng, z.cache, n.replicaLagMax(), time.Now, z.topicConfig, n.base)
	z.rm.createConfig = z.readTopicConfig
	z.rm.fetchers = newFetchers(cfg.NodeID, z.listener, n.fetcherConfig(), z.rm.brokerEpoch.Load, n.base)
	z.rm.fetchers.quotas = z.rm.quotas
	z.applyThrottleRates()
	z.ctrlc = newControllerClient(z)
	z.rm.alter = newAlterSender(z.ctrlc.alterPartition)
	z.ctx, z.cancel = context.WithCancel(context.Background())
	return z, nil
}

// join registers the broker in /brokers/ids (its epoch is the znode's
// czxid), starts the replica manager and stands for controller; a session
// expiry registers again under a new epoch.
func (z *clusterState) join() error {
	n := z.n
	info := n.advertised.Load()
	host := info.Host
	reg := zkdata.BrokerInfo{ID: n.cfg.NodeID, Rack: n.cfg.Rack, JMXPort: -1, Timestamp: time.Now().UnixMilli(),
		Endpoints: []zkdata.Endpoint{{Listener: z.listener, Host: host, Port: info.Port, SecurityProtocol: "PLAINTEXT"}}}
	ctx, cancel := context.WithTimeout(z.ctx, n.cfg.ZookeeperSessionTimeout+30*time.Second)
	epoch, err := z.store.RegisterBroker(ctx, reg)
	cancel()
	if err != nil {
		var inUse *kzk.BrokerIDInUseError
		if errors.As(err, &inUse) {
			return errorf(ErrBrokerIDInUse, "Error while creating ephemeral at %s, node already exists and owner '0x%x' does not "+
				"match current session '0x%x': broker.id %d is in use by a live broker", inUse.Path, inUse.Owner,
				z.tree.SessionID(), n.cfg.NodeID)
		}
		return fmt.Errorf("cluster: register broker %d: %w", n.cfg.NodeID, err)
	}
	z.rm.brokerEpoch.Store(epoch)
	z.registered.Store(true)
	z.logger.Info("registered broker", "broker", n.cfg.NodeID, "epoch", epoch,
		"endpoint", fmt.Sprintf("%s://%s:%d", z.listener, host, info.Port))
	z.rm.dirs.notify = z.logDirFailed
	z.rm.start()
	ch := newChannels(n.cfg.NodeID, z.listener, z, func(ev controller.Event) {
		if z.runner != nil {
			z.runner.enqueue(func() {
				if z.runner.active {
					z.runner.step(ev)
				}
			})
		}
	}, n.logger)
	z.runner = newControllerRunner(n.cfg.NodeID, newZKControllerStore(z.store, n.cfg.Static, n.logger), n.cfg.DeleteTopicEnable, ch, n.base)
	z.runner.balance = leaderBalance{Enable: n.cfg.AutoLeaderRebalanceEnable, Percentage: n.cfg.LeaderImbalancePerBrokerPercentage,
		Interval: n.cfg.LeaderImbalanceCheckInterval}
	z.runner.start()
	z.wg.Add(2)
	go z.watchSession(reg)
	go z.watchConfigs()
	if _, single := z.tree.(*znode.FileTree); single {
		z.awaitReady(30 * time.Second)
	}
	return nil
}

// awaitReady waits (up to limit) until this broker, as controller, has
// told itself the metadata and leads its partitions: a single node is
// then ready to serve when Join returns, as it was before it ran as a
// one-broker cluster. A cluster member serves at once, as Kafka's
// brokers do, answering LEADER_NOT_AVAILABLE until told.
func (z *clusterState) awaitReady(limit time.Duration) {
	deadline := time.After(limit)
	for {
		ch := z.leadershipChanged()
		if z.ready() {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			z.server.Warn("not every partition is led after the start-up wait; serving anyway", "waited", limit)
			return
		case <-z.ctx.Done():
			return
		}
	}
}

// ready reports whether the metadata names this broker controller and
// every partition it should lead has its local replica leading (or is
// known to be offline here).
func (z *clusterState) ready() bool {
	self := z.n.cfg.NodeID
	s := z.cache.snap.Load()
	if s.controllerID != self {
		return false
	}
	for _, t := range s.topics {
		for _, p := range t.parts {
			if p.Leader != self || slices.Contains(p.Offline, self) {
				continue
			}
			if r := z.rm.replica(engine.TopicPartition{Topic: t.name, Partition: p.Partition}); r == nil || !r.isLeader.Load() {
				return false
			}
		}
	}
	return true
}

// watchSession re-registers after a session expiry (the old ephemerals,
// the registration and the controller office, are gone) and stands for
// controller again.
func (z *clusterState) watchSession(reg zkdata.BrokerInfo) {
	defer z.wg.Done()
	for {
		select {
		case <-z.ctx.Done():
			return
		case ev, ok := <-z.tree.SessionEvents():
			if !ok {
				return
			}
			if ev.State != znode.SessionExpired {
				continue
			}
			z.logger.Warn("ZooKeeper session expired; registering again",
				"session", fmt.Sprintf("0x%x", ev.SessionID))
			for z.ctx.Err() == nil {
				reg.Timestamp = time.Now().UnixMilli()
				epoch, err := z.store.RegisterBroker(z.ctx, reg)
				if err == nil {
					z.rm.brokerEpoch.Store(epoch)
					z.logger.Info("registered broker", "broker", reg.ID, "epoch", epoch)
					break
				}
				z.logger.Error("cannot register broker; retrying", "err", err)
				select {
				case <-time.After(time.Second):
				case <-z.ctx.Done():
					return
				}
			}
			z.runner.enqueue(func() {
				z.runner.resign("ZooKeeper session expired")
				z.runner.elect()
			})
		}
	}
}

// close stops everything this broker runs for the cluster: after a
// controlled shutdown (when enabled) the registration goes with the
// session.
func (z *clusterState) close() {
	z.leave()
	if z.runner != nil {
		z.runner.stop()
	}
	z.cancel()
	z.wg.Wait()
	if z.registered.Load() {
		z.rm.close()
	} else {
		z.rm.fetchers.close()
		z.rm.alter.close()
	}
	z.ctrlc.close()
	z.tree.Close()
}

// leave runs the controlled shutdown once (when enabled and registered).
func (z *clusterState) leave() {
	z.leaveOnce.Do(func() {
		if z.registered.Load() && z.n.cfg.ControlledShutdownEnable {
			z.controlledShutdown()
		}
	})
}

// controlledShutdown asks the controller to move this broker's
// leadership away (controlled.shutdown.max.retries attempts,
// controlled.shutdown.retry.backoff.ms apart), as KafkaServer does before
// stopping.
func (z *clusterState) controlledShutdown() {
	retries := int(z.n.cfgInt("controlled.shutdown.max.retries", 3))
	backoff := time.Duration(z.n.cfgInt("controlled.shutdown.retry.backoff.ms", 5000)) * time.Millisecond
	for attempt := 1; attempt <= retries; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		remaining, err := z.ctrlc.controlledShutdown(ctx, z.rm.brokerEpoch.Load())
		cancel()
		if err == nil && remaining == 0 {
			z.server.Info("controlled shutdown succeeded")
			return
		}
		z.server.Warn("controlled shutdown incomplete; retrying", "attempt", attempt,
			"remaining_partitions", remaining, "err", err)
		if attempt < retries {
			time.Sleep(backoff)
		}
	}
	z.server.Warn("proceeding to do an unclean shutdown as all the controlled shutdown attempts failed")
}

// --- localBroker: the controller's requests to this broker ---

func (z *clusterState) applyLeaderAndIsr(ctrl int32, r *controller.LeaderAndIsrRequest) (int16, map[controller.TP]int16) {
	code, errs := z.rm.applyLeaderAndIsr(ctrl, r)
	z.notifyLeadership()
	return code, errs
}

func (z *clusterState) applyUpdateMetadata(ctrl int32, r *controller.UpdateMetadataRequest) int16 {
	z.rm.mu.Lock()
	code := z.rm.checkEpochsLocked(r.ControllerEpoch, r.BrokerEpoch)
	z.rm.mu.Unlock()
	if code != 0 {
		return code
	}
	z.cache.apply(ctrl, r)
	z.rm.liveChanged()
	z.publish()
	z.notifyLeadership()
	return 0
}

func (z *clusterState) applyStopReplica(ctrl int32, r *controller.StopReplicaRequest) (int16, map[controller.TP]int16) {
	code, errs := z.rm.applyStopReplica(ctrl, r)
	z.notifyLeadership()
	return code, errs
}

// notifyLeadership wakes whoever waits for a change of leadership or
// metadata.
func (z *clusterState) notifyLeadership() {
	z.leadMu.Lock()
	close(z.leadership)
	z.leadership = make(chan struct{})
	z.leadMu.Unlock()
}

func (z *clusterState) leadershipChanged() <-chan struct{} {
	z.leadMu.Lock()
	defer z.leadMu.Unlock()
	return z.leadership
}

// --- configs ---

// loadConfigs reads every topic's overrides and the dynamic broker
// configs.
func (z *clusterState) loadConfigs(ctx context.Context) error {
	z.configsMu.Lock()
	defer z.configsMu.Unlock()
	topics, err := z.store.EntityConfigs(ctx, zkdata.ConfigTypeTopic)
	if err != nil {
		return fmt.Errorf("cluster: read topic configs: %w", err)
	}
	brokers, err := z.store.EntityConfigs(ctx, zkdata.ConfigTypeBroker)
	if err != nil {
		return fmt.Errorf("cluster: read broker configs: %w", err)
	}
	if d, ok := brokers[zkdata.DefaultEntity]; ok {
		delete(brokers, zkdata.DefaultEntity)
		brokers[""] = d
	}
	z.configs.Store(&dynamicConfigs{topics: topics, brokers: brokers})
	return nil
}

// watchConfigs re-reads the configs when /config/changes gets a
// notification and gives local replicas their new effective configs.
func (z *clusterState) watchConfigs() {
	defer z.wg.Done()
	last := int64(-1)
	for z.ctx.Err() == nil {
		changes, w, err := z.store.ConfigChangesW(z.ctx, last)
		if err != nil && len(changes) == 0 {
			if z.ctx.Err() == nil {
				time.Sleep(time.Second)
			}
			continue
		}
		if len(changes) > 0 {
			last = changes[len(changes)-1].Seq
			if err := z.loadConfigs(z.ctx); err == nil {
				z.publish()
				z.n.applyConfigs()
			}
		}
		select {
		case <-w:
		case <-z.ctx.Done():
			return
		}
	}
}

// loadNewTopicConfigs reads /config/topics/<t> of the topics the configs
// do not know yet. Creating a topic writes its config znode without a
// change notification, so a broker reads a new topic's overrides when it
// meets the topic (as Kafka's brokers do when they create its log):
// otherwise the overrides given at creation (min.insync.replicas, ...)
// would be ignored until the next config change or restart. A ZooKeeper
// error leaves the topic out (defaults, tried again next time).
func (z *clusterState) loadNewTopicConfigs(names ...string) {
	for {
		c := z.configs.Load()
		if c == nil || z.store == nil {
			return
		}
		var missing []string
		for _, name := range names {
			if _, ok := c.topics[name]; !ok {
				missing = append(missing, name)
			}
		}
		if len(missing) == 0 {
			return
		}
		read := map[string]map[string]string{}
		ctx, cancel := context.WithTimeout(z.ctx, 3*time.Second)
		for _, name := range missing {
			cfg, err := z.store.EntityConfig(ctx, zkdata.ConfigTypeTopic, name)
			if errors.Is(err, zkdata.ErrMalformed) {
				cfg, err = map[string]string{}, nil // as loadConfigs: defaults
			}
			if err == nil {
				read[name] = cfg
			}
		}
		cancel()
		if len(read) == 0 {
			return
		}
		topics := make(map[string]map[string]string, len(c.topics)+len(read))
		for k, v := range c.topics {
			topics[k] = v
		}
		for k, v := range read {
			topics[k] = v
		}
		if z.configs.CompareAndSwap(c, &dynamicConfigs{topics: topics, brokers: c.brokers}) {
			return
		}
	}
}

// topicConfig is a topic's effective config: broker defaults (static and
// dynamic) with its overrides.
func (z *clusterState) topicConfig(topic string) engine.TopicConfig {
	z.loadNewTopicConfigs(topic)
	c := z.configs.Load()
	defaults, err := z.n.topicDefaultsFor(c.brokers)
	if err != nil {
		defaults = z.n.cfg.TopicDefaults
	}
	cfg, err := defaults.With(c.topics[topic])
	if err != nil {
		return defaults
	}
	return cfg
}

// readTopicConfig is topicConfig after reading the topic's overrides
// from /config/topics/<topic>, as Kafka's brokers read them when they
// create a log: a new topic's config znode is written with it and no
// /config/changes notification announces it, so the configs given to
// CreateTopics apply from the first replica on. If the read fails, the
// configs already read are used.
func (z *clusterState) readTopicConfig(topic string) engine.TopicConfig {
	z.configsMu.Lock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	overrides, err := z.store.EntityConfig(ctx, zkdata.ConfigTypeTopic, topic)
	cancel()
	if err == nil {
		old := z.configs.Load()
		topics := make(map[string]map[string]string, len(old.topics)+1)
		for k, v := range old.topics {
			topics[k] = v
		}
		topics[topic] = overrides
		z.configs.Store(&dynamicConfigs{topics: topics, brokers: old.brokers})
	}
	z.configsMu.Unlock()
	return z.topicConfig(topic)
}

// applyConfigs gives the local replicas their effective configs after
// a change.
func (n *Node) applyConfigs() {
	z := n.cs
	z.applyThrottleRates()
	z.rm.applyConfigs()
}

// --- settings ---

// interBrokerListener is inter.broker.listener.name, else the served
// listener's name.
func (n *Node) interBrokerListener() string {
	if v, ok := n.cfg.Static("inter.broker.listener.name"); ok && v != "" {
		return v
	}
	if ls := n.cfg.clientListeners(n.cfg.Listeners); len(ls) > 0 {
		return ls[0].Name
	}
	return "PLAINTEXT"
}

// cfgInt reads an integer broker property, def when unset or bad.
func (n *Node) cfgInt(name string, def int64) int64 {
	if v, ok := n.cfg.Static(name); ok {
		if i, err := strconv.ParseInt(v, 10, 64); err == nil {
			return i
		}
	}
	return def
}

func (n *Node) replicaLagMax() time.Duration {
	return time.Duration(n.cfgInt("replica.lag.time.max.ms", 30000)) * time.Millisecond
}

func (n *Node) fetcherConfig() fetcherConfig {
	return fetcherConfig{
		Fetchers:         int(n.cfgInt("num.replica.fetchers", 1)),
		MaxBytes:         int32(n.cfgInt("replica.fetch.max.bytes", 1<<20)),
		ResponseMaxBytes: int32(n.cfgInt("replica.fetch.response.max.bytes", 10<<20)),
		MinBytes:         int32(n.cfgInt("replica.fetch.min.bytes", 1)),
		MaxWait:          time.Duration(n.cfgInt("replica.fetch.wait.max.ms", 500)) * time.Millisecond,
		Backoff:          time.Duration(n.cfgInt("replica.fetch.backoff.ms", 1000)) * time.Millisecond,
	}
}
