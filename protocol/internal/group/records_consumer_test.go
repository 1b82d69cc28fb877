package group

import (
	"bytes"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// Expected bytes written by hand from Kafka 3.9's
// group-coordinator/src/main/resources/common/message/ConsumerGroup*.json.

func TestConsumerKeyBytes(t *testing.T) {
	cases := []struct {
		version int16
		member  string
		want    []byte
	}{
		{keyCGMetadata, "", []byte{0, 3, 0, 1, 'g'}},
		{keyCGPartitionMetadata, "", []byte{0, 4, 0, 1, 'g'}},
		{keyCGMemberMetadata, "m", []byte{0, 5, 0, 1, 'g', 0, 1, 'm'}},
		{keyCGTargetMetadata, "", []byte{0, 6, 0, 1, 'g'}},
		{keyCGTargetMember, "m", []byte{0, 7, 0, 1, 'g', 0, 1, 'm'}},
		{keyCGCurrentAssignment, "m", []byte{0, 8, 0, 1, 'g', 0, 1, 'm'}},
	}
	for _, tc := range cases {
		if got := encodeCGKey(tc.version, "g", tc.member); !bytes.Equal(got, tc.want) {
			t.Errorf("key v%d: % x, want % x", tc.version, got, tc.want)
		}
		k, ok, err := decodeCGKey(tc.want)
		if !ok || err != nil || k.version != tc.version || k.group != "g" || k.member != tc.member {
			t.Errorf("decode v%d: %+v %v %v", tc.version, k, ok, err)
		}
	}
}

func TestConsumerValueBytes(t *testing.T) {
	id := [16]byte{0xaa, 15: 0xbb}
	uuid := []byte{0xaa, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xbb}
	// ConsumerGroupMetadataValue v0: version, Epoch int32, tagged fields.
	if got, want := encodeCGEpoch(5), []byte{0, 0, 0, 0, 0, 5, 0}; !bytes.Equal(got, want) {
		t.Errorf("epoch % x", got)
	}
	// ConsumerGroupMemberMetadataValue v0.
	got := encodeCGMember(cgMemberValue{clientID: "c", clientHost: "/h", topics: []string{"t"}, rebalanceTimeoutMs: 256, assignor: "uniform"})
	want := []byte{
		0, 0, // version 0
		0,      // InstanceId null
		0,      // RackId null
		2, 'c', // ClientId
		3, '/', 'h', // ClientHost
		2, 2, 't', // SubscribedTopicNames: 1 element "t"
		0,          // SubscribedTopicRegex null
		0, 0, 1, 0, // RebalanceTimeoutMs 256
		8, 'u', 'n', 'i', 'f', 'o', 'r', 'm', // ServerAssignor
		0, // tagged fields
	}
	if !bytes.Equal(got, want) {
		t.Errorf("member\n got % x\nwant % x", got, want)
	}
	if v, err := decodeCGMember(want); err != nil || v.clientHost != "/h" || v.topics[0] != "t" || v.assignor != "uniform" || v.rebalanceTimeoutMs != 256 {
		t.Errorf("decode member %+v %v", v, err)
	}
	// ConsumerGroupCurrentMemberAssignmentValue v0.
	got = encodeCGAssignment(cgAssignmentValue{epoch: 3, prevEpoch: 2, state: 1,
		assigned: map[tpid]bool{{id, 0}: true, {id, 2}: true}, revoking: map[tpid]bool{{id, 1}: true}})
	want = append([]byte{0, 0, 0, 0, 0, 3, 0, 0, 0, 2, 1, 2}, uuid...) // epochs, state, 1 topic
	want = append(want, 3, 0, 0, 0, 0, 0, 0, 0, 2, 0)                  // partitions [0 2], tags
	want = append(want, 2)
	want = append(want, uuid...)
	want = append(want, 2, 0, 0, 0, 1, 0, 0) // partitions [1], tags; value tags
	if !bytes.Equal(got, want) {
		t.Errorf("assignment\n got % x\nwant % x", got, want)
	}
	v, err := decodeCGAssignment(want)
	if err != nil || v.epoch != 3 || v.prevEpoch != 2 || v.state != 1 || len(v.assigned) != 2 || !v.revoking[tpid{id, 1}] {
		t.Errorf("decode assignment %+v %v", v, err)
	}
	// ConsumerGroupPartitionMetadataValue v0 without rack information.
	got = encodeCGPartitionMetadata([]TopicInfo{{Name: "t", ID: id, Partitions: 4}})
	want = append([]byte{0, 0, 2}, uuid...)
	want = append(want, 2, 't', 0, 0, 0, 4, 1, 0, 0)
	if !bytes.Equal(got, want) {
		t.Errorf("partition metadata\n got % x\nwant % x", got, want)
	}
	// ConsumerGroupTargetAssignmentMemberValue v0.
	got = encodeCGTarget(map[tpid]bool{{id, 7}: true})
	want = append([]byte{0, 0, 2}, uuid...)
	want = append(want, 2, 0, 0, 0, 7, 0, 0)
	if !bytes.Equal(got, want) {
		t.Errorf("target\n got % x\nwant % x", got, want)
	}
	for i := 0; i < len(want); i++ {
		if _, err := decodeCGTarget(want[:i]); err == nil {
			t.Fatalf("truncated target (%d bytes) decoded", i)
		}
	}
}

func TestConsumerGroupReload(t *testing.T) {
	h := newHarness(t, Options{})
	h.handle(TopicsChanged{Topics: []TopicInfo{topicT1}})
	a := h.cgJoin("cg", "A", "t1")
	b := h.cgJoin("cg", "B", "t1")
	h.cgBeat("cg", a, false) // A is told to revoke; it has not yet
	wantCode(t, "commit", h.commit("cg", "A", a.epoch, "t1", 0, 42), nil)
	before := h.cgDescribe("cg")

	h.reload()
	h.handle(TopicsChanged{Topics: []TopicInfo{topicT1}})
	after := h.cgDescribe("cg")
	if after.Epoch != before.Epoch || after.AssignmentEpoch != before.AssignmentEpoch || len(after.Members) != 2 {
		t.Fatalf("reloaded %+v\nbefore %+v", after, before)
	}
	for i := range after.Members {
		x, y := after.Members[i], before.Members[i]
		if x.MemberEpoch != y.MemberEpoch || len(x.Assignment.TopicPartitions) != len(y.Assignment.TopicPartitions) ||
			x.ClientID != y.ClientID || len(x.TargetAssignment.TopicPartitions[0].Partitions) != len(y.TargetAssignment.TopicPartitions[0].Partitions) {
			t.Fatalf("member %d: %+v\nbefore %+v", i, x, y)
		}
	}
	if off, _, _ := h.fetch("cg", "t1", 0); off != 42 {
		t.Fatalf("offset %d", off)
	}
	// The members carry on where they were: B still cannot have A's
	// partitions until A revokes; then it gets them.
	h.cgBeat("cg", b, true)
	noOverlap(t, a, b)
	h.cgBeat("cg", a, true)
	h.cgBeat("cg", b, true)
	noOverlap(t, a, b)
	if len(a.owned) != 3 || len(b.owned) != 3 || h.cgDescribe("cg").State != "Stable" {
		t.Fatalf("after reload: A %d B %d", len(a.owned), len(b.owned))
	}
	// Sessions restart at load: silent members go after 45s.
	h.advance(46 * time.Second)
	if d := h.cgDescribe("cg"); d.State != "Empty" {
		t.Fatalf("state %s", d.State)
	}
	// Deleted, it stays deleted across a reload.
	dg := kmsg.NewPtrDeleteGroupsRequest()
	dg.Groups = []string{"cg"}
	wantCode(t, "delete", h.resp(h.send("c", dg)).(*kmsg.DeleteGroupsResponse).Groups[0].ErrorCode, nil)
	h.reload()
	if d := h.cgDescribe("cg"); d.ErrorCode == 0 {
		t.Fatalf("deleted group came back: %+v", d)
	}
}
