package group

import (
	"math"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// ListGroups v0-5, DescribeGroups v0-5, DeleteGroups v0-2.

func (c *Coordinator) listGroups(r Request, q *kmsg.ListGroupsRequest) {
	resp := kmsg.NewPtrListGroupsResponse()
	resp.SetVersion(q.Version)
	defer c.respond(r.ID, resp)
	for _, st := range c.partitions {
		if st == partLoading {
			resp.ErrorCode = kerr.CoordinatorLoadInProgress.Code
			return
		}
	}
	typeOK := func(t string) bool {
		return q.Version < 5 || len(q.TypesFilter) == 0 ||
			slices.ContainsFunc(q.TypesFilter, func(s string) bool { return strings.EqualFold(s, t) })
	}
	ids := make([]string, 0, len(c.groups))
	for id, g := range c.groups {
		if g.state == Dead || c.partitions[g.partition] != partActive {
			continue
		}
		if !typeOK(g.groupType()) {
			continue
		}
		if q.Version >= 4 && len(q.StatesFilter) > 0 &&
			!slices.ContainsFunc(q.StatesFilter, func(s string) bool { return strings.EqualFold(s, g.stateName()) }) {
			continue
		}
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		g := c.groups[id]
		lg := kmsg.NewListGroupsResponseGroup()
		lg.Group, lg.ProtocolType = id, g.protocolType
		lg.GroupState, lg.GroupType = g.stateName(), g.groupType()
		resp.Groups = append(resp.Groups, lg)
	}
}

func (c *Coordinator) describeGroups(r Request, q *kmsg.DescribeGroupsRequest) {
	resp := kmsg.NewPtrDescribeGroupsResponse()
	resp.SetVersion(q.Version)
	for _, id := range q.Groups {
		dg := kmsg.NewDescribeGroupsResponseGroup()
		dg.Group = id
		dg.AuthorizedOperations = math.MinInt32
		code := c.groupError(id)
		if id == "" {
			code = kerr.InvalidGroupID.Code
		}
		g := c.group(id)
		switch {
		case code != 0:
			dg.ErrorCode = code
		case g == nil || g.consumer != nil: // as Kafka: not a classic group
			dg.State = Dead.String()
		default:
			dg.State, dg.ProtocolType = g.state.String(), g.protocolType
			if g.state == Stable {
				dg.Protocol = g.protocolName
			}
			for _, mid := range g.order {
				m := g.members[mid]
				dm := kmsg.NewDescribeGroupsResponseGroupMember()
				dm.MemberID, dm.InstanceID = m.id, nullable(m.instanceID)
				dm.ClientID, dm.ClientHost = m.clientID, m.clientHost
				dm.ProtocolMetadata, dm.MemberAssignment = []byte{}, []byte{}
				if g.state == Stable {
					dm.ProtocolMetadata = m.metadata(g.protocolName)
					if m.assignment != nil {
						dm.MemberAssignment = m.assignment
					}
				}
				dg.Members = append(dg.Members, dm)
			}
		}
		resp.Groups = append(resp.Groups, dg)
	}
	c.respond(r.ID, resp)
}

func (c *Coordinator) deleteGroups(r Request, q *kmsg.DeleteGroupsRequest) {
	resp := kmsg.NewPtrDeleteGroupsResponse()
	resp.SetVersion(q.Version)
	byPartition := map[int32][]Record{}
	groupsOf := map[int32][]int{} // partition -> indexes into resp.Groups
	for _, id := range q.Groups {
		dg := kmsg.NewDeleteGroupsResponseGroup()
		dg.Group = id
		code := c.groupError(id)
		if id == "" {
			code = kerr.InvalidGroupID.Code
		}
		g := c.group(id)
		switch {
		case code != 0:
		case g == nil:
			code = kerr.GroupIDNotFound.Code
		case g.state != Empty || len(g.pending) > 0 || (g.consumer != nil && len(g.consumer.members) > 0):
			code = kerr.NonEmptyGroup.Code
		default:
			byPartition[g.partition] = append(byPartition[g.partition], c.deleteGroupRecords(g)...)
			groupsOf[g.partition] = append(groupsOf[g.partition], len(resp.Groups))
		}
		dg.ErrorCode = code
		resp.Groups = append(resp.Groups, dg)
	}
	if len(byPartition) == 0 {
		c.respond(r.ID, resp)
		return
	}
	left := len(byPartition)
	parts := make([]int32, 0, len(byPartition))
	for p := range byPartition {
		parts = append(parts, p)
	}
	slices.Sort(parts)
	for _, p := range parts {
		c.append(p, byPartition[p], func(code int16) {
			if code = appendError(code, false); code != 0 {
				for _, i := range groupsOf[p] {
					resp.Groups[i].ErrorCode = code
				}
			}
			if left--; left == 0 {
				c.respond(r.ID, resp)
			}
		})
	}
}

// deleteGroupRecords marks g Dead, forgets it and returns its tombstones:
// every committed offset, then the group metadata.
func (c *Coordinator) deleteGroupRecords(g *classicGroup) []Record {
	keys := make([]tp, 0, len(g.offsets))
	for k := range g.offsets {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareTP)
	recs := make([]Record, 0, len(keys)+1)
	for _, k := range keys {
		recs = append(recs, Record{Key: EncodeOffsetKey(OffsetKey{g.id, k.topic, k.partition})})
	}
	if g.consumer != nil {
		recs = append(recs, cgTombstones(g.id)...)
	} else {
		recs = append(recs, Record{Key: EncodeGroupKey(g.id)})
	}
	g.transition(Dead, c.now)
	delete(c.groups, g.id)
	for k := range c.timers.live {
		if k.group == g.id {
			c.timers.cancel(k)
		}
	}
	return recs
}
