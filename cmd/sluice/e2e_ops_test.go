package main

// End-to-end tests of the cluster-operations commands against the single
// test broker: what one broker can show (describe filters, per-broker
// counts, plans), the input errors, and a single node's answers to
// ElectLeaders (43), AlterPartitionReassignments (45) and
// ListPartitionReassignments (46). The multi-broker tests of these
// commands live with the cluster tests.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sluice/cmd/sluice/internal/rebalance"
)

func TestE2ETopicDescribeAllAndFilters(t *testing.T) {
	needBroker(t)
	a, b := newTopic(t), newTopic(t)
	ok(t, "", "topic", "create", a, "-p", "2")
	ok(t, "", "topic", "create", b, "-p", "1")

	// No name: every topic, each with its partitions.
	out := ok(t, "", "topic", "describe")
	for _, want := range []string{"Topic:      " + a, "Topic:      " + b, "STATUS"} {
		if !strings.Contains(out, want) {
			t.Errorf("describe (all) lacks %q:\n%s", want, out)
		}
	}
	all := decode[[]topicView](t, ok(t, "", "topic", "describe", "--json"))
	seen := map[string]int{}
	for _, v := range all {
		seen[v.Topic] = len(v.Partitions)
		for _, p := range v.Partitions {
			if p.UnderReplicated || p.Offline {
				t.Errorf("%s-%d marked on a single healthy broker: %+v", v.Topic, p.Partition, p)
			}
		}
	}
	if seen[a] != 2 || seen[b] != 1 {
		t.Errorf("describe --json (all): %v", seen)
	}
	for _, v := range decode[[]topicView](t, ok(t, "", "topic", "describe", "--json", "--exclude-internal")) {
		if v.Internal {
			t.Errorf("--exclude-internal lists %s", v.Topic)
		}
	}
	// One name still gives one object.
	if v := decode[topicView](t, ok(t, "", "topic", "describe", a, "--json")); v.Topic != a || len(v.Partitions) != 2 {
		t.Errorf("describe NAME --json: %+v", v)
	}

	// The filters: nothing is under-replicated or unavailable on one live
	// broker, so nothing is printed (as kafka-topics.sh), and [] as JSON.
	for _, args := range [][]string{
		{"topic", "describe", "--under-replicated"},
		{"topic", "describe", "--unavailable"},
		{"topic", "describe", a, "--under-replicated"},
		{"topic", "describe", a, "--unavailable"},
	} {
		if out := ok(t, "", args...); out != "" {
			t.Errorf("%v printed %q", args, out)
		}
		if out := ok(t, "", append(args, "--json")...); out != "[]\n" {
			t.Errorf("%v --json printed %q", args, out)
		}
	}
	r := fails(t, 1, "", "topic", "describe", "no-such-topic", "--unavailable", "--brokers", e2e.brokers)
	if !strings.Contains(r.stderr, "UNKNOWN_TOPIC_OR_PARTITION") {
		t.Errorf("filter on a missing topic: %q", r.stderr)
	}
	fails(t, 2, "", "topic", "describe", "--under-replicated", "--unavailable", "--brokers", e2e.brokers)
	fails(t, 2, "", "topic", "describe", a, b, "--brokers", e2e.brokers)
}

func TestE2EClusterInfoCounts(t *testing.T) {
	needBroker(t)
	ok(t, "", "topic", "create", newTopic(t), "-p", "3")
	total := 0
	for _, l := range decode[[]map[string]any](t, ok(t, "", "topic", "list", "--internal", "--json")) {
		total += int(l["partitions"].(float64))
	}
	ci := decode[clusterInfo](t, ok(t, "", "cluster", "info", "--json"))
	if len(ci.Brokers) != 1 {
		t.Fatalf("cluster info --json: %+v", ci)
	}
	// Against an external broker (SLUICE_TEST_BROKERS) others may create
	// topics between the two calls: the counts may only be higher.
	br := ci.Brokers[0]
	if br.Leaders < total || br.Partitions != br.Leaders || br.UnderReplicated != 0 || !br.Live || !br.Controller ||
		ci.Partitions != br.Partitions || ci.UnderReplicated != 0 || ci.Offline != 0 {
		t.Errorf("cluster info --json (%d partitions listed): %+v", total, ci)
	}
	out := ok(t, "", "cluster", "info")
	if !strings.Contains(out, "LEADERS") || !strings.Contains(out, "UNDER-REPLICATED") || !strings.Contains(out, "0 under-replicated, 0 offline") {
		t.Errorf("cluster info:\n%s", out)
	}
}

