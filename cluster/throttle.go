package cluster

import (
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"sluice/cluster/internal/quota"
	"sluice/engine"
)

// Replication throttling (KIP-73, Kafka's ReplicationQuotaManager): two
// broker-wide byte-rate bounds, leader.replication.throttled.rate on what
// this broker sends to followers and follower.replication.throttled.rate
// on what its fetchers fetch, applied only to the partitions a topic's
// leader/follower.replication.throttled.replicas names for this broker
// ("partition:broker" pairs, or "*"). The reassignment tools list the
// current replicas in the leader list and the replicas being added in the
// follower list, so a move is throttled on both ends and other
// replication is not.
//
//   - Leader (Kafka's ReplicaManager.shouldLeaderThrottle): while the
//     leader bound is exceeded, a throttled partition whose follower is
//     out of the ISR is answered without records. The bytes of every
//     throttled partition sent, in sync or not, are charged to the bound.
//   - Follower (ReplicaFetcherThread.shouldFollowerThrottle): while the
//     follower bound is exceeded, a throttled partition that has not caught
//     up with the leader's high watermark is left out of the next fetch.
//     The bytes fetched for every throttled partition are charged.
//
// The rates are dynamic broker configs and the lists topic configs; both
// are applied on the /config/changes notification (applyConfigs). The
// bound is a token bucket (package quota), not Kafka's 11-sample rate;
// see that package for the difference.

// replicationQuotas are this broker's two replication throttles.
type replicationQuotas struct {
	leader, follower *quota.Bucket
	now              func() time.Time
}

func newReplicationQuotas(now func() time.Time) *replicationQuotas {
	return &replicationQuotas{leader: quota.New(quota.Unlimited), follower: quota.New(quota.Unlimited), now: now}
}

// replicaThrottles says which of a replica's traffic is throttled on this
// broker, from its topic's config.
type replicaThrottles struct {
	leader   atomic.Bool // leader.replication.throttled.replicas names it here
	follower atomic.Bool // follower.replication.throttled.replicas names it here
}

func (t *replicaThrottles) set(cfg engine.TopicConfig, partition, self int32) {
	t.leader.Store(throttledReplica(cfg.LeaderReplicationThrottledReplicas, partition, self))
	t.follower.Store(throttledReplica(cfg.FollowerReplicationThrottledReplicas, partition, self))
}

// throttledReplica reports whether a throttled-replicas list ("*", or
// "partition:broker,...") names partition on broker (Kafka's
// TopicConfigHandler.parseThrottledPartitions). Malformed entries (the
// config is validated when set) name nothing.
func throttledReplica(list string, partition, broker int32) bool {
	list = strings.TrimSpace(list)
	if list == "*" {
		return true
	}
	for _, e := range strings.Split(list, ",") {
		p, b, ok := strings.Cut(strings.TrimSpace(e), ":")
		if !ok {
			continue
		}
		pi, err1 := strconv.ParseInt(strings.TrimSpace(p), 10, 32)
		bi, err2 := strconv.ParseInt(strings.TrimSpace(b), 10, 32)
		if err1 == nil && err2 == nil && int32(pi) == partition && int32(bi) == broker {
			return true
		}
	}
	return false
}

// applyThrottleRates sets the two bounds from the effective broker
// configs (per-broker, then cluster default, then static, then Kafka's
// default: unlimited).
func (z *clusterState) applyThrottleRates() {
	c := z.configs.Load()
	lookup := z.n.lookupWith(c.brokers)
	rate := func(name string) int64 {
		if v, ok := lookup(name); ok {
			if r, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && r >= 0 {
				return r
			}
		}
		return quota.Unlimited
	}
	q := z.rm.quotas
	now := q.now()
	l, f := rate("leader.replication.throttled.rate"), rate("follower.replication.throttled.rate")
	if l != q.leader.Rate() || f != q.follower.Rate() {
		z.server.Info("replication throttle rates", "leader", l, "follower", f)
	}
	q.leader.SetRate(now, l)
	q.follower.SetRate(now, f)
}

// LeaderThrottleExceeded reports whether the leader replication bound is
// exceeded: throttled partitions of out-of-sync followers get no records.
func (n *Node) LeaderThrottleExceeded() bool {
	q := n.cs.rm.quotas
	return q.leader.Exceeded(q.now())
}

// RecordLeaderThrottled charges bytes of throttled partitions sent to
// followers against the leader replication bound.
func (n *Node) RecordLeaderThrottled(bytes int64) {
	q := n.cs.rm.quotas
	q.leader.Record(q.now(), bytes)
}

// ThrottleStats are the bytes of throttled partitions replicated since
// start (Kafka's LeaderReplication / FollowerReplication byte-rate
// sensors, as counters) and the bounds in force (math.MaxInt64: none).
type ThrottleStats struct {
	LeaderBytes, FollowerBytes int64
	LeaderRate, FollowerRate   int64
}

// ThrottleStats reports the replication throttles.
func (n *Node) ThrottleStats() ThrottleStats {
	q := n.cs.rm.quotas
	return ThrottleStats{LeaderBytes: q.leader.Total(), FollowerBytes: q.follower.Total(),
		LeaderRate: q.leader.Rate(), FollowerRate: q.follower.Rate()}
}
