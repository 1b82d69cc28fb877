package replica

import (
	"slices"
	"time"
)

// Faults and the simulated controller (Kafka's ZooKeeper-mode
// KafkaController, reduced to one partition) of TestRandomized.

// crash kills a broker's process: its log survives, its HW comes back from
// the checkpoint, everything in memory and in flight to it is gone.
func (s *sim) crash() {
	b := s.pickAny()
	if b == nil {
		return
	}
	s.crashes++
	s.tracef("b%d: CRASH (log end %d, hw %d, checkpoint %d)", b.id, b.log.LogEndOffset(), b.log.hw, b.checkpoint)
	b.stats.IsrExpands += b.p.Stats().IsrExpands
	b.stats.IsrShrinks += b.p.Stats().IsrShrinks
	b.p, b.busy, b.zombie, b.pausedTill = nil, false, false, time.Time{}
	b.gen++
}

func (s *sim) restart() {
	var down []*simBroker
	for _, b := range s.brokers {
		if b.p == nil {
			down = append(down, b)
		}
	}
	if len(down) == 0 {
		return
	}
	b := down[s.rng.IntN(len(down))]
	b.log.setHW(min(b.checkpoint, b.log.hw))
	s.startMachine(b)
	s.tracef("b%d: RESTART %s", b.id, b.log)
	if s.ctl.live[b.id] {
		s.controllerFailure(b.id) // a bounce the controller did not see
	}
	s.controllerStartup(b.id)
}

// noticeDeath: the controller sees a dead broker's session expire.
func (s *sim) noticeDeath() {
	for _, b := range s.brokers {
		if b.p == nil && s.ctl.live[b.id] {
			s.tracef("controller: b%d session expired (dead)", b.id)
			s.controllerFailure(b.id)
			return
		}
	}
}

// expireSession: a live broker (often a paused one) loses its ZooKeeper
// session but keeps running: the controller treats it as dead, it does
// not know.
func (s *sim) expireSession() {
	b := s.pickAny()
	if b == nil || !s.ctl.live[b.id] {
		return
	}
	s.zombies++
	b.zombie = true
	s.tracef("controller: b%d session expired (still running)", b.id)
	s.controllerFailure(b.id)
}

func (s *sim) reconnect() {
	for _, b := range s.brokers {
		if b.p != nil && b.zombie {
			b.zombie = false
			s.tracef("controller: b%d registers again", b.id)
			s.controllerStartup(b.id)
			return
		}
	}
}

// pause freezes a broker for a while: it sends, receives and ticks
// nothing; messages to it wait.
func (s *sim) pause() {
	if b := s.pickUp(); b != nil {
		b.pausedTill = s.now.Add(time.Duration(50+s.rng.IntN(250)) * time.Millisecond)
		s.tracef("b%d: PAUSED until t=%s", b.id, b.pausedTill.Sub(time.Time{}).Truncate(time.Millisecond))
	}
}

// deleteRecords moves a leader's log start up to at most its HW.
func (s *sim) deleteRecords() {
	b := s.pickUp()
	if b == nil || b.p.Role() != RoleLeader || b.log.hw <= b.log.start {
		return
	}
	o := b.log.start + 1 + s.rng.Int64N(b.log.hw-b.log.start)
	if err := b.log.setLogStart(o); err != nil {
		s.fail("b%d DeleteRecords: %v", b.id, err)
	}
	s.tracef("b%d: DeleteRecords before %d", b.id, o)
}

