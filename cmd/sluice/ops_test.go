package main

// Unit tests of the cluster-operations commands' logic on constructed
// responses: what a single broker cannot show (under-replicated and offline
// partitions, elections, reassignments in progress).

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"

	"sluice/cmd/sluice/internal/cli"
	"sluice/cmd/sluice/internal/rebalance"
)

// testMetadata: brokers 1-3 live (rack a, a, b); broker 4 holds replicas
// but is down.
//
//	orders-0  leader 1  replicas 1,2,3  isr 1,2,3  healthy
//	orders-1  leader 2  replicas 2,3,1  isr 2      under-replicated
//	orders-2  leader -1 replicas 3,4    isr 4      offline, under-replicated
//	orders-3  leader 4  replicas 4,1    isr 4,1    offline (leader not live)
//	__consumer_offsets-0 leader 3 replicas 3,1 isr 3  internal, under-replicated
func testMetadata() kadm.Metadata {
	rack := func(s string) *string { return &s }
	p := func(t string, n, leader int32, reps, isr []int32) kadm.PartitionDetail {
		return kadm.PartitionDetail{Topic: t, Partition: n, Leader: leader, LeaderEpoch: 3, Replicas: reps, ISR: isr}
	}
	return kadm.Metadata{
		Cluster: "c1", Controller: 2,
		Brokers: kadm.BrokerDetails{
			{NodeID: 1, Host: "h1", Port: 9092, Rack: rack("a")},
			{NodeID: 2, Host: "h2", Port: 9092, Rack: rack("a")},
			{NodeID: 3, Host: "h3", Port: 9092, Rack: rack("b")},
		},
		Topics: kadm.TopicDetails{
			"orders": {Topic: "orders", Partitions: kadm.PartitionDetails{
				0: p("orders", 0, 1, []int32{1, 2, 3}, []int32{1, 2, 3}),
				1: p("orders", 1, 2, []int32{2, 3, 1}, []int32{2}),
				2: p("orders", 2, -1, []int32{3, 4}, []int32{4}),
				3: p("orders", 3, 4, []int32{4, 1}, []int32{4, 1}),
			}},
			"__consumer_offsets": {Topic: "__consumer_offsets", IsInternal: true, Partitions: kadm.PartitionDetails{
				0: p("__consumer_offsets", 0, 3, []int32{3, 1}, []int32{3}),
			}},
			"broken": {Topic: "broken", Err: kerr.LeaderNotAvailable},
		},
	}
}

func names(hs []partitionHealth) []string {
	var out []string
	for _, h := range hs {
		out = append(out, h.Topic+"-"+itoa(h.Partition)+":"+h.status())
	}
	return out
}

func TestHealthFilters(t *testing.T) {
	md := testMetadata()
	for _, tc := range []struct {
		f       healthFilter
		exclude bool
		want    []string
	}{
		{allPartitions, false, []string{"__consumer_offsets-0:under-replicated", "orders-0:", "orders-1:under-replicated", "orders-2:offline", "orders-3:offline"}},
		{underReplicatedOnly, false, []string{"__consumer_offsets-0:under-replicated", "orders-1:under-replicated", "orders-2:offline"}},
		{underReplicatedOnly, true, []string{"orders-1:under-replicated", "orders-2:offline"}},
		{unavailableOnly, false, []string{"orders-2:offline", "orders-3:offline"}},
	} {
		if got := names(healthOf(md, tc.f, tc.exclude)); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("filter %d exclude %v: %v, want %v", tc.f, tc.exclude, got, tc.want)
		}
	}
	// orders-2 is both: under-replicated and offline, and JSON says so.
	hs := healthOf(md, unavailableOnly, false)
	if !hs[0].UnderReplicated || !hs[0].Offline || hs[1].UnderReplicated || !hs[1].Offline {
		t.Errorf("marks: %+v", hs)
	}

	// The table lists them; no partition prints nothing at all.
	var buf bytes.Buffer
	if err := printHealth(&cli.Printer{Out: &buf}, hs); err != nil {
		t.Fatal(err)
	}
	if !lineHas(buf.String(), "orders", "2", "-1", "[3,4]", "[4]") || !strings.Contains(buf.String(), "OFFLINE-REPLICAS") {
		t.Errorf("table:\n%s", buf.String())
	}
	buf.Reset()
	if err := printHealth(&cli.Printer{Out: &buf}, []partitionHealth{}); err != nil || buf.Len() != 0 {
		t.Errorf("no partitions printed %q", buf.String())
	}
	if err := printHealth(&cli.Printer{Out: &buf, JSON: true}, []partitionHealth{}); err != nil || buf.String() != "[]\n" {
		t.Errorf("no partitions as JSON: %q", buf.String())
	}
}

