package group

import (
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// SyncGroup v0-5 and Heartbeat v0-4.

func (c *Coordinator) syncFail(w *waiter, code int16) {
	resp := kmsg.NewPtrSyncGroupResponse()
	resp.SetVersion(w.version)
	resp.ErrorCode = code
	c.respond(w.id, resp)
}

func (c *Coordinator) syncSuccess(g *classicGroup, m *member, w *waiter) {
	resp := kmsg.NewPtrSyncGroupResponse()
	resp.SetVersion(w.version)
	resp.ProtocolType = nullable(g.protocolType)
	resp.Protocol = nullable(g.protocolName)
	resp.MemberAssignment = m.assignment
	if resp.MemberAssignment == nil {
		resp.MemberAssignment = []byte{}
	}
	c.respond(w.id, resp)
}

// validateMember runs the checks shared by SyncGroup, Heartbeat and
// OffsetCommit: Dead group, fenced instance, unknown member, generation.
func (c *Coordinator) validateMember(g *classicGroup, memberID string, instance *string, generation int32) int16 {
	switch {
	case g == nil:
		return kerr.UnknownMemberID.Code
	case g.state == Dead:
		return kerr.CoordinatorNotAvailable.Code
	case g.fenced(instance, memberID):
		return kerr.FencedInstanceID.Code
	case g.members[memberID] == nil:
		return kerr.UnknownMemberID.Code
	case generation != g.generation:
		return kerr.IllegalGeneration.Code
	}
	return 0
}

func (c *Coordinator) syncGroup(r Request, q *kmsg.SyncGroupRequest) {
	w := &waiter{id: r.ID, version: q.Version}
	if q.Group == "" {
		c.syncFail(w, kerr.InvalidGroupID.Code)
		return
	}
	if code := c.groupError(q.Group); code != 0 {
		c.syncFail(w, code)
		return
	}
	var instance *string
	if q.Version >= 3 {
		instance = q.InstanceID
	}
	g := c.group(q.Group)
	if code := c.validateMember(g, q.MemberID, instance, q.Generation); code != 0 {
		c.syncFail(w, code)
		return
	}
	if (q.ProtocolType != nil && *q.ProtocolType != g.protocolType) ||
		(q.Protocol != nil && *q.Protocol != g.protocolName) {
		c.syncFail(w, kerr.InconsistentGroupProtocol.Code)
		return
	}
	m := g.members[q.MemberID]
	switch g.state {
	case PreparingRebalance:
		c.syncFail(w, kerr.RebalanceInProgress.Code)
	case Stable:
		delete(g.pendSync, m.id)
		c.timers.set(timerKey{timerHeartbeat, g.id, m.id}, c.now.Add(m.sessionTimeout))
		c.syncSuccess(g, m, w)
	case CompletingRebalance:
		if m.sync != nil {
			c.syncFail(m.sync, kerr.RebalanceInProgress.Code)
		}
		m.sync = w
		delete(g.pendSync, m.id)
		if m.id == g.leader && g.syncToken == 0 {
			c.leaderSync(g, q)
		}
	default:
		c.syncFail(w, kerr.UnknownMemberID.Code)
	}
}

// leaderSync stores the leader's assignment; on durability the group turns
// Stable and every waiting member gets its assignment.
func (c *Coordinator) leaderSync(g *classicGroup, q *kmsg.SyncGroupRequest) {
	assign := make(map[string][]byte, len(g.members))
	for _, a := range q.GroupAssignment {
		if g.members[a.MemberID] != nil {
			assign[a.MemberID] = a.MemberAssignment
		}
	}
	for id := range g.members {
		if assign[id] == nil {
			assign[id] = []byte{}
		}
	}
	gen := g.generation
	c.storeGroup(g, assign, func(code int16) {
		g.syncToken = 0
		if c.groups[g.id] != g || g.state != CompletingRebalance || g.generation != gen {
			return
		}
		if code != 0 {
			c.resetAssignment(g, appendError(code, false))
			c.maybePrepareRebalance(g)
			return
		}
		for id, a := range assign {
			if m := g.members[id]; m != nil {
				m.assignment = a
			}
		}
		c.propagate(g, 0)
		g.transition(Stable, c.now)
	})
	g.syncToken = c.nextToken
}

// resetAssignment clears assignments and answers waiting SyncGroups with code.
func (c *Coordinator) resetAssignment(g *classicGroup, code int16) {
	for _, m := range g.members {
		m.assignment = nil
	}
	g.syncToken = 0
	c.propagate(g, code)
}

// propagate answers every waiting SyncGroup (with the assignment when code
// is 0) and restarts those members' session timers.
func (c *Coordinator) propagate(g *classicGroup, code int16) {
	for _, id := range g.order {
		m := g.members[id]
		if m.sync == nil {
			continue
		}
		if code == 0 {
			c.syncSuccess(g, m, m.sync)
		} else {
			c.syncFail(m.sync, code)
		}
		m.sync = nil
		c.timers.set(timerKey{timerHeartbeat, g.id, id}, c.now.Add(m.sessionTimeout))
	}
}

func (c *Coordinator) heartbeat(r Request, q *kmsg.HeartbeatRequest) {
	code := c.heartbeatCode(q)
	resp := kmsg.NewPtrHeartbeatResponse()
	resp.SetVersion(q.Version)
	resp.ErrorCode = code
	c.respond(r.ID, resp)
}

func (c *Coordinator) heartbeatCode(q *kmsg.HeartbeatRequest) int16 {
	if q.Group == "" {
		return kerr.InvalidGroupID.Code
	}
	if code := c.groupError(q.Group); code != 0 {
		return code
	}
	var instance *string
	if q.Version >= 3 {
		instance = q.InstanceID
	}
	g := c.group(q.Group)
	if code := c.validateMember(g, q.MemberID, instance, q.Generation); code != 0 {
		return code
	}
	m := g.members[q.MemberID]
	switch g.state {
	case CompletingRebalance, Stable:
		c.timers.set(timerKey{timerHeartbeat, g.id, m.id}, c.now.Add(m.sessionTimeout))
		return 0
	case PreparingRebalance:
		c.timers.set(timerKey{timerHeartbeat, g.id, m.id}, c.now.Add(m.sessionTimeout))
		return kerr.RebalanceInProgress.Code
	}
	return kerr.UnknownMemberID.Code
}
