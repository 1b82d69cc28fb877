package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"

	"sluice/cmd/sluice/internal/cli"
)

// resetPlanRow is one partition of a reset-offsets plan. Current is nil
// when the group has committed nothing there.
type resetPlanRow struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Current   *int64 `json:"current_offset"`
	New       int64  `json:"new_offset"`
}

// resetPlan is the --json form of `group reset-offsets`.
type resetPlan struct {
	Group    string         `json:"group"`
	Executed bool           `json:"executed"`
	Offsets  []resetPlanRow `json:"offsets"`
}

// resetTarget is where reset-offsets moves each partition.
type resetTarget struct {
	kind string // earliest, latest, offset, datetime
	n    int64  // the offset or the Unix milliseconds
}

type resetFlags struct {
	topics           []string
	earliest, latest bool
	offset           int64
	datetime         string
	execute          bool
}

func newGroupResetCmd(f *clientFlags) *cobra.Command {
	rf := &resetFlags{}
	cmd := &cobra.Command{
		Use:   "reset-offsets GROUP --topic T[:P,P...] --to-earliest|--to-latest|--to-offset N|--to-datetime T [--execute]",
		Short: "Move an inactive group's committed offsets (prints the plan unless --execute)",
		Long: `Move an inactive group's committed offsets on the partitions of --topic
(all of them, or those listed after a colon). Without --execute nothing is
changed: the plan is printed, as kafka-consumer-groups.sh does. Refused while
the group has active members. --to-offset is clamped to the partition's log
start and end; --to-datetime (RFC 3339 or Unix milliseconds) picks the first
offset at or after that time, or the end if there is none.`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			target, err := rf.target(c)
			if err != nil {
				return err
			}
			topics, err := parseTopicSpecs(rf.topics)
			if err != nil {
				return err
			}
			return runGroupReset(c.Context(), f, args[0], topics, target, rf.execute)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&rf.topics, "topic", nil, "topic to reset, optionally with partitions (T or T:0,1); repeatable")
	fl.BoolVar(&rf.earliest, "to-earliest", false, "reset to the log start offset")
	fl.BoolVar(&rf.latest, "to-latest", false, "reset to the log end offset")
	fl.Int64Var(&rf.offset, "to-offset", 0, "reset to this offset (clamped to the log's range)")
	fl.StringVar(&rf.datetime, "to-datetime", "", "reset to the first offset at or after this time (RFC 3339 or Unix ms)")
	fl.BoolVar(&rf.execute, "execute", false, "apply the plan (default: dry run)")
	_ = cmd.MarkFlagRequired("topic")
	return cmd
}

// target checks that exactly one --to-* flag was given.
func (rf *resetFlags) target(c *cobra.Command) (resetTarget, error) {
	var ts []resetTarget
	if rf.earliest {
		ts = append(ts, resetTarget{kind: "earliest"})
	}
	if rf.latest {
		ts = append(ts, resetTarget{kind: "latest"})
	}
	if c.Flags().Changed("to-offset") {
		if rf.offset < 0 {
			return resetTarget{}, usagef("--to-offset must be >= 0")
		}
		ts = append(ts, resetTarget{kind: "offset", n: rf.offset})
	}
	if c.Flags().Changed("to-datetime") {
		ms, err := cli.ParseTimestamp(rf.datetime)
		if err != nil {
			return resetTarget{}, usagef("--to-datetime: %s", strings.TrimPrefix(err.Error(), "cli: "))
		}
		ts = append(ts, resetTarget{kind: "datetime", n: ms})
	}
	if len(ts) != 1 {
		return resetTarget{}, usagef("give exactly one of --to-earliest, --to-latest, --to-offset, --to-datetime")
	}
	return ts[0], nil
}

// parseTopicSpecs reads --topic values "T" or "T:0,1" into topic →
// partitions (nil: all of them).
func parseTopicSpecs(specs []string) (map[string][]int32, error) {
	out := make(map[string][]int32, len(specs))
	for _, s := range specs {
		name, list, hasList := strings.Cut(s, ":")
		if name == "" {
			return nil, usagef("--topic %q: empty topic name", s)
		}
		if !hasList {
			out[name] = nil
			continue
		}
		for _, ps := range strings.Split(list, ",") {
			p, err := strconv.ParseInt(strings.TrimSpace(ps), 10, 32)
			if err != nil || p < 0 {
				return nil, usagef("--topic %q: bad partition %q", s, ps)
			}
			out[name] = append(out[name], int32(p))
		}
	}
	return out, nil
}

