package group

import (
	"encoding/binary"
	"fmt"
)

// KIP-848 consumer group records, as Kafka 3.9 writes them. Keys are
// classic (non-flexible) encodings; values are version 0 and flexible:
// compact strings and arrays (unsigned varint length+1, 0 = null), 16-byte
// uuids, and an empty tagged-field section (one 0 byte) closing every
// struct. These key versions are on disk: never change them.
const (
	keyCGMetadata          = 3 // ConsumerGroupMetadataKey (group) -> Epoch
	keyCGPartitionMetadata = 4 // ConsumerGroupPartitionMetadataKey (group) -> subscribed topics' metadata
	keyCGMemberMetadata    = 5 // ConsumerGroupMemberMetadataKey (group, member) -> member's subscription
	keyCGTargetMetadata    = 6 // ConsumerGroupTargetAssignmentMetadataKey (group) -> AssignmentEpoch
	keyCGTargetMember      = 7 // ConsumerGroupTargetAssignmentMemberKey (group, member) -> target partitions
	keyCGCurrentAssignment = 8 // ConsumerGroupCurrentMemberAssignmentKey (group, member) -> member epoch, state, partitions
)

// cgKey is a decoded consumer group key; member is set for versions 5, 7, 8.
type cgKey struct {
	version       int16
	group, member string
}

func isMemberKey(version int16) bool {
	return version == keyCGMemberMetadata || version == keyCGTargetMember || version == keyCGCurrentAssignment
}

func encodeCGKey(version int16, group, member string) []byte {
	b := binary.BigEndian.AppendUint16(nil, uint16(version))
	b = appendString(b, group)
	if isMemberKey(version) {
		b = appendString(b, member)
	}
	return b
}

func decodeCGKey(b []byte) (cgKey, bool, error) {
	r := reader{b: b}
	v := r.int16()
	if r.err != nil || v < keyCGMetadata || v > keyCGCurrentAssignment {
		return cgKey{}, false, r.err
	}
	k := cgKey{version: v, group: r.string()}
	if isMemberKey(v) {
		k.member = r.string()
	}
	return k, true, r.err
}

// cgMemberValue is ConsumerGroupMemberMetadataValue v0 (the tagged
// ClassicMemberMetadata is neither written nor read).
type cgMemberValue struct {
	instanceID, rackID   string // "" = null
	clientID, clientHost string
	topics               []string
	regex                string // "" = null
	rebalanceTimeoutMs   int32
	assignor             string // "" = null
}

// cgAssignmentValue is ConsumerGroupCurrentMemberAssignmentValue v0.
type cgAssignmentValue struct {
	epoch, prevEpoch   int32
	state              int8
	assigned, revoking map[tpid]bool
}

func appendUvarint(b []byte, v uint64) []byte { return binary.AppendUvarint(b, v) }

func appendCompactString(b []byte, s string) []byte {
	b = appendUvarint(b, uint64(len(s))+1)
	return append(b, s...)
}

func appendCompactNullable(b []byte, s string) []byte {
	if s == "" {
		return append(b, 0)
	}
	return appendCompactString(b, s)
}

func appendTopicPartitions(b []byte, set map[tpid]bool) []byte {
	ts := groupByTopic(set)
	b = appendUvarint(b, uint64(len(ts))+1)
	for _, t := range ts {
		b = append(b, t.id[:]...)
		b = appendUvarint(b, uint64(len(t.partitions))+1)
		for _, p := range t.partitions {
			b = binary.BigEndian.AppendUint32(b, uint32(p))
		}
		b = append(b, 0) // tagged fields
	}
	return b
}

func valueHeader() []byte { return []byte{0, 0} } // value version 0

func encodeCGEpoch(epoch int32) []byte { // ConsumerGroupMetadataValue and TargetAssignmentMetadataValue
	b := binary.BigEndian.AppendUint32(valueHeader(), uint32(epoch))
	return append(b, 0)
}

func encodeCGPartitionMetadata(topics []TopicInfo) []byte {
	b := appendUvarint(valueHeader(), uint64(len(topics))+1)
	for _, t := range topics {
		b = append(b, t.ID[:]...)
		b = appendCompactString(b, t.Name)
		b = binary.BigEndian.AppendUint32(b, uint32(t.Partitions))
		b = append(b, 1) // PartitionMetadata: empty (no rack information)
		b = append(b, 0) // tagged fields
	}
	return append(b, 0)
}

