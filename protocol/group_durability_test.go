package protocol

import (
	"context"
	"net"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// checkFetchedOffsets checks the group's committed offsets on t.
func checkFetchedOffsets(t *testing.T, addr, group string, want map[int32]int64) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.RetryTimeout(20*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	offs, err := kadm.NewClient(cl).FetchOffsets(context.Background(), group)
	if err != nil {
		t.Fatalf("fetch offsets of %s: %v", group, err)
	}
	for p, o := range want {
		if got, ok := offs.Lookup("t", p); !ok || got.Err != nil || got.At != o {
			t.Fatalf("group %s partition %d: committed %+v (found %v), want %d", group, p, got, ok, o)
		}
	}
}

// describeGroup returns DescribeGroups' view of one group.
func describeGroup(t *testing.T, addr, group string) kadm.DescribedGroup {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.RetryTimeout(20*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	d, err := kadm.NewClient(cl).DescribeGroups(context.Background(), group)
	if err != nil || d[group].Err != nil {
		t.Fatalf("describe %s: %v %v", group, err, d[group].Err)
	}
	return d[group]
}

// TestGroupStateSurvivesRestart: the broker is closed and started again on
// the same directories and address. Committed offsets are back (a new
// member resumes exactly there); a group is loaded Stable with its static
// member, which rejoins at the generation it had; an empty KIP-848 group
// keeps its epoch.
func TestGroupStateSurvivesRestart(t *testing.T) {
	t.Parallel()
	dir, addr := t.TempDir(), freePort(t)
	props := groupProps()
	props["listeners"] = "PLAINTEXT://" + addr
	b := startTestBroker(t, dir, props)
	createTopic(t, b, "t", 6, nil)
	produceSpread(t, addr, "t", 6, 20)
	plan := committedPlan()
	own, sOwn := newOwnership(), newOwnership() // groups r and s

	r := startKgoMember(t, addr, "r", "t", "r1", own)
	waitConsumed(t, r, 120)
	commitPlan(t, r.cl, "t", plan)
	r.close()

	k := startKgoMember(t, addr, "k", "t", "k1", newOwnership(), kgo.Balancers(kgo.RangeBalancer()), kgo.ServerSideBalancer())
	waitConsumed(t, k, 120)
	k.close()
	kcl := newKgo(t, b)
	kd, err := kadm.NewClient(kcl).DescribeConsumerGroups(context.Background(), "k")
	if err != nil || kd["k"].Err != nil || kd["k"].Epoch <= 0 {
		t.Fatalf("describe KIP-848 group: %+v %v", kd["k"], err)
	}
	kEpoch := kd["k"].Epoch
	kcl.Close()

	static := groupOpts([]kgo.GroupOpt{kgo.Balancers(kgo.RangeBalancer())}, kgo.InstanceID("static-1"), kgo.SessionTimeout(20*time.Second))
	s := startKgoMember(t, addr, "s", "t", "s1", sOwn, static...)
	sOwn.waitCovered(t, "static member", 6, "s1")
	x := startKgoMember(t, addr, "s", "t", "x", sOwn, kgo.Balancers(kgo.RangeBalancer()))
	sOwn.waitCovered(t, "static and dynamic member", 6, "s1", "x")
	x.close()
	sOwn.waitCovered(t, "static member again", 6, "s1")
	gen := waitSameGeneration(t, 2, s) // 1 alone, 2 with x, 3 after x left
	memberID, _ := s.cl.GroupMetadata()
	s.close() // a static member does not leave: the group stays Stable with it

	closeBroker(t, b)
	b2 := startTestBroker(t, dir, props)

	if d := describeGroup(t, addr, "s"); d.State != "Stable" || len(d.Members) != 1 || d.Members[0].InstanceID == nil ||
		*d.Members[0].InstanceID != "static-1" || d.Members[0].MemberID != memberID {
		t.Fatalf("static group after restart: %+v, want Stable with %s (static-1)", d, memberID)
	}
	checkFetchedOffsets(t, addr, "r", plan)
	r2 := startKgoMember(t, addr, "r", "t", "r2", own)
	checkResumed(t, waitConsumed(t, r2, 120-45), plan, 20)

	// The static member comes back and takes its place without a
	// rebalance: the generation loaded from the log.
	s2 := startKgoMember(t, addr, "s", "t", "s2", sOwn, static...)
	waitConsumed(t, s2, 120)
	if g := s2.generation(); g != gen {
		t.Fatalf("static member rejoined at generation %d after the restart, want %d", g, gen)
	}
	kcl2 := newKgo(t, b2)
	kd2, err := kadm.NewClient(kcl2).DescribeConsumerGroups(context.Background(), "k")
	if err != nil || kd2["k"].Err != nil || kd2["k"].Epoch != kEpoch {
		t.Fatalf("KIP-848 group after restart: %+v %v, want epoch %d", kd2["k"], err, kEpoch)
	}
	own.check(t)
	sOwn.check(t)
}

// startGroupProcess runs the built binary with fast group settings.
func startGroupProcess(t *testing.T, bin, dir, addr string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, "broker", "--override", "listeners=PLAINTEXT://"+addr, "--override", "log.dirs="+dir,
		"--override", "sluice.metrics.listener=", "--override", "group.initial.rebalance.delay.ms=0",
		"--override", "group.min.session.timeout.ms=1000", "--override", "offsets.topic.num.partitions=5")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	for range 200 {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return cmd
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("broker did not start")
	return nil
}

// TestGroupKill9: kill -9 of the broker process while a member holds the
// group. After a restart the group is loaded (Stable, with that member)
// and its committed offsets are there; once the crashed member's session
// expires, a new member resumes exactly at them.
func TestGroupKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildSluice(t)
	dir, addr := t.TempDir(), freePort(t)
	proc := startGroupProcess(t, bin, dir, addr)
	adm, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kadm.NewClient(adm).CreateTopic(context.Background(), 6, 1, nil, "t"); err != nil {
		t.Fatal(err)
	}
	adm.Close()
	produceSpread(t, addr, "t", 6, 20)
	plan := committedPlan()
	own := newOwnership()
	a := startKgoMember(t, addr, "g", "t", "a", own, kgo.SessionTimeout(2*time.Second))
	waitConsumed(t, a, 120)
	commitPlan(t, a.cl, "t", plan)

	if err := proc.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = proc.Wait()
	a.crash(own)

	addr2 := freePort(t)
	startGroupProcess(t, bin, dir, addr2)
	if d := describeGroup(t, addr2, "g"); d.State != "Stable" || len(d.Members) != 1 {
		t.Fatalf("group after kill -9: %+v", d)
	}
	checkFetchedOffsets(t, addr2, "g", plan)
	c := startKgoMember(t, addr2, "g", "t", "c", own, kgo.SessionTimeout(2*time.Second), kgo.RebalanceTimeout(10*time.Second))
	checkResumed(t, waitConsumed(t, c, 120-45), plan, 20)
	own.check(t)
}
