package group

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

var topicT1 = TopicInfo{Name: "t1", ID: [16]byte{1}, Partitions: 6}
var topicT2 = TopicInfo{Name: "t2", ID: [16]byte{2}, Partitions: 3}

// cgClient models a KIP-848 consumer: it owns exactly the last assignment
// it was given and reports it on every heartbeat.
type cgClient struct {
	id    string
	epoch int32
	owned map[tpid]bool
}

func (h *harness) cgJoin(group, id string, topics ...string) *cgClient {
	h.t.Helper()
	cl := &cgClient{id: id, owned: map[tpid]bool{}}
	r := kmsg.NewPtrConsumerGroupHeartbeatRequest()
	r.Version, r.Group, r.MemberID, r.MemberEpoch = 1, group, id, 0
	r.RebalanceTimeoutMillis = 60000
	r.SubscribedTopicNames = topics
	r.Topics = []kmsg.ConsumerGroupHeartbeatRequestTopic{}
	resp := h.resp(h.send(id, r)).(*kmsg.ConsumerGroupHeartbeatResponse)
	wantCode(h.t, "cg join", resp.ErrorCode, nil)
	cl.apply(resp)
	return cl
}

func (cl *cgClient) apply(resp *kmsg.ConsumerGroupHeartbeatResponse) {
	if resp.ErrorCode != 0 {
		return
	}
	cl.epoch = resp.MemberEpoch
	if resp.Assignment != nil {
		cl.owned = map[tpid]bool{}
		for _, t := range resp.Assignment.Topics {
			for _, p := range t.Partitions {
				cl.owned[tpid{t.TopicID, p}] = true
			}
		}
	}
}

func (h *harness) cgBeat(group string, cl *cgClient, report bool) *kmsg.ConsumerGroupHeartbeatResponse {
	h.t.Helper()
	r := kmsg.NewPtrConsumerGroupHeartbeatRequest()
	r.Version, r.Group, r.MemberID, r.MemberEpoch = 1, group, cl.id, cl.epoch
	if report {
		r.Topics = []kmsg.ConsumerGroupHeartbeatRequestTopic{}
		for _, t := range groupByTopic(cl.owned) {
			r.Topics = append(r.Topics, kmsg.ConsumerGroupHeartbeatRequestTopic{TopicID: t.id, Partitions: t.partitions})
		}
	}
	resp := h.resp(h.send(cl.id, r)).(*kmsg.ConsumerGroupHeartbeatResponse)
	cl.apply(resp)
	return resp
}

func noOverlap(t *testing.T, cls ...*cgClient) {
	t.Helper()
	seen := map[tpid]string{}
	for _, cl := range cls {
		for p := range cl.owned {
			if o, dup := seen[p]; dup {
				t.Fatalf("partition %v owned by %s and %s", p, o, cl.id)
			}
			seen[p] = cl.id
		}
	}
}

