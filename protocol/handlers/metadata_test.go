package handlers

import (
	"slices"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/cluster"
	"sluice/protocol/kerr"
)

// TestMetadataPartitionWithoutLeader: a partition whose leader is -1
// (offline: every replica gone) answers LEADER_NOT_AVAILABLE with leader
// -1 and lists its offline replicas, as Kafka's MetadataCache; one with a
// leader answers no error.
func TestMetadataPartitionWithoutLeader(t *testing.T) {
	req := kmsg.NewPtrMetadataRequest()
	t0 := cluster.TopicInfo{Name: "t", ID: [16]byte{1}, Partitions: []cluster.PartitionInfo{
		{Partition: 0, Leader: -1, LeaderEpoch: 4, Replicas: []int32{1, 2}, ISR: []int32{2}, Offline: []int32{1, 2}},
		{Partition: 1, Leader: 2, LeaderEpoch: 1, Replicas: []int32{2, 1}, ISR: []int32{2, 1}},
	}}
	mt := metadataTopic(req, t0)
	p0, p1 := mt.Partitions[0], mt.Partitions[1]
	if p0.ErrorCode != kerr.LeaderNotAvailable.Code || p0.Leader != -1 || !slices.Equal(p0.OfflineReplicas, []int32{1, 2}) ||
		!slices.Equal(p0.Replicas, []int32{1, 2}) || !slices.Equal(p0.ISR, []int32{2}) || p0.LeaderEpoch != 4 {
		t.Errorf("leaderless partition: %+v", p0)
	}
	if p1.ErrorCode != 0 || p1.Leader != 2 || p1.OfflineReplicas == nil || len(p1.OfflineReplicas) != 0 {
		t.Errorf("led partition: %+v", p1)
	}
}
