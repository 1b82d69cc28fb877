package cluster

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

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

// Each start is a new leadership term: the leader epoch rises (and stays
// above the epochs already in the log), appends are stamped with it.
func TestLeaderEpochBumpsOnRestart(t *testing.T) {
	b := newTestBroker(t, nil)
	b.create("e", 1, nil)
	tp := engine.TopicPartition{Topic: "e"}
	epochOf := func() int32 {
		t.Helper()
		_, info, err := b.node.Log(tp)
		if err != nil {
			t.Fatal(err)
		}
		return info.LeaderEpoch
	}
	if e := epochOf(); e != 0 {
		t.Fatalf("new topic epoch %d", e)
	}
	if _, err := b.node.Append(context.Background(), tp, batch("a"), 1); err != nil {
		t.Fatal(err)
	}
	b.reopen()
	if e := epochOf(); e != 1 {
		t.Fatalf("epoch after restart %d, want 1", e)
	}
	if _, err := b.node.Append(context.Background(), tp, batch("b"), 1); err != nil {
		t.Fatal(err)
	}
	l, _, _ := b.node.Log(tp)
	if l.LatestEpoch() != 1 {
		t.Fatalf("log's latest epoch %d, want 1", l.LatestEpoch())
	}
	if ep, end := l.EndOffsetForEpoch(0); ep != 0 || end != 1 {
		t.Fatalf("EndOffsetForEpoch(0) = %d,%d, want 0,1", ep, end)
	}
	if info, _ := b.node.Topic("e"); info.Partitions[0].LeaderEpoch != 1 {
		t.Fatalf("Topic() epoch %d", info.Partitions[0].LeaderEpoch)
	}
	b.reopen()
	if e := epochOf(); e != 2 {
		t.Fatalf("epoch after second restart %d, want 2", e)
	}
}