func TestClusterInfoCounts(t *testing.T) {
	ci := clusterInfoOf(testMetadata())
	want := []brokerHealth{
		{ID: 1, Leaders: 1, Partitions: 4, UnderReplicated: 0},
		{ID: 2, Leaders: 1, Partitions: 2, UnderReplicated: 1},
		{ID: 3, Leaders: 1, Partitions: 4, UnderReplicated: 1},
		{ID: 4, Leaders: 1, Partitions: 2, UnderReplicated: 0},
	}
	var got []brokerHealth
	for _, b := range ci.Brokers {
		got = append(got, b.brokerHealth)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("per broker:\n got %+v\nwant %+v", got, want)
	}
	if ci.Brokers[3].Live || !ci.Brokers[1].Controller || ci.Brokers[0].Rack != "a" {
		t.Errorf("brokers: %+v", ci.Brokers)
	}
	if ci.Partitions != 5 || ci.UnderReplicated != 3 || ci.Offline != 2 {
		t.Errorf("totals: %+v", ci)
	}
	var buf bytes.Buffer
	if err := printClusterInfo(&cli.Printer{Out: &buf}, testMetadata()); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !lineHas(out, "2*", "h2", "9092", "a", "1", "2", "1") || !lineHas(out, "4", "(not", "live)", "-", "1", "2", "0") ||
		!strings.Contains(out, "5 (3 under-replicated, 2 offline)") {
		t.Errorf("cluster info:\n%s", out)
	}
}

func TestElectionOutput(t *testing.T) {
	rs := kadm.ElectLeadersResults{
		"t": {
			0: {Topic: "t", Partition: 0},
			1: {Topic: "t", Partition: 1, Err: kerr.ElectionNotNeeded},
			2: {Topic: "t", Partition: 2, Err: kerr.PreferredLeaderNotAvailable, ErrMessage: "broker 3 is down"},
			3: {Topic: "t", Partition: 3},
		},
	}
	var buf bytes.Buffer
	err := printElection(&cli.Printer{Out: &buf}, kadm.ElectPreferredReplica, rs)
	if err == nil || err.Error() != "1 replica(s) could not be elected" {
		t.Errorf("error: %v", err)
	}
	want := "Successfully completed leader election (PREFERRED) for partitions t-0, t-3\n" +
		"Valid replica already elected for partitions t-1\n" +
		"Error completing leader election (PREFERRED) for partition: t-2: PREFERRED_LEADER_NOT_AVAILABLE: "
	if !strings.HasPrefix(buf.String(), want) || !strings.Contains(buf.String(), "(broker 3 is down)") {
		t.Errorf("output:\n%s", buf.String())
	}
	buf.Reset()
	delete(rs["t"], 2)
	if err := printElection(&cli.Printer{Out: &buf, JSON: true}, kadm.ElectLiveReplica, rs); err != nil {
		t.Fatal(err)
	}
	got := decode[struct {
		Election   string            `json:"election"`
		Partitions []electionOutcome `json:"partitions"`
	}](t, buf.String())
	if got.Election != "unclean" || len(got.Partitions) != 3 || got.Partitions[1].Outcome != "not_needed" || got.Partitions[2].Outcome != "elected" {
		t.Errorf("json: %+v", got)
	}
}

