package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"sluice/cmd/sluice/internal/obs"
)

// produceLines produces the lines (one record each) to partition 0 of topic.
func produceLines(t *testing.T, topic string, from, to int) {
	t.Helper()
	var b strings.Builder
	for i := from; i < to; i++ {
		fmt.Fprintf(&b, "m%d\n", i)
	}
	ok(t, b.String(), "produce", topic, "--partition", "0")
}

// wantLines returns "m<from>\n...m<to-1>\n".
func wantLines(from, to int) string {
	var b strings.Builder
	for i := from; i < to; i++ {
		fmt.Fprintf(&b, "m%d\n", i)
	}
	return b.String()
}

// groupOffset returns the group's row for partition p of topic.
func groupOffset(t *testing.T, v groupView, topic string, p int32) groupOffsetView {
	t.Helper()
	for _, o := range v.Offsets {
		if o.Topic == topic && o.Partition == p {
			return o
		}
	}
	t.Fatalf("group %s has no row for %s/%d: %+v", v.Group, topic, p, v.Offsets)
	return groupOffsetView{}
}

func TestE2EGroupListDescribeResetDelete(t *testing.T) {
	needBroker(t)
	topic, group := newTopic(t), "g-"+newTopic(t)
	ok(t, "", "topic", "create", topic, "-p", "2")
	produceLines(t, topic, 0, 5)
	time.Sleep(50 * time.Millisecond)
	mid := time.Now().UnixMilli()
	time.Sleep(50 * time.Millisecond)

	// A group consumer reads all five and commits on exit.
	if got := ok(t, "", "consume", topic, "--group", group, "-o", "earliest", "-n", "5"); got != wantLines(0, 5) {
		t.Fatalf("consume --group -n 5: %q", got)
	}
	produceLines(t, topic, 5, 8)

	// list: the group is there, Empty, a consumer group.
	var found *listedGroup
	listed := decode[[]listedGroup](t, ok(t, "", "group", "list", "--json"))
	for i := range listed {
		if listed[i].Group == group {
			found = &listed[i]
		}
	}
	if found == nil || found.State != "Empty" || found.ProtocolType != "consumer" {
		t.Fatalf("group list --json: %+v", listed)
	}
	if out := ok(t, "", "group", "list"); !strings.Contains(out, "PROTOCOL-TYPE") || !strings.Contains(out, group+"  Empty") {
		t.Errorf("group list:\n%s", out)
	}

	// describe: committed 5, end 8, lag 3 on partition 0.
	v := decode[groupView](t, ok(t, "", "group", "describe", group, "--json"))
	o := groupOffset(t, v, topic, 0)
	if v.State != "Empty" || len(v.Members) != 0 || o.Committed == nil || *o.Committed != 5 ||
		o.End == nil || *o.End != 8 || o.Lag == nil || *o.Lag != 3 || v.TotalLag != 3 {
		t.Fatalf("group describe --json: %+v / %+v", v, o)
	}
	out := ok(t, "", "group", "describe", group)
	for _, want := range []string{"State:         Empty", "Total lag:     3", "CURRENT-OFFSET  LOG-END-OFFSET  LAG", topic + "  0          5               8               3"} {
		if !strings.Contains(out, want) {
			t.Errorf("group describe lacks %q:\n%s", want, out)
		}
	}

	// reset-offsets: a dry run changes nothing.
	r := sluice(t, "", "group", "reset-offsets", group, "--topic", topic, "--to-offset", "2", "--json", "--brokers", e2e.brokers)
	if r.code != 0 || !strings.Contains(r.stderr, "Dry run") {
		t.Fatalf("reset dry run: exit %d %q", r.code, r.stderr)
	}
	plan := decode[resetPlan](t, r.stdout)
	if plan.Executed || len(plan.Offsets) != 2 || plan.Offsets[0].New != 2 || *plan.Offsets[0].Current != 5 ||
		plan.Offsets[1].Partition != 1 || plan.Offsets[1].Current != nil || plan.Offsets[1].New != 0 {
		t.Fatalf("reset dry run plan: %+v", plan)
	}
	if o := groupOffset(t, decode[groupView](t, ok(t, "", "group", "describe", group, "--json")), topic, 0); *o.Committed != 5 {
		t.Fatalf("dry run moved the offset to %d", *o.Committed)
	}
	// The other targets, dry: earliest, latest, a time (ms and RFC 3339),
	// an offset past the end (clamped).
	for _, tc := range []struct {
		args []string
		want int64
	}{
		{[]string{"--to-earliest"}, 0},
		{[]string{"--to-latest"}, 8},
		{[]string{"--to-datetime", strconv.FormatInt(mid, 10)}, 5},
		{[]string{"--to-datetime", time.UnixMilli(mid).UTC().Format(time.RFC3339Nano)}, 5},
		{[]string{"--to-datetime", "0"}, 0},
		{[]string{"--to-offset", "100"}, 8},
	} {
		args := append([]string{"group", "reset-offsets", group, "--topic", topic + ":0", "--json"}, tc.args...)
		plan := decode[resetPlan](t, ok(t, "", args...))
		if len(plan.Offsets) != 1 || plan.Offsets[0].New != tc.want {
			t.Errorf("reset %v: %+v, want new offset %d", tc.args, plan, tc.want)
		}
	}
	out = ok(t, "", "group", "reset-offsets", group, "--topic", topic, "--to-latest")
	if !strings.Contains(out, "NEW-OFFSET") || !strings.Contains(out, group+"  "+topic+"  0          5               8") {
		t.Errorf("reset table:\n%s", out)
	}

	// --execute moves it, and the next group consumer resumes there.
	plan = decode[resetPlan](t, ok(t, "", "group", "reset-offsets", group, "--topic", topic+":0", "--to-offset", "2", "--execute", "--json"))
	if !plan.Executed || plan.Offsets[0].New != 2 {
		t.Fatalf("reset --execute: %+v", plan)
	}
	if o := groupOffset(t, decode[groupView](t, ok(t, "", "group", "describe", group, "--json")), topic, 0); *o.Committed != 2 || *o.Lag != 6 {
		t.Fatalf("after reset --execute: %+v", o)
	}
	if got := ok(t, "", "consume", topic, "--group", group, "-n", "3"); got != wantLines(2, 5) {
		t.Fatalf("consume after reset to 2: %q", got)
	}
	ok(t, "", "group", "reset-offsets", group, "--topic", topic, "--to-datetime", time.UnixMilli(mid).UTC().Format(time.RFC3339Nano), "--execute")
	if got := ok(t, "", "consume", topic, "--group", group, "-n", "3"); got != wantLines(5, 8) {
		t.Fatalf("consume after reset to %d: %q", mid, got)
	}

	// delete, then it is gone.
	if out := ok(t, "", "group", "delete", group); !strings.Contains(out, "Deleted group "+group) {
		t.Errorf("group delete: %q", out)
	}
	for _, g := range decode[[]listedGroup](t, ok(t, "", "group", "list", "--json")) {
		if g.Group == group {
			t.Errorf("deleted group still listed: %+v", g)
		}
	}
	r = fails(t, 1, "", "group", "describe", group, "--brokers", e2e.brokers)
	if !strings.Contains(r.stderr, "no such group") {
		t.Errorf("describe deleted group: %q", r.stderr)
	}
}

