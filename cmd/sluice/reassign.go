package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/cmd/sluice/internal/rebalance"
)

// The replication throttles Kafka's reassignment tool sets and clears.
const (
	leaderThrottledRate       = "leader.replication.throttled.rate"
	followerThrottledRate     = "follower.replication.throttled.rate"
	leaderThrottledReplicas   = "leader.replication.throttled.replicas"
	followerThrottledReplicas = "follower.replication.throttled.replicas"
)

// maxPlanBytes bounds a plan file read into memory (a plan for a million
// partitions is well under it).
const maxPlanBytes = 64 << 20

// readPlan reads a reassignment plan from path ("-" for stdin); anything
// wrong with it is a usage error.
func readPlan(path string) (rebalance.Plan, error) {
	var r io.Reader = os.Stdin
	if path != "-" {
		fh, err := os.Open(path)
		if err != nil {
			return rebalance.Plan{}, usagef("plan: %v", unwrapPathErr(err))
		}
		defer fh.Close()
		r = fh
	}
	b, err := io.ReadAll(io.LimitReader(r, maxPlanBytes+1))
	if err != nil {
		return rebalance.Plan{}, usagef("plan %s: %v", path, unwrapPathErr(err))
	}
	if len(b) > maxPlanBytes {
		return rebalance.Plan{}, usagef("plan %s: larger than %d MiB", path, maxPlanBytes>>20)
	}
	p, err := rebalance.ParsePlan(b)
	if err != nil {
		return rebalance.Plan{}, usagef("plan %s: %s", path, strings.TrimPrefix(err.Error(), "rebalance: "))
	}
	return p, nil
}

// unwrapPathErr keeps "open x: no such file or directory" short.
func unwrapPathErr(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %v", pe.Path, pe.Err)
	}
	return err
}

// writePlan writes a plan to path through a temporary file and a rename,
// so a reader never sees half of it.
func writePlan(path string, p rebalance.Plan) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".sluice-plan-*")
	if err != nil {
		return fmt.Errorf("write plan: %v", unwrapPathErr(err))
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(append(p.Marshal(), '\n'))
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("write plan %s: %v", path, unwrapPathErr(err))
	}
	return nil
}

// ongoing is one partition being reassigned (ListPartitionReassignments).
type ongoing struct {
	Topic     string  `json:"topic"`
	Partition int32   `json:"partition"`
	Replicas  []int32 `json:"replicas"`
	Adding    []int32 `json:"adding"`
	Removing  []int32 `json:"removing"`
}

// listOngoing lists the reassignments in progress: every one, or those of
// the plan's partitions (only != nil).
func listOngoing(ctx context.Context, cl *kgo.Client, only *rebalance.Plan) ([]ongoing, error) {
	req := kmsg.NewPtrListPartitionReassignmentsRequest()
	if only != nil {
		byTopic := map[string][]int32{}
		for _, r := range only.Partitions {
			byTopic[r.Topic] = append(byTopic[r.Topic], r.Partition)
		}
		for _, t := range sortedKeys(byTopic) {
			rt := kmsg.NewListPartitionReassignmentsRequestTopic()
			rt.Topic, rt.Partitions = t, byTopic[t]
			req.Topics = append(req.Topics, rt)
		}
	}
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return nil, err
	}
	if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
		return nil, respErrOf(err, strPtr(resp.ErrorMessage))
	}
	var out []ongoing
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			out = append(out, ongoing{Topic: t.Topic, Partition: p.Partition,
				Replicas: nonNil(p.Replicas), Adding: nonNil(p.AddingReplicas), Removing: nonNil(p.RemovingReplicas)})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		return a.Topic < b.Topic || a.Topic == b.Topic && a.Partition < b.Partition
	})
	return out, nil
}

