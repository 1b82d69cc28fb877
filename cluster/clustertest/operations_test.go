package clustertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// The operations an administrator runs on a live cluster, end to end,
// each under the safety workload (one acks=all idempotent producer) and
// checked at the end: nothing acknowledged is lost, duplicated or
// reordered. A rolling restart by SIGTERM, growing the cluster by a
// broker and rebalancing onto it, decommissioning a broker, and
// cancelling a throttled reassignment halfway.

// sluiceCmd runs the sluice binary with --brokers pointing at the cluster
// and returns its combined output, failing the test on a non-zero exit.
func sluiceCmd(t *testing.T, c *testCluster, args ...string) string {
	t.Helper()
	args = append(args, "--brokers", strings.Join(c.runningSeeds(), ","))
	out, err := exec.Command(binary(t), args...).CombinedOutput()
	if err != nil {
		t.Fatalf("sluice %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// runningSeeds are the addresses of the brokers running now.
func (c *testCluster) runningSeeds() []string {
	var out []string
	for _, b := range c.Brokers {
		if b.Running() {
			out = append(out, b.Addr)
		}
	}
	return out
}

// addBroker starts one more broker (with the first broker's properties)
// and waits until every running broker sees it.
func (c *testCluster) addBroker(id int32) *Broker {
	c.t.Helper()
	b := NewBroker(binary(c.t), id, filepath.Join(c.t.TempDir(), fmt.Sprintf("broker-%d", id)), c.Brokers[0].Props)
	c.Brokers = append(c.Brokers, b) // the cleanup of startCluster kills it too
	if err := b.Start(); err != nil {
		c.t.Fatal(err)
	}
	c.waitBrokers(len(c.Brokers), 60*time.Second)
	return b
}

// waitNoURP waits until kafka_server_replicamanager_underreplicatedpartitions
// is 0 on every running broker.
func waitNoURP(t *testing.T, c *testCluster, timeout time.Duration) {
	t.Helper()
	const urp = "kafka_server_replicamanager_underreplicatedpartitions"
	deadline := time.Now().Add(timeout)
	for _, b := range c.Brokers {
		if !b.Running() {
			continue
		}
		for {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			v, err := b.Metric(ctx, urp)
			cancel()
			if err == nil && v == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("broker %d: %s = %v (err %v) after %v", b.ID, urp, v, err, timeout)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
}

// listReassignments lists every reassignment in progress (a
// ListPartitionReassignments with null topics: kadm sends none for an
// empty set).
func listReassignments(c *testCluster) ([]string, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.runningSeeds()...))
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req := kmsg.NewPtrListPartitionReassignmentsRequest()
	req.TimeoutMillis = 5000
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return nil, err
	}
	if resp.ErrorCode != 0 {
		return nil, kerr.ErrorForCode(resp.ErrorCode)
	}
	var out []string
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			out = append(out, fmt.Sprintf("%s-%d%v+%v-%v", t.Topic, p.Partition, p.Replicas, p.AddingReplicas, p.RemovingReplicas))
		}
	}
	slices.Sort(out)
	return out, nil
}

// waitAllReassignmentsDone waits until no reassignment is in progress.
func waitAllReassignmentsDone(t *testing.T, c *testCluster, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last []string
	var err error
	for time.Now().Before(deadline) {
		last, err = listReassignments(c)
		if err == nil && len(last) == 0 {
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("reassignments still in progress after %v (err %v): %v", timeout, err, last)
}

// replicaCounts counts the replicas each broker holds over topics, from
// a fresh client's metadata (kadm caches metadata for a few seconds).
func replicaCounts(t *testing.T, c *testCluster, topics ...string) (map[int32]int, kadm.Metadata) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.runningSeeds()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	md, err := kadm.NewClient(cl).Metadata(ctx, topics...)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[int32]int{}
	for _, b := range md.Brokers {
		counts[b.NodeID] = 0
	}
	for _, td := range md.Topics {
		if td.Err != nil {
			t.Fatalf("metadata of %s: %v", td.Topic, td.Err)
		}
		for _, p := range td.Partitions {
			for _, r := range p.Replicas {
				counts[r]++
			}
		}
	}
	return counts, md
}

// workload starts the safety producer on topic and waits for its first
// acknowledgements.
func workload(t *testing.T, c *testCluster, topic string, extra ...kgo.Opt) *Producer {
	t.Helper()
	p, err := StartProducer(c.Seeds(), ProducerOptions{Topic: topic, MaxInFlight: 20, Interval: time.Millisecond, Extra: extra})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Stop(time.Second) })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := p.WaitAcked(ctx, 200); err != nil {
		t.Fatal(err)
	}
	return p
}

