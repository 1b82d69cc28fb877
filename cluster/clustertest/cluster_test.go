package clustertest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// TestClusterFormsAndReplicates starts three brokers on one ZooKeeper:
// they register as Kafka 3.x does, one is controller, a topic with
// replication factor 3 gets leaders and a full ISR, acks=all records are
// read back from every partition, and every broker holds a copy.
func TestClusterFormsAndReplicates(t *testing.T) {
	c := startCluster(t, 3, nil)
	tree := c.zk()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	ids, _, err := tree.Children(ctx, "/brokers/ids")
	if err != nil || strings.Join(ids, ",") != "0,1,2" {
		t.Fatalf("/brokers/ids = %v, %v", ids, err)
	}
	data, st, err := tree.Get(ctx, "/brokers/ids/1")
	if err != nil {
		t.Fatal(err)
	}
	var reg map[string]any
	if err := json.Unmarshal(data, &reg); err != nil {
		t.Fatalf("/brokers/ids/1: %v: %s", err, data)
	}
	if reg["version"] != float64(5) || st.EphemeralOwner == 0 {
		t.Fatalf("/brokers/ids/1 = %s (ephemeral owner %x)", data, st.EphemeralOwner)
	}
	eps, _ := reg["endpoints"].([]any)
	if len(eps) != 1 || eps[0] != "PLAINTEXT://"+c.broker(1).Addr {
		t.Fatalf("/brokers/ids/1 endpoints = %v, want PLAINTEXT://%s", eps, c.broker(1).Addr)
	}
	ctrl, _, err := tree.Get(ctx, "/controller")
	if err != nil || !strings.Contains(string(ctrl), `"brokerid"`) {
		t.Fatalf("/controller = %s, %v", ctrl, err)
	}

	adm := c.admin()
	if _, err := adm.CreateTopic(ctx, 6, 3, nil, "orders"); err != nil {
		t.Fatal(err)
	}
	td := c.waitTopic(adm, "orders", 3, 30*time.Second)
	leaders := map[int32]int{}
	for _, p := range td.Partitions {
		leaders[p.Leader]++
		if len(p.Replicas) != 3 || p.Replicas[0] != p.Leader {
			t.Errorf("partition %d: replicas %v leader %d", p.Partition, p.Replicas, p.Leader)
		}
	}
	if len(leaders) != 3 {
		t.Errorf("leaders not spread over the brokers: %v", leaders)
	}
	state, _, err := tree.Get(ctx, "/brokers/topics/orders/partitions/0/state")
	if err != nil || !strings.Contains(string(state), `"isr":[`) || !strings.Contains(string(state), `"leader_epoch":`) {
		t.Fatalf("partition state = %s, %v", state, err)
	}

	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Seeds()...), kgo.RequiredAcks(kgo.AllISRAcks()), kgo.DefaultProduceTopic("orders"))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	const n = 3000
	for i := 0; i < n; i++ {
		cl.Produce(ctx, &kgo.Record{Key: []byte(fmt.Sprint(i % 37)), Value: []byte(fmt.Sprint(i))}, nil)
	}
	if err := cl.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	reads, err := ReadAll(ctx, c.Seeds(), "orders")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int64]bool{}
	for _, r := range reads {
		seen[r.Value] = true
	}
	if len(reads) != n || len(seen) != n {
		t.Fatalf("read %d records (%d distinct), want %d", len(reads), len(seen), n)
	}
	// One active controller; once the ISRs are full nothing is under-replicated.
	c.waitTopic(adm, "orders", 3, 30*time.Second)
	active, under := 0.0, 0.0
	for _, b := range c.Brokers {
		a, err := b.Metric(ctx, "kafka_controller_kafkacontroller_activecontrollercount")
		if err != nil {
			t.Fatal(err)
		}
		u, err := b.Metric(ctx, "kafka_server_replicamanager_underreplicatedpartitions")
		if err != nil {
			t.Fatal(err)
		}
		active, under = active+a, under+u
	}
	if active != 1 || under != 0 {
		t.Errorf("ActiveControllerCount summed %v (want 1), UnderReplicatedPartitions summed %v (want 0)", active, under)
	}
	// Every broker holds a replica of every partition once followers caught up.
	deadline := time.Now().Add(30 * time.Second)
	for _, b := range c.Brokers {
		for p := 0; p < 6; p++ {
			dir := filepath.Join(b.Dir, fmt.Sprintf("orders-%d", p))
			for {
				if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("broker %d has no %s", b.ID, dir)
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
	}
}

// TestTopicDescribeInCluster: `sluice topic describe` shows every
// partition's size (DescribeLogDirs asked of every broker holding one) and
// marks a partition whose only replica is down offline instead of failing.
func TestTopicDescribeInCluster(t *testing.T) {
	c := startCluster(t, 3, nil)
	adm := c.admin()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := adm.CreateTopic(ctx, 3, 1, nil, "solo"); err != nil {
		t.Fatal(err)
	}
	td := c.waitTopic(adm, "solo", 1, 30*time.Second)
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Seeds()...), kgo.DefaultProduceTopic("solo"),
		kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	for p := int32(0); p < 3; p++ {
		if err := cl.ProduceSync(ctx, &kgo.Record{Partition: p, Value: []byte("x")}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	describe := func() (string, error) {
		out, err := exec.Command(binary(t), "topic", "describe", "solo", "--brokers", strings.Join(c.Seeds(), ","), "--json").CombinedOutput()
		return string(out), err
	}
	out, err := describe()
	if err != nil {
		t.Fatalf("describe: %v\n%s", err, out)
	}
	var v struct {
		Partitions []struct {
			Partition int32 `json:"partition"`
			Size      int64 `json:"size_bytes"`
			Offline   bool  `json:"offline"`
		} `json:"partitions"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	for _, p := range v.Partitions {
		if p.Size <= 0 {
			t.Errorf("partition %d size %d: %s", p.Partition, p.Size, out)
		}
	}
	victim := td.Partitions[0].Leader
	c.broker(victim).Kill()
	// Wait until the controller has seen the broker go (its session ends).
	deadline := time.Now().Add(30 * time.Second)
	for {
		md, err := adm.Metadata(ctx, "solo")
		if err == nil && md.Topics["solo"].Partitions[0].Leader < 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("partition 0 never went offline")
		}
		time.Sleep(200 * time.Millisecond)
	}
	seeds := []string{}
	for _, b := range c.Brokers {
		if b.ID != victim {
			seeds = append(seeds, b.Addr)
		}
	}
	out2, err := exec.Command(binary(t), "topic", "describe", "solo", "--brokers", strings.Join(seeds, ",")).CombinedOutput()
	if err != nil || !strings.Contains(string(out2), "offline") {
		t.Fatalf("describe with an offline partition: %v\n%s", err, out2)
	}
	// The partitions led by live brokers keep their sizes.
	out3, err := exec.Command(binary(t), "topic", "describe", "solo", "--brokers", strings.Join(seeds, ","), "--json").CombinedOutput()
	if err != nil {
		t.Fatalf("describe --json: %v\n%s", err, out3)
	}
	if err := json.Unmarshal(out3, &v); err != nil {
		t.Fatalf("%v: %s", err, out3)
	}
	for _, p := range v.Partitions {
		if p.Partition != 0 && p.Size <= 0 {
			t.Errorf("partition %d (live leader) size %d with a broker down: %s", p.Partition, p.Size, out3)
		}
	}
}
