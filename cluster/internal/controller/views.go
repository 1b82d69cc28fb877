package controller

import "slices"

// view is a partition as the brokers are told it.
func (c *Controller) view(tp TP) PartitionView {
	t := c.topics[tp.Topic]
	p := c.parts[tp]
	v := PartitionView{TP: tp}
	if t == nil || p == nil {
		return v
	}
	v.TopicID = t.a.ID
	v.State = p.st
	v.State.ISR = slices.Clone(p.st.ISR)
	v.Replicas = slices.Clone(c.replicas(tp))
	v.Adding = slices.Clone(t.a.Adding[tp.Partition])
	v.Removing = slices.Clone(t.a.Removing[tp.Partition])
	v.Offline = filter(v.Replicas, func(r int32) bool { return !c.replicaLive(tp, r) })
	return v
}

// allViews lists every partition that has a state, except those of topics
// being deleted, sorted.
func (c *Controller) allViews() []PartitionView {
	var out []PartitionView
	for _, name := range sortedTopicNames(c.topics) {
		t := c.topics[name]
		if t.deleting {
			continue
		}
		for p := range t.a.Replicas {
			tp := TP{name, int32(p)}
			if c.parts[tp].has {
				out = append(out, c.view(tp))
			}
		}
	}
	return out
}

func (c *Controller) liveBrokers() []Broker {
	out := make([]Broker, 0, len(c.live))
	for _, id := range sortedKeys(c.live) {
		out = append(out, c.live[id])
	}
	return out
}

// sendUpdateMetadata sends the live brokers and the given partitions (none:
// only the broker list) to broker b.
func (c *Controller) sendUpdateMetadata(b int32, parts []PartitionView) {
	c.emit(Send{Broker: b, Req: &UpdateMetadataRequest{ControllerEpoch: c.epoch, BrokerEpoch: c.live[b].Epoch,
		Brokers: c.liveBrokers(), Partitions: parts}})
}

// sendLeaderAndIsr sends broker b the leadership of the given partitions,
// with the live leaders among them (followers need their endpoints).
func (c *Controller) sendLeaderAndIsr(b int32, parts []PartitionView, full bool) {
	var leaders []Broker
	seen := map[int32]bool{}
	for _, v := range parts {
		if l := v.State.Leader; l >= 0 && !seen[l] {
			seen[l] = true
			if lb, ok := c.live[l]; ok {
				leaders = append(leaders, lb)
			}
		}
	}
	slices.SortFunc(leaders, func(a, b Broker) int { return int(a.ID) - int(b.ID) })
	c.emit(Send{Broker: b, Req: &LeaderAndIsrRequest{ControllerEpoch: c.epoch, BrokerEpoch: c.live[b].Epoch, Full: full,
		Partitions: parts, Leaders: leaders}})
}

// sendFullLeaderAndIsr sends broker b the leadership of every partition it
// hosts that has a state.
func (c *Controller) sendFullLeaderAndIsr(b int32) {
	var parts []PartitionView
	for _, tp := range c.hostedOn(b) {
		if p := c.parts[tp]; p.has && !c.topics[tp.Topic].deleting {
			parts = append(parts, c.view(tp))
		}
	}
	c.sendLeaderAndIsr(b, parts, true)
}

// Stats are the controller's gauges and counters (Kafka's
// ActiveControllerCount, OfflinePartitionsCount, GlobalTopicCount,
// GlobalPartitionCount, PreferredReplicaImbalanceCount,
// LeaderElectionRateAndTimeMs, UncleanLeaderElectionsPerSec).
type Stats struct {
	Active             bool
	Epoch              int32
	LiveBrokers        int
	Topics             int
	Partitions         int
	Offline            int
	PreferredImbalance int
	TopicsToDelete     int
	// Reassigning counts partitions with a reassignment in progress.
	Reassigning int
	// Elections and UncleanElections count leaders elected since start.
	Elections        uint64
	UncleanElections uint64
}

// Stats computes the gauges (a pass over every partition).
func (c *Controller) Stats() Stats {
	s := Stats{Active: c.active, Epoch: c.epoch, LiveBrokers: len(c.live), Topics: len(c.topics),
		Elections: c.elections, UncleanElections: c.unclean}
	for tp, p := range c.parts {
		if c.topics[tp.Topic].deleting {
			continue
		}
		s.Partitions++
		if !p.has || p.st.Leader == NoLeader || !c.isLive(p.st.Leader) {
			s.Offline++
		} else if rs := c.replicas(tp); len(rs) > 0 && p.st.Leader != rs[0] {
			s.PreferredImbalance++
		}
		if c.assignOf(tp).moving() {
			s.Reassigning++
		}
	}
	for _, t := range c.topics {
		if t.deleting {
			s.TopicsToDelete++
		}
	}
	return s
}
