package controller

import (
	"fmt"
	"slices"
)

// alterWait collects an AlterPartition answer until every written
// partition's outcome is known.
type alterWait struct {
	c       *Controller
	reqID   uint64
	res     []AlterResult
	waiting int
}

func (w *alterWait) done() {
	w.waiting--
	if w.waiting == 0 {
		w.c.emit(Respond{ReqID: w.reqID, Resp: &AlterPartitionResponse{Partitions: w.res}})
	}
}

// onAlterPartition checks a leader's ISR change as Kafka's ZooKeeper-mode
// controller does (processAlterPartition) and writes the accepted ones:
// the sender must be a live broker of the current epoch
// (STALE_BROKER_EPOCH) and the partition's leader (NOT_LEADER_OR_FOLLOWER);
// its leader epoch must be the current one (FENCED_LEADER_EPOCH) and its
// partition epoch the current zkVersion (INVALID_UPDATE_VERSION), unless
// the ISR asked for is already the current one; every new member must be
// live and not shutting down (INELIGIBLE_REPLICA). The leader epoch does
// not change; brokers learn the new ISR by UpdateMetadata.
func (c *Controller) onAlterPartition(ev AlterPartition) {
	if !c.active {
		c.emit(Respond{ReqID: ev.ReqID, Resp: &AlterPartitionResponse{Err: errNotController}})
		return
	}
	b, ok := c.live[ev.Broker]
	if !ok || (ev.BrokerEpoch != -1 && ev.BrokerEpoch != b.Epoch) {
		c.emit(Respond{ReqID: ev.ReqID, Resp: &AlterPartitionResponse{Err: errStaleBrokerEpoch}})
		return
	}
	w := &alterWait{c: c, reqID: ev.ReqID, res: make([]AlterResult, len(ev.Partitions)), waiting: 1}
	for i, it := range ev.Partitions {
		w.res[i] = AlterResult{TP: it.TP}
		p := c.parts[it.TP]
		t := c.topics[it.TP.Topic]
		switch {
		case p == nil || !p.has || t == nil || t.deleting:
			w.res[i].Err = errUnknownTopicPartition
		case p.st.Leader != ev.Broker:
			w.res[i].Err = errNotLeaderOrFollower
		case it.LeaderEpoch != p.st.LeaderEpoch:
			w.res[i].Err = errFencedLeaderEpoch
		case slices.Equal(sortedIDs(it.NewISR), sortedIDs(p.st.ISR)):
			w.res[i].State = p.st // already so: answer the current state
		case it.PartitionEpoch != p.st.Version:
			w.res[i].Err = errInvalidUpdateVersion
		case !contains(it.NewISR, ev.Broker) || hasDuplicate(it.NewISR):
			w.res[i].Err = errInvalidRequest
		default:
			if bad := filter(it.NewISR, func(r int32) bool { return !c.replicaOnline(it.TP, r) || !contains(c.replicas(it.TP), r) }); len(bad) > 0 {
				w.res[i].Err = errIneligibleReplica
				break
			}
			next := p.st
			next.ISR = slices.Clone(it.NewISR)
			next.ControllerEpoch = c.epoch
			w.waiting++
			c.extra = append(c.extra, intent{op: Op{Kind: UpdateState, TP: it.TP, State: next},
				reason: fmt.Sprintf("leader %d changed the ISR", ev.Broker), alter: w, slot: i})
		}
	}
	w.done()
}

