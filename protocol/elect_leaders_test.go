package protocol

import (
	"fmt"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestElectLeadersSingleNode: ElectLeaders at every served version on a
// single node, whose only replica leads every partition: listed
// partitions answer ELECTION_NOT_NEEDED (a duplicate once), unknown ones
// UNKNOWN_TOPIC_OR_PARTITION with Kafka's message; a null topic list
// leaves out the partitions that needed no election; an unknown
// election_type is INVALID_REQUEST.
func TestElectLeadersSingleNode(t *testing.T) {
	b := startTestBroker(t, "", nil)
	createTopic(t, b, "el", 2, nil)
	c := dial(t, b)
	summary := func(r *kmsg.ElectLeadersResponse) string {
		s := fmt.Sprintf("err=%d", r.ErrorCode)
		for _, tr := range r.Topics {
			for _, p := range tr.Partitions {
				msg := "<null>"
				if p.ErrorMessage != nil {
					msg = *p.ErrorMessage
				}
				s += fmt.Sprintf(" %s-%d:%d(%s)", tr.Topic, p.Partition, p.ErrorCode, msg)
			}
		}
		return s
	}
	for v := int16(0); v <= 2; v++ {
		for _, typ := range []int8{0, 1} {
			if v == 0 && typ == 1 {
				continue
			}
			req := kmsg.NewPtrElectLeadersRequest()
			req.ElectionType = typ
			for _, name := range []string{"el", "nope"} {
				rt := kmsg.NewElectLeadersRequestTopic()
				rt.Topic, rt.Partitions = name, []int32{1, 0, 1, 5}
				if name == "nope" {
					rt.Partitions = []int32{0}
				}
				req.Topics = append(req.Topics, rt)
			}
			got := summary(roundTrip(t, c, req, v).(*kmsg.ElectLeadersResponse))
			want := "err=0 el-0:84(Leader election not needed for topic partition.) el-1:84(Leader election not needed for topic partition.)" +
				" el-5:3(The partition does not exist.) nope-0:3(The partition does not exist.)"
			if got != want {
				t.Errorf("v%d type %d: %s\nwant %s", v, typ, got, want)
			}
			all := kmsg.NewPtrElectLeadersRequest()
			all.ElectionType = typ
			if got := summary(roundTrip(t, c, all, v).(*kmsg.ElectLeadersResponse)); got != "err=0" {
				t.Errorf("v%d type %d, null topics: %s", v, typ, got)
			}
		}
	}
	req := kmsg.NewPtrElectLeadersRequest()
	req.ElectionType = 7
	req.Topics = []kmsg.ElectLeadersRequestTopic{{Topic: "el", Partitions: []int32{0}}}
	if got := summary(roundTrip(t, c, req, 2).(*kmsg.ElectLeadersResponse)); got != "err=42 el-0:42(<null>)" {
		t.Errorf("election type 7: %s", got)
	}
}
