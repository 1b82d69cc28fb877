package cluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"sluice/cluster/internal/metastore"
	"sluice/engine"
	"sluice/engine/record"
	"sluice/engine/vfs"
	"sluice/engine/vfs/errorfs"
)

// testBroker is a Node on a real engine in a temporary dir.
type testBroker struct {
	t     *testing.T
	dir   string
	props map[string]string
	cfg   BrokerConfig
	eng   *engine.Engine
	node  *Node
}

func newTestBroker(t *testing.T, props map[string]string) *testBroker {
	t.Helper()
	all := map[string]string{"log.dirs": t.TempDir()}
	for k, v := range props {
		all[k] = v
	}
	b := &testBroker{t: t, dir: all["log.dirs"], props: all}
	b.open()
	t.Cleanup(b.close)
	return b
}

func (b *testBroker) open() {
	b.t.Helper()
	cfg, _, err := ParseBrokerConfig(b.props)
	if err != nil {
		b.t.Fatal(err)
	}
	b.cfg = cfg
	opts, err := EngineOptions(cfg)
	if err != nil {
		b.t.Fatal(err)
	}
	opts.DisableBackground = true
	eng, err := engine.Open(opts)
	if errors.Is(err, engine.ErrNotImplemented) {
		b.t.Skip("engine.Open is still a stub: this test needs the real engine")
	}
	if err != nil {
		b.t.Fatal(err)
	}
	b.eng = eng
	b.openNode()
}

func (b *testBroker) openNode() {
	b.t.Helper()
	n, err := Open(b.cfg, b.eng, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	b.node = n
}

func (b *testBroker) close() {
	if b.node != nil {
		b.node.Close()
		b.node = nil
	}
	if b.eng != nil {
		if err := b.eng.Close(); err != nil {
			b.t.Errorf("engine close: %v", err)
		}
		b.eng = nil
	}
}

func (b *testBroker) reopen() {
	b.t.Helper()
	b.close()
	b.open()
}

func (b *testBroker) create(name string, partitions int32, configs map[string]string) TopicInfo {
	b.t.Helper()
	info, err := b.node.CreateTopic(CreateTopicRequest{Name: name, NumPartitions: partitions, ReplicationFactor: -1, Configs: configs})
	if err != nil {
		b.t.Fatalf("create %s: %v", name, err)
	}
	return info
}

func batch(values ...string) []byte {
	bl := record.NewBuilder(record.DefaultBuilderOptions())
	for _, v := range values {
		bl.Add([]byte("k"), []byte(v), 1700000000000)
	}
	return bl.Build()
}

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

func TestTopicConfigOverridesPersisted(t *testing.T) {
	b := newTestBroker(t, nil)
	b.create("cfg", 1, map[string]string{"retention.ms": "5000"})
	tp := engine.TopicPartition{Topic: "cfg"}
	// Incremental: keep retention.ms, add segment.bytes, append compact.
	err := b.node.AlterTopicConfig("cfg", []ConfigOp{
		{Name: "segment.bytes", Op: OpSet, Value: "1048576"},
		{Name: "cleanup.policy", Op: OpAppend, Value: "compact"},
	}, true, false)
	if err != nil {
		t.Fatal(err)
	}
	check := func(when string, wantRetention int64, wantOverrides int) {
		t.Helper()
		info, _ := b.node.Topic("cfg")
		l, _, err := b.node.Log(tp)
		if err != nil {
			t.Fatal(err)
		}
		c := l.Config()
		if c.RetentionMs != wantRetention || len(info.Configs) != wantOverrides {
			t.Errorf("%s: retention %d overrides %v", when, c.RetentionMs, info.Configs)
		}
		if wantOverrides == 3 && (c.SegmentBytes != 1<<20 || !c.CleanupPolicy.Compact() || !c.CleanupPolicy.Delete()) {
			t.Errorf("%s: config %+v", when, c)
		}
	}
	check("after alter", 5000, 3)
	b.reopen()
	check("after reopen", 5000, 3)

	// Bad values are refused and change nothing.
	if err := b.node.AlterTopicConfig("cfg", []ConfigOp{{Name: "retention.ms", Value: "-7"}}, true, false); !errors.Is(err, ErrInvalidConfig) ||
		!strings.Contains(Message(err), "retention.ms") {
		t.Errorf("bad value: %v", err)
	}
	if err := b.node.AlterTopicConfig("cfg", []ConfigOp{{Name: "retention.ms", Op: OpAppend, Value: "1"}}, true, false); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("append to non-list: %v", err)
	}
	check("after refused alters", 5000, 3)

	// Legacy AlterConfigs replaces the whole set: only segment.ms remains.
	if err := b.node.AlterTopicConfig("cfg", []ConfigOp{{Name: "segment.ms", Value: "60000"}}, false, false); err != nil {
		t.Fatal(err)
	}
	check("after full replace", engine.DefaultTopicConfig().RetentionMs, 1)
	entries, err := b.node.DescribeTopicConfig("cfg")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		switch e.Name {
		case "segment.ms":
			if e.Value != "60000" || e.Source != SourceTopic {
				t.Errorf("segment.ms entry %+v", e)
			}
		case "retention.ms":
			if e.Value != "604800000" || e.Source != SourceDefault {
				t.Errorf("retention.ms entry %+v", e)
			}
		}
	}
}