func TestE2EGroupActiveMemberRefusals(t *testing.T) {
	needBroker(t)
	topic, group := newTopic(t), "g-"+newTopic(t)
	ok(t, "", "topic", "create", topic, "-p", "1")
	produceLines(t, topic, 0, 3)

	// A live member: it has joined (and been assigned) once it polls a record.
	cl, err := kgo.NewClient(kgo.SeedBrokers(e2e.brokers), kgo.ClientID("e2e-member"),
		kgo.ConsumerGroup(group), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if cl != nil {
			cl.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for n := 0; n < 3; {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("member polled %d of 3 records in 30s", n)
		}
		n += fs.NumRecords()
	}

	v := decode[groupView](t, ok(t, "", "group", "describe", group, "--json"))
	if v.State != "Stable" || v.Protocol == "" || len(v.Members) != 1 || v.Members[0].ClientID != "e2e-member" ||
		v.Members[0].ClientHost == "" || len(v.Members[0].Assignment) != 1 ||
		v.Members[0].Assignment[0].Topic != topic || len(v.Members[0].Assignment[0].Partitions) != 1 {
		t.Fatalf("describe with a live member: %+v", v)
	}
	if out := ok(t, "", "group", "describe", group); !strings.Contains(out, "e2e-member") || !strings.Contains(out, topic+":0") {
		t.Errorf("describe table:\n%s", out)
	}

	// reset (dry or not) and delete are refused while it is there.
	for _, extra := range [][]string{nil, {"--execute"}} {
		args := append([]string{"group", "reset-offsets", group, "--topic", topic, "--to-earliest", "--brokers", e2e.brokers}, extra...)
		r := fails(t, 1, "", args...)
		if !strings.Contains(r.stderr, "Stable with 1 active member") || !strings.Contains(r.stderr, "stop its consumers first") {
			t.Errorf("reset %v while active: %q", extra, r.stderr)
		}
	}
	r := fails(t, 1, "", "group", "delete", group, "--brokers", e2e.brokers)
	if !strings.Contains(r.stderr, "NON_EMPTY_GROUP") {
		t.Errorf("delete while active: %q", r.stderr)
	}

	// Once it leaves, reset works.
	cl.CommitUncommittedOffsets(ctx)
	cl.Close()
	cl = nil
	plan := decode[resetPlan](t, ok(t, "", "group", "reset-offsets", group, "--topic", topic, "--to-earliest", "--execute", "--json"))
	if !plan.Executed || len(plan.Offsets) != 1 || plan.Offsets[0].New != 0 || plan.Offsets[0].Current == nil || *plan.Offsets[0].Current != 3 {
		t.Errorf("reset after the member left: %+v", plan)
	}
	ok(t, "", "group", "delete", group)
}

func TestE2EGroupBadInput(t *testing.T) {
	needBinary(t)
	for _, args := range [][]string{
		{"group", "describe"},
		{"group", "delete"},
		{"group", "frobnicate"},
		{"group", "reset-offsets", "g", "--to-earliest"},
		{"group", "reset-offsets", "g", "--topic", "t"},
		{"group", "reset-offsets", "g", "--topic", "t", "--to-earliest", "--to-latest"},
		{"group", "reset-offsets", "g", "--topic", "t", "--to-offset", "-1"},
		{"group", "reset-offsets", "g", "--topic", "t", "--to-datetime", "yesterday"},
		{"group", "reset-offsets", "g", "--topic", "t:x", "--to-earliest"},
	} {
		r := fails(t, 2, "", append(args, "--brokers", "127.0.0.1:1")...)
		if r.took > 2*time.Second {
			t.Errorf("%v took %v", args, r.took)
		}
	}
	r := fails(t, 1, "", "group", "list", "--brokers", "127.0.0.1:1")
	if !strings.Contains(r.stderr, "no broker reachable") {
		t.Errorf("unreachable: %q", r.stderr)
	}

	needBroker(t)
	for _, args := range [][]string{
		{"group", "describe", "no-such-group"},
		{"group", "delete", "no-such-group"},
	} {
		r := fails(t, 1, "", append(args, "--brokers", e2e.brokers)...)
		if !strings.Contains(r.stderr, "no such group") {
			t.Errorf("%v: %q", args, r.stderr)
		}
	}
	r = fails(t, 1, "", "group", "reset-offsets", "no-such-group", "--topic", "no-such-topic", "--to-earliest", "--brokers", e2e.brokers)
	if !strings.Contains(r.stderr, "UNKNOWN_TOPIC_OR_PARTITION") {
		t.Errorf("reset on a missing topic: %q", r.stderr)
	}
}

func TestE2EGroupMetricsFill(t *testing.T) {
	needBroker(t)
	topic, group := newTopic(t), "g-"+newTopic(t)
	ok(t, "", "topic", "create", topic, "-p", "1")
	produceLines(t, topic, 0, 5)
	ok(t, "", "consume", topic, "--group", group, "-o", "earliest", "-n", "5")
	produceLines(t, topic, 5, 7)

	gm := newGroupMetrics(strings.Split(e2e.brokers, ",")[0])
	defer gm.Close()
	var s obs.State
	gm.Fill(&s)
	var lags []obs.GroupLag
	for _, l := range s.GroupLags {
		if l.Group == group {
			lags = append(lags, l)
		}
	}
	if s.Groups < 1 || len(lags) != 1 || lags[0].Topic != topic || lags[0].Partition != 0 || lags[0].Lag != 2 {
		t.Errorf("Fill: %d groups, lags of %s %+v", s.Groups, group, lags)
	}

	// The running broker serves them on /metrics.
	if e2e.metrics != "" {
		_, body := httpGet(t, "http://"+e2e.metrics+"/metrics")
		series := `kafka_consumergroup_lag{group="` + group + `",partition="0",topic="` + topic + `"}`
		if v := metricValue(body, series); v != 2 {
			t.Errorf("%s = %v, want 2", series, v)
		}
		if v := metricValue(body, "kafka_coordinator_group_groupmetadatamanager_numgroups"); v < 1 {
			t.Errorf("numgroups = %v", v)
		}
		// Every __consumer_offsets partition (offsets.topic.num.partitions)
		// loads (the loader may still be at it), none fails.
		coord := func(state string) string {
			return `kafka_server_group_coordinator_metrics_num_partitions{state="` + state + `"}`
		}
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			_, body = httpGet(t, "http://"+e2e.metrics+"/metrics")
			active, loading, failed := metricValue(body, coord("active")), metricValue(body, coord("loading")), metricValue(body, coord("failed"))
			if failed != 0 || active+loading != 50 {
				t.Fatalf("coordinator partitions: %v active, %v loading, %v failed", active, loading, failed)
			}
			if active == 50 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("coordinator partitions: %v active, %v loading", active, loading)
			}
		}
	}

	// An unreachable broker leaves the state empty, within the timeout.
	down := newGroupMetrics("127.0.0.1:1")
	defer down.Close()
	start := time.Now()
	var empty obs.State
	down.Fill(&empty)
	if empty.Groups != 0 || len(empty.GroupLags) != 0 || time.Since(start) > groupMetricsTimeout+time.Second {
		t.Errorf("Fill without a broker: %+v after %v", empty, time.Since(start))
	}
}

// TestE2EGroupConsumeCommitsOnlyPrinted: `consume --group -n N` commits the
// records it printed, not everything its fetches returned, so the next
// member of the group resumes right after them.
func TestE2EGroupConsumeCommitsOnlyPrinted(t *testing.T) {
	needBroker(t)
	topic, group := newTopic(t), "g-"+newTopic(t)
	ok(t, "", "topic", "create", topic, "-p", "1")
	produceLines(t, topic, 0, 10)
	if got := ok(t, "", "consume", topic, "--group", group, "-o", "earliest", "-n", "3"); got != wantLines(0, 3) {
		t.Fatalf("first member: %q", got)
	}
	v := decode[groupView](t, ok(t, "", "group", "describe", group, "--json"))
	if o := groupOffset(t, v, topic, 0); o.Committed == nil || *o.Committed != 3 {
		t.Fatalf("committed offset after printing 3 records = %v, want 3", o.Committed)
	}
	if got := ok(t, "", "consume", topic, "--group", group, "-n", "3"); got != wantLines(3, 6) {
		t.Fatalf("second member resumed with %q, want m3..m5", got)
	}
}