func strPtr(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// applied is what executing a plan did.
type applied struct {
	Rollback rebalance.Plan `json:"rollback"`
	Started  []string       `json:"started"`
	Throttle int64          `json:"throttle_bytes_per_sec,omitempty"`
}

// executePlan starts a reassignment as kafka-reassign-partitions.sh
// --execute does: check the plan against the cluster (usage errors),
// refuse while another runs (unless additional), record the current
// assignment for rollback, set the replication throttles if throttle >= 0,
// and send AlterPartitionReassignments.
func executePlan(ctx context.Context, cl *kgo.Client, adm *kadm.Client, plan rebalance.Plan, throttle int64, additional bool) (applied, error) {
	if len(plan.Partitions) == 0 {
		return applied{}, usagef("the plan lists no partitions")
	}
	md, err := adm.Metadata(ctx, plan.Topics()...)
	if err != nil {
		return applied{}, err
	}
	current, err := planAgainst(plan, md)
	if err != nil {
		return applied{}, err
	}
	// What runs already decides whether to start (unless additional) and
	// which throttles to keep; with additional and no throttle it is not
	// needed.
	var running []ongoing
	if !additional || throttle >= 0 {
		if err := requireAPI(ctx, adm, kmsg.ListPartitionReassignments.Int16()); err != nil {
			return applied{}, err
		}
		if running, err = listOngoing(ctx, cl, nil); err != nil {
			return applied{}, err
		}
	}
	if len(running) > 0 && !additional {
		return applied{}, fmt.Errorf("cannot execute: %d partition reassignment(s) are in progress (see --status); add --additional to start this one as well", len(running))
	}
	if err := requireAPI(ctx, adm, kmsg.AlterPartitionAssignments.Int16()); err != nil {
		return applied{}, err
	}
	res := applied{Rollback: rebalance.NewPlan(), Started: []string{}}
	for _, r := range plan.Partitions {
		res.Rollback.Add(r.Topic, r.Partition, current[r.Topic][r.Partition])
	}
	if throttle >= 0 {
		topics, brokers := throttlesFor(plan, current, running)
		if err := setThrottles(ctx, adm, topics, brokers, throttle); err != nil {
			return applied{}, err
		}
		res.Throttle = throttle
	}
	var req kadm.AlterPartitionAssignmentsReq
	for _, r := range plan.Partitions {
		req.Assign(r.Topic, r.Partition, r.Replicas)
	}
	rs, err := adm.AlterPartitionAssignments(ctx, req)
	if err != nil {
		return applied{}, err
	}
	var failed []string
	for _, r := range rs.Sorted() {
		name := fmt.Sprintf("%s-%d", r.Topic, r.Partition)
		if r.Err != nil {
			failed = append(failed, name+": "+respErrOf(r.Err, r.ErrMessage).Error())
		} else {
			res.Started = append(res.Started, name)
		}
	}
	if len(failed) > 0 {
		return res, fmt.Errorf("reassignment refused for %d partition(s): %s", len(failed), strings.Join(failed, "; "))
	}
	return res, nil
}

// planAgainst checks that every partition of the plan exists and every
// broker it names is live (usage errors, as the plan is the user's input),
// and returns the current replicas of the cluster by topic and partition.
func planAgainst(plan rebalance.Plan, md kadm.Metadata) (map[string]map[int32][]int32, error) {
	live := liveBrokers(md)
	current := map[string]map[int32][]int32{}
	for _, r := range plan.Partitions {
		td, ok := md.Topics[r.Topic]
		if !ok || errors.Is(td.Err, kerr.UnknownTopicOrPartition) {
			return nil, usagef("plan: topic %s not found", r.Topic)
		}
		if td.Err != nil {
			return nil, fmt.Errorf("topic %s: %w", r.Topic, td.Err)
		}
		pd, ok := td.Partitions[r.Partition]
		if !ok {
			return nil, usagef("plan: partition %s-%d not found (the topic has %d)", r.Topic, r.Partition, len(td.Partitions))
		}
		for _, b := range r.Replicas {
			if !live[b] {
				return nil, usagef("plan: %s-%d names broker %d, which is not a live broker", r.Topic, r.Partition, b)
			}
		}
		if current[r.Topic] == nil {
			current[r.Topic] = map[int32][]int32{}
		}
		current[r.Topic][r.Partition] = nonNil(pd.Replicas)
	}
	return current, nil
}

// throttlesFor computes the throttles Kafka's tool sets for a move: per
// topic, leader.replication.throttled.replicas lists partition:broker for
// every source replica and follower.replication.throttled.replicas for
// every new one; the rate goes on every broker involved. Reassignments
// already running are included, so their throttles are kept.
func throttlesFor(plan rebalance.Plan, current map[string]map[int32][]int32, running []ongoing) (topics map[string][2]string, brokers []int32) {
	type mv struct{ sources, dests []int32 }
	moves := map[string]map[int32]*mv{}
	put := func(t string, p int32, m *mv) {
		if moves[t] == nil {
			moves[t] = map[int32]*mv{}
		}
		moves[t][p] = m
	}
	for _, o := range running {
		var src []int32
		for _, b := range o.Replicas {
			if !slices.Contains(o.Adding, b) {
				src = append(src, b)
			}
		}
		put(o.Topic, o.Partition, &mv{src, o.Adding})
	}
	for _, r := range plan.Partitions {
		src := current[r.Topic][r.Partition]
		if m, ok := moves[r.Topic][r.Partition]; ok {
			src = m.sources
		}
		var dst []int32
		for _, b := range r.Replicas {
			if !slices.Contains(src, b) {
				dst = append(dst, b)
			}
		}
		put(r.Topic, r.Partition, &mv{src, dst})
	}
	topics = map[string][2]string{}
	involved := map[int32]bool{}
	for t, ps := range moves {
		var lead, follow []string
		for p, m := range ps {
			for _, b := range m.sources {
				lead = append(lead, fmt.Sprintf("%d:%d", p, b))
				involved[b] = true
			}
			for _, b := range m.dests {
				follow = append(follow, fmt.Sprintf("%d:%d", p, b))
				involved[b] = true
			}
		}
		sortReplicaList(lead)
		sortReplicaList(follow)
		topics[t] = [2]string{strings.Join(lead, ","), strings.Join(follow, ",")}
	}
	for b := range involved {
		brokers = append(brokers, b)
	}
	slices.Sort(brokers)
	return topics, brokers
}

// sortReplicaList orders "partition:broker" entries numerically.
func sortReplicaList(v []string) {
	key := func(s string) (int, int) {
		p, b, _ := strings.Cut(s, ":")
		pi, _ := strconv.Atoi(p)
		bi, _ := strconv.Atoi(b)
		return pi, bi
	}
	sort.Slice(v, func(i, j int) bool {
		pi, bi := key(v[i])
		pj, bj := key(v[j])
		return pi < pj || pi == pj && bi < bj
	})
}

// setThrottles writes the topic throttle lists and the brokers' rates
// (IncrementalAlterConfigs SET, as Kafka's tool).
func setThrottles(ctx context.Context, adm *kadm.Client, topics map[string][2]string, brokers []int32, rate int64) error {
	for _, t := range sortedKeys(topics) {
		lists := topics[t]
		ops := []kadm.AlterConfig{
			{Op: kadm.SetConfig, Name: leaderThrottledReplicas, Value: kadm.StringPtr(lists[0])},
			{Op: kadm.SetConfig, Name: followerThrottledReplicas, Value: kadm.StringPtr(lists[1])},
		}
		rs, err := adm.AlterTopicConfigs(ctx, ops, t)
		if err == nil {
			err = firstAlterErr(rs)
		}
		if err != nil {
			return fmt.Errorf("set the replication throttle of topic %s: %w", t, err)
		}
	}
	if len(brokers) == 0 {
		return nil
	}
	v := strconv.FormatInt(rate, 10)
	ops := []kadm.AlterConfig{
		{Op: kadm.SetConfig, Name: leaderThrottledRate, Value: kadm.StringPtr(v)},
		{Op: kadm.SetConfig, Name: followerThrottledRate, Value: kadm.StringPtr(v)},
	}
	rs, err := adm.AlterBrokerConfigs(ctx, ops, brokers...)
	if err == nil {
		err = firstAlterErr(rs)
	}
	if err != nil {
		return fmt.Errorf("set the replication throttle rate on brokers %s: %w", joinInts(brokers), ctxErr("throttle", err))
	}
	return nil
}

// clearThrottles deletes the throttle rates on every live broker and the
// plan's brokers, and the throttled replica lists of the topics, as
// Kafka's --verify does once nothing is moving.
func clearThrottles(ctx context.Context, adm *kadm.Client, topics []string, planBrokers []int32) (brokers []int32, err error) {
	md, err := adm.BrokerMetadata(ctx)
	if err != nil {
		return nil, err
	}
	set := map[int32]bool{}
	for _, b := range md.Brokers {
		set[b.NodeID] = true
	}
	for _, b := range planBrokers {
		set[b] = true
	}
	for b := range set {
		brokers = append(brokers, b)
	}
	slices.Sort(brokers)
	del := func(names ...string) []kadm.AlterConfig {
		var ops []kadm.AlterConfig
		for _, n := range names {
			ops = append(ops, kadm.AlterConfig{Op: kadm.DeleteConfig, Name: n})
		}
		return ops
	}
	rs, err := adm.AlterBrokerConfigs(ctx, del(leaderThrottledRate, followerThrottledRate), brokers...)
	if err == nil {
		err = firstAlterErr(rs)
	}
	if err != nil {
		return nil, fmt.Errorf("clear the throttle rates on brokers %s: %w", joinInts(brokers), ctxErr("throttle", err))
	}
	if len(topics) > 0 {
		rs, err = adm.AlterTopicConfigs(ctx, del(leaderThrottledReplicas, followerThrottledReplicas), topics...)
		if err == nil {
			err = firstAlterErr(rs)
		}
		if err != nil {
			return nil, fmt.Errorf("clear the throttled replicas of topics %s: %w", strings.Join(topics, ","), err)
		}
	}
	return brokers, nil
}

func joinInts(v []int32) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = itoa(x)
	}
	return strings.Join(s, ",")
}