func TestConsumerGroupIncrementalRevocation(t *testing.T) {
	h := newHarness(t, Options{})
	h.handle(TopicsChanged{Topics: []TopicInfo{topicT1}})
	a := h.cgJoin("cg", "A", "t1")
	if a.epoch != 1 || len(a.owned) != 6 {
		t.Fatalf("A epoch %d owns %d", a.epoch, len(a.owned))
	}
	b := h.cgJoin("cg", "B", "t1")
	noOverlap(t, a, b)
	if b.epoch != 2 || len(b.owned) != 0 {
		t.Fatalf("B got partitions A still holds: epoch %d owns %d", b.epoch, len(b.owned))
	}
	if s := h.cgDescribe("cg").State; s != "Reconciling" {
		t.Fatalf("state %s", s)
	}
	// A is told to give up three partitions, at its old epoch.
	h.cgBeat("cg", a, false)
	if a.epoch != 1 || len(a.owned) != 3 {
		t.Fatalf("A epoch %d owns %d", a.epoch, len(a.owned))
	}
	// B still waits: A has not confirmed the revocation.
	h.cgBeat("cg", b, false)
	if len(b.owned) != 0 {
		t.Fatal("B assigned before A revoked")
	}
	// A confirms: new epoch; B then gets the rest.
	h.cgBeat("cg", a, true)
	if a.epoch != 2 {
		t.Fatalf("A epoch %d", a.epoch)
	}
	h.cgBeat("cg", b, true)
	noOverlap(t, a, b)
	if len(b.owned) != 3 || b.epoch != 2 {
		t.Fatalf("B epoch %d owns %d", b.epoch, len(b.owned))
	}
	d := h.cgDescribe("cg")
	if d.State != "Stable" || d.Epoch != 2 || d.AssignmentEpoch != 2 || len(d.Members) != 2 || d.AssignorName != "uniform" {
		t.Fatalf("describe %+v", d)
	}
	// A member whose response was lost may heartbeat with its previous
	// epoch if it owns nothing it should not.
	prev := &cgClient{id: "A", epoch: 1, owned: a.owned}
	if r := h.cgBeat("cg", prev, true); r.ErrorCode != 0 || r.MemberEpoch != 2 {
		t.Fatalf("previous epoch: %v epoch %d", kerr.ErrorForCode(r.ErrorCode), r.MemberEpoch)
	}
	// Stale epoch: fenced.
	old := &cgClient{id: "A", epoch: 7}
	wantCode(t, "fenced", h.cgBeat("cg", old, false).ErrorCode, kerr.FencedMemberEpoch)
	// Commits carry the member epoch.
	wantCode(t, "commit", h.commit("cg", "A", 2, "t1", 0, 1), nil)
	// At its previous epoch, A may still commit what it holds, not more.
	mine, theirs := int32(-1), int32(-1)
	for p := range a.owned {
		mine = p.partition
	}
	for p := range b.owned {
		theirs = p.partition
	}
	wantCode(t, "previous epoch, own partition", h.commit("cg", "A", 1, "t1", mine, 1), nil)
	wantCode(t, "previous epoch, lost partition", h.commit("cg", "A", 1, "t1", theirs, 1), kerr.StaleMemberEpoch)
	wantCode(t, "stale commit", h.commit("cg", "A", 0, "t1", mine, 1), kerr.StaleMemberEpoch)
	wantCode(t, "unknown commit", h.commit("cg", "Z", 2, "t1", 0, 1), kerr.UnknownMemberID)
	// B leaves; A takes everything back.
	r := kmsg.NewPtrConsumerGroupHeartbeatRequest()
	r.Version, r.Group, r.MemberID, r.MemberEpoch = 1, "cg", "B", -1
	lr := h.resp(h.send("B", r)).(*kmsg.ConsumerGroupHeartbeatResponse)
	if lr.ErrorCode != 0 || lr.MemberEpoch != -1 {
		t.Fatalf("leave %+v", lr)
	}
	h.cgBeat("cg", a, true)
	if len(a.owned) != 6 || a.epoch != 3 {
		t.Fatalf("after leave A epoch %d owns %d", a.epoch, len(a.owned))
	}
}

func (h *harness) cgDescribe(group string) kmsg.ConsumerGroupDescribeResponseGroup {
	h.t.Helper()
	r := kmsg.NewPtrConsumerGroupDescribeRequest()
	r.Version, r.Groups = 1, []string{group}
	return h.resp(h.send("c", r)).(*kmsg.ConsumerGroupDescribeResponse).Groups[0]
}

func TestConsumerGroupTimeouts(t *testing.T) {
	h := newHarness(t, Options{})
	h.handle(TopicsChanged{Topics: []TopicInfo{topicT1}})
	a := h.cgJoin("cg", "A", "t1")
	b := h.cgJoin("cg", "B", "t1")
	// A never confirms its revocation: removed after its rebalance timeout
	// (60s), though it keeps heartbeating.
	for i := 0; i < 13; i++ {
		h.advance(5 * time.Second)
		if r := h.cgBeat("cg", a, false); r.ErrorCode != 0 {
			wantCode(t, "A", r.ErrorCode, kerr.UnknownMemberID)
			break
		}
		h.cgBeat("cg", b, true)
	}
	if _, ok := h.c.groups["cg"].consumer.members["A"]; ok {
		t.Fatal("A survived its revocation deadline")
	}
	h.cgBeat("cg", b, true)
	if len(b.owned) != 6 {
		t.Fatalf("B owns %d", len(b.owned))
	}
	// Session timeout (45s) removes B.
	h.advance(46 * time.Second)
	if d := h.cgDescribe("cg"); d.State != "Empty" || len(d.Members) != 0 {
		t.Fatalf("describe %+v", d)
	}
}

