package controller

import (
	"log/slog"
	"slices"
)

// decide computes the state a partition should have now and returns the
// write that gets it there, if any. The rules are Kafka's ZooKeeper-mode
// controller's (PartitionStateMachine, ReplicaStateMachine,
// PartitionLeaderElectionAlgorithms):
//
//   - A partition without a state znode gets one: leader = the first live
//     replica in assignment order, ISR = the live replicas, epoch 0. With
//     no live replica it stays without a leader until one comes up.
//   - A leader that is dead or shutting down is replaced by the first
//     replica in assignment order that is live, not shutting down and in
//     the ISR (offline / controlled-shutdown election); the ISR becomes its
//     live members. With none, unclean election (topic or request) takes
//     the first live replica with ISR = [it]; otherwise a leader shutting
//     down keeps leading, and a dead one leaves the partition offline
//     (leader -1) with the dead members removed from the ISR except the
//     last, which alone may lead when it returns.
//   - With a live leader, replicas that are dead or shutting down leave
//     the ISR.
//   - A preferred election (ElectLeaders) moves leadership to the first
//     replica when it is live and in the ISR.
//
// Every change bumps the leader epoch and is written conditionally on the
// state's zkVersion.
func (c *Controller) decide(tp TP) (intent, bool) {
	p := c.parts[tp]
	t := c.topics[tp.Topic]
	if p == nil || t == nil || t.deleting {
		return intent{}, false
	}
	replicas := c.replicas(tp)
	// A replica in an offline log dir (logdirs.go) counts as on a dead
	// broker.
	online := func(r int32) bool { return c.replicaOnline(tp, r) }
	liveReplica := func(r int32) bool { return c.replicaLive(tp, r) }
	preferred := c.electPreferred[tp]
	delete(c.electPreferred, tp)
	uncleanReq := c.electUnclean[tp]
	delete(c.electUnclean, tp)

	if !p.has {
		live := filter(replicas, online)
		if len(live) == 0 {
			c.logf(slog.LevelWarn, "state-change", "new partition has no live replica: no leader until one starts",
				"partition", tp.String(), "replicas", ids(replicas))
			return intent{}, false
		}
		st := LeaderAndIsr{Leader: live[0], LeaderEpoch: 0, ISR: live, ControllerEpoch: c.epoch}
		return intent{op: Op{Kind: CreateState, TP: tp, State: st}, reason: "new partition", isNew: true}, true
	}

	st := p.st
	next := st
	next.ISR = slices.Clone(st.ISR)
	var reason string
	unclean := false
	switch {
	case st.Leader == NoLeader || !online(st.Leader):
		liveISR := filter(st.ISR, online)
		cand := NoLeader
		for _, r := range replicas {
			if contains(liveISR, r) {
				cand = r
				break
			}
		}
		switch {
		case cand != NoLeader:
			next.Leader, next.ISR = cand, liveISR
			reason = "leader offline or shutting down: elected from the ISR"
			if st.Leader != NoLeader && liveReplica(st.Leader) {
				reason = "controlled shutdown: leadership moved"
			}
		case st.Leader != NoLeader && liveReplica(st.Leader):
			return intent{}, false // shutting down, nobody else in sync: keeps leading
		case t.a.Unclean || uncleanReq:
			live := filter(replicas, online)
			if len(live) == 0 {
				return c.offline(tp, st, next)
			}
			next.Leader, next.ISR = live[0], []int32{live[0]}
			reason, unclean = "unclean leader election: no live in-sync replica", true
		default:
			return c.offline(tp, st, next)
		}
	default:
		next.ISR = filter(st.ISR, online)
		reason = "replicas offline or shutting down left the ISR"
		pref := replicas[0]
		if preferred && st.Leader != pref && online(pref) && contains(next.ISR, pref) {
			next.Leader = pref
			reason = "preferred replica election"
		}
	}
	if next.Leader == st.Leader && slices.Equal(next.ISR, st.ISR) {
		return intent{}, false
	}
	return c.update(tp, st, next, reason, unclean), true
}

// offline takes a partition whose in-sync replicas are all dead offline:
// leader -1, dead members out of the ISR except the last one standing
// (the old leader when it was a member).
func (c *Controller) offline(tp TP, st, next LeaderAndIsr) (intent, bool) {
	isr := filter(st.ISR, func(r int32) bool { return c.replicaLive(tp, r) })
	if len(isr) == 0 && len(st.ISR) > 0 {
		keep := st.ISR[0]
		if contains(st.ISR, st.Leader) {
			keep = st.Leader
		}
		isr = []int32{keep}
	}
	next.Leader, next.ISR = NoLeader, isr
	if st.Leader == NoLeader && slices.Equal(isr, st.ISR) {
		return intent{}, false
	}
	return c.update(tp, st, next, "no live in-sync replica: partition offline", false), true
}

func (c *Controller) update(tp TP, st, next LeaderAndIsr, reason string, unclean bool) intent {
	next.LeaderEpoch = st.LeaderEpoch + 1
	next.ControllerEpoch = c.epoch
	next.Version = st.Version
	return intent{op: Op{Kind: UpdateState, TP: tp, State: next}, reason: reason, unclean: unclean}
}