func encodeCGMember(v cgMemberValue) []byte {
	b := appendCompactNullable(valueHeader(), v.instanceID)
	b = appendCompactNullable(b, v.rackID)
	b = appendCompactString(b, v.clientID)
	b = appendCompactString(b, v.clientHost)
	b = appendUvarint(b, uint64(len(v.topics))+1)
	for _, t := range v.topics {
		b = appendCompactString(b, t)
	}
	b = appendCompactNullable(b, v.regex)
	b = binary.BigEndian.AppendUint32(b, uint32(v.rebalanceTimeoutMs))
	b = appendCompactNullable(b, v.assignor)
	return append(b, 0)
}

func encodeCGTarget(set map[tpid]bool) []byte {
	return append(appendTopicPartitions(valueHeader(), set), 0)
}

func encodeCGAssignment(v cgAssignmentValue) []byte {
	b := binary.BigEndian.AppendUint32(valueHeader(), uint32(v.epoch))
	b = binary.BigEndian.AppendUint32(b, uint32(v.prevEpoch))
	b = append(b, byte(v.state))
	b = appendTopicPartitions(b, v.assigned)
	b = appendTopicPartitions(b, v.revoking)
	return append(b, 0)
}

func flexReader(b []byte) (*reader, error) {
	r := &reader{b: b}
	if v := r.int16(); r.err == nil && v != 0 {
		return nil, fmt.Errorf("%w: consumer group value v%d", ErrUnknownRecordVersion, v)
	}
	r.flexible = true
	return r, r.err
}

func (r *reader) uuid() (id [16]byte) {
	copy(id[:], r.take(16))
	return id
}

func (r *reader) topicPartitions() map[tpid]bool {
	out := map[tpid]bool{}
	n := r.arrayLen()
	for i := 0; i < n && r.err == nil; i++ {
		id := r.uuid()
		np := r.arrayLen()
		for j := 0; j < np && r.err == nil; j++ {
			out[tpid{id, r.int32()}] = true
		}
		r.tags()
	}
	return out
}

func decodeCGEpoch(b []byte) (int32, error) {
	r, err := flexReader(b)
	if err != nil {
		return 0, err
	}
	e := r.int32()
	r.tags()
	return e, r.err
}

func decodeCGMember(b []byte) (cgMemberValue, error) {
	r, err := flexReader(b)
	if err != nil {
		return cgMemberValue{}, err
	}
	var v cgMemberValue
	v.instanceID, v.rackID = r.string(), r.string()
	v.clientID, v.clientHost = r.string(), r.string()
	n := r.arrayLen()
	for i := 0; i < n && r.err == nil; i++ {
		v.topics = append(v.topics, r.string())
	}
	v.regex = r.string()
	v.rebalanceTimeoutMs = r.int32()
	v.assignor = r.string()
	r.tags()
	return v, r.err
}

func decodeCGTarget(b []byte) (map[tpid]bool, error) {
	r, err := flexReader(b)
	if err != nil {
		return nil, err
	}
	set := r.topicPartitions()
	r.tags()
	return set, r.err
}

func decodeCGAssignment(b []byte) (cgAssignmentValue, error) {
	r, err := flexReader(b)
	if err != nil {
		return cgAssignmentValue{}, err
	}
	var v cgAssignmentValue
	v.epoch, v.prevEpoch = r.int32(), r.int32()
	if s := r.take(1); s != nil {
		v.state = int8(s[0])
	}
	v.assigned = r.topicPartitions()
	v.revoking = r.topicPartitions()
	r.tags()
	return v, r.err
}

func decodeCGPartitionMetadata(b []byte) ([]TopicInfo, error) {
	r, err := flexReader(b)
	if err != nil {
		return nil, err
	}
	var out []TopicInfo
	n := r.arrayLen()
	for i := 0; i < n && r.err == nil; i++ {
		t := TopicInfo{ID: r.uuid(), Name: r.string(), Partitions: r.int32()}
		np := r.arrayLen()
		for j := 0; j < np && r.err == nil; j++ {
			r.int32() // partition
			nr := r.arrayLen()
			for k := 0; k < nr && r.err == nil; k++ {
				r.string() // rack
			}
			r.tags()
		}
		r.tags()
		out = append(out, t)
	}
	r.tags()
	return out, r.err
}
