package clustertest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	kafka "github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
)

// Three clients' admin APIs against three brokers: sarama's ClusterAdmin,
// kafka-go's Client and franz-go's kadm each ask for preferred leader
// elections (ElectLeaders) and move a partition (AlterPartitionReassignments),
// listing the move while it is held back by a replication throttle
// (ListPartitionReassignments), and see Kafka's answers: a result per
// partition with Kafka's error codes.

// reassignment is one partition's entry in ListPartitionReassignments.
type reassignment struct{ replicas, adding, removing []int32 }

// adminClient is what the test needs of a client: per-partition error
// codes (0 for none) and the listed reassignments.
type adminClient interface {
	elect(ctx context.Context, topic string, parts []int32) (map[int32]int16, error)
	reassign(ctx context.Context, topic string, targets map[int32][]int32) (map[int32]int16, error)
	list(ctx context.Context, topic string, parts []int32) (map[int32]reassignment, error)
}

// --- sarama

type saramaAdmin struct{ adm sarama.ClusterAdmin }

func newSaramaAdmin(t *testing.T, seeds []string) adminClient {
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_9_0_0
	cfg.Admin.Timeout = 30 * time.Second
	adm, err := sarama.NewClusterAdmin(seeds, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { adm.Close() })
	return saramaAdmin{adm}
}

func (s saramaAdmin) elect(_ context.Context, topic string, parts []int32) (map[int32]int16, error) {
	res, err := s.adm.ElectLeaders(sarama.PreferredElection, map[string][]int32{topic: parts})
	if err != nil {
		return nil, err
	}
	out := map[int32]int16{}
	for p, r := range res[topic] {
		out[p] = int16(r.ErrorCode)
	}
	return out, nil
}

// reassign: ClusterAdmin.AlterPartitionReassignments takes the targets of
// partitions 0..n-1 and returns one error wrapping "[topic-p]: KError" for
// each partition that failed; the codes are read back from it.
func (s saramaAdmin) reassign(_ context.Context, topic string, targets map[int32][]int32) (map[int32]int16, error) {
	var assignment [][]int32
	for p := int32(0); int(p) < len(targets); p++ {
		rs, ok := targets[p]
		if !ok {
			return nil, fmt.Errorf("sarama assigns partitions 0..n-1, %d missing", p)
		}
		assignment = append(assignment, rs)
	}
	out := map[int32]int16{}
	for p := range targets {
		out[p] = 0
	}
	err := s.adm.AlterPartitionReassignments(topic, assignment)
	if err == nil {
		return out, nil
	}
	if !errors.Is(err, sarama.ErrReassignPartitions) {
		return nil, err
	}
	prefix := "[" + topic + "-"
	var walk func(error)
	walk = func(e error) {
		if e == nil {
			return
		}
		if msg := e.Error(); strings.HasPrefix(msg, prefix) {
			var kerr sarama.KError
			if p, perr := strconv.Atoi(msg[len(prefix):strings.Index(msg, "]")]); perr == nil && errors.As(e, &kerr) {
				out[int32(p)] = int16(kerr)
				return
			}
		}
		switch u := e.(type) {
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				walk(e)
			}
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		}
	}
	walk(err)
	return out, nil
}

func (s saramaAdmin) list(_ context.Context, topic string, parts []int32) (map[int32]reassignment, error) {
	res, err := s.adm.ListPartitionReassignments(topic, parts)
	if err != nil {
		return nil, err
	}
	out := map[int32]reassignment{}
	for p, st := range res[topic] {
		out[p] = reassignment{st.Replicas, st.AddingReplicas, st.RemovingReplicas}
	}
	return out, nil
}

// --- kafka-go

type kafkaGoAdmin struct{ cl *kafka.Client }

func newKafkaGoAdmin(_ *testing.T, seeds []string) adminClient {
	return kafkaGoAdmin{&kafka.Client{Addr: kafka.TCP(seeds...), Timeout: 30 * time.Second}}
}

// code is a kafka-go error's Kafka error code (-1 for one that is not).
func code(err error) int16 {
	if err == nil {
		return 0
	}
	var ke kafka.Error
	if errors.As(err, &ke) {
		return int16(ke)
	}
	return -1
}

func ints(v []int32) []int {
	out := make([]int, len(v))
	for i, x := range v {
		out[i] = int(x)
	}
	return out
}

