package main

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/cmd/sluice/internal/cli"
)

func newClusterElectCmd(f *clientFlags) *cobra.Command {
	var (
		unclean    bool
		topic      string
		partitions []int32
	)
	cmd := &cobra.Command{
		Use:   "elect-leaders",
		Short: "Elect the preferred (first) replica as leader, or with --unclean any live replica of a leaderless partition",
		Long: `Run a leader election (ElectLeaders) on every partition, on --topic's, or on
--topic's --partition(s). Preferred elections move leadership back to the
first replica where it is in sync; --unclean elects any live replica of a
partition that has no leader, which can lose acknowledged records.
The outcome per partition is printed as kafka-leader-election.sh prints it;
the exit status is 1 if any partition failed.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if len(partitions) > 0 && topic == "" {
				return usagef("elect-leaders: --partition needs --topic")
			}
			for _, p := range partitions {
				if p < 0 {
					return usagef("elect-leaders: --partition must be >= 0, got %d", p)
				}
			}
			how := kadm.ElectPreferredReplica
			if unclean {
				how = kadm.ElectLiveReplica
			}
			ctx, adm, done, err := f.adminSession(c.Context())
			if err != nil {
				return err
			}
			defer done()
			rs, err := electLeaders(ctx, adm, how, topic, partitions)
			if err != nil {
				return fmt.Errorf("elect leaders: %w", ctxErr("elect-leaders", err))
			}
			return printElection(f.printer(), how, rs)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&unclean, "unclean", false, "unclean election: any live replica of a partition without a leader (may lose records)")
	fl.StringVar(&topic, "topic", "", "only this topic's partitions")
	fl.Int32SliceVar(&partitions, "partition", nil, "only this partition of --topic (repeatable)")
	return cmd
}

// electLeaders sends ElectLeaders for every partition (topic ""), for a
// topic's partitions, or for some of them.
func electLeaders(ctx context.Context, adm *kadm.Client, how kadm.ElectLeadersHow, topic string, partitions []int32) (kadm.ElectLeadersResults, error) {
	if err := requireAPI(ctx, adm, kmsg.ElectLeaders.Int16()); err != nil {
		return nil, err
	}
	var set kadm.TopicsSet // nil: every partition
	if topic != "" {
		if len(partitions) == 0 {
			// A topic with no partitions listed means none to Kafka: list them.
			md, err := topicsMetadata(ctx, adm, []string{topic})
			if err != nil {
				return nil, err
			}
			partitions = md.Topics[topic].Partitions.Numbers()
		}
		set = kadm.TopicsSet{}
		set.Add(topic, partitions...)
	}
	return adm.ElectLeaders(ctx, how, set)
}

// electionOutcome is one partition's result in `elect-leaders --json`.
type electionOutcome struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Outcome   string `json:"outcome"` // elected, not_needed or failed
	Error     string `json:"error,omitempty"`
}

func electionOutcomes(rs kadm.ElectLeadersResults) []electionOutcome {
	out := []electionOutcome{}
	for _, ps := range rs {
		for _, r := range ps {
			o := electionOutcome{Topic: r.Topic, Partition: r.Partition, Outcome: "elected"}
			switch {
			case errors.Is(r.Err, kerr.ElectionNotNeeded):
				o.Outcome = "not_needed"
			case r.Err != nil:
				o.Outcome, o.Error = "failed", respErrOf(r.Err, r.ErrMessage).Error()
			}
			out = append(out, o)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		return a.Topic < b.Topic || a.Topic == b.Topic && a.Partition < b.Partition
	})
	return out
}

// printElection prints the outcome as kafka-leader-election.sh does:
//
//	Successfully completed leader election (PREFERRED) for partitions t-0, t-1
//	Valid replica already elected for partitions t-2
//	Error completing leader election (PREFERRED) for partition: t-3: <error>
//
// and fails (exit status 1) with "N replica(s) could not be elected".
func printElection(p *cli.Printer, how kadm.ElectLeadersHow, rs kadm.ElectLeadersResults) error {
	outs := electionOutcomes(rs)
	kind := "PREFERRED"
	if how == kadm.ElectLiveReplica {
		kind = "UNCLEAN"
	}
	var elected, noop []string
	var failed []electionOutcome
	for _, o := range outs {
		name := fmt.Sprintf("%s-%d", o.Topic, o.Partition)
		switch o.Outcome {
		case "elected":
			elected = append(elected, name)
		case "not_needed":
			noop = append(noop, name)
		default:
			failed = append(failed, o)
		}
	}
	if p.JSON {
		if err := p.Encode(map[string]any{"election": strings.ToLower(kind), "partitions": outs}); err != nil {
			return err
		}
	} else {
		if len(elected) > 0 {
			fmt.Fprintf(p.Out, "Successfully completed leader election (%s) for partitions %s\n", kind, strings.Join(elected, ", "))
		}
		if len(noop) > 0 {
			fmt.Fprintf(p.Out, "Valid replica already elected for partitions %s\n", strings.Join(noop, ", "))
		}
		for _, o := range failed {
			fmt.Fprintf(p.Out, "Error completing leader election (%s) for partition: %s-%d: %s\n", kind, o.Topic, o.Partition, o.Error)
		}
		if len(outs) == 0 {
			fmt.Fprintln(p.Out, "No partition needed an election")
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d replica(s) could not be elected", len(failed))
	}
	return nil
}