func TestConsumerGroupValidation(t *testing.T) {
	h := newHarness(t, Options{})
	h.stableMember("classic", "a")
	base := func() *kmsg.ConsumerGroupHeartbeatRequest {
		r := kmsg.NewPtrConsumerGroupHeartbeatRequest()
		r.Version, r.Group, r.MemberID = 1, "cg", "m"
		r.RebalanceTimeoutMillis = 1000
		r.SubscribedTopicNames = []string{"t1"}
		r.Topics = []kmsg.ConsumerGroupHeartbeatRequestTopic{}
		return r
	}
	bad := "sticky"
	cases := []struct {
		name string
		mod  func(*kmsg.ConsumerGroupHeartbeatRequest)
		want error
	}{
		{"no member id v1", func(r *kmsg.ConsumerGroupHeartbeatRequest) { r.MemberID = "" }, kerr.InvalidRequest},
		{"no rebalance timeout", func(r *kmsg.ConsumerGroupHeartbeatRequest) { r.RebalanceTimeoutMillis = -1 }, kerr.InvalidRequest},
		{"no topics", func(r *kmsg.ConsumerGroupHeartbeatRequest) { r.SubscribedTopicNames = nil }, kerr.InvalidRequest},
		{"no owned list", func(r *kmsg.ConsumerGroupHeartbeatRequest) { r.Topics = nil }, kerr.InvalidRequest},
		{"unknown assignor", func(r *kmsg.ConsumerGroupHeartbeatRequest) { r.ServerAssignor = &bad }, kerr.UnsupportedAssignor},
		{"classic group", func(r *kmsg.ConsumerGroupHeartbeatRequest) { r.Group = "classic" }, kerr.GroupIDNotFound},
		{"unknown member", func(r *kmsg.ConsumerGroupHeartbeatRequest) { r.MemberEpoch = 3 }, kerr.UnknownMemberID},
	}
	for _, tc := range cases {
		r := base()
		tc.mod(r)
		wantCode(t, tc.name, h.resp(h.send("c", r)).(*kmsg.ConsumerGroupHeartbeatResponse).ErrorCode, tc.want)
	}
	// v0: the coordinator names the member.
	r := base()
	r.Version, r.MemberID = 0, ""
	resp := h.resp(h.send("cl", r)).(*kmsg.ConsumerGroupHeartbeatResponse)
	if resp.ErrorCode != 0 || resp.MemberID == nil || *resp.MemberID == "" || resp.HeartbeatIntervalMillis != 5000 {
		t.Fatalf("v0 join %+v", resp)
	}
	// A classic member cannot join an active consumer group.
	wantCode(t, "classic join", h.joinResp(h.join("x", "cg", "")).ErrorCode, kerr.InconsistentGroupProtocol)
	// ListGroups shows both kinds.
	lg := kmsg.NewPtrListGroupsRequest()
	lg.Version, lg.TypesFilter = 5, []string{"consumer"}
	groups := h.resp(h.send("c", lg)).(*kmsg.ListGroupsResponse).Groups
	if len(groups) != 1 || groups[0].Group != "cg" || groups[0].GroupType != "consumer" || groups[0].GroupState != "Stable" {
		t.Fatalf("list %+v", groups)
	}
	// Non-empty consumer groups cannot be deleted.
	dg := kmsg.NewPtrDeleteGroupsRequest()
	dg.Groups = []string{"cg"}
	wantCode(t, "delete", h.resp(h.send("c", dg)).(*kmsg.DeleteGroupsResponse).Groups[0].ErrorCode, kerr.NonEmptyGroup)
}

func TestConsumerGroupMetadataChange(t *testing.T) {
	h := newHarness(t, Options{})
	h.handle(TopicsChanged{Topics: []TopicInfo{topicT1}})
	a := h.cgJoin("cg", "A", "t1", "t2") // t2 does not exist yet
	if len(a.owned) != 6 {
		t.Fatalf("owns %d", len(a.owned))
	}
	h.handle(TopicsChanged{Topics: []TopicInfo{topicT1, topicT2}})
	h.cgBeat("cg", a, true)
	if len(a.owned) != 9 || a.epoch != 2 {
		t.Fatalf("after t2 appeared: epoch %d owns %d", a.epoch, len(a.owned))
	}
}

