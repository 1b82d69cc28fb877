package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/cmd/sluice/internal/rebalance"
)

// replicaCopy is how far a replica being added has caught up: its size on
// its broker against the leader's (DescribeLogDirs); in the ISR means done.
type replicaCopy struct {
	Broker      int32   `json:"broker"`
	Bytes       int64   `json:"bytes"`
	LeaderBytes int64   `json:"leader_bytes"`
	InSync      bool    `json:"in_sync"`
	Progress    float64 `json:"progress"`
}

// reassignProgress is one ongoing reassignment in `topic reassign --status`.
type reassignProgress struct {
	ongoing
	Leader int32         `json:"leader"`
	ISR    []int32       `json:"isr"`
	Copies []replicaCopy `json:"adding_progress"`
	// Progress is the least caught-up adding replica's, 0 to 1 (1 when
	// nothing is being added and only removals remain).
	Progress float64 `json:"progress"`
}

// progressOf joins the ongoing reassignments with Metadata (leader, ISR)
// and DescribeLogDirs (sizes). A replica not in the ISR counts at most
// 99%: bytes alone do not say it has caught up.
func progressOf(running []ongoing, md kadm.Metadata, dirs kadm.DescribedAllLogDirs) []reassignProgress {
	out := []reassignProgress{}
	size := func(b int32, t string, p int32) int64 {
		if dp, ok := dirs[b].LookupPartition(t, p); ok {
			return dp.Size
		}
		return 0
	}
	for _, o := range running {
		rp := reassignProgress{ongoing: o, Leader: -1, ISR: []int32{}, Copies: []replicaCopy{}, Progress: 1}
		if pd, ok := md.Topics[o.Topic].Partitions[o.Partition]; ok {
			rp.Leader, rp.ISR = pd.Leader, nonNil(pd.ISR)
		}
		var lead int64
		if rp.Leader >= 0 {
			lead = size(rp.Leader, o.Topic, o.Partition)
		}
		for _, b := range o.Adding {
			c := replicaCopy{Broker: b, Bytes: size(b, o.Topic, o.Partition), LeaderBytes: lead, InSync: slices.Contains(rp.ISR, b)}
			switch {
			case c.InSync:
				c.Progress = 1
			case lead > 0:
				c.Progress = min(float64(c.Bytes)/float64(lead), 0.99)
			}
			rp.Progress = min(rp.Progress, c.Progress)
			rp.Copies = append(rp.Copies, c)
		}
		out = append(out, rp)
	}
	return out
}

// reassignStatus gathers the progress of the reassignments in progress
// (all, or the plan's).
func reassignStatus(ctx context.Context, cl *kgo.Client, adm *kadm.Client, plan *rebalance.Plan) ([]reassignProgress, error) {
	running, err := listOngoing(ctx, cl, plan)
	if err != nil || len(running) == 0 {
		return []reassignProgress{}, err
	}
	set := kadm.TopicsSet{}
	for _, o := range running {
		set.Add(o.Topic, o.Partition)
	}
	md, err := adm.Metadata(ctx, set.Topics()...)
	if err != nil {
		return nil, err
	}
	// Sizes are best effort: a broker that does not answer leaves 0.
	dirs, _ := adm.DescribeAllLogDirs(ctx, set)
	return progressOf(running, md, dirs), nil
}

// renderProgress writes the progress: a bar per partition on a terminal,
// plain lines otherwise (one per partition, easy to grep and log).
func renderProgress(w io.Writer, ps []reassignProgress, tty bool) int {
	if len(ps) == 0 {
		fmt.Fprintln(w, "No partition reassignments found.")
		return 1
	}
	lines := 0
	for _, p := range ps {
		name := fmt.Sprintf("%s-%d", p.Topic, p.Partition)
		var parts []string
		for _, c := range p.Copies {
			if c.InSync {
				parts = append(parts, fmt.Sprintf("%d in sync", c.Broker))
			} else {
				parts = append(parts, fmt.Sprintf("%d has %s of %s", c.Broker, humanBytes(c.Bytes), humanBytes(c.LeaderBytes)))
			}
		}
		detail := "adding " + strings.Join(parts, ", ")
		if len(p.Copies) == 0 {
			detail = "nothing to copy"
		}
		if len(p.Removing) > 0 {
			detail += "; removing " + joinInts(p.Removing)
		}
		if tty {
			fmt.Fprintf(w, "%-24s %s %3.0f%%  %s\n", name, bar(p.Progress, 30), 100*p.Progress, detail)
		} else {
			fmt.Fprintf(w, "%s: replicas %s: %.0f%%: %s\n", name, joinInts(p.Replicas), 100*p.Progress, detail)
		}
		lines++
	}
	return lines
}

// bar draws [#######.......] for a fraction.
func bar(frac float64, width int) string {
	n := int(frac*float64(width) + 0.5)
	n = max(0, min(n, width))
	return "[" + strings.Repeat("#", n) + strings.Repeat(".", width-n) + "]"
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// showStatus prints the progress once, or with watch every interval until
// no reassignment is left (or ^C), redrawing in place on a terminal. Each
// round gets its own --timeout.
func showStatus(parent context.Context, f *clientFlags, cl *kgo.Client, adm *kadm.Client, plan *rebalance.Plan, watch bool, interval time.Duration, tty bool) error {
	ctx, stop := signalContext(parent)
	defer stop()
	p := f.printer()
	drawn := 0
	for {
		rctx, cancel := f.ctx(ctx)
		ps, err := reassignStatus(rctx, cl, adm, plan)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return nil // ^C
			}
			return fmt.Errorf("reassignment status: %w", ctxErr("status", err))
		}
		if p.JSON {
			if err := p.Encode(ps); err != nil {
				return err
			}
		} else {
			if tty && drawn > 0 {
				fmt.Fprintf(p.Out, "\033[%dA\033[J", drawn) // up and clear: redraw in place
			}
			drawn = renderProgress(p.Out, ps, tty)
		}
		if !watch || len(ps) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(interval):
		}
	}
}

// requireListAPI is the check every status, cancel and verify starts with.
func requireListAPI(ctx context.Context, adm *kadm.Client) error {
	return requireAPI(ctx, adm, kmsg.ListPartitionReassignments.Int16())
}
