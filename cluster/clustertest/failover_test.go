package clustertest

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// partitionLeader returns the leader of topic's partition p in md, or
// false when the broker that answered does not know the partition (it
// may not have had the controller's UpdateMetadata yet): a missing
// partition must never read as the zero value, broker 0.
func partitionLeader(md kadm.Metadata, topic string, p int32) (int32, bool) {
	td, ok := md.Topics[topic]
	if !ok || td.Err != nil {
		return -1, false
	}
	pd, ok := td.Partitions[p]
	if !ok || pd.Err != nil && pd.Leader < 0 {
		return -1, false
	}
	return pd.Leader, true
}

// leaderOf returns the leader of topic's partition p as the cluster sees
// it now.
func leaderOf(t *testing.T, adm *kadm.Client, topic string, p int32) int32 {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		md, err := adm.Metadata(ctx, topic)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if l, ok := partitionLeader(md, topic, p); ok {
			return l
		}
		if time.Now().After(deadline) {
			t.Fatalf("partition %d of %s unknown to the cluster: %+v", p, topic, md.Topics[topic])
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitLeaderNot waits until partition p of topic has a live leader other
// than old.
func waitLeaderNot(t *testing.T, adm *kadm.Client, topic string, p, old int32, timeout time.Duration) int32 {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		md, err := adm.Metadata(ctx, topic)
		cancel()
		if err == nil {
			if l, ok := partitionLeader(md, topic, p); ok && l >= 0 && l != old {
				return l
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("partition %d of %s still led by %d after %v", p, topic, old, timeout)
	return -1
}

// TestLeaderKilledNothingLost runs the acks=all idempotent workload while
// the leader of a partition is SIGKILLed and later restarted: the
// controller elects a new leader from the ISR, the producer carries on,
// and every acknowledged record is read back once, in order.
func TestLeaderKilledNothingLost(t *testing.T) {
	c := startCluster(t, 3, nil)
	adm := c.admin()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if _, err := adm.CreateTopic(ctx, 3, 3, map[string]*string{"min.insync.replicas": kadm.StringPtr("2")}, "safe"); err != nil {
		t.Fatal(err)
	}
	c.waitTopic(adm, "safe", 3, 30*time.Second)
	p, err := StartProducer(c.Seeds(), ProducerOptions{Topic: "safe", MaxInFlight: 50})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.WaitAcked(ctx, 2000); err != nil {
		t.Fatal(err)
	}
	victim := c.broker(leaderOf(t, adm, "safe", 0))
	victim.Kill()
	waitLeaderNot(t, adm, "safe", 0, victim.ID, 30*time.Second)
	if err := p.WaitAcked(ctx, 2000); err != nil {
		t.Fatalf("no progress with broker %d down: %v", victim.ID, err)
	}
	if err := victim.Start(); err != nil {
		t.Fatal(err)
	}
	c.waitTopic(adm, "safe", 3, 60*time.Second)
	if err := p.WaitAcked(ctx, 2000); err != nil {
		t.Fatal(err)
	}
	stopAndCheck(t, c, p, "safe")
}

// TestControlledShutdownMovesLeadership stops a broker with SIGTERM: it
// asks the controller to move its leadership away first, exits promptly,
// and its partitions stay available on the others.
func TestControlledShutdownMovesLeadership(t *testing.T) {
	c := startCluster(t, 3, nil)
	adm := c.admin()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := adm.CreateTopic(ctx, 6, 3, nil, "cs"); err != nil {
		t.Fatal(err)
	}
	c.waitTopic(adm, "cs", 3, 30*time.Second)
	victim := c.broker(1)
	start := time.Now()
	if !victim.Stop(30 * time.Second) {
		t.Fatalf("broker 1 did not stop by itself after SIGTERM:\n%s", tail(victim.Output(), 4000))
	}
	took := time.Since(start)
	out := victim.Output()
	if !strings.Contains(out, "controlled shutdown succeeded") {
		t.Fatalf("no controlled shutdown in broker 1's log:\n%s", tail(out, 4000))
	}
	// The controller answered once leadership moved; UpdateMetadata
	// reaches the other brokers right after.
	for p := int32(0); p < 6; p++ {
		waitLeaderNot(t, adm, "cs", p, 1, 10*time.Second)
	}
	t.Logf("controlled shutdown took %v", took)
}

// TestAcksAllDoesNotStarveReplication: more acks=all producers than a
// broker has request workers (num.io.threads=2). A produce waiting for
// its ISR must not hold a worker, or the follower fetches that would
// commit its records queue behind it until the request times out.
func TestAcksAllDoesNotStarveReplication(t *testing.T) {
	c := startCluster(t, 3, map[string]string{"num.io.threads": "2"})
	adm := c.admin()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := adm.CreateTopic(ctx, 3, 3, nil, "busy"); err != nil {
		t.Fatal(err)
	}
	c.waitTopic(adm, "busy", 3, 30*time.Second)
	c.waitTopicOnAll("busy", 30*time.Second)
	const producers, each = 12, 200
	errs := make(chan error, producers)
	start := time.Now()
	for i := 0; i < producers; i++ {
		go func() {
			cl, err := kgo.NewClient(kgo.SeedBrokers(c.Seeds()...), kgo.DefaultProduceTopic("busy"),
				kgo.RequiredAcks(kgo.AllISRAcks()), kgo.ProduceRequestTimeout(10*time.Second), kgo.RecordRetries(0),
				kgo.DisableIdempotentWrite())
			if err != nil {
				errs <- err
				return
			}
			defer cl.Close()
			for j := 0; j < each; j++ {
				if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte("v")}).FirstErr(); err != nil {
					errs <- fmt.Errorf("producer %d record %d: %w", i, j, err)
					return
				}
			}
			errs <- nil
		}()
	}
	for i := 0; i < producers; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d acks=all records from %d producers in %v", producers*each, producers, time.Since(start))
}

// TestControllerFailover: SIGKILL the controller; another broker takes
// office with a higher /controller_epoch, and the cluster goes on
// creating and deleting topics; the old controller comes back as an
// ordinary broker.
func TestControllerFailover(t *testing.T) {
	c := startCluster(t, 3, nil)
	adm := c.admin()
	tree := c.zk()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	epochOf := func() int {
		data, _, err := tree.Get(ctx, "/controller_epoch")
		if err != nil {
			t.Fatal(err)
		}
		var e int
		fmt.Sscan(string(data), &e)
		return e
	}
	_, ctrl, err := brokerView(c.Brokers[0].Addr)
	if err != nil || ctrl < 0 {
		t.Fatalf("controller %d, %v", ctrl, err)
	}
	before := epochOf()
	old := c.broker(ctrl)
	old.Kill()
	var now int32 = -1
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		for _, b := range c.Brokers {
			if b.ID == old.ID {
				continue
			}
			if _, id, err := brokerView(b.Addr); err == nil && id >= 0 && id != old.ID {
				now = id
			}
		}
		if now >= 0 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if now < 0 {
		t.Fatal("no new controller after the old one was killed")
	}
	if after := epochOf(); after <= before {
		t.Fatalf("controller epoch %d -> %d", before, after)
	}
	if _, err := adm.CreateTopic(ctx, 3, 2, nil, "after-failover"); err != nil {
		t.Fatal(err)
	}
	c.waitTopic(adm, "after-failover", 2, 30*time.Second)
	if err := old.Start(); err != nil {
		t.Fatal(err)
	}
	c.waitBrokers(3, 30*time.Second)
	if _, err := adm.DeleteTopics(ctx, "after-failover"); err != nil {
		t.Fatal(err)
	}
	for {
		md, err := adm.Metadata(ctx)
		if err == nil && !md.Topics.Has("after-failover") {
			break
		}
		if ctx.Err() != nil {
			t.Fatal("topic never deleted")
		}
		time.Sleep(200 * time.Millisecond)
	}
	// The controller deletes the znodes once every replica is gone.
	for {
		ok, _, err := tree.Exists(ctx, "/brokers/topics/after-failover")
		if err == nil && !ok {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("topic znode still there (%v)", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// The topic's logs go from every broker.
	for _, b := range c.Brokers {
		deadline := time.Now().Add(30 * time.Second)
		for {
			m, _ := filepath.Glob(filepath.Join(b.Dir, "after-failover-*"))
			live := 0
			for _, d := range m {
				if !strings.HasSuffix(d, "-delete") {
					live++
				}
			}
			if live == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("broker %d keeps %v", b.ID, m)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
}