// onControlledShutdown marks the broker as shutting down (it may no longer
// lead or be in an ISR), moves leadership of its partitions to other
// in-sync replicas and takes it out of the ISRs, then answers with the
// partitions it still leads (Kafka's doControlledShutdown). Partitions
// with a single replica are left alone.
func (c *Controller) onControlledShutdown(ev ControlledShutdown) {
	respond := func(r *ControlledShutdownResponse) { c.emit(Respond{ReqID: ev.ReqID, Resp: r}) }
	if !c.active {
		respond(&ControlledShutdownResponse{Err: errNotController})
		return
	}
	b, ok := c.live[ev.Broker]
	switch {
	case !ok:
		respond(&ControlledShutdownResponse{Err: errBrokerNotAvailable})
		return
	case ev.BrokerEpoch != -1 && ev.BrokerEpoch < b.Epoch:
		respond(&ControlledShutdownResponse{Err: errStaleBrokerEpoch})
		return
	}
	c.shuttingDown[ev.Broker] = true
	for _, tp := range c.hostedOn(ev.Broker) {
		c.dirty[tp] = true
	}
	c.wait(func(aborted bool) {
		if aborted {
			respond(&ControlledShutdownResponse{Err: errNotController})
			return
		}
		var remaining []TP
		for _, tp := range c.hostedOn(ev.Broker) {
			if p := c.parts[tp]; p != nil && p.has && p.st.Leader == ev.Broker && len(c.replicas(tp)) > 1 {
				remaining = append(remaining, tp)
			}
		}
		respond(&ControlledShutdownResponse{Remaining: remaining})
	})
}

// onElectLeaders runs preferred or unclean elections (ElectLeaders) and
// answers per partition once written: ELECTION_NOT_NEEDED when the leader
// is already the one asked for, PREFERRED_LEADER_NOT_AVAILABLE /
// ELIGIBLE_LEADERS_NOT_AVAILABLE when nobody can take it.
func (c *Controller) onElectLeaders(ev ElectLeaders) {
	tps := ev.Partitions
	if tps == nil {
		tps = make([]TP, 0, len(c.parts))
		for tp, p := range c.parts {
			if p.has && !c.topics[tp.Topic].deleting {
				tps = append(tps, tp)
			}
		}
		slices.SortFunc(tps, compareTP)
	}
	res := make([]ElectResult, len(tps))
	if !c.active {
		for i, tp := range tps {
			res[i] = ElectResult{TP: tp, Err: errNotController}
		}
		c.emit(Respond{ReqID: ev.ReqID, Resp: &ElectLeadersResponse{Err: errNotController, Partitions: res}})
		return
	}
	var asked []int
	for i, tp := range tps {
		res[i].TP = tp
		p := c.parts[tp]
		if p == nil || !p.has || c.topics[tp.Topic].deleting {
			res[i].Err, res[i].Message = errUnknownTopicPartition, "The partition does not exist."
			continue
		}
		if ev.Unclean {
			if p.st.Leader != NoLeader && c.online(p.st.Leader) {
				res[i].Err, res[i].Message = errElectionNotNeeded, "Leader election not needed for topic partition."
				continue
			}
			c.electUnclean[tp] = true
		} else {
			if p.st.Leader == c.replicas(tp)[0] {
				res[i].Err, res[i].Message = errElectionNotNeeded, "Leader election not needed for topic partition."
				continue
			}
			c.electPreferred[tp] = true
		}
		c.dirty[tp] = true
		asked = append(asked, i)
	}
	c.wait(func(aborted bool) {
		for _, i := range asked {
			tp := res[i].TP
			p := c.parts[tp]
			switch {
			case aborted:
				res[i].Err = errNotController
			case p == nil:
				res[i].Err = errUnknownTopicPartition
			case ev.Unclean && (p.st.Leader == NoLeader || !c.online(p.st.Leader)):
				res[i].Err = errEligibleLeadersNotAv
				res[i].Message = fmt.Sprintf("Failed to elect leader for partition %s under strategy UncleanLeaderElectionStrategy", tp)
			case !ev.Unclean && p.st.Leader != c.replicas(tp)[0]:
				res[i].Err = errPreferredNotAvailable
				res[i].Message = fmt.Sprintf("Failed to elect leader for partition %s under strategy PreferredReplicaPartitionLeaderElectionStrategy", tp)
			}
		}
		c.emit(Respond{ReqID: ev.ReqID, Resp: &ElectLeadersResponse{Partitions: res}})
	})
}

func sortedIDs(l []int32) []int32 {
	s := slices.Clone(l)
	slices.Sort(s)
	return s
}

func hasDuplicate(l []int32) bool {
	s := sortedIDs(l)
	for i := 1; i < len(s); i++ {
		if s[i] == s[i-1] {
			return true
		}
	}
	return false
}