// moreAcks waits for n more acknowledgements.
func moreAcks(t *testing.T, p *Producer, n int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := p.WaitAcked(ctx, n); err != nil {
		t.Fatal(err)
	}
}

// TestOperationsRollingRestart stops each broker in turn with SIGTERM (a
// controlled shutdown), restarts it and waits for no under-replicated
// partition anywhere before the next; every stop ends within 30 s and
// the producer never waits 5 s for an acknowledgement. Then a preferred
// election gives every partition back to its first replica.
func TestOperationsRollingRestart(t *testing.T) {
	c := startCluster(t, 3, map[string]string{"auto.leader.rebalance.enable": "false"})
	adm := c.admin()
	const topic = "rolling"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := adm.CreateTopic(ctx, 6, 3, map[string]*string{"min.insync.replicas": ptr("2")}, topic); err != nil {
		t.Fatal(err)
	}
	c.waitTopic(adm, topic, 3, 30*time.Second)
	waitPreferredLeaders(t, adm, topic, 30*time.Second)
	p := workload(t, c, topic, kgo.MetadataMinAge(500*time.Millisecond))
	logs := map[int32]string{} // the output of the brokers' earlier processes
	if d := os.Getenv("OPS_DUMP"); d != "" {
		t.Cleanup(func() {
			for _, b := range c.Brokers {
				os.WriteFile(filepath.Join(d, fmt.Sprintf("broker-%d.log", b.ID)), []byte(logs[b.ID]+b.Output()), 0o644)
			}
		})
	}

	var stops []time.Duration
	for _, b := range c.Brokers {
		start := time.Now()
		clean := b.Stop(30 * time.Second)
		took := time.Since(start)
		stops = append(stops, took)
		t.Logf("%s broker %d stopped in %v (exit %d)", start.Format("15:04:05.000"), b.ID, took, b.ExitCode())
		if !clean {
			t.Errorf("broker %d did not stop within 30 s of SIGTERM (killed)", b.ID)
		} else if code := b.ExitCode(); code != 0 {
			t.Errorf("broker %d exited with %d after SIGTERM", b.ID, code)
		}
		moreAcks(t, p, 200) // the two others take the writes
		t.Logf("%s broker %d restarts", time.Now().Format("15:04:05.000"), b.ID)
		logs[b.ID] += b.Output()
		if err := b.Start(); err != nil {
			t.Fatal(err)
		}
		c.waitBrokers(3, 60*time.Second)
		c.waitTopic(adm, topic, 3, 60*time.Second)
		waitNoURP(t, c, 60*time.Second)
		moreAcks(t, p, 200)
	}

	t.Logf("%s preferred election", time.Now().Format("15:04:05.000"))
	out := sluiceCmd(t, c, "cluster", "elect-leaders")
	t.Logf("elect-leaders: %s", strings.TrimSpace(out))
	waitPreferredLeaders(t, adm, topic, 30*time.Second)
	moreAcks(t, p, 200)

	_, gapEnd := p.LongestGap()
	gap := stopAndCheck(t, c, p, topic)
	t.Logf("longest gap ended at %s", gapEnd.Format("15:04:05.000"))
	t.Logf("stop times %v; longest gap between acks %v", stops, gap)
	if gap >= 5*time.Second {
		t.Fatalf("longest gap between two acknowledgements %v, want < 5s", gap)
	}
}

func ptr(s string) *string { return &s }

// TestOperationsGrow adds a fourth broker to a cluster of three holding
// three topics with data and runs `sluice cluster rebalance --execute`
// under load: once no reassignment is left, the new broker holds its
// share of the replicas (counts differ by at most one) and nothing
// was lost.
func TestOperationsGrow(t *testing.T) {
	c := startCluster(t, 3, nil)
	adm := c.admin()
	topics := []string{"grow-load", "grow-a", "grow-b"}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, topic := range topics {
		if _, err := adm.CreateTopic(ctx, 4, 3, nil, topic); err != nil {
			t.Fatal(err)
		}
		c.waitTopic(adm, topic, 3, 30*time.Second)
	}
	for _, topic := range topics[1:] {
		produceValues(t, ctx, c.Seeds(), topic, 0, 2000)
	}
	p := workload(t, c, "grow-load")

	c.addBroker(3)
	counts, _ := replicaCounts(t, c, topics...)
	t.Logf("replicas per broker before the rebalance: %v", counts)
	moreAcks(t, p, 200)

	out := sluiceCmd(t, c, "cluster", "rebalance", "--topic", topics[0], "--topic", topics[1], "--topic", topics[2], "--execute")
	if !strings.Contains(out, "Successfully started partition reassignment") {
		t.Fatalf("rebalance --execute: %s", out)
	}
	waitAllReassignmentsDone(t, c, 60*time.Second)
	if out := sluiceCmd(t, c, "topic", "reassign", "--status"); strings.Contains(out, "grow-") {
		t.Errorf("reassign --status after completion lists partitions:\n%s", out)
	}
	moreAcks(t, p, 200)

	counts, _ = replicaCounts(t, c, topics...)
	t.Logf("replicas per broker after the rebalance: %v", counts)
	lo, hi := 1<<30, 0
	for _, n := range counts {
		lo, hi = min(lo, n), max(hi, n)
	}
	if counts[3] == 0 || hi-lo > 1 {
		t.Errorf("replicas per broker %v: want broker 3 to hold some and counts within one of each other", counts)
	}
	for _, topic := range topics {
		c.waitTopic(adm, topic, 3, 30*time.Second)
	}

	stopAndCheck(t, c, p, "grow-load")
	for _, topic := range topics[1:] {
		checkCount(t, c, topic, 2000)
	}
}

