package cluster

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"sluice/cluster/internal/zkdata"
	"sluice/cluster/internal/znode"
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
	logs  *syncBuf
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
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
	if b.logs == nil {
		b.logs = &syncBuf{}
		t := b.t
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("node logs:\n%s", b.logs.String())
			}
		})
	}
	n, err := Open(b.cfg, b.eng, slog.New(slog.NewTextHandler(b.logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		b.t.Fatal(err)
	}
	if err := n.Join(); err != nil {
		n.Close()
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
	// A data dir of another broker id is refused (meta.properties).
	b.close()
	b.props["node.id"] = "7"
	cfg, _, err := ParseBrokerConfig(b.props)
	if err != nil {
		t.Fatal(err)
	}
	opts, err := EngineOptions(cfg)
	if err != nil {
		t.Fatal(err)
	}
	opts.DisableBackground = true
	if eng, err := engine.Open(opts); err == nil {
		eng.Close()
		t.Error("the data dir of node 0 opened by node 7")
	}
}

// A restart recreates the log of a partition whose log went missing, and
// leaves a log no topic knows alone (as Kafka's brokers do; only
// DeleteTopics deletes logs).
func TestMissingLogRecreatedOnOpen(t *testing.T) {
	b := newTestBroker(t, nil)
	info := b.create("known", 2, nil)
	b.node.Close()
	if _, err := b.eng.CreateLog(engine.TopicPartition{Topic: "stray"}, NewUUID(), engine.DefaultTopicConfig()); err != nil {
		t.Fatal(err)
	}
	if err := b.eng.DeleteLog(engine.TopicPartition{Topic: "known", Partition: 0}); err != nil {
		t.Fatal(err)
	}
	b.openNode()
	for p := int32(0); p < 2; p++ {
		l, ok := b.eng.Log(engine.TopicPartition{Topic: "known", Partition: p})
		if !ok || l.TopicID() != info.ID {
			t.Errorf("known-%d: present %v, right id %v", p, ok, ok && l.TopicID() == info.ID)
		}
	}
	if _, ok := b.node.Topic("stray"); ok {
		t.Error("stray became a topic")
	}
	if _, _, err := b.node.Log(engine.TopicPartition{Topic: "known"}); err != nil {
		t.Errorf("recreated known-0 not led: %v", err)
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
	if err := os.Remove(filepath.Join(b.dir, znode.FileName)); err != nil {
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
	name := filepath.Join(b.dir, znode.FileName)
	good, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	v1 := func(topics string) string {
		return `{"version":1,"cluster_id":"q1Sh-9_ISia_zwGINzRvyQ","node_id":0,"topics":[` + topics + `]}`
	}
	for what, data := range map[string]string{
		"not JSON":               "{",
		"no version":             `{"zxid":1,"znodes":{}}`,
		"unknown version":        `{"version":3}`,
		"truncated":              string(good[:len(good)/2]),
		"v1 bad topic name":      v1(`{"name":"a/b","id":"AAAAAAAAAAAAAAAAAAAAAQ","partitions":[{"partition":0,"replicas":[0],"leader":0,"isr":[0]}]}`),
		"v1 bad topic id":        v1(`{"name":"a","id":"nope","partitions":[{"partition":0,"replicas":[0],"leader":0,"isr":[0]}]}`),
		"v1 duplicate partition": v1(`{"name":"a","id":"AAAAAAAAAAAAAAAAAAAAAQ","partitions":[{"partition":0,"replicas":[0]},{"partition":0,"replicas":[0]}]}`),
	} {
		if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Open(b.cfg, b.eng, nil); !errors.Is(err, ErrCorruptMetadata) {
			t.Errorf("%s: %v", what, err)
		}
	}
	if err := os.WriteFile(name, good, 0o644); err != nil {
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
	if err := n.Join(); err != nil {
		t.Fatal(err)
	}
	b.node = n
	fail := false
	efs.SetInjector(func(op errorfs.Op, path string, count int64) error {
		if fail && strings.Contains(path, znode.FileName) {
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
	for i := 1; i < zkdata.ProducerIDBlockSize; i++ {
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
