package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/cmd/sluice/internal/cli"
	"sluice/cmd/sluice/internal/perf"
	"sluice/cmd/sluice/internal/rebalance"
)

func newTopicReassignCmd(f *clientFlags) *cobra.Command {
	var (
		planPath                                                    string
		status, watch, cancel, verify, additional, preserveThrottle bool
		throttle                                                    int64
		interval                                                    time.Duration
	)
	cmd := &cobra.Command{
		Use:   "reassign (--plan FILE [--throttle BYTES] | --status [--watch] | --cancel | --verify --plan FILE)",
		Short: "Move partition replicas: apply a reassignment plan, show its progress, cancel it, verify it",
		Long: `Move partition replicas between brokers, as kafka-reassign-partitions.sh does,
with a plan in Kafka's reassignment JSON ("-" reads it from stdin):

  {"version":1,"partitions":[{"topic":"orders","partition":0,"replicas":[2,3,1]}]}

  --plan FILE          apply the plan (AlterPartitionReassignments); prints the
                       current assignment first, to keep for a rollback
  --throttle BYTES     with --plan: limit replication to BYTES/s on the brokers
                       involved while the move runs; --verify removes it
  --status [--watch]   show each reassignment in progress and how far its new
                       replicas have caught up (all, or the plan's)
  --cancel             cancel the reassignments in progress (all, or the
                       plan's): the partitions keep their original replicas
  --verify --plan FILE say which of the plan's partitions are done; once
                       nothing is moving, remove the throttles`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			modes := 0
			for _, m := range []bool{status, cancel, verify} {
				if m {
					modes++
				}
			}
			apply := modes == 0 && planPath != ""
			switch {
			case modes > 1:
				return usagef("reassign: give only one of --status, --cancel, --verify")
			case modes == 0 && planPath == "":
				return usagef("reassign: give --plan FILE to apply a plan, or --status, --cancel or --verify")
			case verify && planPath == "":
				return usagef("reassign: --verify needs --plan FILE")
			case c.Flags().Changed("throttle") && !apply:
				return usagef("reassign: --throttle goes with --plan FILE alone (applying a plan)")
			case c.Flags().Changed("throttle") && throttle <= 0:
				return usagef("reassign: --throttle must be a positive number of bytes per second, got %d", throttle)
			case additional && !apply:
				return usagef("reassign: --additional goes with --plan FILE alone (applying a plan)")
			case watch && !status:
				return usagef("reassign: --watch goes with --status")
			case preserveThrottle && !cancel && !verify:
				return usagef("reassign: --preserve-throttles goes with --cancel or --verify")
			case interval <= 0:
				return usagef("reassign: --interval must be positive")
			}
			if !c.Flags().Changed("throttle") {
				throttle = -1
			}
			var plan *rebalance.Plan
			if planPath != "" {
				p, err := readPlan(planPath)
				if err != nil {
					return err
				}
				plan = &p
			}
			ctx, cl, adm, done, err := f.opsSession(c.Context())
			if err != nil {
				return err
			}
			defer done()
			switch {
			case apply:
				res, err := executePlan(ctx, cl, adm, *plan, throttle, additional)
				if err != nil {
					return fmt.Errorf("reassign: %w", ctxErr("reassign", err))
				}
				return printApplied(f.printer(), res)
			case status:
				if err := requireListAPI(ctx, adm); err != nil {
					return fmt.Errorf("reassignment status: %w", ctxErr("status", err))
				}
				return showStatus(c.Context(), f, cl, adm, plan, watch, interval, perf.IsTerminal(os.Stdout))
			case cancel:
				return cancelReassignments(ctx, f, cl, adm, plan, preserveThrottle)
			default:
				return verifyPlan(ctx, f, cl, adm, *plan, preserveThrottle)
			}
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&planPath, "plan", "", "reassignment JSON file (Kafka's format; - for stdin)")
	fl.BoolVar(&status, "status", false, "show the reassignments in progress and how far they are")
	fl.BoolVar(&watch, "watch", false, "with --status: refresh every --interval until nothing is moving")
	fl.DurationVar(&interval, "interval", 2*time.Second, "refresh interval of --watch")
	fl.BoolVar(&cancel, "cancel", false, "cancel the reassignments in progress (all, or those of --plan)")
	fl.BoolVar(&verify, "verify", false, "check the plan's partitions and remove the throttles once nothing is moving")
	fl.Int64Var(&throttle, "throttle", 0, "limit replication to this many bytes/s while the plan moves replicas")
	fl.BoolVar(&additional, "additional", false, "apply the plan although other reassignments are in progress")
	fl.BoolVar(&preserveThrottle, "preserve-throttles", false, "with --cancel or --verify: leave the throttles in place")
	return cmd
}