// checkCount reads topic back and checks it holds values 0..n-1 once each.
func checkCount(t *testing.T, c *testCluster, topic string, n int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	reads, err := ReadAll(ctx, c.runningSeeds(), topic)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int64]int{}
	for _, r := range reads {
		seen[r.Value]++
	}
	for v := int64(0); v < n; v++ {
		if seen[v] != 1 {
			t.Errorf("%s: value %d read %d times (of %d records read)", topic, v, seen[v], len(reads))
			return
		}
	}
}

// TestOperationsDecommission moves every replica off broker 3 of four
// with `sluice cluster rebalance --decommission 3 --execute` under load,
// checks broker 3 holds no replica (in the metadata and on disk), stops
// it, and checks nothing was lost.
func TestOperationsDecommission(t *testing.T) {
	c := startCluster(t, 4, nil)
	adm := c.admin()
	topics := []string{"decom-load", "decom-a"}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, topic := range topics {
		if _, err := adm.CreateTopic(ctx, 4, 3, nil, topic); err != nil {
			t.Fatal(err)
		}
		c.waitTopic(adm, topic, 3, 30*time.Second)
	}
	produceValues(t, ctx, c.Seeds(), "decom-a", 0, 2000)
	counts, _ := replicaCounts(t, c, topics...)
	t.Logf("replicas per broker before: %v", counts)
	if counts[3] == 0 {
		t.Fatalf("broker 3 holds no replica to start with: %v", counts)
	}
	p := workload(t, c, "decom-load")

	out := sluiceCmd(t, c, "cluster", "rebalance", "--decommission", "3", "--execute")
	if !strings.Contains(out, "Successfully started partition reassignment") {
		t.Fatalf("rebalance --decommission 3 --execute: %s", out)
	}
	waitAllReassignmentsDone(t, c, 60*time.Second)
	moreAcks(t, p, 200)

	counts, md := replicaCounts(t, c, topics...)
	t.Logf("replicas per broker after: %v", counts)
	if counts[3] != 0 {
		t.Errorf("broker 3 still holds %d replicas: %+v", counts[3], md.Topics)
	}
	for _, td := range md.Topics {
		for _, p := range td.Partitions {
			if p.Leader == 3 || slices.Contains(p.ISR, 3) {
				t.Errorf("%s-%d: leader %d ISR %v after the decommission", td.Topic, p.Partition, p.Leader, p.ISR)
			}
		}
	}
	b3 := c.broker(3)
	waitFor(t, 30*time.Second, "partition logs deleted on broker 3", func() bool {
		// A deleted log is renamed to topic-p.<id>-delete at once and
		// removed after file.delete.delay.ms.
		for _, topic := range topics {
			for p := range 4 {
				if dirExists(filepath.Join(b3.Dir, fmt.Sprintf("%s-%d", topic, p))) {
					return false
				}
			}
		}
		return true
	})

	start := time.Now()
	if !b3.Stop(30 * time.Second) {
		t.Errorf("broker 3 did not stop within 30 s of SIGTERM")
	}
	t.Logf("decommissioned broker 3 stopped in %v", time.Since(start))
	moreAcks(t, p, 200)
	for _, topic := range topics {
		c.waitTopic(adm, topic, 3, 30*time.Second)
	}
	stopAndCheck(t, c, p, "decom-load")
	checkCount(t, c, "decom-a", 2000)
}

