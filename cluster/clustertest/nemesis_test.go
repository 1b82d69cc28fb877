package clustertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/cluster/internal/znode"
	"sluice/cluster/zktest"
)

// The nemesis tests: Jepsen-style faults (SIGKILL, SIGSTOP, a broker cut
// off from ZooKeeper) against three brokers while the acks=all idempotent
// workload runs on an RF 3, min.insync.replicas=2 topic; at the end the
// checker must find nothing acknowledged lost, duplicated or reordered.
// `make faults` runs them with SLUICE_FAULT_ROUNDS=20.

// faultRounds is SLUICE_FAULT_ROUNDS (default 3).
func faultRounds(t *testing.T) int {
	t.Helper()
	s := os.Getenv("SLUICE_FAULT_ROUNDS")
	if s == "" {
		return 3
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		t.Fatalf("SLUICE_FAULT_ROUNDS=%q: want a positive integer", s)
	}
	return n
}

// nemesisProps are the brokers' settings for the nemesis tests: a follower
// leaves the ISR after 3 s without catching up, well before its 6 s
// ZooKeeper session expires.
func nemesisProps() map[string]string {
	return map[string]string{
		"replica.lag.time.max.ms":      "3000",
		"zookeeper.session.timeout.ms": "6000",
	}
}

var minISR2 = map[string]*string{"min.insync.replicas": kadm.StringPtr("2")}

// partitionState is /brokers/topics/<topic>/partitions/<p>/state.
type partitionState struct {
	Leader      int32   `json:"leader"`
	LeaderEpoch int32   `json:"leader_epoch"`
	ISR         []int32 `json:"isr"`
}

// stateOf reads a partition's state znode (the committed leader and ISR).
func stateOf(ctx context.Context, tree *znode.ZKTree, topic string, p int32) (partitionState, error) {
	var st partitionState
	data, _, err := tree.Get(ctx, fmt.Sprintf("/brokers/topics/%s/partitions/%d/state", topic, p))
	if err != nil {
		return st, err
	}
	err = json.Unmarshal(data, &st)
	slices.Sort(st.ISR)
	return st, err
}

// waitStates waits until cond holds for the state of each of topic's
// partitions 0..parts-1 and returns the states.
func waitStates(t *testing.T, tree *znode.ZKTree, topic string, parts int32, timeout time.Duration, what string, cond func(partitionState) bool) []partitionState {
	t.Helper()
	var last []partitionState
	waitFor(t, timeout, what, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		last = last[:0]
		for p := int32(0); p < parts; p++ {
			st, err := stateOf(ctx, tree, topic, p)
			if err != nil || !cond(st) {
				return false
			}
			last = append(last, st)
		}
		return true
	})
	return last
}

// finish stops the workload, reads the topic back and fails the test
// unless the checker is happy.
func finish(t *testing.T, ctx context.Context, c *testCluster, p *Producer, topic string) {
	t.Helper()
	hist, gap, errs := p.Stop(30 * time.Second)
	reads, err := ReadAll(ctx, c.Seeds(), topic)
	if err != nil {
		t.Fatal(err)
	}
	rep := Check(hist, reads)
	t.Logf("checker: %s; failed %d; longest pause between acknowledgements %v; produce errors %v",
		rep, len(hist.Failed), gap.Round(time.Millisecond), errs)
	if !rep.OK() {
		t.Fatal(rep)
	}
}

