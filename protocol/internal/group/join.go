package group

import (
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// JoinGroup v0-9 (Kafka's GroupCoordinator.handleJoinGroup).

func (c *Coordinator) joinResponse(w *waiter, code int16, memberID string) *kmsg.JoinGroupResponse {
	resp := kmsg.NewPtrJoinGroupResponse()
	resp.SetVersion(w.version)
	resp.ErrorCode = code
	resp.MemberID = memberID
	return resp
}

func (c *Coordinator) joinFail(w *waiter, code int16, memberID string) {
	c.respond(w.id, c.joinResponse(w, code, memberID))
}

// joinSuccess answers a member's JoinGroup with the current generation; the
// leader also gets every member's metadata.
func (c *Coordinator) joinSuccess(g *classicGroup, m *member, w *waiter, skipAssignment bool) {
	resp := c.joinResponse(w, 0, m.id)
	resp.Generation = g.generation
	resp.ProtocolType = nullable(g.protocolType)
	resp.Protocol = nullable(g.protocolName)
	resp.LeaderID = g.leader
	resp.SkipAssignment = skipAssignment
	if m.id == g.leader {
		for _, id := range g.order {
			o := g.members[id]
			resp.Members = append(resp.Members, kmsg.JoinGroupResponseMember{
				MemberID: o.id, InstanceID: nullable(o.instanceID),
				ProtocolMetadata: o.metadata(g.protocolName),
			})
		}
	}
	c.respond(w.id, resp)
}

func (c *Coordinator) joinGroup(r Request, q *kmsg.JoinGroupRequest) {
	w := &waiter{id: r.ID, version: q.Version}
	if q.Group == "" {
		c.joinFail(w, kerr.InvalidGroupID.Code, q.MemberID)
		return
	}
	if code := c.groupError(q.Group); code != 0 {
		c.joinFail(w, code, q.MemberID)
		return
	}
	session := time.Duration(q.SessionTimeoutMillis) * time.Millisecond
	if session < c.opts.MinSessionTimeout || session > c.opts.MaxSessionTimeout {
		c.joinFail(w, kerr.InvalidSessionTimeout.Code, q.MemberID)
		return
	}
	rebalance := time.Duration(q.RebalanceTimeoutMillis) * time.Millisecond
	if q.Version == 0 {
		rebalance = session
	}
	instance := ""
	if q.Version >= 5 && q.InstanceID != nil {
		instance = *q.InstanceID
	}
	j := joinParams{r: r, q: q, w: w, session: session, rebalance: rebalance, instance: instance}

	var g *classicGroup
	if q.MemberID == "" {
		g = c.getOrCreate(q.Group)
	} else if g = c.group(q.Group); g == nil {
		c.joinFail(w, kerr.UnknownMemberID.Code, q.MemberID)
		return
	}
	if g.consumer != nil {
		if len(g.consumer.members) > 0 {
			c.joinFail(w, kerr.InconsistentGroupProtocol.Code, q.MemberID)
			return
		}
		c.append(g.partition, cgTombstones(g.id), func(int16) {})
		g.consumer, g.protocolType = nil, ""
	}
	if !c.acceptJoining(g, q.MemberID) {
		if m := g.members[q.MemberID]; m != nil {
			c.removeMember(g, m)
		}
		c.joinFail(w, kerr.GroupMaxSizeReached.Code, q.MemberID)
	} else if q.MemberID == "" {
		c.joinNew(g, j)
	} else {
		c.joinKnown(g, j)
	}
	c.tryCompleteJoin(g)
	c.dropIfUnused(g)
}

type joinParams struct {
	r                  Request
	q                  *kmsg.JoinGroupRequest
	w                  *waiter
	session, rebalance time.Duration
	instance           string
}

// acceptJoining is Kafka's acceptJoiningMember (group.max.size).
func (c *Coordinator) acceptJoining(g *classicGroup, memberID string) bool {
	switch g.state {
	case Empty, Dead:
		return true
	case PreparingRebalance:
		m := g.members[memberID]
		return (m != nil && m.join != nil) || g.awaiting < c.opts.MaxSize
	}
	return g.members[memberID] != nil || len(g.members) < c.opts.MaxSize
}

func (c *Coordinator) joinNew(g *classicGroup, j joinParams) {
	if !g.supports(j.q.ProtocolType, j.q.Protocols) {
		c.joinFail(j.w, kerr.InconsistentGroupProtocol.Code, "")
		return
	}
	prefix := j.r.ClientID
	if j.instance != "" {
		prefix = j.instance
	}
	id := c.opts.NewMemberID(prefix)
	switch {
	case j.instance != "":
		c.joinStatic(g, j, id)
	case j.q.Version >= 4:
		// KIP-394: hand out the id; the member must rejoin with it.
		g.pending[id] = true
		c.timers.set(timerKey{timerHeartbeat, g.id, id}, c.now.Add(j.session))
		c.joinFail(j.w, kerr.MemberIDRequired.Code, id)
	default:
		c.addMemberAndRebalance(g, j, id)
	}
}

func (c *Coordinator) joinKnown(g *classicGroup, j joinParams) {
	id := j.q.MemberID
	if !g.supports(j.q.ProtocolType, j.q.Protocols) {
		c.joinFail(j.w, kerr.InconsistentGroupProtocol.Code, id)
		return
	}
	if g.pending[id] {
		if j.instance != "" && g.static[j.instance] != "" {
			c.joinFail(j.w, kerr.FencedInstanceID.Code, id)
			return
		}
		delete(g.pending, id)
		c.addMemberAndRebalance(g, j, id)
		return
	}
	if g.fenced(nullable(j.instance), id) {
		c.joinFail(j.w, kerr.FencedInstanceID.Code, id)
		return
	}
	m := g.members[id]
	if m == nil {
		c.joinFail(j.w, kerr.UnknownMemberID.Code, id)
		return
	}
	switch g.state {
	case PreparingRebalance:
		c.updateMemberAndRebalance(g, m, j)
	case CompletingRebalance:
		if m.matches(j.q.Protocols) {
			// It lost its JoinGroup response: answer with the current generation.
			c.joinSuccess(g, m, j.w, false)
			return
		}
		c.updateMemberAndRebalance(g, m, j)
	case Stable:
		if id == g.leader || !m.matches(j.q.Protocols) {
			c.updateMemberAndRebalance(g, m, j)
			return
		}
		c.joinSuccess(g, m, j.w, false)
	default:
		c.joinFail(j.w, kerr.UnknownMemberID.Code, id)
	}
}

func (c *Coordinator) addMemberAndRebalance(g *classicGroup, j joinParams, id string) {
	m := &member{
		id: id, instanceID: j.instance, clientID: j.r.ClientID, clientHost: j.r.ClientHost,
		rebalanceTimeout: j.rebalance, sessionTimeout: j.session,
		protocolType: j.q.ProtocolType, isNew: true,
	}
	for _, p := range j.q.Protocols {
		m.protocols = append(m.protocols, protocol{p.Name, p.Metadata})
	}
	if g.state == PreparingRebalance && g.generation == 0 {
		g.newAdded = true
	}
	g.add(m)
	g.setJoin(m, j.w)
	c.timers.set(timerKey{timerHeartbeat, g.id, id}, c.now.Add(c.opts.NewMemberJoinTimeout))
	c.maybePrepareRebalance(g)
}

func (c *Coordinator) updateMember(g *classicGroup, m *member, j joinParams) {
	g.setProtocols(m, j.q.Protocols)
	m.rebalanceTimeout, m.sessionTimeout = j.rebalance, j.session
	if m.join != nil && m.join != j.w {
		// A duplicate JoinGroup replaces the one waiting: answer the older.
		c.joinFail(m.join, kerr.RebalanceInProgress.Code, m.id)
	}
	g.setJoin(m, j.w)
}

func (c *Coordinator) updateMemberAndRebalance(g *classicGroup, m *member, j joinParams) {
	c.updateMember(g, m, j)
	c.maybePrepareRebalance(g)
}

// joinStatic handles a JoinGroup with a group.instance.id and no member id
// (KIP-345): a known instance gets a new member id that replaces the old one,
// fencing it; a Stable group keeps its assignment if the selected protocol
// does not change.
func (c *Coordinator) joinStatic(g *classicGroup, j joinParams, newID string) {
	oldID, ok := g.static[j.instance]
	if !ok || g.members[oldID] == nil {
		c.addMemberAndRebalance(g, j, newID)
		return
	}
	m := g.members[oldID]
	if m.join != nil {
		c.joinFail(m.join, kerr.FencedInstanceID.Code, oldID)
		g.setJoin(m, nil)
	}
	if m.sync != nil {
		c.syncFail(m.sync, kerr.FencedInstanceID.Code)
		m.sync = nil
	}
	c.timers.cancel(timerKey{timerHeartbeat, g.id, oldID})
	g.rename(oldID, newID)
	c.timers.set(timerKey{timerHeartbeat, g.id, newID}, c.now.Add(j.session))
	oldProtocols := append([]protocol(nil), m.protocols...)
	oldRebalance, oldSession := m.rebalanceTimeout, m.sessionTimeout
	c.updateMember(g, m, j)
	switch g.state {
	case Stable:
		if g.selectProtocol() != g.protocolName {
			c.maybePrepareRebalance(g)
			return
		}
		w := j.w
		c.storeGroup(g, nil, func(code int16) {
			if m.join != w {
				return // answered meanwhile (fenced again, rebalance...)
			}
			g.setJoin(m, nil)
			if code != 0 {
				if c.groups[g.id] == g && g.members[newID] == m {
					g.rename(newID, oldID)
					ps := make([]kmsg.JoinGroupRequestProtocol, 0, len(oldProtocols))
					for _, p := range oldProtocols {
						ps = append(ps, kmsg.JoinGroupRequestProtocol{Name: p.name, Metadata: p.metadata})
					}
					g.setProtocols(m, ps)
					m.rebalanceTimeout, m.sessionTimeout = oldRebalance, oldSession
					c.timers.cancel(timerKey{timerHeartbeat, g.id, newID})
					c.timers.set(timerKey{timerHeartbeat, g.id, oldID}, c.now.Add(oldSession))
				}
				c.joinFail(w, appendError(code, false), "")
				return
			}
			c.joinSuccess(g, m, w, m.id == g.leader)
		})
	case CompletingRebalance:
		// The leader may already assign to the old id: rebalance.
		c.prepareRebalance(g)
	}
	// PreparingRebalance: the member is awaiting join; the join phase
	// completes with it.
}

// dropIfUnused forgets a group that was created by this request but holds
// nothing (never persisted, so no tombstone is needed).
func (c *Coordinator) dropIfUnused(g *classicGroup) {
	if g.consumer != nil && len(g.consumer.members) > 0 {
		return
	}
	if g.state == Empty && len(g.members) == 0 && len(g.pending) == 0 &&
		len(g.offsets) == 0 && len(g.pendingOffsets) == 0 && g.generation == 0 && (g.protocolType == "" || g.consumer != nil) {
		delete(c.groups, g.id)
	}
}
