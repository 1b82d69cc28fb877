package cluster

import (
	"context"
	"errors"
	"testing"

	"sluice/engine"
)

func TestCreateDeleteRecreateTopic(t *testing.T) {
	b := newTestBroker(t, nil)
	info := b.create("orders", 3, nil)
	if info.ID == ([16]byte{}) || len(info.Partitions) != 3 || info.Internal {
		t.Fatalf("created %+v", info)
	}
	for i, p := range info.Partitions {
		if p.Partition != int32(i) || p.Leader != 0 || p.LeaderEpoch != 0 || len(p.Replicas) != 1 || len(p.ISR) != 1 {
			t.Errorf("partition %+v", p)
		}
	}
	tp := engine.TopicPartition{Topic: "orders", Partition: 1}
	res, err := b.node.Append(context.Background(), tp, batch("a", "b"), 1)
	if err != nil || res.BaseOffset != 0 || res.LastOffset != 1 {
		t.Fatalf("append: %+v %v", res, err)
	}
	l, _, err := b.node.Log(tp)
	if err != nil || l.HighWatermark() != 2 || l.LogEndOffset() != 2 {
		t.Fatalf("after append: hw %d leo %d err %v", l.HighWatermark(), l.LogEndOffset(), err)
	}
	if l.TopicID() != info.ID {
		t.Errorf("log topic id %x, topic %x", l.TopicID(), info.ID)
	}
	if got, ok := b.node.TopicByID(info.ID); !ok || got.Name != "orders" {
		t.Errorf("TopicByID: %+v %v", got, ok)
	}

	if err := b.node.DeleteTopic("orders"); err != nil {
		t.Fatal(err)
	}
	if _, ok := b.node.Topic("orders"); ok {
		t.Fatal("topic still listed after delete")
	}
	if _, _, err := b.node.Log(tp); !errors.Is(err, ErrUnknownTopicOrPartition) {
		t.Fatalf("Log after delete: %v", err)
	}
	if _, err := b.node.Append(context.Background(), tp, batch("c"), 1); !errors.Is(err, ErrUnknownTopicOrPartition) {
		t.Fatalf("Append after delete: %v", err)
	}
	if err := b.node.DeleteTopic("orders"); !errors.Is(err, ErrUnknownTopicOrPartition) {
		t.Fatalf("second delete: %v", err)
	}

	again := b.create("orders", 1, nil)
	if again.ID == info.ID {
		t.Fatal("re-created topic kept its old id")
	}
	l, _, err = b.node.Log(engine.TopicPartition{Topic: "orders", Partition: 0})
	if err != nil || l.LogEndOffset() != 0 || l.TopicID() != again.ID {
		t.Fatalf("re-created log: leo %d id ok %v err %v", l.LogEndOffset(), l.TopicID() == again.ID, err)
	}

	// Everything survives a restart.
	b.reopen()
	got, ok := b.node.Topic("orders")
	if !ok || got.ID != again.ID || len(got.Partitions) != 1 {
		t.Fatalf("after reopen: %+v %v", got, ok)
	}
}