// printApplied reports a started reassignment as Kafka's tool does.
func printApplied(p *cli.Printer, res applied) error {
	if p.JSON {
		return p.Encode(res)
	}
	fmt.Fprintf(p.Out, "Current partition replica assignment\n\n%s\n\nSave this to use as the --plan option during rollback\n", res.Rollback.Marshal())
	if res.Throttle > 0 {
		fmt.Fprintln(p.Out, "Warning: You must run --verify periodically, until the reassignment completes, to ensure the throttle is removed.")
		fmt.Fprintf(p.Out, "The inter-broker throttle limit was set to %d B/s\n", res.Throttle)
	}
	s := "s"
	if len(res.Started) == 1 {
		s = ""
	}
	_, err := fmt.Fprintf(p.Out, "Successfully started partition reassignment%s for %s\n", s, strings.Join(res.Started, ","))
	return err
}

// cancelReassignments cancels what is in progress (all, or the plan's
// partitions) with AlterPartitionReassignments and null replica lists, then
// clears the throttles unless preserve.
func cancelReassignments(ctx context.Context, f *clientFlags, cl *kgo.Client, adm *kadm.Client, plan *rebalance.Plan, preserve bool) error {
	fail := func(err error) error { return fmt.Errorf("cancel reassignments: %w", ctxErr("cancel", err)) }
	for _, key := range []int16{kmsg.ListPartitionReassignments.Int16(), kmsg.AlterPartitionAssignments.Int16()} {
		if err := requireAPI(ctx, adm, key); err != nil {
			return fail(err)
		}
	}
	running, err := listOngoing(ctx, cl, plan)
	if err != nil {
		return fail(err)
	}
	var req kadm.AlterPartitionAssignmentsReq
	topicSet := map[string]bool{}
	for _, o := range running {
		req.CancelAssign(o.Topic, o.Partition)
		topicSet[o.Topic] = true
	}
	var cancelled, failed []string
	if len(running) > 0 {
		rs, err := adm.AlterPartitionAssignments(ctx, req)
		if err != nil {
			return fail(err)
		}
		for _, r := range rs.Sorted() {
			name := fmt.Sprintf("%s-%d", r.Topic, r.Partition)
			if r.Err != nil {
				failed = append(failed, name+": "+respErrOf(r.Err, r.ErrMessage).Error())
			} else {
				cancelled = append(cancelled, name)
			}
		}
	}
	var planBrokers []int32
	if plan != nil {
		for _, r := range plan.Partitions {
			topicSet[r.Topic] = true
			planBrokers = append(planBrokers, r.Replicas...)
		}
	}
	var cleared []int32
	if !preserve && len(failed) == 0 {
		if cleared, err = clearThrottles(ctx, adm, sortedKeys(topicSet), planBrokers); err != nil {
			return fail(err)
		}
	}
	p := f.printer()
	if p.JSON {
		if cancelled == nil {
			cancelled = []string{}
		}
		if err := p.Encode(map[string]any{"cancelled": cancelled, "throttles_cleared_on": nonNil(cleared)}); err != nil {
			return err
		}
	} else {
		if len(cancelled) > 0 {
			fmt.Fprintf(p.Out, "Successfully cancelled partition reassignment%s for: %s\n", plural(len(cancelled)), strings.Join(cancelled, ","))
		} else if len(failed) == 0 {
			fmt.Fprintln(p.Out, "None of the specified partition reassignments are active.")
		}
		printCleared(p.Out, cleared, sortedKeys(topicSet))
	}
	if len(failed) > 0 {
		return fmt.Errorf("cancel refused for %d partition(s): %s", len(failed), strings.Join(failed, "; "))
	}
	return nil
}

