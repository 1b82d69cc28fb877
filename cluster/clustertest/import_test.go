package clustertest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"sluice/cluster/zktest"
)

// TestSingleNodeGrowsIntoCluster: a broker that ran alone (its metadata
// file) restarted with zookeeper.connect on an empty ZooKeeper keeps
// its topics, their ids and data, and serves them as a cluster member;
// a second broker joins, and a new topic spreads over both.
func TestSingleNodeGrowsIntoCluster(t *testing.T) {
	bin := binary(t)
	dir := filepath.Join(t.TempDir(), "broker-0")
	b := NewBroker(bin, 0, dir, nil)
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if b.Running() {
			b.Kill()
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.Addr), kgo.DefaultProduceTopic("legacy"))
	if err != nil {
		t.Fatal(err)
	}
	adm := kadm.NewClient(cl)
	if _, err := adm.CreateTopic(ctx, 2, 1, map[string]*string{"retention.ms": kadm.StringPtr("86400000")}, "legacy"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte(fmt.Sprint(i))}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	before, err := adm.ListTopics(ctx, "legacy")
	if err != nil {
		t.Fatal(err)
	}
	cl.Close()
	if !b.Stop(30 * time.Second) {
		t.Fatal("broker did not stop")
	}

	connect := zktest.Shared(t).ConnectString(t)
	b.Props["zookeeper.connect"] = connect
	b.Props["zookeeper.session.timeout.ms"] = "6000"
	b.Props["offsets.topic.replication.factor"] = "1"
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "__sluice_metadata.json.imported")); err != nil {
		t.Fatalf("metadata file not marked imported: %v\n%s", err, b.Output())
	}
	c := &testCluster{t: t, Connect: connect, Brokers: []*Broker{b}}
	c.waitBrokers(1, 30*time.Second)
	adm2 := c.admin()
	td := c.waitTopic(adm2, "legacy", 1, 30*time.Second)
	if td.ID != before["legacy"].ID {
		t.Fatalf("topic id changed: %v -> %v", before["legacy"].ID, td.ID)
	}
	rc, err := adm2.DescribeTopicConfigs(ctx, "legacy")
	if err != nil {
		t.Fatal(err)
	}
	if v, err := rc.On("legacy", nil); err != nil || !hasConfig(v, "retention.ms", "86400000") {
		t.Fatalf("retention.ms override lost: %+v %v", v, err)
	}
	reads, err := ReadAll(ctx, c.Seeds(), "legacy")
	if err != nil || len(reads) != 100 {
		t.Fatalf("read %d records after the import, %v", len(reads), err)
	}

	// A second broker joins; a new topic with RF 2 spreads over both.
	b1 := NewBroker(bin, 1, filepath.Join(t.TempDir(), "broker-1"), map[string]string{"zookeeper.connect": connect,
		"zookeeper.session.timeout.ms": "6000", "offsets.topic.replication.factor": "1"})
	if err := b1.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if b1.Running() {
			b1.Kill()
		}
	})
	c.Brokers = append(c.Brokers, b1)
	c.waitBrokers(2, 30*time.Second)
	if _, err := adm2.CreateTopic(ctx, 2, 2, nil, "grown"); err != nil {
		t.Fatal(err)
	}
	c.waitTopic(adm2, "grown", 2, 30*time.Second)
	pc, err := kgo.NewClient(kgo.SeedBrokers(c.Seeds()...), kgo.DefaultProduceTopic("legacy"))
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	if err := pc.ProduceSync(ctx, &kgo.Record{Value: []byte("100")}).FirstErr(); err != nil {
		t.Fatalf("produce to the imported topic: %v", err)
	}
}

func hasConfig(r kadm.ResourceConfig, name, value string) bool {
	for _, c := range r.Configs {
		if c.Key == name && c.Value != nil && *c.Value == value {
			return true
		}
	}
	return false
}