func TestCreateTopicErrors(t *testing.T) {
	b := newTestBroker(t, map[string]string{"num.partitions": "2"})
	info := b.create("a.b", -1, nil)
	if len(info.Partitions) != 2 {
		t.Errorf("num.partitions default not applied: %d", len(info.Partitions))
	}
	for _, tc := range []struct {
		req  CreateTopicRequest
		want error
		msg  string
	}{
		{CreateTopicRequest{Name: "a.b", NumPartitions: 1, ReplicationFactor: 1}, ErrTopicExists, "Topic 'a.b' already exists."},
		{CreateTopicRequest{Name: "a_b", NumPartitions: 1, ReplicationFactor: 1}, ErrInvalidTopic,
			"Topic 'a_b' collides with existing topics: a.b"},
		{CreateTopicRequest{Name: "bad name", NumPartitions: 1, ReplicationFactor: 1}, ErrInvalidTopic, ""},
		{CreateTopicRequest{Name: "t", NumPartitions: 0, ReplicationFactor: 1}, ErrInvalidPartitions,
			"Number of partitions must be larger than 0."},
		{CreateTopicRequest{Name: "t", NumPartitions: 1, ReplicationFactor: 0}, ErrInvalidReplicationFactor,
			"Replication factor must be larger than 0."},
		{CreateTopicRequest{Name: "t", NumPartitions: 1, ReplicationFactor: 3}, ErrInvalidReplicationFactor,
			"Replication factor: 3 larger than available brokers: 1."},
		{CreateTopicRequest{Name: "t", NumPartitions: 1, ReplicationFactor: 1, Configs: map[string]string{"retention.ms": "x"}},
			ErrInvalidConfig, ""},
		{CreateTopicRequest{Name: "t", NumPartitions: 1, ReplicationFactor: 1, Configs: map[string]string{"no.such": "1"}},
			ErrInvalidConfig, "Unknown topic config name: no.such"},
		{CreateTopicRequest{Name: "t", NumPartitions: 1, ReplicationFactor: -1, Assignment: map[int32][]int32{0: {0}}},
			ErrInvalidRequest, ""},
		{CreateTopicRequest{Name: "t", NumPartitions: -1, ReplicationFactor: -1, Assignment: map[int32][]int32{0: {0}, 2: {0}}},
			ErrInvalidReplicaAssignment, "partitions should be a consecutive 0-based integer sequence"},
		{CreateTopicRequest{Name: "t", NumPartitions: -1, ReplicationFactor: -1, Assignment: map[int32][]int32{0: {5}}},
			ErrInvalidReplicaAssignment, ""},
		{CreateTopicRequest{Name: "t", NumPartitions: -1, ReplicationFactor: -1, Assignment: map[int32][]int32{0: {0, 0}}},
			ErrInvalidReplicaAssignment, ""},
	} {
		_, err := b.node.CreateTopic(tc.req)
		if !errors.Is(err, tc.want) || (tc.msg != "" && Message(err) != tc.msg) {
			t.Errorf("%+v: got %v (%q), want %v %q", tc.req, err, Message(err), tc.want, tc.msg)
		}
	}
	if _, ok := b.node.Topic("t"); ok {
		t.Fatal("a failed create left a topic behind")
	}
	// validateOnly creates nothing.
	if _, err := b.node.CreateTopic(CreateTopicRequest{Name: "v", NumPartitions: 1, ReplicationFactor: 1, ValidateOnly: true}); err != nil {
		t.Fatal(err)
	}
	if _, ok := b.node.Topic("v"); ok {
		t.Fatal("validateOnly created the topic")
	}
	if _, ok := b.eng.Log(engine.TopicPartition{Topic: "v"}); ok {
		t.Fatal("validateOnly created a log")
	}
	// Explicit assignment.
	info, err := b.node.CreateTopic(CreateTopicRequest{Name: "manual", NumPartitions: -1, ReplicationFactor: -1,
		Assignment: map[int32][]int32{0: {0}, 1: {0}}})
	if err != nil || len(info.Partitions) != 2 {
		t.Fatalf("manual assignment: %+v %v", info, err)
	}
}

func TestDeleteTopicDisabled(t *testing.T) {
	b := newTestBroker(t, map[string]string{"delete.topic.enable": "false"})
	b.create("keep", 1, nil)
	if err := b.node.DeleteTopic("keep"); !errors.Is(err, ErrTopicDeletionDisabled) {
		t.Fatalf("delete with delete.topic.enable=false: %v", err)
	}
	if _, ok := b.node.Topic("keep"); !ok {
		t.Fatal("topic gone")
	}
}

func TestCreatePartitions(t *testing.T) {
	b := newTestBroker(t, nil)
	b.create("grow", 1, map[string]string{"retention.ms": "1000"})
	if err := b.node.CreatePartitions("grow", 3, nil, true); err != nil {
		t.Fatal(err)
	}
	if info, _ := b.node.Topic("grow"); len(info.Partitions) != 1 {
		t.Fatal("validateOnly added partitions")
	}
	if err := b.node.CreatePartitions("grow", 3, nil, false); err != nil {
		t.Fatal(err)
	}
	info, _ := b.node.Topic("grow")
	if len(info.Partitions) != 3 {
		t.Fatalf("partitions %d", len(info.Partitions))
	}
	l, _, err := b.node.Log(engine.TopicPartition{Topic: "grow", Partition: 2})
	if err != nil || l.Config().RetentionMs != 1000 || l.TopicID() != info.ID {
		t.Fatalf("new partition log: %v", err)
	}
	for _, tc := range []struct {
		total int32
		msg   string
	}{
		{2, "Topic currently has 3 partitions, which is higher than the requested 2."},
		{3, "Topic already has 3 partitions."},
	} {
		if err := b.node.CreatePartitions("grow", tc.total, nil, false); !errors.Is(err, ErrInvalidPartitions) || Message(err) != tc.msg {
			t.Errorf("total %d: %v", tc.total, err)
		}
	}
	if err := b.node.CreatePartitions("grow", 5, [][]int32{{0}}, false); !errors.Is(err, ErrInvalidReplicaAssignment) {
		t.Errorf("wrong assignment count: %v", err)
	}
	if err := b.node.CreatePartitions("nope", 5, nil, false); !errors.Is(err, ErrUnknownTopicOrPartition) {
		t.Errorf("unknown topic: %v", err)
	}
	b.reopen()
	if info, _ := b.node.Topic("grow"); len(info.Partitions) != 3 {
		t.Fatalf("after reopen: %d partitions", len(info.Partitions))
	}
}
