package clustertest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"

	"sluice/cluster/internal/znode"
	"sluice/cluster/zktest"
)

// registrationCzxid is the czxid of /brokers/ids/<id> (the broker epoch),
// or 0 when the broker is not registered.
func registrationCzxid(ctx context.Context, tree *znode.ZKTree, id int32) int64 {
	_, st, err := tree.Get(ctx, fmt.Sprintf("/brokers/ids/%d", id))
	if err != nil {
		return 0
	}
	return st.Czxid
}

// TestZooKeeperLeaderKilledWhileProducing runs the cluster on a
// three-node ensemble and SIGKILLs the ensemble's leader while the acks=all
// workload runs: the brokers' sessions move to the survivors, producing
// goes on, ZooKeeper writes (a new topic) still work, and nothing
// acknowledged is lost.
func TestZooKeeperLeaderKilledWhileProducing(t *testing.T) {
	e := zktest.StartEnsemble(t, 3)
	c := startCluster(t, 3, map[string]string{"zookeeper.connect": e.ConnectString(t)})
	adm := c.admin()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := adm.CreateTopic(ctx, 3, 3, map[string]*string{"min.insync.replicas": kadm.StringPtr("2")}, "zk-ens"); err != nil {
		t.Fatal(err)
	}
	c.waitTopic(adm, "zk-ens", 3, 30*time.Second)
	tree := c.zk()
	before := map[int32]int64{}
	for _, b := range c.Brokers {
		before[b.ID] = registrationCzxid(ctx, tree, b.ID)
	}
	p, err := StartProducer(c.Seeds(), ProducerOptions{Topic: "zk-ens", MaxInFlight: 50})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.WaitAcked(ctx, 1000); err != nil {
		t.Fatal(err)
	}
	leader := e.Leader()
	if leader < 0 {
		t.Fatal("the ensemble has no leader")
	}
	e.Servers[leader].Kill()
	killedAt := time.Now()
	t.Logf("killed ZooKeeper member %d (the leader)", leader)
	pctx, pcancel := context.WithTimeout(ctx, 30*time.Second)
	err = p.WaitAcked(pctx, 2000)
	pcancel()
	if err != nil {
		t.Fatalf("producing stalled after the ZooKeeper leader died: %v", err)
	}
	t.Logf("2000 more acknowledged %v after the kill", time.Since(killedAt).Round(time.Millisecond))
	if err := e.WaitServing(20 * time.Second); err != nil {
		t.Fatal(err)
	}
	// The controller still writes to ZooKeeper.
	if _, err := adm.CreateTopic(ctx, 3, 3, nil, "zk-ens-after"); err != nil {
		t.Fatal(err)
	}
	c.waitTopic(adm, "zk-ens-after", 3, 30*time.Second)
	c.waitBrokers(3, 10*time.Second)
	for _, b := range c.Brokers {
		if now := registrationCzxid(ctx, tree, b.ID); now != before[b.ID] {
			t.Logf("broker %d re-registered (czxid %x -> %x)", b.ID, before[b.ID], now)
		}
	}
	stopAndCheck(t, c, p, "zk-ens")
}

// TestBrokerSessionExpiry freezes a broker (SIGSTOP) for longer than
// zookeeper.session.timeout.ms while the acks=all workload runs: its
// registration disappears, the others carry on without it; thawed, it
// finds its session expired, registers again under a new czxid (broker
// epoch), rejoins every ISR, and nothing acknowledged is lost.
func TestBrokerSessionExpiry(t *testing.T) {
	c := startCluster(t, 3, nil)
	adm := c.admin()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := adm.CreateTopic(ctx, 3, 3, map[string]*string{"min.insync.replicas": kadm.StringPtr("2")}, "sx"); err != nil {
		t.Fatal(err)
	}
	c.waitTopic(adm, "sx", 3, 30*time.Second)
	md, err := adm.BrokerMetadata(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// A partition leader that is not the controller, so that the
	// controller notices the expiry at once.
	victim := c.broker(leaderOf(t, adm, "sx", 0))
	for p := int32(0); victim.ID == md.Controller && p < 3; p++ {
		victim = c.broker(leaderOf(t, adm, "sx", p))
	}
	tree := c.zk()
	epoch := registrationCzxid(ctx, tree, victim.ID)
	if epoch == 0 {
		t.Fatalf("broker %d not registered", victim.ID)
	}
	p, err := StartProducer(c.Seeds(), ProducerOptions{Topic: "sx", MaxInFlight: 50})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.WaitAcked(ctx, 1000); err != nil {
		t.Fatal(err)
	}
	victim.Pause()
	paused := time.Now()
	t.Logf("paused broker %d (controller %d)", victim.ID, md.Controller)
	waitFor(t, 20*time.Second, fmt.Sprintf("expiry of broker %d's registration", victim.ID), func() bool {
		return registrationCzxid(ctx, tree, victim.ID) == 0
	})
	t.Logf("registration gone %v after the pause", time.Since(paused).Round(time.Millisecond))
	if err := p.WaitAcked(ctx, 1000); err != nil {
		t.Fatalf("no progress with broker %d frozen: %v", victim.ID, err)
	}
	time.Sleep(time.Until(paused.Add(9 * time.Second)))
	victim.Resume()
	resumed := time.Now()
	var newEpoch int64
	waitFor(t, 30*time.Second, fmt.Sprintf("re-registration of broker %d", victim.ID), func() bool {
		newEpoch = registrationCzxid(ctx, tree, victim.ID)
		return newEpoch != 0
	})
	if newEpoch == epoch {
		t.Fatalf("broker %d registration czxid unchanged (%x) after its session expired", victim.ID, epoch)
	}
	t.Logf("broker %d registered again %v after the resume (czxid %x -> %x)", victim.ID,
		time.Since(resumed).Round(time.Millisecond), epoch, newEpoch)
	c.waitBrokers(3, 30*time.Second)
	c.waitTopic(adm, "sx", 3, 60*time.Second)
	t.Logf("every ISR whole again %v after the resume", time.Since(resumed).Round(time.Millisecond))
	if err := p.WaitAcked(ctx, 1000); err != nil {
		t.Fatal(err)
	}
	if !victim.Running() {
		t.Fatalf("broker %d exited", victim.ID)
	}
	if out := victim.Output(); !strings.Contains(out, "registered broker") {
		t.Logf("broker %d output:\n%s", victim.ID, tail(out, 3000))
	}
	stopAndCheck(t, c, p, "sx")
}