// brokerID is the test broker's id.
func brokerID(t *testing.T) string {
	ci := decode[clusterInfo](t, ok(t, "", "cluster", "info", "--json"))
	return itoa(ci.Brokers[0].ID)
}

func TestE2ERebalanceAndPlans(t *testing.T) {
	needBroker(t)
	topic := newTopic(t)
	ok(t, "", "topic", "create", topic, "-p", "2")
	id := brokerID(t)
	dir := t.TempDir()

	// One broker is balanced: an empty plan, written in Kafka's format.
	planFile := filepath.Join(dir, "plan.json")
	out := ok(t, "", "cluster", "rebalance", "--output", planFile)
	if !strings.Contains(out, "nothing to move") || !lineHas(out, id) {
		t.Errorf("rebalance:\n%s", out)
	}
	b, err := os.ReadFile(planFile)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := rebalance.ParsePlan(b); err != nil || p.Version != 1 || len(p.Partitions) != 0 {
		t.Errorf("written plan %s: %+v %v", b, p, err)
	}
	res := decode[map[string]any](t, ok(t, "", "cluster", "rebalance", "--json", "--topic", topic))
	if res["partitions"] != float64(0) || res["replicas"] != float64(2) || res["replicas_added"] != float64(0) {
		t.Errorf("rebalance --json: %v", res)
	}
	if out := ok(t, "", "cluster", "rebalance", "--execute"); !strings.Contains(out, "nothing to move") {
		t.Errorf("rebalance --execute on a balanced cluster:\n%s", out)
	}

	// A plan round trip: a plan written as Kafka's tool writes it is read,
	// checked against the cluster, and only then sent.
	good := filepath.Join(dir, "good.json")
	os.WriteFile(good, []byte(`{"version":1,"partitions":[{"topic":"`+topic+`","partition":1,"replicas":[`+id+`],"log_dirs":["any"]}]}`), 0o644)
	// One broker serves the reassignment APIs as Kafka's one-broker
	// cluster: a plan that keeps the partition where it is succeeds.
	started := "Successfully started partition reassignment for " + topic + "-1"
	if out := ok(t, "", "topic", "reassign", "--plan", good, "--brokers", e2e.brokers); !strings.Contains(out, started) {
		t.Errorf("reassign --plan:\n%s", out)
	}
	if out := ok(t, "", "topic", "reassign", "--plan", good, "--additional", "--brokers", e2e.brokers); !strings.Contains(out, started) {
		t.Errorf("reassign --plan --additional:\n%s", out)
	}
	plan, _ := os.ReadFile(good)
	if out := ok(t, string(plan), "topic", "reassign", "--plan", "-", "--additional", "--brokers", e2e.brokers); !strings.Contains(out, started) {
		t.Errorf("reassign --plan - (stdin):\n%s", out)
	}

	// Input errors: exit 2, one line.
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		return p
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"cluster", "rebalance", "--decommission", "777"}, "unknown broker 777"},
		{[]string{"cluster", "rebalance", "--decommission", id}, "leaves no live broker"},
		{[]string{"cluster", "rebalance", "--topic", topic, "--replication-factor", "2"}, "Replication factor: 2 larger than available brokers: 1."},
		{[]string{"cluster", "rebalance", "--topic", "no-such-topic"}, `unknown topic "no-such-topic"`},
		{[]string{"cluster", "rebalance", "--replication-factor", "2"}, "needs --topic"},
		{[]string{"cluster", "rebalance", "--throttle", "100"}, "goes with --execute"},
		{[]string{"topic", "reassign"}, "give --plan FILE"},
		{[]string{"topic", "reassign", "--plan", filepath.Join(dir, "missing.json")}, "no such file"},
		{[]string{"topic", "reassign", "--plan", write("bad.json", "{not json")}, "not JSON"},
		{[]string{"topic", "reassign", "--plan", write("v2.json", `{"version":2,"partitions":[]}`)}, "version 2"},
		{[]string{"topic", "reassign", "--plan", planFile}, "the plan lists no partitions"},
		{[]string{"topic", "reassign", "--plan", write("b7.json", `{"partitions":[{"topic":"`+topic+`","partition":0,"replicas":[777]}]}`)}, "names broker 777"},
		{[]string{"topic", "reassign", "--plan", write("nt.json", `{"partitions":[{"topic":"no-such-topic","partition":0,"replicas":[`+id+`]}]}`)}, "topic no-such-topic not found"},
		{[]string{"topic", "reassign", "--plan", write("np.json", `{"partitions":[{"topic":"`+topic+`","partition":9,"replicas":[`+id+`]}]}`)}, "partition " + topic + "-9 not found"},
		{[]string{"topic", "reassign", "--status", "--cancel"}, "only one of"},
		{[]string{"topic", "reassign", "--verify"}, "--verify needs --plan"},
		{[]string{"topic", "reassign", "--plan", good, "--throttle", "-1"}, "positive number"},
		{[]string{"topic", "reassign", "--status", "--throttle", "100"}, "--throttle goes with --plan"},
		{[]string{"cluster", "elect-leaders", "--partition", "0"}, "--partition needs --topic"},
	} {
		r := fails(t, 2, "", append(tc.args, "--brokers", e2e.brokers)...)
		if !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: %q, want %q", tc.args, r.stderr, tc.want)
		}
	}
	// Auto-creation must not have made the topic a plan named.
	if strings.Contains(ok(t, "", "topic", "list"), "no-such-topic") {
		t.Error("a plan naming a missing topic created it")
	}
}

