package group

import (
	"bytes"
	"errors"
	"testing"
)

// The expected bytes below are written by hand from Kafka's schemas
// (group-coordinator/src/main/resources/common/message/*.json), not produced
// by the encoder under test.

func TestOffsetKeyBytes(t *testing.T) {
	want := []byte{
		0x00, 0x01, // key version 1
		0x00, 0x01, 'g', // group
		0x00, 0x02, 't', '1', // topic
		0x00, 0x00, 0x00, 0x05, // partition
	}
	got := EncodeOffsetKey(OffsetKey{Group: "g", Topic: "t1", Partition: 5})
	if !bytes.Equal(got, want) {
		t.Fatalf("got % x\nwant % x", got, want)
	}
	kind, k, err := DecodeKey(want)
	if err != nil || kind != KeyOffset || k != (OffsetKey{"g", "t1", 5}) {
		t.Fatalf("decode %v %+v %v", kind, k, err)
	}
	// Key version 0 has the same layout.
	v0 := append([]byte{0, 0}, want[2:]...)
	if kind, k, err := DecodeKey(v0); err != nil || kind != KeyOffset || k.Topic != "t1" {
		t.Fatalf("v0 decode %v %+v %v", kind, k, err)
	}
}

func TestGroupKeyBytes(t *testing.T) {
	want := []byte{0x00, 0x02, 0x00, 0x03, 'a', 'b', 'c'}
	if got := EncodeGroupKey("abc"); !bytes.Equal(got, want) {
		t.Fatalf("got % x", got)
	}
	if kind, k, err := DecodeKey(want); err != nil || kind != KeyGroup || k.Group != "abc" {
		t.Fatalf("decode %v %+v %v", kind, k, err)
	}
	if kind, _, err := DecodeKey([]byte{0x00, 0x03, 0, 0}); err != nil || kind != KeyOther {
		t.Fatalf("KIP-848 key: %v %v", kind, err)
	}
}

func TestOffsetValueV3Bytes(t *testing.T) {
	v := OffsetValue{Offset: 258, LeaderEpoch: 3, Metadata: "m", CommitTimestamp: 1000, ExpireTimestamp: -1}
	want := []byte{
		0x00, 0x03, // version 3
		0, 0, 0, 0, 0, 0, 0x01, 0x02, // offset 258
		0, 0, 0, 0x03, // leaderEpoch
		0x00, 0x01, 'm', // metadata
		0, 0, 0, 0, 0, 0, 0x03, 0xe8, // commitTimestamp 1000
	}
	if got := EncodeOffsetValue(v); !bytes.Equal(got, want) {
		t.Fatalf("got % x\nwant % x", got, want)
	}
	if got, err := DecodeOffsetValue(want); err != nil || got != v {
		t.Fatalf("decode %+v %v", got, err)
	}
}

func TestOffsetValueV1Bytes(t *testing.T) {
	v := OffsetValue{Offset: 1, LeaderEpoch: -1, Metadata: "", CommitTimestamp: 2, ExpireTimestamp: 3}
	want := []byte{
		0x00, 0x01, // version 1
		0, 0, 0, 0, 0, 0, 0, 1, // offset
		0x00, 0x00, // metadata ""
		0, 0, 0, 0, 0, 0, 0, 2, // commitTimestamp
		0, 0, 0, 0, 0, 0, 0, 3, // expireTimestamp
	}
	if got := EncodeOffsetValue(v); !bytes.Equal(got, want) {
		t.Fatalf("got % x\nwant % x", got, want)
	}
	if got, err := DecodeOffsetValue(want); err != nil || got != v {
		t.Fatalf("decode %+v %v", got, err)
	}
}

func TestOffsetValueOldAndFlexibleVersions(t *testing.T) {
	v0 := []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 9, 0, 1, 'x', 0, 0, 0, 0, 0, 0, 0, 7}
	got, err := DecodeOffsetValue(v0)
	if err != nil || got != (OffsetValue{Offset: 9, LeaderEpoch: -1, Metadata: "x", CommitTimestamp: 7, ExpireTimestamp: -1}) {
		t.Fatalf("v0 %+v %v", got, err)
	}
	// v4: flexible; compact string length 2 = "x", one unknown tagged field.
	v4 := []byte{0, 4, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 1, 0x02, 'x', 0, 0, 0, 0, 0, 0, 0, 7,
		0x01, 0x05, 0x02, 0xaa, 0xbb}
	got, err = DecodeOffsetValue(v4)
	if err != nil || got != (OffsetValue{Offset: 9, LeaderEpoch: 1, Metadata: "x", CommitTimestamp: 7, ExpireTimestamp: -1}) {
		t.Fatalf("v4 %+v %v", got, err)
	}
	if _, err := DecodeOffsetValue([]byte{0, 5}); !errors.Is(err, ErrUnknownRecordVersion) {
		t.Fatalf("v5: %v", err)
	}
}