func TestBrokerDynamicConfig(t *testing.T) {
	b := newTestBroker(t, map[string]string{"log.retention.hours": "2"})
	b.create("plain", 1, nil)
	b.create("pinned", 1, map[string]string{"retention.ms": "1000"})
	logOf := func(name string) *engine.Log {
		l, _, err := b.node.Log(engine.TopicPartition{Topic: name})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	if r := logOf("plain").Config().RetentionMs; r != 2*3600000 {
		t.Fatalf("static log.retention.hours not applied: %d", r)
	}
	if err := b.node.AlterBrokerConfig("", []ConfigOp{{Name: "log.retention.ms", Value: "60000"}}, true, false); err != nil {
		t.Fatal(err)
	}
	if r := logOf("plain").Config().RetentionMs; r != 60000 {
		t.Errorf("dynamic default not applied to live log: %d", r)
	}
	if r := logOf("pinned").Config().RetentionMs; r != 1000 {
		t.Errorf("topic override lost: %d", r)
	}
	if err := b.node.AlterBrokerConfig("0", []ConfigOp{{Name: "broker.id", Value: "3"}}, true, false); !errors.Is(err, ErrInvalidRequest) ||
		!strings.Contains(Message(err), "broker.id") {
		t.Errorf("read-only config altered: %v", err)
	}
	if err := b.node.AlterBrokerConfig("0", []ConfigOp{{Name: "log.segment.bytes", Value: "1"}}, true, false); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("bad dynamic value: %v", err)
	}
	if err := b.node.AlterBrokerConfig("9", nil, true, false); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("other broker id: %v", err)
	}
	b.reopen()
	if r := logOf("plain").Config().RetentionMs; r != 60000 {
		t.Errorf("dynamic default lost on reopen: %d", r)
	}
	entries, err := b.node.DescribeBrokerConfig("0")
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, e := range entries {
		switch e.Name {
		case "log.retention.ms":
			found++
			if e.Value != "60000" || e.Source != SourceDynamicDefaultBroker || e.ReadOnly {
				t.Errorf("log.retention.ms %+v", e)
			}
		case "log.retention.hours":
			found++
			if e.Value != "2" || e.Source != SourceStaticBroker {
				t.Errorf("log.retention.hours %+v", e)
			}
		case "broker.id":
			found++
			if !e.ReadOnly || e.Value != "0" || e.Source != SourceDefault {
				t.Errorf("broker.id %+v", e)
			}
		}
	}
	if found != 3 {
		t.Errorf("entries missing: %d of 3", found)
	}
	def, _ := b.node.DescribeBrokerConfig("")
	if len(def) != 1 || def[0].Name != "log.retention.ms" {
		t.Errorf("cluster default resource: %+v", def)
	}
	// Deleting the dynamic value falls back to the static one.
	if err := b.node.AlterBrokerConfig("", []ConfigOp{{Name: "log.retention.ms", Op: OpDelete}}, true, false); err != nil {
		t.Fatal(err)
	}
	if r := logOf("plain").Config().RetentionMs; r != 2*3600000 {
		t.Errorf("after delete: %d", r)
	}
}

func TestProducerIDsNeverReused(t *testing.T) {
	b := newTestBroker(t, nil)
	seen := map[int64]bool{}
	alloc := func(n int) int64 {
		var last int64 = -1
		for i := 0; i < n; i++ {
			id, err := b.node.AllocateProducerID()
			if err != nil {
				t.Fatal(err)
			}
			if seen[id] || id <= last {
				t.Fatalf("producer id %d reused or not increasing (last %d)", id, last)
			}
			seen[id], last = true, id
		}
		return last
	}
	first := alloc(3)
	b.reopen()
	second := alloc(producerIDBlockSize + 5) // crosses a block boundary
	if second <= first {
		t.Fatal("ids went backwards")
	}
	b.reopen()
	alloc(2)
	if len(seen) != 3+producerIDBlockSize+5+2 {
		t.Fatalf("saw %d ids", len(seen))
	}
}