// partitionState is one plan partition in `reassign --verify`.
type partitionState struct {
	Topic     string  `json:"topic"`
	Partition int32   `json:"partition"`
	State     string  `json:"state"` // completed, in_progress, differs
	Replicas  []int32 `json:"replicas"`
	Target    []int32 `json:"target"`
}

// verifyPlan says, as Kafka's --verify, which of the plan's partitions are
// done, and once no reassignment at all is running clears the throttles.
func verifyPlan(ctx context.Context, f *clientFlags, cl *kgo.Client, adm *kadm.Client, plan rebalance.Plan, preserve bool) error {
	fail := func(err error) error { return fmt.Errorf("verify reassignment: %w", ctxErr("verify", err)) }
	if err := requireListAPI(ctx, adm); err != nil {
		return fail(err)
	}
	running, err := listOngoing(ctx, cl, nil)
	if err != nil {
		return fail(err)
	}
	md, err := adm.Metadata(ctx, plan.Topics()...)
	if err != nil {
		return fail(err)
	}
	states := verifyStates(plan, running, md)
	var cleared []int32
	if len(running) == 0 && !preserve {
		var brokers []int32
		for _, r := range plan.Partitions {
			brokers = append(brokers, r.Replicas...)
		}
		if cleared, err = clearThrottles(ctx, adm, plan.Topics(), brokers); err != nil {
			return fail(err)
		}
	}
	p := f.printer()
	if p.JSON {
		return p.Encode(map[string]any{"partitions": states, "in_progress": len(running), "throttles_cleared_on": nonNil(cleared)})
	}
	fmt.Fprintln(p.Out, "Status of partition reassignment:")
	for _, s := range states {
		switch s.State {
		case "completed":
			fmt.Fprintf(p.Out, "Reassignment of partition %s-%d is completed.\n", s.Topic, s.Partition)
		case "in_progress":
			fmt.Fprintf(p.Out, "Reassignment of partition %s-%d is still in progress.\n", s.Topic, s.Partition)
		default:
			fmt.Fprintf(p.Out, "There is no active reassignment of partition %s-%d, but replica set is %s rather than %s.\n",
				s.Topic, s.Partition, joinInts(s.Replicas), joinInts(s.Target))
		}
	}
	if len(cleared) > 0 {
		printCleared(p.Out, cleared, plan.Topics())
	}
	return nil
}

// verifyStates compares the plan with what is running and what Metadata
// says the replicas are (in order, as Kafka compares them).
func verifyStates(plan rebalance.Plan, running []ongoing, md kadm.Metadata) []partitionState {
	out := []partitionState{}
	for _, r := range plan.Partitions {
		s := partitionState{Topic: r.Topic, Partition: r.Partition, Target: r.Replicas, Replicas: []int32{}}
		i := slices.IndexFunc(running, func(o ongoing) bool { return o.Topic == r.Topic && o.Partition == r.Partition })
		switch {
		case i >= 0:
			s.State, s.Replicas = "in_progress", running[i].Replicas
		default:
			if pd, ok := md.Topics[r.Topic].Partitions[r.Partition]; ok {
				s.Replicas = nonNil(pd.Replicas)
			}
			s.State = "differs"
			if slices.Equal(s.Replicas, r.Replicas) {
				s.State = "completed"
			}
		}
		out = append(out, s)
	}
	return out
}

func printCleared(out io.Writer, brokers []int32, topics []string) {
	if len(brokers) == 0 {
		return
	}
	fmt.Fprintf(out, "Clearing broker-level throttles on broker%s %s\n", plural(len(brokers)), joinInts(brokers))
	if len(topics) > 0 {
		fmt.Fprintf(out, "Clearing topic-level throttles on topic%s %s\n", plural(len(topics)), strings.Join(topics, ","))
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
