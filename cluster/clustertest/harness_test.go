package clustertest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"sluice/cluster/internal/znode"
	"sluice/cluster/zktest"
)

func TestMain(m *testing.M) { os.Exit(zktest.RunMain(m)) }

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// binary builds bin/sluice once per test binary.
func binary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		root, err := ModuleRoot()
		if err != nil {
			binErr = err
			return
		}
		dir, err := os.MkdirTemp("", "sluice-clustertest-bin")
		if err != nil {
			binErr = err
			return
		}
		binPath, binErr = BuildBinary(root, dir)
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// testCluster is a ZooKeeper chroot and n broker processes using it.
type testCluster struct {
	t       *testing.T
	Connect string // zookeeper.connect, with the test's chroot
	Brokers []*Broker
}

// startCluster starts n brokers (ids 0..n-1) against the shared ZooKeeper
// server, in a fresh chroot, and waits until every broker sees all n.
// "{id}" in a property value stands for each broker's id
// ("broker.rack": "r{id}").
func startCluster(t *testing.T, n int, props map[string]string) *testCluster {
	t.Helper()
	bin := binary(t)
	c := &testCluster{t: t}
	if connect, ok := props["zookeeper.connect"]; ok {
		c.Connect = connect // another ZooKeeper (an ensemble)
	} else {
		c.Connect = zktest.Shared(t).ConnectString(t)
	}
	base := map[string]string{
		"zookeeper.connect":                    c.Connect,
		"zookeeper.session.timeout.ms":         "6000",
		"offsets.topic.replication.factor":     "3",
		"offsets.topic.num.partitions":         "6",
		"replica.lag.time.max.ms":              "5000",
		"controlled.shutdown.retry.backoff.ms": "500",
	}
	if n < 3 {
		base["offsets.topic.replication.factor"] = fmt.Sprint(n)
	}
	for k, v := range props {
		base[k] = v
	}
	base["zookeeper.connect"] = c.Connect
	for i := 0; i < n; i++ {
		own := make(map[string]string, len(base))
		for k, v := range base {
			own[k] = strings.ReplaceAll(v, "{id}", fmt.Sprint(i))
		}
		b := NewBroker(bin, int32(i), filepath.Join(t.TempDir(), fmt.Sprintf("broker-%d", i)), own)
		c.Brokers = append(c.Brokers, b)
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i, b := range c.Brokers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = b.Start()
		}()
	}
	wg.Wait()
	t.Cleanup(func() {
		for _, b := range c.Brokers {
			if b.Running() {
				b.Kill()
			}
		}
		if t.Failed() {
			for _, b := range c.Brokers {
				t.Logf("--- broker %d output (tail):\n%s", b.ID, tail(b.Output(), 6000))
			}
		}
	})
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	c.waitBrokers(n, 60*time.Second)
	return c
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// Seeds are the brokers' addresses.
func (c *testCluster) Seeds() []string {
	out := make([]string, 0, len(c.Brokers))
	for _, b := range c.Brokers {
		out = append(out, b.Addr)
	}
	return out
}

// admin returns a kadm client on every broker.
func (c *testCluster) admin() *kadm.Client {
	c.t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Seeds()...))
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(cl.Close)
	return kadm.NewClient(cl)
}

// waitBrokers waits until a Metadata request to each running broker
// lists n brokers and a controller.
func (c *testCluster) waitBrokers(n int, timeout time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for _, b := range c.Brokers {
		if !b.Running() {
			continue
		}
		for {
			got, ctrl, err := brokerView(b.Addr)
			if err == nil && got == n && ctrl >= 0 {
				break
			}
			if time.Now().After(deadline) {
				c.t.Fatalf("broker %d sees %d brokers (controller %d, err %v), want %d", b.ID, got, ctrl, err, n)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// brokerView asks one broker (and only it) for the brokers and the
// controller it knows.
func brokerView(addr string) (int, int32, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		return 0, -1, err
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	m, err := kadm.NewClient(cl).BrokerMetadata(ctx)
	if err != nil {
		return 0, -1, err
	}
	return len(m.Brokers), m.Controller, nil
}

// waitTopic waits until every partition of topic has a leader and an ISR
// of want replicas, as seen by the brokers.
func (c *testCluster) waitTopic(adm *kadm.Client, topic string, want int, timeout time.Duration) kadm.TopicDetail {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	var last kadm.TopicDetail
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		md, err := adm.Metadata(ctx, topic)
		cancel()
		if err == nil {
			last = md.Topics[topic]
			ok := last.Err == nil && len(last.Partitions) > 0
			for _, p := range last.Partitions {
				if p.Err != nil || p.Leader < 0 || len(p.ISR) != want {
					ok = false
				}
			}
			if ok {
				return last
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	c.t.Fatalf("topic %s not fully replicated (ISR %d) after %v: %+v", topic, want, timeout, last.Partitions)
	return last
}

// zk opens a session on the cluster's chroot.
func (c *testCluster) zk() *znode.ZKTree {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tree, err := znode.DialZK(ctx, znode.ZKOptions{Connect: c.Connect, SessionTimeout: 6 * time.Second})
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { tree.Close() })
	return tree
}

// broker returns the broker with id.
func (c *testCluster) broker(id int32) *Broker {
	for _, b := range c.Brokers {
		if b.ID == id {
			return b
		}
	}
	c.t.Fatalf("no broker %d", id)
	return nil
}

// waitTopicOnAll waits until every running broker's own metadata shows
// topic with a leader for every partition (UpdateMetadata reaches the
// brokers one by one).
func (c *testCluster) waitTopicOnAll(topic string, timeout time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for _, b := range c.Brokers {
		if !b.Running() {
			continue
		}
		cl, err := kgo.NewClient(kgo.SeedBrokers(b.Addr))
		if err != nil {
			c.t.Fatal(err)
		}
		adm := kadm.NewClient(cl)
		for {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			md, err := adm.Metadata(ctx, topic)
			cancel()
			ok := err == nil && md.Topics[topic].Err == nil && len(md.Topics[topic].Partitions) > 0
			if ok {
				for _, p := range md.Topics[topic].Partitions {
					ok = ok && p.Err == nil && p.Leader >= 0
				}
			}
			if ok {
				break
			}
			if time.Now().After(deadline) {
				cl.Close()
				c.t.Fatalf("broker %d does not know %s after %v", b.ID, topic, timeout)
			}
			time.Sleep(100 * time.Millisecond)
		}
		cl.Close()
	}
}
