package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kadm"

	"sluice/cmd/sluice/internal/cli"
	"sluice/cmd/sluice/internal/rebalance"
)

func newClusterRebalanceCmd(f *clientFlags) *cobra.Command {
	var (
		decommission          []int32
		topics                []string
		rf                    int
		noRacks, execute, add bool
		throttle              int64
		output                string
	)
	cmd := &cobra.Command{
		Use:   "rebalance [--decommission ID]... [--topic T]... [--execute [--throttle BYTES]]",
		Short: "Plan (and with --execute start) a reassignment that spreads replicas and leaders evenly, moving few replicas",
		Long: `Generate a reassignment plan from the live cluster that spreads replicas and
preferred leaders evenly over the live brokers (racks respected: no rack holds
two replicas of a partition while another holds none), moving as few
replicas as it can: after adding a broker only the replicas it should take
move; a balanced cluster gives an empty plan. Leaders are balanced by
reordering replica lists, which copies nothing.

  --decommission ID         move every replica off broker ID (repeatable)
  --topic T                 plan only topic T (repeatable; default: all)
  --replication-factor N    with --topic: give those topics N replicas
  --output FILE             write the plan (Kafka's reassignment JSON) to FILE
  --execute                 start the plan, as 'topic reassign --plan' does

The plan is printed (and written with --output) in Kafka's reassignment
JSON, for 'sluice topic reassign --plan' or kafka-reassign-partitions.sh.
Leadership follows the new first replicas at the next preferred election
(auto.leader.rebalance.enable, or 'sluice cluster elect-leaders').`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			switch {
			case c.Flags().Changed("replication-factor") && len(topics) == 0:
				return usagef("rebalance: --replication-factor needs --topic")
			case c.Flags().Changed("replication-factor") && rf < 1:
				return usagef("rebalance: --replication-factor must be at least 1, got %d", rf)
			case c.Flags().Changed("throttle") && !execute:
				return usagef("rebalance: --throttle goes with --execute")
			case c.Flags().Changed("throttle") && throttle <= 0:
				return usagef("rebalance: --throttle must be a positive number of bytes per second, got %d", throttle)
			case add && !execute:
				return usagef("rebalance: --additional goes with --execute")
			}
			if !c.Flags().Changed("throttle") {
				throttle = -1
			}
			opt := rebalance.Options{Decommission: decommission, Topics: topics, DisableRackAware: noRacks}
			if c.Flags().Changed("replication-factor") {
				opt.ReplicationFactor = map[string]int{}
				for _, t := range topics {
					opt.ReplicationFactor[t] = rf
				}
			}
			ctx, cl, adm, done, err := f.opsSession(c.Context())
			if err != nil {
				return err
			}
			defer done()
			md, err := adm.Metadata(ctx)
			if err != nil {
				return fmt.Errorf("rebalance: %w", ctxErr("rebalance", err))
			}
			live, parts := assignmentOf(md)
			res, err := rebalance.Generate(live, parts, opt)
			if err != nil {
				return planError(err)
			}
			if output != "" {
				if err := writePlan(output, res.Plan); err != nil {
					return err
				}
			}
			out := rebalanceOutput{Result: res}
			if execute && len(res.Plan.Partitions) > 0 {
				a, err := executePlan(ctx, cl, adm, res.Plan, throttle, add)
				if err != nil {
					return fmt.Errorf("rebalance: %w", ctxErr("rebalance", err))
				}
				out.Applied = &a
			}
			return printRebalance(f.printer(), out, output)
		},
	}
	fl := cmd.Flags()
	fl.Int32SliceVar(&decommission, "decommission", nil, "broker id to move every replica off (repeatable)")
	fl.StringArrayVar(&topics, "topic", nil, "plan only this topic (repeatable; default: every topic)")
	fl.IntVar(&rf, "replication-factor", 0, "new replication factor for the --topic topics")
	fl.BoolVar(&noRacks, "disable-rack-aware", false, "ignore broker racks (needed when only some brokers have one)")
	fl.StringVar(&output, "output", "", "also write the plan to this file")
	fl.BoolVar(&execute, "execute", false, "start the reassignment")
	fl.Int64Var(&throttle, "throttle", 0, "with --execute: limit replication to this many bytes/s while replicas move")
	fl.BoolVar(&add, "additional", false, "with --execute: start although other reassignments are in progress")
	return cmd
}

