package group

import (
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// LeaveGroup v0-5. v0-2 carry one member id; v3+ a batch of members, each
// by member id and/or group.instance.id (KIP-345), answered per member.

func (c *Coordinator) leaveGroup(r Request, q *kmsg.LeaveGroupRequest) {
	resp := kmsg.NewPtrLeaveGroupResponse()
	resp.SetVersion(q.Version)
	defer c.respond(r.ID, resp)

	members := q.Members
	if q.Version < 3 {
		members = []kmsg.LeaveGroupRequestMember{{MemberID: q.MemberID}}
	}
	top := int16(0)
	if q.Group == "" {
		top = kerr.InvalidGroupID.Code
	} else {
		top = c.groupError(q.Group)
	}
	g := c.groups[q.Group]
	if top == 0 && g != nil && g.state == Dead {
		top = kerr.CoordinatorNotAvailable.Code
	}
	if top != 0 {
		resp.ErrorCode = top
		return
	}
	for _, lm := range members {
		code := c.leaveOne(g, lm)
		resp.Members = append(resp.Members, kmsg.LeaveGroupResponseMember{
			MemberID: lm.MemberID, InstanceID: lm.InstanceID, ErrorCode: code,
		})
	}
	if q.Version < 3 {
		resp.ErrorCode = resp.Members[0].ErrorCode
		resp.Members = nil
	}
	if g != nil {
		c.dropIfUnused(g)
	}
}

func (c *Coordinator) leaveOne(g *classicGroup, lm kmsg.LeaveGroupRequestMember) int16 {
	if g == nil {
		return kerr.UnknownMemberID.Code
	}
	id := lm.MemberID
	if lm.InstanceID != nil && *lm.InstanceID != "" {
		cur, ok := g.static[*lm.InstanceID]
		switch {
		case !ok:
			return kerr.UnknownMemberID.Code
		case id == "":
			id = cur
		case id != cur:
			return kerr.FencedInstanceID.Code
		}
	}
	if g.pending[id] {
		delete(g.pending, id)
		c.timers.cancel(timerKey{timerHeartbeat, g.id, id})
		c.tryCompleteJoin(g)
		return 0
	}
	m := g.members[id]
	if m == nil {
		return kerr.UnknownMemberID.Code
	}
	c.removeMember(g, m)
	return 0
}
