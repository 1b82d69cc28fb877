package group

import (
	"github.com/twmb/franz-go/pkg/kerr"
)

// The rebalance machinery: PreparingRebalance (join phase, bounded by the
// rebalance timeout or the initial delay), CompletingRebalance (sync phase,
// bounded by the rebalance timeout), session expiry.

func (c *Coordinator) maybePrepareRebalance(g *classicGroup) {
	if g.canRebalance() {
		c.prepareRebalance(g)
	}
}

func (c *Coordinator) prepareRebalance(g *classicGroup) {
	if g.state == CompletingRebalance {
		c.resetAssignment(g, kerr.RebalanceInProgress.Code)
	}
	c.timers.cancel(timerKey{kind: timerSync, group: g.id})
	clear(g.pendSync)
	key := timerKey{kind: timerJoin, group: g.id}
	if g.state == Empty {
		delay := c.opts.initialDelay()
		g.inDelay, g.newAdded = true, false
		g.delayLeft = max(g.maxRebalanceTimeout()-delay, 0)
		c.timers.set(key, c.now.Add(delay))
	} else {
		g.inDelay = false
		c.timers.set(key, c.now.Add(g.maxRebalanceTimeout()))
	}
	g.transition(PreparingRebalance, c.now)
}

// tryCompleteJoin ends the join phase early once every member has rejoined
// (never during the initial delay, as Kafka's InitialDelayedJoin).
func (c *Coordinator) tryCompleteJoin(g *classicGroup) {
	if g.state == PreparingRebalance && !g.inDelay && g.hasAllJoined() {
		c.completeJoin(g)
	}
}

func (c *Coordinator) joinDeadline(id string) {
	g := c.groups[id]
	if g == nil || g.state != PreparingRebalance {
		return
	}
	if g.inDelay && g.newAdded && g.delayLeft > 0 {
		g.newAdded = false
		d := min(c.opts.initialDelay(), g.delayLeft)
		g.delayLeft = max(g.delayLeft-d, 0)
		c.timers.set(timerKey{kind: timerJoin, group: id}, c.now.Add(d))
		return
	}
	c.completeJoin(g)
}

// completeJoin is Kafka's onCompleteJoin: drop dynamic members that did not
// rejoin, start the next generation, answer every pending JoinGroup.
func (c *Coordinator) completeJoin(g *classicGroup) {
	c.timers.cancel(timerKey{kind: timerJoin, group: g.id})
	g.inDelay = false
	for _, id := range append([]string(nil), g.order...) {
		if m := g.members[id]; m.join == nil && m.instanceID == "" {
			c.timers.cancel(timerKey{timerHeartbeat, g.id, id})
			g.remove(id)
		}
	}
	if lm := g.members[g.leader]; lm != nil && lm.join == nil {
		// The leader is a static member that did not rejoin: elect one that did.
		for _, id := range g.order {
			if g.members[id].join != nil {
				g.leader = id
				break
			}
		}
		if g.members[g.leader].join == nil {
			// Nobody rejoined: wait for the session timeouts to remove them.
			c.timers.set(timerKey{kind: timerJoin, group: g.id}, c.now.Add(g.maxRebalanceTimeout()))
			return
		}
	}
	c.stats.Rebalances++
	g.generation++
	if len(g.members) == 0 {
		g.protocolName = ""
		g.leader = ""
		g.transition(Empty, c.now)
		c.storeGroup(g, nil, func(int16) {})
		return
	}
	g.protocolName = g.selectProtocol()
	g.transition(CompletingRebalance, c.now)
	for _, id := range g.order {
		m := g.members[id]
		if m.join != nil {
			w := m.join
			g.setJoin(m, nil)
			c.joinSuccess(g, m, w, false)
		}
		m.isNew = false
		g.pendSync[id] = true
		c.timers.set(timerKey{timerHeartbeat, g.id, id}, c.now.Add(m.sessionTimeout))
	}
	c.timers.set(timerKey{kind: timerSync, group: g.id}, c.now.Add(g.maxRebalanceTimeout()))
}

// syncDeadline removes the members that did not send SyncGroup within the
// rebalance timeout after the join phase (Kafka's DelayedSync).
func (c *Coordinator) syncDeadline(id string) {
	g := c.groups[id]
	if g == nil || (g.state != CompletingRebalance && g.state != Stable) || len(g.pendSync) == 0 {
		return
	}
	for _, mid := range append([]string(nil), g.order...) {
		if g.pendSync[mid] {
			c.removeMember(g, g.members[mid])
		}
	}
}

// removeMember is Kafka's removeMemberAndUpdateGroup.
func (c *Coordinator) removeMember(g *classicGroup, m *member) {
	if m.join != nil {
		c.joinFail(m.join, kerr.UnknownMemberID.Code, m.id)
		g.setJoin(m, nil)
	}
	if m.sync != nil {
		c.syncFail(m.sync, kerr.UnknownMemberID.Code)
		m.sync = nil
	}
	c.timers.cancel(timerKey{timerHeartbeat, g.id, m.id})
	g.remove(m.id)
	switch g.state {
	case Stable, CompletingRebalance:
		c.maybePrepareRebalance(g)
	case PreparingRebalance:
		c.tryCompleteJoin(g)
	}
}

// expireHeartbeat: a member (or a KIP-394 pending member) missed its session
// timeout. Members waiting in a join or sync phase are bounded by the
// rebalance timeout instead, except new members.
func (c *Coordinator) expireHeartbeat(gid, mid string) {
	g := c.groups[gid]
	if g == nil || g.state == Dead {
		return
	}
	if g.pending[mid] {
		delete(g.pending, mid)
		c.tryCompleteJoin(g)
		c.dropIfUnused(g)
		return
	}
	m := g.members[mid]
	if m == nil {
		return
	}
	if !m.isNew && (m.join != nil || m.sync != nil) {
		return
	}
	c.removeMember(g, m)
}

// storeGroup appends the group's metadata record (with the given
// assignment, or the members' current one when nil).
func (c *Coordinator) storeGroup(g *classicGroup, assignment map[string][]byte, done func(code int16)) {
	v := GroupValue{
		ProtocolType: g.protocolType, Generation: g.generation,
		Protocol: g.protocolName, Leader: g.leader,
		CurrentStateTimestamp: g.stateSince.UnixMilli(),
	}
	for _, id := range g.order {
		m := g.members[id]
		a := m.assignment
		if assignment != nil {
			a = assignment[id]
		}
		v.Members = append(v.Members, GroupValueMember{
			MemberID: m.id, InstanceID: m.instanceID, ClientID: m.clientID, ClientHost: m.clientHost,
			RebalanceTimeout: int32(m.rebalanceTimeout.Milliseconds()),
			SessionTimeout:   int32(m.sessionTimeout.Milliseconds()),
			Subscription:     m.metadata(g.protocolName), Assignment: a,
		})
	}
	rec := Record{Key: EncodeGroupKey(g.id), Value: EncodeGroupValue(v)}
	c.append(g.partition, []Record{rec}, done)
}