// assignmentOf turns Metadata into the planner's input: the live brokers
// with their racks and every partition's replicas and leader.
func assignmentOf(md kadm.Metadata) ([]rebalance.Broker, []rebalance.Partition) {
	var live []rebalance.Broker
	for _, b := range md.Brokers {
		rb := rebalance.Broker{ID: b.NodeID}
		if b.Rack != nil {
			rb.Rack = *b.Rack
		}
		live = append(live, rb)
	}
	var parts []rebalance.Partition
	for _, t := range md.Topics.Sorted() {
		if t.Err != nil {
			continue
		}
		for _, p := range t.Partitions.Sorted() {
			parts = append(parts, rebalance.Partition{Topic: t.Topic, Partition: p.Partition, Replicas: p.Replicas, Leader: p.Leader})
		}
	}
	return live, parts
}

// planError maps the planner's refusals: a bad option is a usage error
// (exit status 2); a broker that is down is the cluster's state (1).
func planError(err error) error {
	msg := "rebalance: " + strings.TrimPrefix(err.Error(), "rebalance: ")
	if errors.Is(err, rebalance.ErrNotLive) {
		return errors.New(msg)
	}
	return usageError{errors.New(msg)}
}

// rebalanceOutput is `cluster rebalance --json`.
type rebalanceOutput struct {
	rebalance.Result
	Applied *applied `json:"applied,omitempty"`
}

func printRebalance(p *cli.Printer, out rebalanceOutput, output string) error {
	r := out.Result
	if p.JSON {
		return p.Encode(map[string]any{
			"plan": r.Plan, "rollback": r.Rollback, "partitions": len(r.Plan.Partitions),
			"replicas_added": r.Added, "replicas_removed": r.Removed, "replicas": r.Replicas,
			"brokers": r.Brokers, "applied": out.Applied,
		})
	}
	var rows [][]string
	for _, b := range r.Brokers {
		note := ""
		switch {
		case b.Decommission:
			note = "decommission"
		case !b.Live:
			note = "not live"
		}
		rows = append(rows, []string{itoa(b.ID), b.Rack,
			fmt.Sprintf("%d -> %d", b.ReplicasBefore, b.ReplicasAfter),
			fmt.Sprintf("%d -> %d", b.LeadersBefore, b.PreferredAfter), note})
	}
	if err := p.Table([]string{"broker", "rack", "replicas", "leaders", "note"}, rows); err != nil {
		return err
	}
	fmt.Fprintln(p.Out, "(replicas: now -> after the plan; leaders: now -> after a preferred election)")
	fmt.Fprintln(p.Out)
	if len(r.Plan.Partitions) == 0 {
		_, err := fmt.Fprintln(p.Out, "Replicas and leaders are balanced: nothing to move.")
		return err
	}
	fmt.Fprintf(p.Out, "%d partition(s) change: %d replica(s) to copy, %d to remove (of %d).\n",
		len(r.Plan.Partitions), r.Added, r.Removed, r.Replicas)
	if out.Applied != nil {
		return printApplied(p, *out.Applied)
	}
	fmt.Fprintf(p.Out, "\nCurrent partition replica assignment\n\n%s\n\nProposed partition reassignment configuration\n\n%s\n",
		r.Rollback.Marshal(), r.Plan.Marshal())
	if output != "" {
		fmt.Fprintf(p.Out, "\nPlan written to %s; start it with: sluice topic reassign --plan %s\n", output, output)
	} else {
		fmt.Fprintln(p.Out, "\nStart it with --execute, or save it and run: sluice topic reassign --plan FILE")
	}
	return nil
}