func TestGroupValueV3Bytes(t *testing.T) {
	v := GroupValue{
		ProtocolType: "consumer", Generation: 2, Protocol: "range", Leader: "m1",
		CurrentStateTimestamp: 5,
		Members: []GroupValueMember{{
			MemberID: "m1", InstanceID: "", ClientID: "c", ClientHost: "/h",
			RebalanceTimeout: 300000, SessionTimeout: 45000,
			Subscription: []byte{1, 2}, Assignment: []byte{3},
		}},
	}
	want := []byte{
		0x00, 0x03, // version 3
		0x00, 0x08, 'c', 'o', 'n', 's', 'u', 'm', 'e', 'r', // protocolType
		0, 0, 0, 2, // generation
		0x00, 0x05, 'r', 'a', 'n', 'g', 'e', // protocol
		0x00, 0x02, 'm', '1', // leader
		0, 0, 0, 0, 0, 0, 0, 5, // currentStateTimestamp
		0, 0, 0, 1, // 1 member
		0x00, 0x02, 'm', '1', // memberId
		0xff, 0xff, // groupInstanceId null
		0x00, 0x01, 'c', // clientId
		0x00, 0x02, '/', 'h', // clientHost
		0x00, 0x04, 0x93, 0xe0, // rebalanceTimeout 300000
		0x00, 0x00, 0xaf, 0xc8, // sessionTimeout 45000
		0, 0, 0, 2, 1, 2, // subscription
		0, 0, 0, 1, 3, // assignment
	}
	got := EncodeGroupValue(v)
	if !bytes.Equal(got, want) {
		t.Fatalf("got % x\nwant % x", got, want)
	}
	dv, err := DecodeGroupValue(want)
	if err != nil || dv.Leader != "m1" || dv.Generation != 2 || len(dv.Members) != 1 ||
		dv.Members[0].RebalanceTimeout != 300000 || !bytes.Equal(dv.Members[0].Assignment, []byte{3}) {
		t.Fatalf("decode %+v %v", dv, err)
	}
	// An Empty group: protocol and leader null, no members.
	empty := []byte{0, 3, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0}
	if got := EncodeGroupValue(GroupValue{Generation: 3, CurrentStateTimestamp: 9}); !bytes.Equal(got, empty) {
		t.Fatalf("empty group: % x", got)
	}
}

func TestGroupValueV0Bytes(t *testing.T) {
	v0 := []byte{
		0, 0, 0, 1, 'x', 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, // type "x", gen 1, null, null
		0, 0, 0, 1,
		0, 1, 'm', 0, 1, 'c', 0, 1, 'h', // member, client, host
		0, 0, 0x27, 0x10, // session 10000
		0, 0, 0, 0, 0, 0, 0, 0, // empty subscription, assignment
	}
	v, err := DecodeGroupValue(v0)
	if err != nil || v.CurrentStateTimestamp != -1 || v.Members[0].SessionTimeout != 10000 ||
		v.Members[0].RebalanceTimeout != 10000 || v.Members[0].InstanceID != "" {
		t.Fatalf("v0 %+v %v", v, err)
	}
}

func TestDecodeTruncated(t *testing.T) {
	full := EncodeGroupValue(GroupValue{ProtocolType: "consumer", Generation: 1, Protocol: "p", Leader: "m",
		Members: []GroupValueMember{{MemberID: "m", ClientID: "c", Subscription: []byte{1}, Assignment: []byte{2}}}})
	for i := 0; i < len(full); i++ {
		if _, err := DecodeGroupValue(full[:i]); !errors.Is(err, ErrShortRecord) {
			t.Fatalf("prefix %d: %v", i, err)
		}
	}
	off := EncodeOffsetValue(OffsetValue{Offset: 1, Metadata: "abc", ExpireTimestamp: -1})
	for i := 0; i < len(off); i++ {
		if _, err := DecodeOffsetValue(off[:i]); !errors.Is(err, ErrShortRecord) {
			t.Fatalf("offset prefix %d: %v", i, err)
		}
	}
}

func TestPartitionFor(t *testing.T) {
	cases := []struct {
		group string
		n     int32
		want  int32
	}{
		{"hello", 1 << 30, 99162322},                // "hello".hashCode() = 99162322
		{"hello", 50, 99162322 % 50},                // 22
		{"Aa", 1 << 30, 2112},                       // 'A'*31 + 'a' = 65*31+97
		{"BB", 1 << 30, 2112},                       // the classic collision
		{"polygenelubricants", 50, 0},               // hashCode = Integer.MIN_VALUE; & 0x7fffffff = 0
		{"\U0001F600", 1 << 30, 0xD83D*31 + 0xDE00}, // surrogate pair: 1772899
		{"", 50, 0},
	}
	for _, tc := range cases {
		if got := PartitionFor(tc.group, tc.n); got != tc.want {
			t.Errorf("PartitionFor(%q, %d) = %d, want %d", tc.group, tc.n, got, tc.want)
		}
	}
}

func FuzzDecodeRecord(f *testing.F) {
	f.Add(EncodeOffsetKey(OffsetKey{"g", "t", 1}), EncodeOffsetValue(OffsetValue{Offset: 1, ExpireTimestamp: -1}))
	f.Add(EncodeGroupKey("g"), EncodeGroupValue(GroupValue{ProtocolType: "consumer", Members: []GroupValueMember{{MemberID: "m"}}}))
	f.Add([]byte{0, 2, 0, 1, 'g'}, []byte{0, 4, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add(encodeCGKey(keyCGCurrentAssignment, "g", "m"), encodeCGAssignment(cgAssignmentValue{assigned: map[tpid]bool{{}: true}, revoking: map[tpid]bool{}}))
	f.Add(encodeCGKey(keyCGMemberMetadata, "g", "m"), encodeCGMember(cgMemberValue{topics: []string{"t"}}))
	f.Add(encodeCGKey(keyCGPartitionMetadata, "g", ""), encodeCGPartitionMetadata([]TopicInfo{{Name: "t", Partitions: 1}}))
	f.Fuzz(func(t *testing.T, key, value []byte) {
		_, _, _ = DecodeKey(key)
		_, _ = DecodeOffsetValue(value)
		_, _ = DecodeGroupValue(value)
		// Loading arbitrary records must not panic either.
		c, err := New(Options{NumPartitions: 1})
		if err != nil {
			t.Fatal(err)
		}
		c.Handle(t0, LoadBegin{Partition: 0})
		c.Handle(t0, LoadRecords{Partition: 0, Records: []Record{{Key: key, Value: value}}})
		c.Handle(t0, LoadComplete{Partition: 0})
	})
}