func runGroupReset(parent context.Context, f *clientFlags, group string, topics map[string][]int32, target resetTarget, execute bool) error {
	ctx, cancel := f.ctx(parent)
	defer cancel()
	adm, err := f.admin(ctx)
	if err != nil {
		return err
	}
	defer adm.Close()
	fail := func(err error) error { return fmt.Errorf("reset offsets of group %s: %w", group, err) }

	// As Kafka's tool: only an inactive group (Empty, or not existing yet).
	g, err := describeGroup(ctx, adm, group)
	switch {
	case errors.Is(err, errNoSuchGroup):
	case err != nil:
		return fail(err)
	case g.State != "Empty":
		return fail(fmt.Errorf("the group is %s with %d active member(s); stop its consumers first (offsets can only be reset while the group is inactive)", g.State, len(g.Members)))
	}

	plan := resetPlan{Group: group, Executed: execute, Offsets: []resetPlanRow{}}
	var committed kadm.OffsetResponses
	if err == nil {
		if committed, err = adm.FetchOffsets(ctx, group); err != nil {
			return fail(ctxErr("fetch offsets", err))
		}
	}
	for _, topic := range sortedKeys(topics) {
		rows, err := planTopicReset(ctx, adm, topic, topics[topic], target)
		if err != nil {
			return fail(fmt.Errorf("topic %s: %w", topic, ctxErr("list offsets", err)))
		}
		for i := range rows {
			if o, ok := committed.Lookup(topic, rows[i].Partition); ok && o.Err == nil && o.At >= 0 {
				rows[i].Current = ptr(o.At)
			}
		}
		plan.Offsets = append(plan.Offsets, rows...)
	}

	if execute {
		var offs kadm.Offsets
		for _, r := range plan.Offsets {
			offs.Add(kadm.Offset{Topic: r.Topic, Partition: r.Partition, At: r.New, LeaderEpoch: -1})
		}
		resp, err := adm.CommitOffsets(ctx, group, offs)
		if err == nil {
			err = resp.Error()
		}
		switch {
		case errors.Is(err, kerr.UnknownMemberID), errors.Is(err, kerr.IllegalGeneration), errors.Is(err, kerr.RebalanceInProgress):
			return fail(fmt.Errorf("a member joined the group meanwhile (%w); stop its consumers first", err))
		case err != nil:
			return fail(ctxErr("commit offsets", err))
		}
	}
	return printResetPlan(f, plan)
}

// planTopicReset computes the new offset of each chosen partition of topic.
func planTopicReset(ctx context.Context, adm *kadm.Client, topic string, want []int32, target resetTarget) ([]resetPlanRow, error) {
	parts, err := topicPartitions(ctx, adm, topic, want)
	if err != nil {
		return nil, err
	}
	starts, err := adm.ListStartOffsets(ctx, topic)
	if err != nil {
		return nil, err
	}
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err != nil {
		return nil, err
	}
	var at kadm.ListedOffsets
	if target.kind == "datetime" {
		if at, err = adm.ListOffsetsAfterMilli(ctx, target.n, topic); err != nil {
			return nil, err
		}
	}
	sort.Slice(parts, func(i, j int) bool { return parts[i] < parts[j] })
	rows := make([]resetPlanRow, 0, len(parts))
	for _, p := range parts {
		s, ok1 := starts.Lookup(topic, p)
		e, ok2 := ends.Lookup(topic, p)
		if !ok1 || !ok2 || s.Err != nil || e.Err != nil {
			return nil, fmt.Errorf("partition %d: %w", p, firstErr(s.Err, e.Err, errors.New("no offsets listed")))
		}
		var n int64
		switch target.kind {
		case "earliest":
			n = s.Offset
		case "latest":
			n = e.Offset
		case "offset":
			n = min(max(target.n, s.Offset), e.Offset)
		case "datetime":
			n = e.Offset
			if a, ok := at.Lookup(topic, p); ok && a.Err == nil && a.Offset >= 0 {
				n = min(max(a.Offset, s.Offset), e.Offset)
			}
		}
		rows = append(rows, resetPlanRow{Topic: topic, Partition: p, New: n})
	}
	return rows, nil
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func printResetPlan(f *clientFlags, plan resetPlan) error {
	p := f.printer()
	if !plan.Executed {
		fmt.Fprintln(os.Stderr, "Dry run: no offsets changed; run again with --execute to apply.")
	}
	if p.JSON {
		return p.Encode(plan)
	}
	tab := make([][]string, 0, len(plan.Offsets))
	for _, r := range plan.Offsets {
		tab = append(tab, []string{plan.Group, r.Topic, itoa(r.Partition), optInt(r.Current), itoa(r.New)})
	}
	return p.Table([]string{"group", "topic", "partition", "current-offset", "new-offset"}, tab)
}
