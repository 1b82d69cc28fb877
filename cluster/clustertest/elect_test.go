package clustertest

import (
	"context"
	"fmt"
	"os/exec"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
)

// Preferred leader elections on a cluster: after a broker is SIGKILLed
// and restarted, the partitions it prefers (it is their first replica)
// are led by others until an election gives them back, asked for with
// `sluice cluster elect-leaders` or run by the controller's periodic
// leader balance check.

// misled lists the partitions of topic not led by their first replica,
// as Metadata shows them now (nil and the error when it fails).
func misled(adm *kadm.Client, topic string) ([]int32, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	md, err := adm.Metadata(ctx, topic)
	if err != nil {
		return nil, err
	}
	td := md.Topics[topic]
	if td.Err != nil {
		return nil, td.Err
	}
	var out []int32
	for _, p := range td.Partitions {
		if len(p.Replicas) == 0 || p.Leader != p.Replicas[0] {
			out = append(out, p.Partition)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out, nil
}

// waitPreferredLeaders waits until every partition of topic is led by its
// first replica.
func waitPreferredLeaders(t *testing.T, adm *kadm.Client, topic string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last []int32
	var err error
	for time.Now().Before(deadline) {
		last, err = misled(adm, topic)
		if err == nil && len(last) == 0 {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s: partitions %v not led by their preferred replica after %v (err %v)", topic, last, timeout, err)
}

// killAndRestart creates topic (6 partitions, RF 3), SIGKILLs broker
// victim, waits until the partitions it led have moved, restarts it and
// waits for full ISRs. It returns the partitions victim prefers, which
// other brokers lead now.
func killAndRestart(t *testing.T, c *testCluster, adm *kadm.Client, topic string, victim int32) []int32 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := adm.CreateTopic(ctx, 6, 3, nil, topic); err != nil {
		t.Fatal(err)
	}
	td := c.waitTopic(adm, topic, 3, 30*time.Second)
	var preferred []int32
	for _, p := range td.Partitions {
		if p.Replicas[0] == victim {
			preferred = append(preferred, p.Partition)
		}
	}
	sort.Slice(preferred, func(i, j int) bool { return preferred[i] < preferred[j] })
	if len(preferred) != 2 {
		t.Fatalf("broker %d is the first replica of partitions %v, want 2 of 6: %+v", victim, preferred, td.Partitions)
	}
	waitPreferredLeaders(t, adm, topic, 30*time.Second)

	b := c.broker(victim)
	b.Kill()
	for _, p := range preferred {
		waitLeaderNot(t, adm, topic, p, victim, 30*time.Second)
	}
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	c.waitTopic(adm, topic, 3, 60*time.Second)
	return preferred
}

// TestElectLeadersCommand: with the automatic balance off, leadership
// stays away from a restarted broker until `sluice cluster elect-leaders`
// asks for preferred elections; then every partition is led by its first
// replica again, and a second run finds nothing to do.
func TestElectLeadersCommand(t *testing.T) {
	c := startCluster(t, 3, map[string]string{"auto.leader.rebalance.enable": "false"})
	adm := c.admin()
	const topic = "elect"
	preferred := killAndRestart(t, c, adm, topic, 1)
	got, err := misled(adm, topic)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(preferred) {
		t.Fatalf("after the restart partitions %v are not led by their first replica, want %v", got, preferred)
	}

	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(binary(t), append([]string{"cluster", "elect-leaders", "--brokers", strings.Join(c.Seeds(), ",")}, args...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("sluice cluster elect-leaders %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	out := run()
	var names []string
	for _, p := range preferred {
		names = append(names, fmt.Sprintf("%s-%d", topic, p))
	}
	if want := "Successfully completed leader election (PREFERRED) for partitions " + strings.Join(names, ", ") + "\n"; out != want {
		t.Errorf("elect-leaders: %q, want %q", out, want)
	}
	waitPreferredLeaders(t, adm, topic, 30*time.Second)

	out = run("--topic", topic)
	if !strings.HasPrefix(out, "Valid replica already elected for partitions "+topic+"-0, ") {
		t.Errorf("second election: %q", out)
	}
}

// TestAutoLeaderRebalance: with leader.imbalance.check.interval.seconds=2
// the controller gives a restarted broker its preferred leadership back by
// itself.
func TestAutoLeaderRebalance(t *testing.T) {
	c := startCluster(t, 3, map[string]string{"leader.imbalance.check.interval.seconds": "2"})
	adm := c.admin()
	const topic = "balance"
	killAndRestart(t, c, adm, topic, 2)
	waitPreferredLeaders(t, adm, topic, 30*time.Second)
}