// TestConsumerGroupChurn drives random joins, leaves, crashes and
// heartbeats and checks that no partition is ever owned by two members,
// and that the group converges once churn stops.
func TestConsumerGroupChurn(t *testing.T) {
	for _, assignor := range []string{assignorUniform, assignorRange} {
		t.Run(assignor, func(t *testing.T) {
			h := newHarness(t, Options{})
			h.handle(TopicsChanged{Topics: []TopicInfo{topicT1, topicT2}})
			rng := rand.New(rand.NewPCG(1, 2))
			live := map[string]*cgClient{}
			next := 0
			join := func() {
				next++
				id := fmt.Sprintf("m%02d", next)
				r := kmsg.NewPtrConsumerGroupHeartbeatRequest()
				r.Version, r.Group, r.MemberID, r.RebalanceTimeoutMillis = 1, "cg", id, 30000
				r.SubscribedTopicNames, r.Topics, r.ServerAssignor = []string{"t1", "t2"}, []kmsg.ConsumerGroupHeartbeatRequestTopic{}, &assignor
				cl := &cgClient{id: id, owned: map[tpid]bool{}}
				cl.apply(h.resp(h.send(id, r)).(*kmsg.ConsumerGroupHeartbeatResponse))
				live[id] = cl
			}
			all := func() []*cgClient {
				ids := make([]string, 0, len(live))
				for id := range live {
					ids = append(ids, id)
				}
				slices.Sort(ids)
				out := []*cgClient{}
				for _, id := range ids {
					out = append(out, live[id])
				}
				return out
			}
			for step := 0; step < 400; step++ {
				cls := all()
				switch x := rng.IntN(10); {
				case x == 0 || len(cls) == 0:
					join()
				case x == 2 && len(cls) > 1:
					// Crash: it stops heartbeating; the session timeout frees
					// its partitions.
					delete(live, cls[rng.IntN(len(cls))].id)
				case x == 1 && len(cls) > 1:
					cl := cls[rng.IntN(len(cls))]
					r := kmsg.NewPtrConsumerGroupHeartbeatRequest()
					r.Version, r.Group, r.MemberID, r.MemberEpoch = 1, "cg", cl.id, -1
					h.send(cl.id, r)
					delete(live, cl.id)
				default:
					cl := cls[rng.IntN(len(cls))]
					resp := h.cgBeat("cg", cl, rng.IntN(3) > 0)
					if resp.ErrorCode != 0 {
						t.Fatalf("step %d: %s: %v", step, cl.id, kerr.ErrorForCode(resp.ErrorCode))
					}
				}
				noOverlap(t, all()...)
				h.advance(250 * time.Millisecond)
			}
			for i := 0; i < 12; i++ {
				h.advance(5 * time.Second)
				for _, cl := range all() {
					h.cgBeat("cg", cl, true)
				}
			}
			noOverlap(t, all()...)
			total := 0
			for _, cl := range all() {
				total += len(cl.owned)
			}
			if total != 9 {
				t.Fatalf("converged to %d of 9 partitions owned", total)
			}
			d := h.cgDescribe("cg")
			if len(d.Members) != len(live) {
				t.Fatalf("%d members in the group, %d alive (crashed ones must have expired)", len(d.Members), len(live))
			}
			if d.State != "Stable" || d.AssignorName != assignor {
				t.Fatalf("describe state %s assignor %s", d.State, d.AssignorName)
			}
		})
	}
}

