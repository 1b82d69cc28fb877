package group

import (
	"encoding/binary"
	"fmt"
)

// Key versions of __consumer_offsets records (the int16 that opens a key).
// These constants are on disk: never change them.
const (
	keyOffsetCommitV0 = 0 // legacy offset commit key, same layout as v1
	keyOffsetCommit   = 1 // OffsetCommitKey: group, topic, partition
	keyGroupMetadata  = 2 // GroupMetadataKey: group
)

// Value versions written (Kafka 3.9 with metadata.version >= 2.3).
const (
	offsetValueVersion       = 3 // OffsetCommitValue without expireTimestamp
	offsetValueVersionExpire = 1 // OffsetCommitValue with expireTimestamp (OffsetCommit v2-v4 retention)
	groupValueVersion        = 3 // GroupMetadataValue
)

// OffsetKey is an OffsetCommitKey.
type OffsetKey struct {
	Group, Topic string
	Partition    int32
}

// OffsetValue is an OffsetCommitValue. LeaderEpoch -1 = none;
// ExpireTimestamp -1 = none (then written as version 3, else version 1).
type OffsetValue struct {
	Offset          int64
	LeaderEpoch     int32
	Metadata        string
	CommitTimestamp int64
	ExpireTimestamp int64
}

// GroupValue is a GroupMetadataValue. Protocol and Leader "" are written as
// null (an Empty group).
type GroupValue struct {
	ProtocolType          string
	Generation            int32
	Protocol, Leader      string
	CurrentStateTimestamp int64
	Members               []GroupValueMember
}

// GroupValueMember is GroupMetadataValue.MemberMetadata. InstanceID "" = null.
type GroupValueMember struct {
	MemberID, InstanceID, ClientID, ClientHost string
	RebalanceTimeout, SessionTimeout           int32
	Subscription, Assignment                   []byte
}

// EncodeOffsetKey returns the key version 1 bytes.
func EncodeOffsetKey(k OffsetKey) []byte {
	b := make([]byte, 0, 2+2+len(k.Group)+2+len(k.Topic)+4)
	b = binary.BigEndian.AppendUint16(b, keyOffsetCommit)
	b = appendString(b, k.Group)
	b = appendString(b, k.Topic)
	return binary.BigEndian.AppendUint32(b, uint32(k.Partition))
}

// EncodeGroupKey returns the key version 2 bytes.
func EncodeGroupKey(group string) []byte {
	b := make([]byte, 0, 4+len(group))
	b = binary.BigEndian.AppendUint16(b, keyGroupMetadata)
	return appendString(b, group)
}

// EncodeOffsetValue returns the value as Kafka 3.9 writes it: version 3
// (offset, leaderEpoch, metadata, commitTimestamp) or, with an expire
// timestamp, version 1 (offset, metadata, commitTimestamp, expireTimestamp).
func EncodeOffsetValue(v OffsetValue) []byte {
	b := make([]byte, 0, 2+8+4+2+len(v.Metadata)+8+8)
	if v.ExpireTimestamp >= 0 {
		b = binary.BigEndian.AppendUint16(b, offsetValueVersionExpire)
		b = binary.BigEndian.AppendUint64(b, uint64(v.Offset))
		b = appendString(b, v.Metadata)
		b = binary.BigEndian.AppendUint64(b, uint64(v.CommitTimestamp))
		return binary.BigEndian.AppendUint64(b, uint64(v.ExpireTimestamp))
	}
	b = binary.BigEndian.AppendUint16(b, offsetValueVersion)
	b = binary.BigEndian.AppendUint64(b, uint64(v.Offset))
	b = binary.BigEndian.AppendUint32(b, uint32(v.LeaderEpoch))
	b = appendString(b, v.Metadata)
	return binary.BigEndian.AppendUint64(b, uint64(v.CommitTimestamp))
}

