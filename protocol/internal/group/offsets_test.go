package group

import (
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func commitReq(group, member string, gen int32, topic string, part int32, off int64) *kmsg.OffsetCommitRequest {
	r := kmsg.NewPtrOffsetCommitRequest()
	r.Version = 9
	r.Group, r.MemberID, r.Generation = group, member, gen
	md := "meta"
	r.Topics = []kmsg.OffsetCommitRequestTopic{{Topic: topic, Partitions: []kmsg.OffsetCommitRequestTopicPartition{
		{Partition: part, Offset: off, LeaderEpoch: 7, Metadata: &md},
	}}}
	return r
}

func (h *harness) commit(group, member string, gen int32, topic string, part int32, off int64) int16 {
	h.t.Helper()
	return h.resp(h.send("c", commitReq(group, member, gen, topic, part, off))).(*kmsg.OffsetCommitResponse).Topics[0].Partitions[0].ErrorCode
}

func (h *harness) commitStatic(group, member, instance string, gen int32) int16 {
	h.t.Helper()
	r := commitReq(group, member, gen, "t", 0, 1)
	r.InstanceID = &instance
	return h.resp(h.send("c", r)).(*kmsg.OffsetCommitResponse).Topics[0].Partitions[0].ErrorCode
}

func (h *harness) fetch(group, topic string, part int32) (int64, int32, int16) {
	h.t.Helper()
	r := kmsg.NewPtrOffsetFetchRequest()
	r.Version = 7
	r.Group = group
	r.Topics = []kmsg.OffsetFetchRequestTopic{{Topic: topic, Partitions: []int32{part}}}
	resp := h.resp(h.send("c", r)).(*kmsg.OffsetFetchResponse)
	if resp.ErrorCode != 0 {
		return -1, -1, resp.ErrorCode
	}
	p := resp.Topics[0].Partitions[0]
	return p.Offset, p.LeaderEpoch, p.ErrorCode
}

// lastGroupValue decodes the last group metadata record written for group.
func (h *harness) lastGroupValue(t *testing.T, group string) GroupValue {
	t.Helper()
	recs := h.log[h.c.PartitionFor(group)]
	for i := len(recs) - 1; i >= 0; i-- {
		kind, k, err := DecodeKey(recs[i].Key)
		if err == nil && kind == KeyGroup && k.Group == group {
			v, err := DecodeGroupValue(recs[i].Value)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
	}
	t.Fatalf("no group record for %s", group)
	return GroupValue{}
}

func TestCommitStandalone(t *testing.T) {
	h := newHarness(t, Options{})
	// Generation -1 and no member id into a nonexistent group: accepted,
	// answered only after the append is durable.
	h.holdAppends = true
	id := h.send("c", commitReq("solo", "", -1, "t", 3, 42))
	if !h.pending(id) || len(h.held) != 1 {
		t.Fatal("commit answered before its append")
	}
	// Not visible before durable; require_stable says so.
	if off, _, _ := h.fetch("solo", "t", 3); off != -1 {
		t.Fatalf("offset %d visible before durable", off)
	}
	rs := kmsg.NewPtrOffsetFetchRequest()
	rs.Version, rs.Group, rs.RequireStable = 7, "solo", true
	rs.Topics = []kmsg.OffsetFetchRequestTopic{{Topic: "t", Partitions: []int32{3}}}
	wantCode(t, "require_stable", h.resp(h.send("c", rs)).(*kmsg.OffsetFetchResponse).Topics[0].Partitions[0].ErrorCode, kerr.UnstableOffsetCommit)
	h.ackAll(0)
	h.holdAppends = false
	wantCode(t, "commit", h.resp(id).(*kmsg.OffsetCommitResponse).Topics[0].Partitions[0].ErrorCode, nil)
	off, epoch, code := h.fetch("solo", "t", 3)
	if off != 42 || epoch != 7 || code != 0 {
		t.Fatalf("fetch %d %d %d", off, epoch, code)
	}
	if off, _, _ := h.fetch("solo", "t", 4); off != -1 {
		t.Fatalf("uncommitted partition %d", off)
	}
	if d := h.describe("solo"); d.State != "Empty" || d.ProtocolType != "" {
		t.Fatalf("describe %+v", d)
	}
	// The record is Kafka's: key v1, value v3.
	recs := h.log[h.c.PartitionFor("solo")]
	kind, k, _ := DecodeKey(recs[0].Key)
	v, _ := DecodeOffsetValue(recs[0].Value)
	if kind != KeyOffset || k != (OffsetKey{"solo", "t", 3}) || v.Offset != 42 || v.Metadata != "meta" || v.CommitTimestamp != t0.UnixMilli() {
		t.Fatalf("record %v %+v %+v", kind, k, v)
	}
}

func TestCommitValidation(t *testing.T) {
	h := newHarness(t, Options{})
	a, gen := h.stableMember("g", "a")
	cases := []struct {
		name   string
		group  string
		member string
		gen    int32
		ver    int16
		want   error
	}{
		{"no group, generation >= 0, v9", "nope", "m", 1, 9, kerr.GroupIDNotFound},
		{"no group, generation >= 0, v8", "nope", "m", 1, 8, kerr.IllegalGeneration},
		{"stale generation", "g", a, gen - 1, 9, kerr.IllegalGeneration},
		{"unknown member", "g", "x", gen, 9, kerr.UnknownMemberID},
		{"no member id into active group", "g", "", -1, 9, kerr.UnknownMemberID},
		{"empty group id", "", "", -1, 9, kerr.InvalidGroupID},
		{"current member", "g", a, gen, 9, nil},
		{"v0 into active group", "g", "", -1, 0, kerr.UnknownMemberID},
	}
	for _, tc := range cases {
		r := commitReq(tc.group, tc.member, tc.gen, "t", 0, 1)
		r.Version = tc.ver
		code := h.resp(h.send("c", r)).(*kmsg.OffsetCommitResponse).Topics[0].Partitions[0].ErrorCode
		wantCode(t, tc.name, code, tc.want)
	}
	big := commitReq("g", a, gen, "t", 0, 1)
	md := string(make([]byte, 4097))
	big.Topics[0].Partitions[0].Metadata = &md
	wantCode(t, "metadata too large", h.resp(h.send("c", big)).(*kmsg.OffsetCommitResponse).Topics[0].Partitions[0].ErrorCode, kerr.OffsetMetadataTooLarge)
	// Append failure maps like Kafka's.
	h.holdAppends = true
	id := h.send("c", commitReq("g", a, gen, "t", 0, 9))
	h.ackAll(kerr.NotEnoughReplicas.Code)
	h.holdAppends = false
	wantCode(t, "append failure", h.resp(id).(*kmsg.OffsetCommitResponse).Topics[0].Partitions[0].ErrorCode, kerr.CoordinatorNotAvailable)
	if off, _, _ := h.fetch("g", "t", 0); off != 1 {
		t.Fatalf("failed commit visible: %d", off)
	}
}

func TestOffsetFetchGroups(t *testing.T) {
	h := newHarness(t, Options{})
	h.commit("g1", "", -1, "t", 0, 10)
	h.commit("g2", "", -1, "u", 1, 20)
	r := kmsg.NewPtrOffsetFetchRequest()
	r.Version = 8
	r.Groups = []kmsg.OffsetFetchRequestGroup{
		{Group: "g1", Topics: []kmsg.OffsetFetchRequestGroupTopic{{Topic: "t", Partitions: []int32{0, 1}}}},
		{Group: "g2"}, // all topics
		{Group: "none"},
	}
	resp := h.resp(h.send("c", r)).(*kmsg.OffsetFetchResponse)
	g1, g2, g3 := resp.Groups[0], resp.Groups[1], resp.Groups[2]
	if g1.Topics[0].Partitions[0].Offset != 10 || g1.Topics[0].Partitions[1].Offset != -1 {
		t.Fatalf("g1 %+v", g1)
	}
	if len(g2.Topics) != 1 || g2.Topics[0].Topic != "u" || g2.Topics[0].Partitions[0].Offset != 20 {
		t.Fatalf("g2 %+v", g2)
	}
	if len(g3.Topics) != 0 || g3.ErrorCode != 0 {
		t.Fatalf("g3 %+v", g3)
	}
}

func TestOffsetDelete(t *testing.T) {
	h := newHarness(t, Options{})
	sub := kmsg.NewConsumerMemberMetadata()
	sub.Topics = []string{"t"}
	md := sub.AppendTo(nil)
	id := h.join("c", "g", "", withVersion(3), func(r *kmsg.JoinGroupRequest) {
		r.Protocols = []kmsg.JoinGroupRequestProtocol{{Name: "range", Metadata: md}}
	})
	h.advance(3 * time.Second)
	jr := h.joinResp(id)
	h.sync("g", jr.MemberID, jr.Generation, nil)
	h.commit("g", jr.MemberID, jr.Generation, "t", 0, 1)
	h.commit("g", jr.MemberID, jr.Generation, "u", 0, 2)
	r := kmsg.NewPtrOffsetDeleteRequest()
	r.Group = "g"
	r.Topics = []kmsg.OffsetDeleteRequestTopic{
		{Topic: "t", Partitions: []kmsg.OffsetDeleteRequestTopicPartition{{Partition: 0}}},
		{Topic: "u", Partitions: []kmsg.OffsetDeleteRequestTopicPartition{{Partition: 0}}},
	}
	resp := h.resp(h.send("c", r)).(*kmsg.OffsetDeleteResponse)
	wantCode(t, "top", resp.ErrorCode, nil)
	wantCode(t, "subscribed", resp.Topics[0].Partitions[0].ErrorCode, kerr.GroupSubscribedToTopic)
	wantCode(t, "unsubscribed", resp.Topics[1].Partitions[0].ErrorCode, nil)
	if off, _, _ := h.fetch("g", "u", 0); off != -1 {
		t.Fatalf("deleted offset still there: %d", off)
	}
	if off, _, _ := h.fetch("g", "t", 0); off != 1 {
		t.Fatalf("subscribed offset gone: %d", off)
	}
	r.Group = "nope"
	wantCode(t, "no group", h.resp(h.send("c", r)).(*kmsg.OffsetDeleteResponse).ErrorCode, kerr.GroupIDNotFound)
}

func TestOffsetRetention(t *testing.T) {
	h := newHarness(t, Options{OffsetsRetention: time.Hour, OffsetsRetentionCheckInterval: time.Minute})
	// Standalone commits expire an hour after the commit.
	h.commit("solo", "", -1, "t", 0, 1)
	// A group's offsets are kept while it has members, then for an hour
	// after it became Empty.
	a, gen := h.stableMember("g", "a")
	h.commit("g", a, gen, "t", 0, 5)
	h.keepAlive("g", a, gen, 70*time.Minute)
	if off, _, _ := h.fetch("solo", "t", 0); off != -1 {
		t.Fatalf("standalone offset not expired: %d", off)
	}
	if d := h.describe("solo"); d.State != "Dead" {
		t.Fatalf("standalone group after expiry: %s", d.State)
	}
	// g had a member all along: kept. Now the member dies.
	h.advance(11 * time.Second)
	if d := h.describe("g"); d.State != "Empty" {
		t.Fatalf("state %s", d.State)
	}
	if off, _, _ := h.fetch("g", "t", 0); off != 5 {
		t.Fatalf("group offset expired while the group was live: %d", off)
	}
	h.advance(59 * time.Minute)
	if off, _, _ := h.fetch("g", "t", 0); off != 5 {
		t.Fatalf("group offset expired too early: %d", off)
	}
	h.advance(2 * time.Minute)
	if off, _, _ := h.fetch("g", "t", 0); off != -1 {
		t.Fatalf("group offset not expired: %d", off)
	}
	if h.c.Stats().ExpiredOffsets != 2 {
		t.Fatalf("expired %d", h.c.Stats().ExpiredOffsets)
	}
}

func TestExplicitRetention(t *testing.T) {
	h := newHarness(t, Options{OffsetsRetentionCheckInterval: time.Minute})
	r := commitReq("solo", "", -1, "t", 0, 1)
	r.Version, r.RetentionTimeMillis = 2, 5*60*1000
	wantCode(t, "commit", h.resp(h.send("c", r)).(*kmsg.OffsetCommitResponse).Topics[0].Partitions[0].ErrorCode, nil)
	v, err := DecodeOffsetValue(h.log[h.c.PartitionFor("solo")][0].Value)
	if err != nil || v.ExpireTimestamp != t0.UnixMilli()+300000 {
		t.Fatalf("value %+v %v", v, err)
	}
	h.advance(4 * time.Minute)
	if off, _, _ := h.fetch("solo", "t", 0); off != 1 {
		t.Fatal("expired early")
	}
	h.advance(2 * time.Minute)
	if off, _, _ := h.fetch("solo", "t", 0); off != -1 {
		t.Fatal("not expired at its expire timestamp")
	}
}

func TestTopicsDeleted(t *testing.T) {
	h := newHarness(t, Options{})
	h.commit("g", "", -1, "t", 0, 1)
	h.commit("g", "", -1, "u", 0, 2)
	h.handle(TopicsDeleted{Topics: []string{"t"}})
	if off, _, _ := h.fetch("g", "t", 0); off != -1 {
		t.Fatal("offset of deleted topic kept")
	}
	if off, _, _ := h.fetch("g", "u", 0); off != 2 {
		t.Fatal("other topic's offset lost")
	}
	recs := h.log[h.c.PartitionFor("g")]
	if last := recs[len(recs)-1]; last.Value != nil {
		t.Fatal("no tombstone written")
	}
}
