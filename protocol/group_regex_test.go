package protocol

import (
	"context"
	"errors"
	"maps"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// regexMember speaks ConsumerGroupHeartbeat v1 by hand, as a KIP-848
// client subscribed with SubscribedTopicRegex: it owns what it was last
// assigned and reports it on each heartbeat.
type regexMember struct {
	t     *testing.T
	cl    *kgo.Client
	group string
	id    string
	epoch int32
	owned map[[16]byte][]int32
}

// join sends the first heartbeat, again while the group's partition loads.
func (m *regexMember) join(regex string) *kmsg.ConsumerGroupHeartbeatResponse {
	m.t.Helper()
	for deadline := time.Now().Add(groupWait); ; time.Sleep(50 * time.Millisecond) {
		resp := m.beat(&regex)
		if resp.ErrorCode != kerr.CoordinatorLoadInProgress.Code || time.Now().After(deadline) {
			return resp
		}
	}
}

func (m *regexMember) beat(regex *string) *kmsg.ConsumerGroupHeartbeatResponse {
	m.t.Helper()
	r := kmsg.NewPtrConsumerGroupHeartbeatRequest()
	r.Version, r.Group, r.MemberID, r.MemberEpoch = 1, m.group, m.id, m.epoch
	r.RebalanceTimeoutMillis = -1
	if m.epoch == 0 {
		r.RebalanceTimeoutMillis = 30000
	}
	r.SubscribedTopicRegex = regex
	r.Topics = []kmsg.ConsumerGroupHeartbeatRequestTopic{}
	for id, ps := range m.owned {
		r.Topics = append(r.Topics, kmsg.ConsumerGroupHeartbeatRequestTopic{TopicID: id, Partitions: ps})
	}
	resp, err := r.RequestWith(context.Background(), m.cl)
	if err != nil {
		m.t.Fatal(err)
	}
	if resp.ErrorCode == 0 {
		m.epoch = resp.MemberEpoch
		if resp.Assignment != nil {
			m.owned = map[[16]byte][]int32{}
			for _, t := range resp.Assignment.Topics {
				m.owned[t.TopicID] = t.Partitions
			}
		}
	}
	return resp
}

// waitOwned heartbeats until the member owns want (partitions per topic
// name): the broker resolves regexes asynchronously and topic changes reach
// the coordinator before the next heartbeat.
func (m *regexMember) waitOwned(ids func() map[[16]byte]string, what string, want map[string]int) {
	m.t.Helper()
	deadline := time.Now().Add(groupWait)
	for {
		resp := m.beat(nil)
		if resp.ErrorCode != 0 && resp.ErrorCode != kerr.CoordinatorLoadInProgress.Code {
			m.t.Fatalf("%s: heartbeat %v", what, kerr.ErrorForCode(resp.ErrorCode))
		}
		got := m.ownedCount(ids())
		if maps.Equal(got, want) {
			return
		}
		if time.Now().After(deadline) {
			m.t.Fatalf("%s: owns %v, want %v", what, got, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ownedCount is how many partitions of each topic name the member owns.
func (m *regexMember) ownedCount(ids map[[16]byte]string) map[string]int {
	out := map[string]int{}
	for id, ps := range m.owned {
		out[ids[id]] += len(ps)
	}
	return out
}

// TestGroupKIP848Regex: a member subscribed with a regex is assigned the
// topics whose whole name matches, including __consumer_offsets; topics
// created and deleted later are added and revoked at the next heartbeats;
// a bad regex is refused with INVALID_REGULAR_EXPRESSION.
func TestGroupKIP848Regex(t *testing.T) {
	t.Parallel()
	b := startTestBroker(t, "", groupProps())
	cl := newKgo(t, b)
	adm := kadm.NewClient(cl)
	createTopic(t, b, "rx-a", 2, nil)
	createTopic(t, b, "rx", 1, nil)       // a prefix of the pattern's matches, not one itself
	createTopic(t, b, "not-rx-a", 1, nil) // contains a match, is not one
	topicIDs := func() map[[16]byte]string {
		out := map[[16]byte]string{}
		for _, ti := range b.Node().Topics() {
			out[ti.ID] = ti.Name
		}
		return out
	}
	// Group coordinator first: COORDINATOR_NOT_AVAILABLE while the broker
	// creates __consumer_offsets, then this broker.
	for deadline := time.Now().Add(groupWait); ; time.Sleep(50 * time.Millisecond) {
		r := adm.FindGroupCoordinators(context.Background(), "rg")
		if r.Error() == nil {
			break
		}
		if !errors.Is(r.Error(), kerr.CoordinatorNotAvailable) || time.Now().After(deadline) {
			t.Fatal(r.Error())
		}
	}
	regex := "rx-.*"
	m := &regexMember{t: t, cl: cl, group: "rg", id: "m-1"}
	if resp := m.join(regex); resp.ErrorCode != 0 {
		t.Fatalf("join: %v", kerr.ErrorForCode(resp.ErrorCode))
	}
	m.waitOwned(topicIDs, "joined", map[string]int{"rx-a": 2})

	createTopic(t, b, "rx-b", 3, nil)
	m.waitOwned(topicIDs, "topic created", map[string]int{"rx-a": 2, "rx-b": 3})

	if _, err := adm.DeleteTopics(context.Background(), "rx-a"); err != nil {
		t.Fatal(err)
	}
	m.waitOwned(topicIDs, "topic deleted", map[string]int{"rx-b": 3})

	d, err := adm.DescribeConsumerGroups(context.Background(), "rg")
	if err != nil || d["rg"].Err != nil || len(d["rg"].Members) != 1 {
		t.Fatalf("describe: %+v %v", d, err)
	}

	// Internal topics are candidates, as in Kafka (no authorizer).
	internal := "__consumer_.*"
	n := &regexMember{t: t, cl: cl, group: "rg2", id: "n-1"}
	if resp := n.join(internal); resp.ErrorCode != 0 {
		t.Fatalf("join: %v", kerr.ErrorForCode(resp.ErrorCode))
	}
	n.waitOwned(topicIDs, "regex "+internal, map[string]int{"__consumer_offsets": 5})

	bad := "rx-(a"
	o := &regexMember{t: t, cl: cl, group: "rg", id: "o-1"}
	resp := o.join(bad)
	if resp.ErrorCode != kerr.InvalidRegularExpression.Code || resp.ErrorMessage == nil {
		t.Fatalf("bad regex: %v %v", kerr.ErrorForCode(resp.ErrorCode), resp.ErrorMessage)
	}
	d, err = adm.DescribeConsumerGroups(context.Background(), "rg")
	if err != nil || len(d["rg"].Members) != 1 || d["rg"].Members[0].MemberID != "m-1" {
		t.Fatalf("after a refused member: %+v %v", d, err)
	}
}
