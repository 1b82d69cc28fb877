package group

import (
	"slices"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// ConsumerGroupDescribe v0-1.

type topicPartitions struct {
	id         [16]byte
	partitions []int32
}

func groupByTopic(set map[tpid]bool) []topicPartitions {
	keys := make([]tpid, 0, len(set))
	for p := range set {
		keys = append(keys, p)
	}
	slices.SortFunc(keys, compareTPID)
	var out []topicPartitions
	for _, p := range keys {
		if len(out) == 0 || out[len(out)-1].id != p.topic {
			out = append(out, topicPartitions{id: p.topic})
		}
		out[len(out)-1].partitions = append(out[len(out)-1].partitions, p.partition)
	}
	return out
}

func (c *Coordinator) cgDescribe(r Request, q *kmsg.ConsumerGroupDescribeRequest) {
	resp := kmsg.NewPtrConsumerGroupDescribeResponse()
	resp.SetVersion(q.Version)
	names := map[[16]byte]string{}
	for _, t := range c.topics {
		names[t.ID] = t.Name
	}
	toAssignment := func(set map[tpid]bool) kmsg.Assignment {
		var a kmsg.Assignment
		for _, t := range groupByTopic(set) {
			a.TopicPartitions = append(a.TopicPartitions, kmsg.AssignmentTopicPartition{TopicID: t.id, Topic: names[t.id], Partitions: t.partitions})
		}
		return a
	}
	for _, id := range q.Groups {
		dg := kmsg.NewConsumerGroupDescribeResponseGroup()
		dg.Group = id
		code := c.groupError(id)
		if id == "" {
			code = kerr.InvalidGroupID.Code
		}
		g := c.group(id)
		switch {
		case code != 0:
			dg.ErrorCode = code
		case g == nil || g.consumer == nil:
			dg.ErrorCode = kerr.GroupIDNotFound.Code
			msg := "Group " + id + " not found."
			if g != nil {
				msg = "Group " + id + " is not a consumer group."
			}
			dg.ErrorMessage = &msg
		default:
			cg := g.consumer
			dg.State, dg.Epoch, dg.AssignmentEpoch = cg.stateName(), cg.epoch, cg.targetEpoch
			dg.AssignorName = cg.assignor
			mids := make([]string, 0, len(cg.members))
			for mid := range cg.members {
				mids = append(mids, mid)
			}
			slices.Sort(mids)
			for _, mid := range mids {
				m := cg.members[mid]
				dm := kmsg.NewConsumerGroupDescribeResponseGroupMember()
				dm.MemberID, dm.InstanceID, dm.RackID = m.id, nullable(m.instanceID), nullable(m.rackID)
				dm.MemberEpoch, dm.ClientID, dm.ClientHost = m.epoch, m.clientID, m.clientHost
				dm.SubscribedTopics = m.topics
				dm.SubscribedTopicRegex = nullable(m.regex)
				dm.Assignment = toAssignment(m.assigned)
				dm.TargetAssignment = toAssignment(cg.target[m.id])
				dm.MemberType = 1 // consumer protocol
				dg.Members = append(dg.Members, dm)
			}
		}
		resp.Groups = append(resp.Groups, dg)
	}
	c.respond(r.ID, resp)
}
