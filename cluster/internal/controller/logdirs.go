package controller

import (
	"log/slog"
	"slices"
)

// Log dir failures (Kafka's ZooKeeper-mode handling of JBOD failures,
// KIP-112): a broker whose log dir goes offline stops its replicas there
// and writes a /log_dir_event_notification entry. The controller reads it
// (LogDirEvent) and sends the broker a LeaderAndIsr for every partition it
// hosts; the broker answers KAFKA_STORAGE_ERROR for those in offline dirs,
// which the adapter feeds back as ReplicasOffline. From then on those
// replicas are offline as if their broker were dead: they may not lead,
// they leave the ISR, and UpdateMetadata lists them in offline_replicas.
// The set is per broker epoch: a restarted broker starts with none.

// LogDirEvent: the brokers listed wrote log dir event notifications (read
// and deleted by the adapter).
type LogDirEvent struct {
	Brokers []int32
}

// ReplicasOffline: a broker answered a LeaderAndIsr (sent for its
// registration BrokerEpoch) with KAFKA_STORAGE_ERROR for these
// partitions: their replicas there are in an offline log dir.
type ReplicasOffline struct {
	Broker      int32
	BrokerEpoch int64
	Partitions  []TP
}

func (LogDirEvent) event()     {}
func (ReplicasOffline) event() {}

// dirOffline reports whether broker b's replica of tp is in an offline
// log dir (as b reported during its current registration).
func (c *Controller) dirOffline(tp TP, b int32) bool {
	return c.offlineReplicas[b][tp]
}

// replicaOnline: b is live, not shutting down, and its replica of tp is
// not in an offline dir (it may lead and be in the ISR).
func (c *Controller) replicaOnline(tp TP, b int32) bool {
	return c.online(b) && !c.dirOffline(tp, b)
}

// replicaLive: b is live (perhaps shutting down) and its replica of tp
// is not in an offline dir.
func (c *Controller) replicaLive(tp TP, b int32) bool {
	return c.isLive(b) && !c.dirOffline(tp, b)
}

// onLogDirEvent asks each live broker listed for the state of every
// replica it hosts with a LeaderAndIsr (Kafka's onBrokerLogDirFailure);
// their answers say which replicas are offline.
func (c *Controller) onLogDirEvent(ev LogDirEvent) {
	if !c.active {
		return
	}
	brokers := slices.Clone(ev.Brokers)
	slices.Sort(brokers)
	brokers = slices.Compact(brokers)
	c.logf(slog.LevelInfo, "controller", "handling log dir failure", "brokers", ids(brokers))
	for _, b := range brokers {
		if !c.isLive(b) {
			continue
		}
		var parts []PartitionView
		for _, tp := range c.hostedOn(b) {
			if p := c.parts[tp]; p.has && !c.topics[tp.Topic].deleting {
				parts = append(parts, c.view(tp))
			}
		}
		if len(parts) > 0 {
			c.sendLeaderAndIsr(b, parts, false)
		}
	}
}

// onReplicasOffline takes a broker's replicas in offline dirs offline
// (Kafka's onReplicasBecomeOffline): partitions they led elect a new
// leader from the rest of the ISR, they leave the ISRs, and every live
// broker is told (offline_replicas) once the states are written.
func (c *Controller) onReplicasOffline(ev ReplicasOffline) {
	if !c.active {
		return
	}
	b, ok := c.live[ev.Broker]
	if !ok || (ev.BrokerEpoch != -1 && ev.BrokerEpoch != b.Epoch) {
		return // an answer of an earlier registration: its replicas start afresh
	}
	var fresh []TP
	// versions: the states as they are now. Partitions written meanwhile
	// were announced with their new state (applyChanged); the others are
	// announced once nothing is pending.
	versions := map[TP]int32{}
	for _, tp := range ev.Partitions {
		if c.parts[tp] == nil || c.dirOffline(tp, ev.Broker) || !contains(c.replicas(tp), ev.Broker) {
			continue
		}
		if c.offlineReplicas == nil {
			c.offlineReplicas = map[int32]map[TP]bool{}
		}
		if c.offlineReplicas[ev.Broker] == nil {
			c.offlineReplicas[ev.Broker] = map[TP]bool{}
		}
		c.offlineReplicas[ev.Broker][tp] = true
		c.dirty[tp] = true
		fresh = append(fresh, tp)
		versions[tp] = c.parts[tp].st.Version
	}
	if len(fresh) == 0 {
		return
	}
	slices.SortFunc(fresh, compareTP)
	c.logf(slog.LevelWarn, "state-change", "replicas in an offline log dir are offline", "broker", ev.Broker,
		"partitions", tpNames(fresh))
	c.wait(func(aborted bool) {
		if aborted {
			return
		}
		var um []PartitionView
		for _, tp := range fresh {
			if p := c.parts[tp]; p != nil && p.has && p.st.Version == versions[tp] && !c.topics[tp.Topic].deleting {
				um = append(um, c.view(tp))
			}
		}
		if len(um) == 0 {
			return
		}
		for _, id := range sortedKeys(c.live) {
			c.sendUpdateMetadata(id, um)
		}
	})
}

func tpNames(tps []TP) string {
	out := "["
	for i, tp := range tps {
		if i > 0 {
			out += ","
		}
		out += tp.String()
	}
	return out + "]"
}