// EncodeGroupValue returns the GroupMetadataValue version 3 bytes.
func EncodeGroupValue(v GroupValue) []byte {
	b := binary.BigEndian.AppendUint16(nil, groupValueVersion)
	b = appendString(b, v.ProtocolType)
	b = binary.BigEndian.AppendUint32(b, uint32(v.Generation))
	b = appendNullableString(b, v.Protocol)
	b = appendNullableString(b, v.Leader)
	b = binary.BigEndian.AppendUint64(b, uint64(v.CurrentStateTimestamp))
	b = binary.BigEndian.AppendUint32(b, uint32(len(v.Members)))
	for _, m := range v.Members {
		b = appendString(b, m.MemberID)
		b = appendNullableString(b, m.InstanceID)
		b = appendString(b, m.ClientID)
		b = appendString(b, m.ClientHost)
		b = binary.BigEndian.AppendUint32(b, uint32(m.RebalanceTimeout))
		b = binary.BigEndian.AppendUint32(b, uint32(m.SessionTimeout))
		b = appendBytes(b, m.Subscription)
		b = appendBytes(b, m.Assignment)
	}
	return b
}

// KeyKind says what a key is.
type KeyKind int8

// Key kinds returned by DecodeKey.
const (
	KeyOther  KeyKind = iota // a version this coordinator ignores (KIP-848, share groups...)
	KeyOffset                // OffsetCommitKey (versions 0, 1)
	KeyGroup                 // GroupMetadataKey (version 2)
)

// DecodeKey decodes a record key. For KeyGroup only OffsetKey.Group is set.
func DecodeKey(b []byte) (KeyKind, OffsetKey, error) {
	r := reader{b: b}
	ver := r.int16()
	if r.err != nil {
		return KeyOther, OffsetKey{}, r.err
	}
	switch ver {
	case keyOffsetCommitV0, keyOffsetCommit:
		k := OffsetKey{Group: r.string(), Topic: r.string(), Partition: r.int32()}
		return KeyOffset, k, r.err
	case keyGroupMetadata:
		k := OffsetKey{Group: r.string()}
		return KeyGroup, k, r.err
	}
	return KeyOther, OffsetKey{}, nil
}

// DecodeOffsetValue decodes OffsetCommitValue versions 0-4.
func DecodeOffsetValue(b []byte) (OffsetValue, error) {
	r := reader{b: b}
	ver := r.int16()
	if r.err == nil && (ver < 0 || ver > 4) {
		return OffsetValue{}, fmt.Errorf("%w: OffsetCommitValue v%d", ErrUnknownRecordVersion, ver)
	}
	r.flexible = ver >= 4
	v := OffsetValue{LeaderEpoch: -1, ExpireTimestamp: -1}
	v.Offset = r.int64()
	if ver >= 3 {
		v.LeaderEpoch = r.int32()
	}
	v.Metadata = r.string()
	v.CommitTimestamp = r.int64()
	if ver == 1 {
		v.ExpireTimestamp = r.int64()
	}
	r.tags()
	return v, r.err
}

// DecodeGroupValue decodes GroupMetadataValue versions 0-4.
func DecodeGroupValue(b []byte) (GroupValue, error) {
	r := reader{b: b}
	ver := r.int16()
	if r.err == nil && (ver < 0 || ver > 4) {
		return GroupValue{}, fmt.Errorf("%w: GroupMetadataValue v%d", ErrUnknownRecordVersion, ver)
	}
	r.flexible = ver >= 4
	v := GroupValue{CurrentStateTimestamp: -1}
	v.ProtocolType = r.string()
	v.Generation = r.int32()
	v.Protocol = r.string()
	v.Leader = r.string()
	if ver >= 2 {
		v.CurrentStateTimestamp = r.int64()
	}
	n := r.arrayLen()
	for i := 0; i < n && r.err == nil; i++ {
		var m GroupValueMember
		m.MemberID = r.string()
		if ver >= 3 {
			m.InstanceID = r.string()
		}
		m.ClientID = r.string()
		m.ClientHost = r.string()
		if ver >= 1 {
			m.RebalanceTimeout = r.int32()
		}
		m.SessionTimeout = r.int32()
		if ver == 0 {
			m.RebalanceTimeout = m.SessionTimeout // Kafka's reading of v0
		}
		m.Subscription = r.bytes()
		m.Assignment = r.bytes()
		r.tags()
		v.Members = append(v.Members, m)
	}
	r.tags()
	return v, r.err
}

func appendString(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(len(s)))
	return append(b, s...)
}

func appendNullableString(b []byte, s string) []byte {
	if s == "" {
		return binary.BigEndian.AppendUint16(b, 0xffff)
	}
	return appendString(b, s)
}

func appendBytes(b, v []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(v)))
	return append(b, v...)
}