func TestThrottlesFor(t *testing.T) {
	// t-0: 1,2 -> 2,3 (3 copies from 1 and 2); t-1: 3,1 -> 1,3 (a reorder,
	// nothing copied); u-0 is already moving 4 -> 5 and stays throttled.
	plan := rebalance.NewPlan()
	plan.Add("t", 0, []int32{2, 3})
	plan.Add("t", 1, []int32{1, 3})
	current := map[string]map[int32][]int32{"t": {0: {1, 2}, 1: {3, 1}}}
	running := []ongoing{{Topic: "u", Partition: 0, Replicas: []int32{4, 5}, Adding: []int32{5}, Removing: []int32{4}}}
	topics, brokers := throttlesFor(plan, current, running)
	want := map[string][2]string{"t": {"0:1,0:2,1:1,1:3", "0:3"}, "u": {"0:4", "0:5"}}
	if !reflect.DeepEqual(topics, want) || !reflect.DeepEqual(brokers, []int32{1, 2, 3, 4, 5}) {
		t.Errorf("throttles %v on %v, want %v", topics, brokers, want)
	}
}

func TestPlanAgainstCluster(t *testing.T) {
	md := testMetadata()
	ok := rebalance.NewPlan()
	ok.Add("orders", 1, []int32{3, 1, 2})
	cur, err := planAgainst(ok, md)
	if err != nil || !reflect.DeepEqual(cur["orders"][1], []int32{2, 3, 1}) {
		t.Fatalf("planAgainst: %v %v", cur, err)
	}
	for _, tc := range []struct {
		topic string
		part  int32
		reps  []int32
		want  string
	}{
		{"nope", 0, []int32{1}, "topic nope not found"},
		{"orders", 9, []int32{1}, "partition orders-9 not found"},
		{"orders", 0, []int32{1, 4}, "names broker 4, which is not a live broker"},
	} {
		p := rebalance.NewPlan()
		p.Add(tc.topic, tc.part, tc.reps)
		_, err := planAgainst(p, md)
		var ue usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v", tc, err)
		}
	}
}

func TestProgressAndVerify(t *testing.T) {
	md := testMetadata()
	// orders-1 moves from 2,3,1 to 2,3,1+... adding 3 (in sync) and 1
	// (half copied); orders-0 only removes.
	running := []ongoing{
		{Topic: "orders", Partition: 0, Replicas: []int32{1, 2, 3}, Adding: []int32{}, Removing: []int32{3}},
		{Topic: "orders", Partition: 1, Replicas: []int32{2, 3, 1}, Adding: []int32{1, 3}, Removing: []int32{}},
	}
	md.Topics["orders"].Partitions[1] = kadm.PartitionDetail{Topic: "orders", Partition: 1, Leader: 2, Replicas: []int32{2, 3, 1}, ISR: []int32{2, 3}}
	dir := func(b int32, size int64) kadm.DescribedLogDirs {
		return kadm.DescribedLogDirs{"/d": {Broker: b, Dir: "/d", Topics: kadm.DescribedLogDirTopics{"orders": {1: {Broker: b, Topic: "orders", Partition: 1, Size: size}}}}}
	}
	dirs := kadm.DescribedAllLogDirs{1: dir(1, 500), 2: dir(2, 1000), 3: dir(3, 1000)}
	ps := progressOf(running, md, dirs)
	if len(ps) != 2 || ps[0].Progress != 1 || len(ps[0].Copies) != 0 {
		t.Fatalf("removal only: %+v", ps)
	}
	c := ps[1].Copies
	if ps[1].Progress != 0.5 || len(c) != 2 || c[0].Broker != 1 || c[0].Bytes != 500 || c[0].LeaderBytes != 1000 || c[0].InSync ||
		!c[1].InSync || c[1].Progress != 1 {
		t.Errorf("adding: %+v", ps[1])
	}
	// A replica with all the bytes but not in the ISR is not done.
	dirs[1] = dir(1, 1000)
	if p := progressOf(running, md, dirs)[1]; p.Progress != 0.99 {
		t.Errorf("full copy outside the ISR: %v", p.Progress)
	}

	var buf bytes.Buffer
	renderProgress(&buf, ps, false)
	if !strings.Contains(buf.String(), "orders-1: replicas 2,3,1: 50%: adding 1 has 500 B of 1000 B, 3 in sync\n") ||
		!strings.Contains(buf.String(), "orders-0: replicas 1,2,3: 100%: nothing to copy; removing 3\n") {
		t.Errorf("plain:\n%s", buf.String())
	}
	buf.Reset()
	renderProgress(&buf, ps, true)
	if !strings.Contains(buf.String(), "[###############...............]  50%") {
		t.Errorf("terminal:\n%s", buf.String())
	}
	buf.Reset()
	renderProgress(&buf, nil, false)
	if buf.String() != "No partition reassignments found.\n" {
		t.Errorf("none: %q", buf.String())
	}

	plan := rebalance.NewPlan()
	plan.Add("orders", 0, []int32{1, 2, 3}) // done
	plan.Add("orders", 1, []int32{2, 1})    // running
	plan.Add("orders", 3, []int32{1, 2})    // not running, not there
	var states []string
	for _, s := range verifyStates(plan, running[1:], md) {
		states = append(states, s.State)
	}
	if !reflect.DeepEqual(states, []string{"completed", "in_progress", "differs"}) {
		t.Errorf("verify states: %v", states)
	}
}