// waitAckedFor is WaitAcked with its own timeout.
func waitAckedFor(t *testing.T, p *Producer, n int64, timeout time.Duration, what string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := p.WaitAcked(ctx, n); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// TestNemesisLeaderKillRestart SIGKILLs the leader of partition 0 and
// restarts it once the controller has moved leadership away, round after
// round (SLUICE_FAULT_ROUNDS, default 3): each time a new leader comes
// from the ISR, the workload carries on, the restarted broker rejoins
// every ISR, and nothing acknowledged is lost.
func TestNemesisLeaderKillRestart(t *testing.T) {
	rounds := faultRounds(t)
	c := startCluster(t, 3, nemesisProps())
	adm := c.admin()
	tree := c.zk()
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(rounds)*time.Minute+2*time.Minute)
	defer cancel()
	const topic = "nem-kill"
	if _, err := adm.CreateTopic(ctx, 3, 3, minISR2, topic); err != nil {
		t.Fatal(err)
	}
	c.waitTopic(adm, topic, 3, 30*time.Second)
	p, err := StartProducer(c.Seeds(), ProducerOptions{Topic: topic, MaxInFlight: 50})
	if err != nil {
		t.Fatal(err)
	}
	waitAckedFor(t, p, 1000, 30*time.Second, "before the first kill")
	for r := 1; r <= rounds; r++ {
		start := time.Now()
		victim := c.broker(leaderOf(t, adm, topic, 0))
		_, ctrl, _ := brokerView(victim.Addr)
		victim.Kill()
		// The committed state (a client's metadata may lag).
		st := waitStates(t, tree, topic, 1, 30*time.Second, fmt.Sprintf("leader of %s-0 other than %d", topic, victim.ID),
			func(st partitionState) bool { return st.Leader >= 0 && st.Leader != victim.ID })
		next := st[0].Leader
		elected := time.Since(start)
		waitAckedFor(t, p, 500, 30*time.Second, fmt.Sprintf("round %d: no progress with broker %d down", r, victim.ID))
		if err := victim.Start(); err != nil {
			t.Fatalf("round %d: %v", r, err)
		}
		c.waitTopic(adm, topic, 3, 60*time.Second)
		waitAckedFor(t, p, 500, 30*time.Second, fmt.Sprintf("round %d: no progress after broker %d rejoined", r, victim.ID))
		t.Logf("round %d/%d: killed leader %d (controller %d), %d elected after %v, ISRs whole after %v (acked %d)",
			r, rounds, victim.ID, ctrl, next, elected.Round(time.Millisecond), time.Since(start).Round(time.Millisecond), p.Acked())
	}
	finish(t, ctx, c, p, topic)
}

// rawProduce sends one acks=all record to topic's partition 0 through
// addr only, without retries, and returns the error. topic is not the
// workload's: the checker would count the record as unexpected.
func rawProduce(ctx context.Context, addr, topic string) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DefaultProduceTopic(topic),
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.RequiredAcks(kgo.AllISRAcks()), kgo.DisableIdempotentWrite(), kgo.RecordRetries(0),
		kgo.ProduceRequestTimeout(3*time.Second))
	if err != nil {
		return err
	}
	defer cl.Close()
	return cl.ProduceSync(ctx, &kgo.Record{Partition: 0, Value: []byte("raw")}).FirstErr()
}