// TestE2EReassignSingleNode: on one broker there is no reassignment in
// progress, and a plan keeping the partition where it is succeeds.
func TestE2EReassignSingleNode(t *testing.T) {
	needBroker(t)
	topic := newTopic(t)
	ok(t, "", "topic", "create", topic, "-p", "1")
	plan := filepath.Join(t.TempDir(), "plan.json")
	os.WriteFile(plan, []byte(`{"version":1,"partitions":[{"topic":"`+topic+`","partition":0,"replicas":[`+brokerID(t)+`]}]}`), 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"topic", "reassign", "--status"}, "No partition reassignments found."},
		{[]string{"topic", "reassign", "--status", "--watch", "--plan", plan}, "No partition reassignments found."},
		{[]string{"topic", "reassign", "--cancel"}, "None of the specified partition reassignments are active."},
		{[]string{"topic", "reassign", "--verify", "--plan", plan}, "Reassignment of partition " + topic + "-0 is completed."},
		{[]string{"topic", "reassign", "--plan", plan, "--throttle", "1048576"}, "The inter-broker throttle limit was set to 1048576 B/s"},
	} {
		if out := ok(t, "", append(tc.args, "--brokers", e2e.brokers)...); !strings.Contains(out, tc.want) {
			t.Errorf("%v: want %q in\n%s", tc.args, tc.want, out)
		}
	}
}

// TestE2EElectLeadersSingleNode: the single broker leads every partition
// with its only replica, so no election is needed: all partitions (null
// topic list) leave out the partitions that needed none, as Kafka does; a
// topic's or a partition's are each "already elected"; an unknown
// partition fails with exit status 1.
func TestE2EElectLeadersSingleNode(t *testing.T) {
	needBroker(t)
	topic := newTopic(t)
	ok(t, "", "topic", "create", topic, "-p", "2")

	if out := ok(t, "", "cluster", "elect-leaders"); !strings.Contains(out, "No partition needed an election") {
		t.Errorf("all partitions:\n%s", out)
	}
	want := "Valid replica already elected for partitions " + topic + "-0, " + topic + "-1\n"
	if out := ok(t, "", "cluster", "elect-leaders", "--topic", topic); out != want {
		t.Errorf("--topic: %q, want %q", out, want)
	}
	if out := ok(t, "", "cluster", "elect-leaders", "--unclean", "--topic", topic, "--partition", "1"); out != "Valid replica already elected for partitions "+topic+"-1\n" {
		t.Errorf("--unclean --partition 1: %q", out)
	}
	got := decode[struct {
		Election   string            `json:"election"`
		Partitions []electionOutcome `json:"partitions"`
	}](t, ok(t, "", "cluster", "elect-leaders", "--topic", topic, "--partition", "0", "--json"))
	if got.Election != "preferred" || len(got.Partitions) != 1 || got.Partitions[0].Outcome != "not_needed" {
		t.Errorf("--json: %+v", got)
	}

	r := fails(t, 1, "", "cluster", "elect-leaders", "--topic", topic, "--partition", "0", "--partition", "7", "--brokers", e2e.brokers)
	if !strings.Contains(r.stdout, "Valid replica already elected for partitions "+topic+"-0") ||
		!strings.Contains(r.stdout, "Error completing leader election (PREFERRED) for partition: "+topic+"-7: UNKNOWN_TOPIC_OR_PARTITION") {
		t.Errorf("unknown partition: stdout %q", r.stdout)
	}
	if !strings.Contains(r.stderr, "1 replica(s) could not be elected") {
		t.Errorf("unknown partition: stderr %q", r.stderr)
	}
}