func TestClusterIDStable(t *testing.T) {
	b := newTestBroker(t, nil)
	id := b.node.ClusterID()
	if len(id) != 22 {
		t.Fatalf("cluster id %q", id)
	}
	b.reopen()
	if b.node.ClusterID() != id {
		t.Fatalf("cluster id changed: %s -> %s", id, b.node.ClusterID())
	}
	data, err := os.ReadFile(filepath.Join(b.dir, "meta.properties"))
	if err != nil || !strings.Contains(string(data), "cluster.id="+id) {
		t.Errorf("meta.properties lacks the cluster id: %v\n%s", err, data)
	}
	// Metadata written by another node id is refused (the engine checks
	// meta.properties the same way).
	b.node.Close()
	st, err := metastore.Load(vfs.Default, b.dir)
	if err != nil {
		t.Fatal(err)
	}
	st.NodeID = 7
	if err := metastore.Save(vfs.Default, b.dir, st); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(b.cfg, b.eng, nil); !errors.Is(err, ErrInconsistentNodeID) {
		t.Errorf("metadata of node 7 opened by node 0: %v", err)
	}
	b.node = nil
}

func TestReconcileOnOpen(t *testing.T) {
	b := newTestBroker(t, nil)
	info := b.create("known", 2, nil)
	b.node.Close()
	// Behind the node's back: a stray topic, a log of another incarnation,
	// and a missing partition.
	if _, err := b.eng.CreateLog(engine.TopicPartition{Topic: "stray"}, NewUUID(), engine.DefaultTopicConfig()); err != nil {
		t.Fatal(err)
	}
	if err := b.eng.DeleteLog(engine.TopicPartition{Topic: "known", Partition: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.eng.CreateLog(engine.TopicPartition{Topic: "known", Partition: 1}, NewUUID(), engine.DefaultTopicConfig()); err != nil {
		t.Fatal(err)
	}
	if err := b.eng.DeleteLog(engine.TopicPartition{Topic: "known", Partition: 0}); err != nil {
		t.Fatal(err)
	}
	b.openNode()
	if _, ok := b.eng.Log(engine.TopicPartition{Topic: "stray"}); ok {
		t.Error("stray log not deleted")
	}
	for p := int32(0); p < 2; p++ {
		l, ok := b.eng.Log(engine.TopicPartition{Topic: "known", Partition: p})
		if !ok || l.TopicID() != info.ID {
			t.Errorf("known-%d: present %v, right id %v", p, ok, ok && l.TopicID() == info.ID)
		}
	}
	if _, ok := b.node.Topic("stray"); ok {
		t.Error("stray became a topic")
	}
}

func TestAdoptLogsOnFirstStart(t *testing.T) {
	b := newTestBroker(t, nil)
	b.node.Close()
	id := NewUUID()
	for p := int32(0); p < 2; p++ {
		if _, err := b.eng.CreateLog(engine.TopicPartition{Topic: "old", Partition: p}, id, engine.DefaultTopicConfig()); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Remove(filepath.Join(b.dir, metastore.FileName)); err != nil {
		t.Fatal(err)
	}
	b.openNode()
	info, ok := b.node.Topic("old")
	if !ok || info.ID != id || len(info.Partitions) != 2 {
		t.Fatalf("adopted: %+v %v", info, ok)
	}
}

func TestAppendRules(t *testing.T) {
	b := newTestBroker(t, nil)
	b.create("p", 1, map[string]string{"min.insync.replicas": "2"})
	b.create("q", 1, nil)
	ctx := context.Background()
	tp := engine.TopicPartition{Topic: "p"}
	if _, err := b.node.Append(ctx, tp, batch("x"), -1); !errors.Is(err, ErrNotEnoughReplicas) ||
		Message(err) != "The size of the current ISR Set(0) is insufficient to satisfy the min.isr requirement of 2 for partition p-0" {
		t.Errorf("acks=-1 with min.insync.replicas 2: %v", err)
	}
	for _, acks := range []int16{0, 1} {
		if _, err := b.node.Append(ctx, tp, batch("x"), acks); err != nil {
			t.Errorf("acks=%d: %v", acks, err)
		}
	}
	if _, err := b.node.Append(ctx, engine.TopicPartition{Topic: "q"}, batch("x"), -1); err != nil {
		t.Errorf("acks=-1: %v", err)
	}
	if _, err := b.node.Append(ctx, tp, batch("x"), 2); !errors.Is(err, ErrInvalidRequiredAcks) {
		t.Errorf("acks=2: %v", err)
	}
	if _, err := b.node.Append(ctx, engine.TopicPartition{Topic: "p", Partition: 1}, batch("x"), 1); !errors.Is(err, ErrUnknownTopicOrPartition) {
		t.Errorf("missing partition: %v", err)
	}

	off, err := b.node.EnsureInternalTopic(ConsumerOffsetsTopic)
	if err != nil {
		t.Fatal(err)
	}
	if !off.Internal || len(off.Partitions) != 50 {
		t.Fatalf("__consumer_offsets: internal %v partitions %d", off.Internal, len(off.Partitions))
	}
	otp := engine.TopicPartition{Topic: ConsumerOffsetsTopic, Partition: 3}
	l, _, err := b.node.Log(otp)
	if err != nil || !l.Config().CleanupPolicy.Compact() || l.Config().SegmentBytes != 100<<20 {
		t.Fatalf("__consumer_offsets config: %v", err)
	}
	if _, err := b.node.Append(ctx, otp, batch("x"), 1); !errors.Is(err, ErrInvalidTopic) ||
		Message(err) != "Cannot append to internal topic __consumer_offsets" {
		t.Errorf("client produce to internal topic: %v", err)
	}
	if _, err := b.node.AppendCoordinator(ctx, otp, batch("x")); err != nil {
		t.Errorf("coordinator append: %v", err)
	}
	if err := b.node.DeleteTopic(ConsumerOffsetsTopic); !errors.Is(err, ErrInternalTopicDeletion) {
		t.Errorf("delete internal topic: %v", err)
	}
	again, err := b.node.EnsureInternalTopic(ConsumerOffsetsTopic)
	if err != nil || again.ID != off.ID {
		t.Errorf("EnsureInternalTopic is not idempotent: %v", err)
	}
}

func TestAppendAdvancesHighWatermarkAndWakesFetches(t *testing.T) {
	b := newTestBroker(t, nil)
	b.create("w", 1, nil)
	tp := engine.TopicPartition{Topic: "w"}
	l, _, err := b.node.Log(tp)
	if err != nil {
		t.Fatal(err)
	}
	wait := l.Wait()
	select {
	case <-wait:
		t.Fatal("wait channel closed before any append")
	default:
	}
	if _, err := b.node.Append(context.Background(), tp, batch("a"), 1); err != nil {
		t.Fatal(err)
	}
	select {
	case <-wait:
	case <-time.After(5 * time.Second):
		t.Fatal("append did not wake a parked fetch")
	}
	if l.HighWatermark() != 1 {
		t.Fatalf("hw %d", l.HighWatermark())
	}
}

// Concurrent appends (and metadata reads and changes alongside) keep the
// high watermark equal to the log end and never moving back.
func TestConcurrentAppends(t *testing.T) {
	b := newTestBroker(t, nil)
	b.create("c", 1, nil)
	tp := engine.TopicPartition{Topic: "c"}
	const writers, perWriter = 4, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers+1)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perWriter; i++ {
				if _, err := b.node.Append(context.Background(), tp, batch("x", "y"), 1); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 5; i++ {
			if _, err := b.node.CreateTopic(CreateTopicRequest{Name: fmt.Sprintf("side-%d", i), NumPartitions: 1, ReplicationFactor: 1}); err != nil {
				errs <- err
				return
			}
			b.node.Topics()
		}
	}()
	l, _, _ := b.node.Log(tp)
	var lastHW int64
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		time.Sleep(100 * time.Microsecond)
		hw := l.HighWatermark()
		if hw < lastHW {
			t.Fatalf("high watermark moved back: %d -> %d", lastHW, hw)
		}
		lastHW = hw
	}
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if l.HighWatermark() != writers*perWriter*2 || l.LogEndOffset() != writers*perWriter*2 {
		t.Fatalf("hw %d leo %d, want %d", l.HighWatermark(), l.LogEndOffset(), writers*perWriter*2)
	}
}

func TestTransactionStateTopic(t *testing.T) {
	b := newTestBroker(t, map[string]string{"transaction.state.log.num.partitions": "3"})
	info, err := b.node.EnsureInternalTopic(TransactionStateTopic)
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Partitions) != 3 || !info.Internal {
		t.Fatalf("%+v", info)
	}
	l, _, err := b.node.Log(engine.TopicPartition{Topic: TransactionStateTopic})
	if err != nil || l.Config().MinInsyncReplicas != 1 || !l.Config().CleanupPolicy.Compact() {
		t.Fatalf("config: %v", err)
	}
	// The coordinator writes with acks=-1; single-node min ISR 1 lets it.
	if _, err := b.node.AppendCoordinator(context.Background(), engine.TopicPartition{Topic: TransactionStateTopic}, batch("x")); err != nil {
		t.Fatal(err)
	}
	if _, err := b.node.EnsureInternalTopic("__other"); !errors.Is(err, ErrInvalidTopic) {
		t.Errorf("non-internal name: %v", err)
	}
}