// dropOne loses a random fetch or ListOffsets message; the requester's
// exchange times out.
func (s *sim) dropOne() {
	var idx []int
	for i, m := range s.net {
		if m.kind >= mFetchReq {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return
	}
	i := idx[s.rng.IntN(len(idx))]
	m := s.net[i]
	s.net = slices.Delete(s.net, i, i+1)
	s.tracef("network drops %v b%d->b%d", m.kind, m.from, m.to)
	s.lost(m)
}

// lost ends the exchange a lost message belonged to, at its requester.
func (s *sim) lost(m *simMsg) {
	requester, gen := m.from, m.fromGen
	if m.kind == mFetchResp || m.kind == mListResp || m.kind == mAlterResp {
		requester, gen = m.to, m.toGen
	}
	if requester == 0 {
		return
	}
	b := s.broker(requester)
	if b.p == nil || b.gen != gen {
		return
	}
	switch m.kind {
	case mFetchReq, mFetchResp:
		b.busy = false
	case mListReq, mListResp:
		b.busy = false
		s.apply(b, b.p.Step(LeaderOffsets{LeaderEpoch: m.list.LeaderEpoch, Err: RequestTimedOut}))
	case mAlterReq, mAlterResp:
		// AlterPartitionManager retries on a lost exchange.
		s.apply(b, b.p.Step(AlterPartitionResponse{Now: s.now, Seq: m.alter.Seq, Err: RequestTimedOut}))
	}
}

func (s *sim) sendLeaderAndIsr(to ...int32) {
	c := &s.ctl
	for _, id := range to {
		if !c.live[id] {
			continue
		}
		s.send(&simMsg{kind: mLeaderAndIsr, from: 0, to: id, lai: LeaderAndIsr{Now: s.now, Leader: c.leader,
			LeaderEpoch: c.leaderEpoch, PartitionEpoch: c.pe, Replicas: []int32{1, 2, 3}, ISR: slices.Clone(c.isr)}})
	}
	s.tracef("controller: leader=%d epoch=%d pe=%d isr=%v live=%v", c.leader, c.leaderEpoch, c.pe, c.isr, c.live)
}

// controllerFailure: a broker died (or its session expired). If it led,
// elect the first live ISR member in preference order (unclean election
// off: none, leader -1); drop it from the ISR unless it is the last one.
// Every change bumps the leader epoch, as ZooKeeper-mode Kafka does.
func (s *sim) controllerFailure(id int32) {
	c := &s.ctl
	if !c.live[id] {
		return
	}
	c.live[id] = false
	if !slices.Contains(c.isr, id) && c.leader != id {
		return
	}
	if c.leader == id {
		c.leader = -1
		for _, r := range c.replicas {
			if r != id && c.live[r] && slices.Contains(c.isr, r) {
				c.leader = r
				break
			}
		}
	}
	if len(c.isr) > 1 {
		c.isr = slices.DeleteFunc(slices.Clone(c.isr), func(r int32) bool { return r == id })
	}
	c.leaderEpoch++
	c.pe++
	s.sendLeaderAndIsr(c.replicas...)
}

// controllerStartup: a broker registered. An offline partition gets it as
// leader if it is in the ISR; otherwise it is sent the current state.
func (s *sim) controllerStartup(id int32) {
	c := &s.ctl
	c.live[id] = true
	if c.leader == -1 && slices.Contains(c.isr, id) {
		c.leader = id
		c.leaderEpoch++
		c.pe++
		s.sendLeaderAndIsr(c.replicas...)
		return
	}
	s.sendLeaderAndIsr(id)
}

// preferredElection moves leadership to another live ISR member.
func (s *sim) preferredElection() {
	c := &s.ctl
	if c.leader == -1 {
		return
	}
	var cands []int32
	for _, r := range c.isr {
		if r != c.leader && c.live[r] {
			cands = append(cands, r)
		}
	}
	if len(cands) == 0 {
		return
	}
	c.leader = cands[s.rng.IntN(len(cands))]
	c.leaderEpoch++
	c.pe++
	s.tracef("controller: preferred election")
	s.sendLeaderAndIsr(c.replicas...)
}

// controllerReceive handles an AlterPartition: the leader and its epoch
// must be current, the partition epoch must match (compare-and-set), new
// members must be live.
func (s *sim) controllerReceive(m *simMsg) {
	c := &s.ctl
	a := m.alter
	resp := AlterPartitionResponse{Now: s.now, Seq: a.Seq}
	switch {
	case !c.live[m.from] || m.from != c.leader || a.LeaderEpoch != c.leaderEpoch:
		resp.Err = FencedLeaderEpoch
	case a.PartitionEpoch != c.pe:
		resp.Err = InvalidUpdateVersion
	case slices.ContainsFunc(a.ISR, func(r int32) bool { return !c.live[r] }):
		resp.Err = IneligibleReplica
	default:
		c.isr = sortedIDs(a.ISR)
		c.pe++
		resp.LeaderEpoch, resp.PartitionEpoch, resp.ISR = c.leaderEpoch, c.pe, slices.Clone(c.isr)
		s.tracef("controller: ISR of b%d's AlterPartition #%d committed: %v pe=%d", m.from, a.Seq, c.isr, c.pe)
	}
	s.net = append(s.net, &simMsg{kind: mAlterResp, from: 0, to: m.from, toGen: m.fromGen, alter: a, alterR: resp})
}