// TestOperationsCancelReassignment starts a reassignment throttled to
// 10 KB/s that moves a partition of 8 MB (and one of the workload's
// topic), cancels it with `sluice topic reassign --cancel` while it runs,
// and checks the partitions keep their original replicas, all in sync,
// the new replica's log is deleted, and every record is there.
func TestOperationsCancelReassignment(t *testing.T) {
	c := startCluster(t, 3, nil)
	adm := c.admin()
	const bulk, load = "cancel-bulk", "cancel-load"
	createAssigned(t, c, bulk, [][]int32{{0, 1}})
	createAssigned(t, c, load, [][]int32{{0, 1}, {1, 0}})
	c.waitTopic(adm, bulk, 2, 30*time.Second)
	c.waitTopic(adm, load, 2, 30*time.Second)
	const bytes = 8 << 20
	produceBytes(t, c, bulk, 0, bytes)
	p := workload(t, c, load)
	moreAcks(t, p, 500)

	plan := filepath.Join(t.TempDir(), "plan.json")
	if err := os.WriteFile(plan, []byte(`{"version":1,"partitions":[`+
		`{"topic":"cancel-bulk","partition":0,"replicas":[1,2]},`+
		`{"topic":"cancel-load","partition":0,"replicas":[1,2]}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	out := sluiceCmd(t, c, "topic", "reassign", "--plan", plan, "--throttle", "10000")
	t.Logf("reassign --plan: %s", out)
	time.Sleep(3 * time.Second) // halfway: 8 MB at 10 KB/s take over ten minutes
	moreAcks(t, p, 200)

	var s kadm.TopicsSet
	s.Add(bulk, 0)
	s.Add(load, 0, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rs, err := adm.ListPartitionReassignments(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	running := map[string]bool{}
	for _, r := range rs.Sorted() {
		running[fmt.Sprintf("%s-%d", r.Topic, r.Partition)] = true
		t.Logf("in progress: %s-%d replicas %v adding %v removing %v", r.Topic, r.Partition, r.Replicas, r.AddingReplicas, r.RemovingReplicas)
	}
	if !running[bulk+"-0"] {
		t.Fatalf("the throttled move of %s-0 is not running after 3 s: %+v", bulk, rs.Sorted())
	}
	// The controller's ReassigningPartitions gauge counts the moves.
	reassigning := func() float64 {
		sum := 0.0
		for _, b := range c.Brokers {
			if b.Running() {
				v, err := b.Metric(ctx, "kafka_server_replicamanager_reassigningpartitions")
				if err != nil {
					t.Fatal(err)
				}
				sum += v
			}
		}
		return sum
	}
	if got := reassigning(); got < 1 || got > float64(len(running)) {
		t.Errorf("ReassigningPartitions summed %v with %d moves listed", got, len(running))
	}
	out = sluiceCmd(t, c, "topic", "reassign", "--cancel")
	t.Logf("reassign --cancel: %s", out)
	if !strings.Contains(out, "Successfully cancelled partition reassignment") || !strings.Contains(out, bulk+"-0") {
		t.Errorf("reassign --cancel: %s", out)
	}
	waitAllReassignmentsDone(t, c, 30*time.Second)

	// A cancelled partition is back on its original replicas (the same
	// members), all in sync; one that completed before the cancel is on
	// its target.
	check := func(topic string, part int32, orig, target []int32) {
		want := orig
		if !running[fmt.Sprintf("%s-%d", topic, part)] {
			t.Logf("%s-%d finished before the cancel", topic, part)
			want = target
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			md, err := adm.Metadata(ctx, topic)
			cancel()
			if err == nil {
				pd := md.Topics[topic].Partitions[part]
				if sameMembers(pd.Replicas, want) && sameMembers(pd.ISR, want) && pd.Leader >= 0 {
					return
				}
				if time.Now().After(deadline) {
					t.Errorf("%s-%d after the cancel: replicas %v ISR %v leader %d, want replicas and ISR %v",
						topic, part, pd.Replicas, pd.ISR, pd.Leader, want)
					return
				}
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	check(bulk, 0, []int32{0, 1}, []int32{1, 2})
	check(load, 0, []int32{0, 1}, []int32{1, 2})
	check(load, 1, []int32{1, 0}, []int32{1, 0})
	if running[bulk+"-0"] {
		dir := filepath.Join(c.broker(2).Dir, bulk+"-0")
		waitFor(t, 30*time.Second, "deletion of the cancelled replica's log "+dir, func() bool { return !dirExists(dir) })
	}
	moreAcks(t, p, 200)

	stopAndCheck(t, c, p, load)
	ctx2, cancel2 := context.WithTimeout(context.Background(), time.Minute)
	defer cancel2()
	reads, err := ReadAll(ctx2, c.Seeds(), bulk)
	if err != nil {
		t.Fatal(err)
	}
	if want := bytes / (64 << 10); len(reads) != want {
		t.Errorf("%s holds %d records after the cancel, want %d", bulk, len(reads), want)
	}
}

func sameMembers(a, b []int32) bool {
	return slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
}