func TestCorruptMetadataRefused(t *testing.T) {
	b := newTestBroker(t, nil)
	b.create("x", 2, nil)
	b.node.Close()
	b.node = nil
	good, err := metastore.Load(vfs.Default, b.dir)
	if err != nil {
		t.Fatal(err)
	}
	for name, mutate := range map[string]func(*metastore.State){
		"gap in partitions":  func(s *metastore.State) { s.Topics[0].Partitions = s.Topics[0].Partitions[1:] },
		"no partitions":      func(s *metastore.State) { s.Topics[0].Partitions = nil },
		"empty replicas":     func(s *metastore.State) { s.Topics[0].Partitions[0].Replicas = nil },
		"leader not replica": func(s *metastore.State) { s.Topics[0].Partitions[0].Leader = 9 },
		"bad id":             func(s *metastore.State) { s.Topics[0].ID = "nope" },
		"bad name":           func(s *metastore.State) { s.Topics[0].Name = "a/b" },
		"duplicate topic":    func(s *metastore.State) { s.Topics = append(s.Topics, s.Topics[0]) },
		"no cluster id":      func(s *metastore.State) { s.ClusterID = "" },
	} {
		st := good.Clone()
		mutate(st)
		if err := metastore.Save(vfs.Default, b.dir, st); err != nil {
			t.Fatal(err)
		}
		if _, err := Open(b.cfg, b.eng, nil); !errors.Is(err, ErrCorruptMetadata) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := metastore.Save(vfs.Default, b.dir, good); err != nil {
		t.Fatal(err)
	}
	b.openNode()
	if _, ok := b.node.Topic("x"); !ok {
		t.Fatal("good metadata not accepted after the corrupt ones")
	}
}

// When the metadata file cannot be written, the change is refused and
// nothing of it becomes visible; producer ids stay unique.
func TestMetadataWriteFailure(t *testing.T) {
	b := newTestBroker(t, nil)
	b.node.Close()
	efs := errorfs.New(vfs.Default)
	n, err := open(b.cfg, b.eng, nil, efs)
	if err != nil {
		t.Fatal(err)
	}
	b.node = n
	fail := false
	efs.SetInjector(func(op errorfs.Op, path string, count int64) error {
		if fail && strings.Contains(path, metastore.FileName) {
			return errors.New("injected EIO")
		}
		return nil
	})
	first, err := n.AllocateProducerID()
	if err != nil {
		t.Fatal(err)
	}
	fail = true
	if _, err := n.CreateTopic(CreateTopicRequest{Name: "f", NumPartitions: 2, ReplicationFactor: 1}); !errors.Is(err, engine.ErrStorage) {
		t.Fatalf("create with failing metadata write: %v", err)
	}
	if _, ok := n.Topic("f"); ok {
		t.Fatal("topic visible after failed persist")
	}
	if _, ok := b.eng.Log(engine.TopicPartition{Topic: "f"}); ok {
		t.Fatal("log created after failed persist")
	}
	// Use up the rest of the block: the next allocation needs a write.
	var last int64
	for i := 1; i < producerIDBlockSize; i++ {
		if last, err = n.AllocateProducerID(); err != nil {
			t.Fatalf("allocation %d inside the persisted block: %v", i, err)
		}
	}
	if _, err := n.AllocateProducerID(); !errors.Is(err, engine.ErrStorage) {
		t.Fatalf("allocation needing a new block with failing writes: %v", err)
	}
	fail = false
	next, err := n.AllocateProducerID()
	if err != nil || next <= last || first != 0 {
		t.Fatalf("after recovery: first %d last %d next %d err %v", first, last, next, err)
	}
	b.create("f", 1, nil)
}