func TestAssignors(t *testing.T) {
	meta := map[string]TopicInfo{"t1": topicT1, "t2": topicT2}
	count := func(a map[string]map[tpid]bool) []int {
		var out []int
		for _, m := range []string{"a", "b", "c"} {
			out = append(out, len(a[m]))
		}
		return out
	}
	in := assignInput{members: []string{"a", "b", "c"}, meta: meta,
		topics: map[string][]string{"a": {"t1", "t2"}, "b": {"t1", "t2"}, "c": {"t1", "t2"}}}
	// range: per topic, 6/3 = 2 each of t1, 1 each of t2; a gets t1 0-1.
	r := assignRange(in)
	if got := count(r); !slices.Equal(got, []int{3, 3, 3}) || !r["a"][tpid{topicT1.ID, 0}] || !r["a"][tpid{topicT1.ID, 1}] || !r["c"][tpid{topicT2.ID, 2}] {
		t.Fatalf("range %v", r)
	}
	// uniform: balanced, and sticky when a member joins.
	two := in
	two.members = []string{"a", "b"}
	u1 := assignUniform(two)
	if l := count(u1); l[0]+l[1] != 9 || l[0] < 4 || l[1] < 4 {
		t.Fatalf("uniform 2 members %v", l)
	}
	in.prev = u1
	u2 := assignUniform(in)
	if got := count(u2); !slices.Equal(got, []int{3, 3, 3}) {
		t.Fatalf("uniform 3 members %v", got)
	}
	for _, m := range []string{"a", "b"} {
		for p := range u2[m] {
			if !u1[m][p] {
				t.Fatalf("uniform moved %v to %s needlessly", p, m)
			}
		}
	}
	// Heterogeneous: only b subscribes to t2.
	het := assignInput{members: []string{"a", "b"}, meta: meta, topics: map[string][]string{"a": {"t1"}, "b": {"t1", "t2"}}}
	uh := assignUniform(het)
	for p := range uh["a"] {
		if p.topic == topicT2.ID {
			t.Fatal("a got a topic it does not subscribe to")
		}
	}
	if len(uh["a"])+len(uh["b"]) != 9 {
		t.Fatalf("heterogeneous %v", uh)
	}
}

func TestConsumerGroupStaticMember(t *testing.T) {
	h := newHarness(t, Options{})
	h.handle(TopicsChanged{Topics: []TopicInfo{topicT1}})
	join := func(id, instance string) *kmsg.ConsumerGroupHeartbeatResponse {
		r := kmsg.NewPtrConsumerGroupHeartbeatRequest()
		r.Version, r.Group, r.MemberID, r.InstanceID = 1, "cg", id, &instance
		r.RebalanceTimeoutMillis, r.SubscribedTopicNames = 60000, []string{"t1"}
		r.Topics = []kmsg.ConsumerGroupHeartbeatRequestTopic{}
		return h.resp(h.send(id, r)).(*kmsg.ConsumerGroupHeartbeatResponse)
	}
	a := &cgClient{id: "A1", owned: map[tpid]bool{}}
	a.apply(join("A1", "ia"))
	b := h.cgJoin("cg", "B", "t1")
	h.cgBeat("cg", a, false)
	h.cgBeat("cg", a, true)
	h.cgBeat("cg", b, true)
	if len(a.owned) != 3 || len(b.owned) != 3 {
		t.Fatalf("A %d B %d", len(a.owned), len(b.owned))
	}
	epoch := h.cgDescribe("cg").Epoch
	// The same instance cannot join twice.
	wantCode(t, "unreleased", join("A2", "ia").ErrorCode, kerr.UnreleasedInstanceID)
	// A leaves temporarily (-2): it keeps its partitions, B does not get them.
	r := kmsg.NewPtrConsumerGroupHeartbeatRequest()
	r.Version, r.Group, r.MemberID, r.MemberEpoch = 1, "cg", "A1", -2
	if lr := h.resp(h.send("A1", r)).(*kmsg.ConsumerGroupHeartbeatResponse); lr.ErrorCode != 0 || lr.MemberEpoch != -2 {
		t.Fatalf("static leave %+v", lr)
	}
	h.cgBeat("cg", b, true)
	if len(b.owned) != 3 {
		t.Fatalf("B took a departed static member's partitions: %d", len(b.owned))
	}
	// A's new incarnation takes its place: same partitions, no new epoch.
	owned := a.owned
	a2 := &cgClient{id: "A2", owned: map[tpid]bool{}}
	a2.apply(join("A2", "ia"))
	if !maps.Equal(a2.owned, owned) {
		t.Fatalf("new incarnation got %v, had %v", a2.owned, owned)
	}
	if d := h.cgDescribe("cg"); d.Epoch != epoch || len(d.Members) != 2 || d.State != "Stable" {
		t.Fatalf("after static rejoin: %+v", d)
	}
	wantCode(t, "old incarnation", h.cgBeat("cg", a, false).ErrorCode, kerr.UnknownMemberID)
	// Survives a reload too.
	h.reload()
	h.handle(TopicsChanged{Topics: []TopicInfo{topicT1}})
	if d := h.cgDescribe("cg"); d.Epoch != epoch || len(d.Members) != 2 {
		t.Fatalf("reloaded: %+v", d)
	}
	wantCode(t, "unreleased after reload", join("A3", "ia").ErrorCode, kerr.UnreleasedInstanceID)
}