func int32s(v []int) []int32 {
	if v == nil {
		return nil
	}
	out := make([]int32, len(v))
	for i, x := range v {
		out[i] = int32(x)
	}
	return out
}

func (k kafkaGoAdmin) elect(ctx context.Context, topic string, parts []int32) (map[int32]int16, error) {
	res, err := k.cl.ElectLeaders(ctx, &kafka.ElectLeadersRequest{Topic: topic, Partitions: ints(parts), Timeout: 30 * time.Second})
	if err != nil {
		return nil, err
	}
	if res.Error != nil {
		return nil, res.Error
	}
	out := map[int32]int16{}
	for _, r := range res.PartitionResults {
		out[int32(r.Partition)] = code(r.Error)
	}
	return out, nil
}

func (k kafkaGoAdmin) reassign(ctx context.Context, topic string, targets map[int32][]int32) (map[int32]int16, error) {
	req := &kafka.AlterPartitionReassignmentsRequest{Topic: topic, Timeout: 30 * time.Second}
	for p, rs := range targets {
		req.Assignments = append(req.Assignments, kafka.AlterPartitionReassignmentsRequestAssignment{
			Topic: topic, PartitionID: int(p), BrokerIDs: ints(rs)})
	}
	res, err := k.cl.AlterPartitionReassignments(ctx, req)
	if err != nil {
		return nil, err
	}
	if res.Error != nil {
		return nil, res.Error
	}
	out := map[int32]int16{}
	for _, r := range res.PartitionResults {
		out[int32(r.PartitionID)] = code(r.Error)
	}
	return out, nil
}

func (k kafkaGoAdmin) list(ctx context.Context, topic string, parts []int32) (map[int32]reassignment, error) {
	res, err := k.cl.ListPartitionReassignments(ctx, &kafka.ListPartitionReassignmentsRequest{
		Topics:  map[string]kafka.ListPartitionReassignmentsRequestTopic{topic: {PartitionIndexes: ints(parts)}},
		Timeout: 30 * time.Second,
	})
	if err != nil {
		return nil, err
	}
	if res.Error != nil {
		return nil, res.Error
	}
	out := map[int32]reassignment{}
	for _, p := range res.Topics[topic].Partitions {
		out[int32(p.PartitionIndex)] = reassignment{int32s(p.Replicas), int32s(p.AddingReplicas), int32s(p.RemovingReplicas)}
	}
	return out, nil
}

// --- kadm

type kadmAdmin struct{ adm *kadm.Client }

func kerrCode(err error) int16 {
	if err == nil {
		return 0
	}
	var ke *kerr.Error
	if errors.As(err, &ke) {
		return ke.Code
	}
	return -1
}

func (k kadmAdmin) elect(ctx context.Context, topic string, parts []int32) (map[int32]int16, error) {
	var s kadm.TopicsSet
	s.Add(topic, parts...)
	res, err := k.adm.ElectLeaders(ctx, kadm.ElectPreferredReplica, s)
	if err != nil {
		return nil, err
	}
	out := map[int32]int16{}
	for p, r := range res[topic] {
		out[p] = kerrCode(r.Err)
	}
	return out, nil
}

func (k kadmAdmin) reassign(ctx context.Context, topic string, targets map[int32][]int32) (map[int32]int16, error) {
	var req kadm.AlterPartitionAssignmentsReq
	for p, rs := range targets {
		req.Assign(topic, p, rs)
	}
	res, err := k.adm.AlterPartitionAssignments(ctx, req)
	if err != nil {
		return nil, err
	}
	out := map[int32]int16{}
	for _, r := range res.Sorted() {
		out[r.Partition] = kerrCode(r.Err)
	}
	return out, nil
}

func (k kadmAdmin) list(ctx context.Context, topic string, parts []int32) (map[int32]reassignment, error) {
	var s kadm.TopicsSet
	s.Add(topic, parts...)
	res, err := k.adm.ListPartitionReassignments(ctx, s)
	if err != nil {
		return nil, err
	}
	out := map[int32]reassignment{}
	for _, r := range res.Sorted() {
		if r.Topic == topic {
			out[r.Partition] = reassignment{r.Replicas, r.AddingReplicas, r.RemovingReplicas}
		}
	}
	return out, nil
}

// --- the test

