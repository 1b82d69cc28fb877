package group

import (
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// FuzzRequests builds group requests of every kind and version from fuzzed
// field values (ids, generations, timeouts, counts, assignments) and feeds
// them, twice and with time passing, to a coordinator that already has a
// classic and a consumer group: nothing may panic and no request may be
// answered twice (the harness checks). The wire decoding itself is kmsg's,
// fuzzed by the protocol layer.
func FuzzRequests(f *testing.F) {
	f.Add(byte(0), byte(9), "g", "", int32(-1), int32(10000), "", []byte("x"))
	f.Add(byte(1), byte(5), "g", "a-1", int32(1), int32(0), "i", []byte{})
	f.Add(byte(10), byte(1), "cg", "A", int32(1), int32(60000), "", []byte{1, 2})
	f.Fuzz(func(t *testing.T, api, version byte, group, member string, gen, n int32, instance string, data []byte) {
		var inst *string
		if instance != "" {
			inst = &instance
		}
		md := string(data)
		var req kmsg.Request
		switch api % 12 {
		case 0:
			r := joinReq(group, member, withSession(n))
			r.RebalanceTimeoutMillis, r.InstanceID = gen, inst
			r.Protocols = append(r.Protocols, kmsg.JoinGroupRequestProtocol{Name: md, Metadata: data})
			req = r
		case 1:
			r := kmsg.NewPtrSyncGroupRequest()
			r.Group, r.MemberID, r.Generation, r.InstanceID = group, member, gen, inst
			r.ProtocolType, r.Protocol = inst, inst
			r.GroupAssignment = []kmsg.SyncGroupRequestGroupAssignment{{MemberID: member, MemberAssignment: data}, {MemberID: md}}
			req = r
		case 2:
			r := kmsg.NewPtrHeartbeatRequest()
			r.Group, r.MemberID, r.Generation, r.InstanceID = group, member, gen, inst
			req = r
		case 3:
			r := kmsg.NewPtrLeaveGroupRequest()
			r.Group, r.MemberID = group, member
			r.Members = []kmsg.LeaveGroupRequestMember{{MemberID: member, InstanceID: inst}, {MemberID: md}}
			req = r
		case 4:
			r := commitReq(group, member, gen, md, n, int64(n))
			r.InstanceID, r.RetentionTimeMillis = inst, int64(gen)
			r.Topics[0].Partitions[0].Metadata = &md
			req = r
		case 5:
			r := kmsg.NewPtrOffsetFetchRequest()
			r.Group, r.RequireStable = group, n%2 == 0
			if len(data) > 0 {
				r.Topics = []kmsg.OffsetFetchRequestTopic{{Topic: md, Partitions: []int32{n, gen}}}
			}
			r.Groups = []kmsg.OffsetFetchRequestGroup{{Group: group, MemberID: inst, MemberEpoch: gen}, {Group: md}}
			req = r
		case 6:
			r := kmsg.NewPtrOffsetDeleteRequest()
			r.Group = group
			r.Topics = []kmsg.OffsetDeleteRequestTopic{{Topic: md, Partitions: []kmsg.OffsetDeleteRequestTopicPartition{{Partition: n}}}}
			req = r
		case 7:
			r := kmsg.NewPtrListGroupsRequest()
			r.StatesFilter, r.TypesFilter = []string{md}, []string{instance}
			req = r
		case 8:
			r := kmsg.NewPtrDescribeGroupsRequest()
			r.Groups = []string{group, md, "g", "cg"}
			req = r
		case 9:
			r := kmsg.NewPtrDeleteGroupsRequest()
			r.Groups = []string{group, md, group}
			req = r
		case 10:
			r := kmsg.NewPtrConsumerGroupHeartbeatRequest()
			r.Group, r.MemberID, r.MemberEpoch, r.InstanceID, r.RackID = group, member, gen, inst, inst
			r.RebalanceTimeoutMillis = n
			if len(data) > 0 {
				r.SubscribedTopicNames = []string{md, "t1"}
				r.ServerAssignor = &md
			}
			if n%2 == 1 {
				r.SubscribedTopicRegex = &md // any string: compiled or refused, then resolved
			}
			if n%3 != 0 {
				r.Topics = []kmsg.ConsumerGroupHeartbeatRequestTopic{{TopicID: topicT1.ID, Partitions: []int32{n, 0}}}
			}
			req = r
		default:
			r := kmsg.NewPtrConsumerGroupDescribeRequest()
			r.Groups = []string{group, "cg", md}
			req = r
		}
		req.SetVersion(int16(version) % (req.MaxVersion() + 1))
		h := newHarness(t, Options{NumPartitions: 2})
		h.handle(TopicsChanged{Topics: []TopicInfo{topicT1}})
		h.stableMember("g", "a")
		h.cgJoin("cg", "A", "t1")
		h.send("c", req)
		h.send("c", req)
		h.advance(time.Minute)
		h.reload()
	})
}