func TestPlanFiles(t *testing.T) {
	dir := t.TempDir()
	p := rebalance.NewPlan()
	p.Add("orders", 2, []int32{3, 1})
	path := filepath.Join(dir, "plan.json")
	if err := writePlan(path, p); err != nil {
		t.Fatal(err)
	}
	back, err := readPlan(path)
	if err != nil || !reflect.DeepEqual(back, p) {
		t.Fatalf("round trip: %+v %v", back, err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("temporary files left: %v", ents)
	}
	os.WriteFile(filepath.Join(dir, "bad.json"), []byte(`{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,1]}]}`), 0o644)
	for _, bad := range []string{filepath.Join(dir, "missing.json"), filepath.Join(dir, "bad.json"), dir} {
		_, err := readPlan(bad)
		var ue usageError
		if !errors.As(err, &ue) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v", bad, err)
		}
	}
	if err := writePlan(filepath.Join(dir, "no", "such", "dir.json"), p); err == nil {
		t.Error("writing into a missing directory succeeded")
	}
}

// The API check names the API for a request kgo would refuse to send.
func TestUnsupportedAPIMessage(t *testing.T) {
	if got := unsupportedAPI(0, 45).Error(); got != "broker 0 does not serve AlterPartitionReassignments (API key 45): UNSUPPORTED_VERSION" {
		t.Errorf("45: %s", got)
	}
	if got := unsupportedAPI(2, 46).Error(); !strings.Contains(got, "ListPartitionReassignments (API key 46)") {
		t.Errorf("46: %s", got)
	}
}

func TestRebalanceOutput(t *testing.T) {
	// Three brokers with four partitions each (RF 2), a fourth joins.
	var parts []rebalance.Partition
	for p := int32(0); p < 6; p++ {
		reps := []int32{p % 3, (p + 1) % 3}
		parts = append(parts, rebalance.Partition{Topic: "orders", Partition: p, Replicas: reps, Leader: reps[0]})
	}
	live := []rebalance.Broker{{ID: 0}, {ID: 1}, {ID: 2}, {ID: 3}}
	res, err := rebalance.Generate(live, parts, rebalance.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := printRebalance(&cli.Printer{Out: &buf}, rebalanceOutput{Result: res}, "plan.json"); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !lineHas(out, "3", "0", "->", "3", "0", "->", "1") {
		t.Errorf("new broker's row:\n%s", out)
	}
	for _, want := range []string{
		"3 replica(s) to copy, 3 to remove (of 12)",
		"Current partition replica assignment\n\n{\"version\":1,",
		"Proposed partition reassignment configuration\n\n{\"version\":1,",
		"sluice topic reassign --plan plan.json",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("lacks %q:\n%s", want, out)
		}
	}
	buf.Reset()
	if err := printRebalance(&cli.Printer{Out: &buf, JSON: true}, rebalanceOutput{Result: res}, ""); err != nil {
		t.Fatal(err)
	}
	j := decode[struct {
		Plan    rebalance.Plan         `json:"plan"`
		Added   int                    `json:"replicas_added"`
		Brokers []rebalance.BrokerLoad `json:"brokers"`
	}](t, buf.String())
	if len(j.Plan.Partitions) != len(res.Plan.Partitions) || j.Added != 3 || len(j.Brokers) != 4 || j.Brokers[3].ReplicasAfter != 3 {
		t.Errorf("json: %s", buf.String())
	}
}