func codeName(c int16) string {
	if c == 0 {
		return "NONE"
	}
	if e := kerr.ErrorForCode(c); e != nil {
		var ke *kerr.Error
		if errors.As(e, &ke) {
			return ke.Message
		}
	}
	return strconv.Itoa(int(c))
}

func codesString(m map[int32]int16) string {
	ps := make([]int32, 0, len(m))
	for p := range m {
		ps = append(ps, p)
	}
	slices.Sort(ps)
	var b strings.Builder
	for _, p := range ps {
		fmt.Fprintf(&b, " %d:%s", p, codeName(m[p]))
	}
	return "[" + strings.TrimSpace(b.String()) + "]"
}

// TestAdminClientsElectAndReassign: one cluster of three brokers with the
// automatic leader balance off. Broker 1 is SIGKILLed and restarted, so
// that the partitions it prefers in each client's election topic are led
// by others; each client then elects the preferred leaders of all six
// partitions and of a partition that does not exist: NONE for the two it
// gets back, ELECTION_NOT_NEEDED for the others, UNKNOWN_TOPIC_OR_PARTITION
// for the missing one, and the preferred replicas lead again. Then each
// client moves partition 0 of its own topic from [0,1] to [2,1] under a
// throttle of 10 KB/s (2 MB to copy), lists the move in progress
// (replicas [2,1,0], adding [2], removing [0], as Kafka lists them), the
// throttle is lifted, the move completes (listed no more, broker 2 leads)
// and a second request answers NONE for a target that is already the
// assignment, INVALID_REPLICA_ASSIGNMENT for an unknown broker and
// UNKNOWN_TOPIC_OR_PARTITION for a missing partition (not asked through
// sarama, which numbers partitions from 0).
func TestAdminClientsElectAndReassign(t *testing.T) {
	c := startCluster(t, 3, map[string]string{"auto.leader.rebalance.enable": "false"})
	adm := c.admin()
	seeds := c.Seeds()
	clients := []struct {
		name string
		new  func(*testing.T, []string) adminClient
	}{
		{"sarama", newSaramaAdmin},
		{"kafka-go", newKafkaGoAdmin},
		{"kadm", func(*testing.T, []string) adminClient { return kadmAdmin{adm} }},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	// The election topics, and broker 1 away and back.
	const victim = 1
	preferred := map[string][]int32{}
	for _, cl := range clients {
		topic := cl.name + "-elect"
		if _, err := adm.CreateTopic(ctx, 6, 3, nil, topic); err != nil {
			t.Fatal(err)
		}
		td := c.waitTopic(adm, topic, 3, 30*time.Second)
		for _, p := range td.Partitions {
			if p.Replicas[0] == victim {
				preferred[topic] = append(preferred[topic], p.Partition)
			}
		}
		sort.Slice(preferred[topic], func(i, j int) bool { return preferred[topic][i] < preferred[topic][j] })
		if len(preferred[topic]) == 0 {
			t.Fatalf("broker %d is the first replica of no partition of %s: %+v", victim, topic, td.Partitions)
		}
		waitPreferredLeaders(t, adm, topic, 30*time.Second)
	}
	b := c.broker(victim)
	b.Kill()
	for topic, ps := range preferred {
		for _, p := range ps {
			waitLeaderNot(t, adm, topic, p, victim, 30*time.Second)
		}
	}
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	for topic := range preferred {
		c.waitTopic(adm, topic, 3, 60*time.Second)
	}

	// Throttled moves: the brokers' rates once, each topic's lists as
	// kafka-reassign-partitions.sh --throttle sets them.
	rate := "10000"
	setBrokerConfigs(t, adm, []int32{0, 1, 2}, map[string]*string{
		"leader.replication.throttled.rate": &rate, "follower.replication.throttled.rate": &rate})
	leaders, followers := "0:0,0:1", "0:2"
	for _, cl := range clients {
		topic := cl.name + "-move"
		createAssigned(t, c, topic, [][]int32{{0, 1}, {0, 1}})
		c.waitTopic(adm, topic, 2, 30*time.Second)
		produceBytes(t, c, topic, 0, 2<<20)
		setTopicConfigs(t, adm, topic, map[string]*string{
			"leader.replication.throttled.replicas": &leaders, "follower.replication.throttled.replicas": &followers})
	}
	time.Sleep(2 * time.Second) // the other brokers learn the topics' lists through /config/changes

	for _, cl := range clients {
		t.Run(cl.name, func(t *testing.T) {
			a := cl.new(t, seeds)
			ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
			defer cancel()

			// Preferred elections.
			topic := cl.name + "-elect"
			got, err := misled(adm, topic)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, preferred[topic]) {
				t.Fatalf("partitions %v not led by their first replica, want %v", got, preferred[topic])
			}
			want := map[int32]int16{9: kerr.UnknownTopicOrPartition.Code}
			for p := int32(0); p < 6; p++ {
				want[p] = kerr.ElectionNotNeeded.Code
			}
			for _, p := range preferred[topic] {
				want[p] = 0
			}
			started := time.Now()
			res, err := a.elect(ctx, topic, []int32{0, 1, 2, 3, 4, 5, 9})
			t.Logf("ElectLeaders answered in %v", time.Since(started).Round(time.Millisecond))
			if err != nil {
				t.Fatalf("ElectLeaders: %v", err)
			}
			if codesString(res) != codesString(want) {
				t.Errorf("ElectLeaders: %s, want %s", codesString(res), codesString(want))
			}
			waitPreferredLeaders(t, adm, topic, 30*time.Second)

			// A throttled move, listed while in progress.
			topic = cl.name + "-move"
			rc, err := a.reassign(ctx, topic, map[int32][]int32{0: {2, 1}})
			if err != nil {
				t.Fatalf("AlterPartitionReassignments: %v", err)
			}
			if s := codesString(rc); s != "[0:NONE]" {
				t.Fatalf("AlterPartitionReassignments: %s, want [0:NONE]", s)
			}
			ls, err := a.list(ctx, topic, []int32{0, 1})
			if err != nil {
				t.Fatalf("ListPartitionReassignments: %v", err)
			}
			wantList := fmt.Sprint(map[int32]reassignment{0: {[]int32{2, 1, 0}, []int32{2}, []int32{0}}})
			if fmt.Sprint(ls) != wantList {
				t.Errorf("ListPartitionReassignments in progress: %v, want %s", ls, wantList)
			}
			time.Sleep(2 * time.Second) // 2 MB at 10 KB/s: held back far longer
			if ls, err = a.list(ctx, topic, []int32{0, 1}); err != nil || fmt.Sprint(ls) != wantList {
				t.Errorf("ListPartitionReassignments 2s later, the move throttled: %v (err %v), want %s", ls, err, wantList)
			}
			setTopicConfigs(t, adm, topic, map[string]*string{
				"leader.replication.throttled.replicas": nil, "follower.replication.throttled.replicas": nil})
			lifted := time.Now()
			deadline := lifted.Add(60 * time.Second)
			for {
				ls, err = a.list(ctx, topic, []int32{0, 1})
				if err == nil && len(ls) == 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("move still listed 60s after the throttle was lifted: %v (err %v)", ls, err)
				}
				time.Sleep(200 * time.Millisecond)
			}
			t.Logf("move listed no more %v after its throttle was lifted", time.Since(lifted).Round(time.Millisecond))
			pd := waitAssignment(t, adm, topic, 0, []int32{2, 1}, 30*time.Second)
			if pd.Leader != 2 {
				t.Errorf("%s-0 led by %d after the move, want 2", topic, pd.Leader)
			}

			// Answers per partition.
			targets := map[int32][]int32{0: {2, 1}, 1: {1, 7}}
			want = map[int32]int16{0: 0, 1: kerr.InvalidReplicaAssignment.Code}
			if cl.name != "sarama" {
				targets[5] = []int32{1}
				want[5] = kerr.UnknownTopicOrPartition.Code
			}
			if rc, err = a.reassign(ctx, topic, targets); err != nil {
				t.Fatalf("AlterPartitionReassignments: %v", err)
			}
			if codesString(rc) != codesString(want) {
				t.Errorf("AlterPartitionReassignments: %s, want %s", codesString(rc), codesString(want))
			}
			waitAssignment(t, adm, topic, 1, []int32{0, 1}, 5*time.Second)
			if ls, err = a.list(ctx, topic, []int32{0, 1}); err != nil || len(ls) != 0 {
				t.Errorf("ListPartitionReassignments after the errors: %v (err %v), want none", ls, err)
			}
		})
	}
}