// TestNemesisFollowersFrozen freezes followers with SIGSTOP: one frozen
// follower leaves the ISR after replica.lag.time.max.ms and acks=all
// records go on being acknowledged with min.insync.replicas=2; with both
// followers frozen the ISR shrinks to the leader, nothing more is
// acknowledged and produce requests fail with NOT_ENOUGH_REPLICAS; thawed,
// the followers rejoin the ISR.
func TestNemesisFollowersFrozen(t *testing.T) {
	c := startCluster(t, 3, nemesisProps())
	adm := c.admin()
	tree := c.zk()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	_, ctrl, err := brokerView(c.Brokers[0].Addr)
	if err != nil || ctrl < 0 {
		t.Fatalf("controller %d, %v", ctrl, err)
	}
	// The controller leads every partition: freezing the followers then
	// never freezes the controller.
	leader := c.broker(ctrl)
	var followers []*Broker
	for _, b := range c.Brokers {
		if b.ID != ctrl {
			followers = append(followers, b)
		}
	}
	f1, f2 := followers[0], followers[1]
	const topic, parts = "nem-freeze", 3
	assign := []int32{leader.ID, f1.ID, f2.ID}
	rawTopic := topic + "-raw" // for produce requests outside the workload
	createAssignedMinISR2(t, c, topic, [][]int32{assign, assign, assign})
	createAssignedMinISR2(t, c, rawTopic, [][]int32{assign})
	c.waitTopic(adm, topic, 3, 30*time.Second)
	c.waitTopic(adm, rawTopic, 3, 30*time.Second)
	p, err := StartProducer(c.Seeds(), ProducerOptions{Topic: topic, MaxInFlight: 50})
	if err != nil {
		t.Fatal(err)
	}
	waitAckedFor(t, p, 1000, 30*time.Second, "before the freeze")
	// Metadata straight from the leader (a frozen broker would not
	// answer).
	lcl, err := kgo.NewClient(kgo.SeedBrokers(leader.Addr))
	if err != nil {
		t.Fatal(err)
	}
	defer lcl.Close()
	ladm := kadm.NewClient(lcl)

	// One follower frozen.
	epoch := registrationCzxid(ctx, tree, f1.ID)
	f1.Pause()
	frozen := time.Now()
	want := []int32{leader.ID, f2.ID}
	slices.Sort(want)
	waitStates(t, tree, topic, parts, 15*time.Second, fmt.Sprintf("ISR %v without frozen broker %d", want, f1.ID),
		func(st partitionState) bool { return st.Leader == leader.ID && slices.Equal(st.ISR, want) })
	shrunk := time.Since(frozen)
	stillRegistered := registrationCzxid(ctx, tree, f1.ID) == epoch
	waitAckedFor(t, p, 500, 10*time.Second, fmt.Sprintf("no acknowledgements with broker %d frozen out of the ISR", f1.ID))
	md, err := ladm.Metadata(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	for _, pd := range md.Topics[topic].Partitions {
		if len(pd.ISR) != 2 || slices.Contains(pd.ISR, f1.ID) {
			t.Errorf("leader's metadata: partition %d ISR %v, want %v", pd.Partition, pd.ISR, want)
		}
	}
	t.Logf("broker %d frozen: ISR shrank to %v after %v (session intact then: %v), 500 more acknowledged %v after the freeze",
		f1.ID, want, shrunk.Round(time.Millisecond), stillRegistered, time.Since(frozen).Round(time.Millisecond))
	if !strings.Contains(leader.Output(), "shrinking ISR") {
		t.Errorf("leader %d never logged shrinking its ISR", leader.ID)
	}
	f1.Resume()
	thawed := time.Now()
	c.waitTopic(ladm, topic, 3, 30*time.Second)
	t.Logf("broker %d thawed after %v frozen; ISRs whole again %v later", f1.ID, thawed.Sub(frozen).Round(time.Millisecond),
		time.Since(thawed).Round(time.Millisecond))
	waitAckedFor(t, p, 500, 10*time.Second, "after the first thaw")

	// Both followers frozen.
	f1.Pause()
	f2.Pause()
	frozen = time.Now()
	waitStates(t, tree, topic, parts, 15*time.Second, fmt.Sprintf("ISR [%d] with both followers frozen", leader.ID),
		func(st partitionState) bool {
			return st.Leader == leader.ID && slices.Equal(st.ISR, []int32{leader.ID})
		})
	shrunk = time.Since(frozen)
	waitStates(t, tree, rawTopic, 1, 5*time.Second, fmt.Sprintf("ISR [%d] of %s", leader.ID, rawTopic),
		func(st partitionState) bool { return slices.Equal(st.ISR, []int32{leader.ID}) })
	// Answers already on their way when the shrink committed may still
	// arrive; after that nothing is acknowledged.
	time.Sleep(500 * time.Millisecond)
	ackedAt := p.Acked()
	var perr error
	for i := 0; i < 10; i++ {
		pctx, pcancel := context.WithTimeout(ctx, 5*time.Second)
		perr = rawProduce(pctx, leader.Addr, rawTopic)
		pcancel()
		if errors.Is(perr, kerr.NotEnoughReplicas) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if !errors.Is(perr, kerr.NotEnoughReplicas) {
		t.Errorf("acks=all produce with ISR [%d] and min.insync.replicas=2: %v, want NOT_ENOUGH_REPLICAS", leader.ID, perr)
	}
	time.Sleep(time.Until(frozen.Add(shrunk + 2*time.Second)))
	if got := p.Acked(); got != ackedAt {
		t.Errorf("%d records acknowledged with ISR [%d] and min.insync.replicas=2", got-ackedAt, leader.ID)
	}
	t.Logf("both followers frozen: ISR [%d] after %v, raw produce: %v, acknowledgements stopped at %d",
		leader.ID, shrunk.Round(time.Millisecond), perr, ackedAt)
	f1.Resume()
	f2.Resume()
	thawed = time.Now()
	c.waitBrokers(3, 30*time.Second)
	c.waitTopic(ladm, topic, 3, 60*time.Second)
	waitStates(t, tree, topic, parts, 10*time.Second, "ISR back to three in ZooKeeper",
		func(st partitionState) bool { return len(st.ISR) == 3 })
	t.Logf("thawed after %v frozen: ISRs whole again %v later", thawed.Sub(frozen).Round(time.Millisecond),
		time.Since(thawed).Round(time.Millisecond))
	waitAckedFor(t, p, 1000, 30*time.Second, "after the thaw")
	finish(t, ctx, c, p, topic)
}

// TestNemesisLeaderCutOffFromZooKeeper partitions the leader of every
// partition from ZooKeeper (its own TCP proxy, blocked) while clients still
// reach it: once its session expires the controller elects new leaders,
// the old leader acknowledges nothing that is later lost, and when the
// partition heals it registers again and rejoins as a follower.
func TestNemesisLeaderCutOffFromZooKeeper(t *testing.T) {
	c := startCluster(t, 3, nemesisProps())
	adm := c.admin()
	tree := c.zk()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// Broker 2 restarts behind its own proxy to ZooKeeper (stopped
	// cleanly, so its registration goes at once); coming back last, it is
	// not the controller.
	cut := c.broker(2)
	if !cut.Stop(30 * time.Second) {
		t.Fatalf("broker 2 did not stop after SIGTERM")
	}
	i := strings.IndexByte(c.Connect, '/')
	if i < 0 {
		t.Fatalf("zookeeper.connect %q has no chroot", c.Connect)
	}
	proxy := zktest.StartProxy(t, c.Connect[:i])
	cut.Props["zookeeper.connect"] = proxy.Addr() + c.Connect[i:]
	if err := cut.Start(); err != nil {
		t.Fatal(err)
	}
	c.waitBrokers(3, 30*time.Second)
	_, ctrl, err := brokerView(c.Brokers[0].Addr)
	if err != nil || ctrl < 0 || ctrl == cut.ID {
		t.Fatalf("controller %d (%v); want one of the brokers connected directly", ctrl, err)
	}
	const topic, parts = "nem-zkcut", 3
	createAssignedMinISR2(t, c, topic, [][]int32{{2, 0, 1}, {2, 1, 0}, {2, 0, 1}})
	c.waitTopic(adm, topic, 3, 30*time.Second)
	before := waitStates(t, tree, topic, parts, 10*time.Second, "broker 2 leading", func(st partitionState) bool { return st.Leader == cut.ID })
	epoch := registrationCzxid(ctx, tree, cut.ID)
	p, err := StartProducer(c.Seeds(), ProducerOptions{Topic: topic, MaxInFlight: 50})
	if err != nil {
		t.Fatal(err)
	}
	waitAckedFor(t, p, 1000, 30*time.Second, "before the partition")

	proxy.Block()
	blocked := time.Now()
	ackedAt := p.Acked()
	waitFor(t, 20*time.Second, "expiry of broker 2's session", func() bool { return registrationCzxid(ctx, tree, cut.ID) == 0 })
	expired := time.Since(blocked)
	after := waitStates(t, tree, topic, parts, 20*time.Second, "new leaders without broker 2", func(st partitionState) bool {
		return st.Leader >= 0 && st.Leader != cut.ID && !slices.Contains(st.ISR, cut.ID)
	})
	elected := time.Since(blocked)
	for i := range after {
		if after[i].LeaderEpoch <= before[i].LeaderEpoch {
			t.Errorf("partition %d: leader epoch %d -> %d", i, before[i].LeaderEpoch, after[i].LeaderEpoch)
		}
	}
	waitAckedFor(t, p, 1000, 60*time.Second, "no progress with the old leader cut off from ZooKeeper")
	t.Logf("broker 2 cut off: session gone after %v, new leaders %v after %v, producing again after %v (acked %d at the cut)",
		expired.Round(time.Millisecond), after, elected.Round(time.Millisecond), time.Since(blocked).Round(time.Millisecond), ackedAt)
	if !cut.Running() {
		t.Fatalf("broker 2 exited while cut off:\n%s", tail(cut.Output(), 3000))
	}

	proxy.Unblock()
	healed := time.Now()
	var newEpoch int64
	waitFor(t, 30*time.Second, "re-registration of broker 2", func() bool {
		newEpoch = registrationCzxid(ctx, tree, cut.ID)
		return newEpoch != 0
	})
	if newEpoch == epoch {
		t.Errorf("broker 2 registration czxid unchanged (%x) after its session expired", epoch)
	}
	c.waitBrokers(3, 30*time.Second)
	c.waitTopic(adm, topic, 3, 60*time.Second)
	final := waitStates(t, tree, topic, parts, 10*time.Second, "ISR back to three", func(st partitionState) bool { return len(st.ISR) == 3 })
	t.Logf("healed: broker 2 registered again (czxid %x -> %x), ISRs whole %v later: %v", epoch, newEpoch,
		time.Since(healed).Round(time.Millisecond), final)
	waitAckedFor(t, p, 1000, 30*time.Second, "after the heal")
	if !cut.Running() {
		t.Fatalf("broker 2 exited")
	}
	finish(t, ctx, c, p, topic)
}

// TestCreatedTopicConfigReachesBrokers: the overrides given to
// CreateTopics are in force on every broker at once (creating a topic
// writes its config znode without a change notification; brokers used to
// keep the defaults until the next notification or restart, so a topic
// created with min.insync.replicas=2 took acks=all records with an ISR of
// one).
func TestCreatedTopicConfigReachesBrokers(t *testing.T) {
	c := startCluster(t, 3, nil)
	adm := c.admin()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := adm.CreateTopic(ctx, 3, 3, minISR2, "created-cfg"); err != nil {
		t.Fatal(err)
	}
	c.waitTopic(adm, "created-cfg", 3, 30*time.Second)
	c.waitTopicOnAll("created-cfg", 30*time.Second)
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Seeds()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if _, err := kadm.NewClient(cl).BrokerMetadata(ctx); err != nil {
		t.Fatal(err)
	}
	for _, b := range c.Brokers {
		req := kmsg.NewPtrDescribeConfigsRequest()
		rr := kmsg.NewDescribeConfigsRequestResource()
		rr.ResourceType, rr.ResourceName = kmsg.ConfigResourceTypeTopic, "created-cfg"
		rr.ConfigNames = []string{"min.insync.replicas"}
		req.Resources = append(req.Resources, rr)
		resp, err := req.RequestWith(ctx, cl.Broker(int(b.ID)))
		if err != nil {
			t.Fatalf("broker %d: %v", b.ID, err)
		}
		got := "none"
		for _, r := range resp.Resources {
			for _, cfg := range r.Configs {
				if cfg.Name == "min.insync.replicas" && cfg.Value != nil {
					got = *cfg.Value
				}
			}
		}
		if got != "2" {
			t.Errorf("broker %d: min.insync.replicas of a topic created with 2 is %s", b.ID, got)
		}
	}
}
