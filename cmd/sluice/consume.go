package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"sluice/cmd/sluice/internal/cli"
)

type consumeFlags struct {
	offset     string
	partitions []int32
	group      string
	count      int
	format     string
	exitAtEnd  bool
}

// newConsumeCmd is `sluice consume TOPIC`, kafka-console-consumer.sh.
func newConsumeCmd() *cobra.Command {
	f := &clientFlags{}
	var cf consumeFlags
	cmd := &cobra.Command{
		Use:   "consume TOPIC",
		Short: "Print a topic's records (value per line by default; --format, --json)",
		Long: "Print a topic's records. --format directives: %v value, %k key, %p partition, %o offset,\n" +
			"%t timestamp (Unix ms), %h headers (k=v,...), %T topic, %% percent; \\n and \\t escapes.\n" +
			"Stops after -n records, at the end of every partition with --exit-at-end, or on ^C.",
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return runConsume(c.Context(), f, &cf, args[0])
		},
	}
	addClientFlags(cmd, f, true)
	fl := cmd.Flags()
	fl.StringVarP(&cf.offset, "offset", "o", "", "where to start: earliest, latest, an offset N, or @TIMESTAMP (Unix ms or RFC 3339);\n"+
		"with --group, only where the group has no committed offset\n(default: latest; earliest with --group, as rpk, so a new group reads what is there)")
	fl.Int32SliceVarP(&cf.partitions, "partition", "p", nil, "consume only these partitions, comma-separated (empty: all)")
	fl.StringVarP(&cf.group, "group", "g", "", "consume as a member of this consumer group (commits offsets)")
	fl.IntVarP(&cf.count, "num", "n", 0, "stop after this many records (0: no limit)")
	fl.StringVarP(&cf.format, "format", "f", cli.DefaultFormat, "output template")
	fl.BoolVarP(&cf.exitAtEnd, "exit-at-end", "e", false, "stop once every partition's end (as of start-up) is reached")
	return cmd
}

// startOffset parses --offset; timestamps resolve to an Offset too.
func startOffset(s string) (kgo.Offset, int64, error) {
	switch {
	case s == "earliest" || s == "oldest" || s == "start":
		return kgo.NewOffset().AtStart(), -2, nil
	case s == "latest" || s == "newest" || s == "end":
		return kgo.NewOffset().AtEnd(), -1, nil
	case strings.HasPrefix(s, "@"):
		ms, err := cli.ParseTimestamp(s[1:])
		if err != nil {
			return kgo.Offset{}, 0, usagef("--offset: %s", strings.TrimPrefix(err.Error(), "cli: "))
		}
		return kgo.NewOffset().AfterMilli(ms), ms, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return kgo.Offset{}, 0, usagef("--offset: want earliest, latest, a non-negative offset or @timestamp, got %q", s)
	}
	return kgo.NewOffset().At(n), n, nil
}

// defaultOffset is --offset when not given: a new group starts at the
// beginning (as rpk does; Kafka's console consumer would wait at the end,
// which looks like a hang to someone trying a group out), a plain consumer
// at the end.
func defaultOffset(group string) string {
	if group != "" {
		return "earliest"
	}
	return "latest"
}

func runConsume(parent context.Context, f *clientFlags, cf *consumeFlags, topic string) error {
	if cf.offset == "" {
		cf.offset = defaultOffset(cf.group)
	}
	start, startArg, err := startOffset(cf.offset)
	if err != nil {
		return err
	}
	var tmpl *cli.Format
	if !f.json {
		if tmpl, err = cli.ParseFormat(cf.format); err != nil {
			return usageError{err}
		}
	}
	if cf.count < 0 {
		return usagef("-n must be >= 0")
	}
	if cf.group != "" && len(cf.partitions) > 0 {
		return usagef("--partition and --group are exclusive (a group assigns partitions)")
	}
	ctx, cancel := signalContext(parent)
	defer cancel()

	// Look the topic up first: a missing topic is an error, not an endless wait.
	mctx, mcancel := f.ctx(ctx)
	defer mcancel()
	adm, err := f.admin(mctx)
	if err != nil {
		return err
	}
	defer adm.Close()
	parts, err := topicPartitions(mctx, adm, topic, cf.partitions)
	if err != nil {
		return fmt.Errorf("consume %s: %w", topic, ctxErr("consume", err))
	}
	// The end of each partition as of now, and the partitions with nothing
	// to read, for --exit-at-end.
	var remaining map[int32]int64
	if cf.exitAtEnd {
		var committed map[int32]int64
		if cf.group != "" {
			// The group resumes from its committed offsets where it has them.
			if committed, err = committedOffsets(mctx, adm, cf.group, topic); err != nil {
				return fmt.Errorf("consume %s: group %s: %w", topic, cf.group, ctxErr("consume", err))
			}
		}
		if remaining, err = partitionsToDrain(mctx, adm, topic, parts, cf.offset, startArg, committed); err != nil {
			return fmt.Errorf("consume %s: %w", topic, ctxErr("consume", err))
		}
		if len(remaining) == 0 {
			return nil
		}
	}

	opts := []kgo.Opt{kgo.FetchMaxWait(500 * time.Millisecond)}
	if cf.group != "" {
		// Only what was printed is committed: records are marked as they
		// are written, and auto-commit (and the final commit) covers marks
		// only, so -n N leaves the rest of the fetch for the next member.
		opts = append(opts, kgo.ConsumerGroup(cf.group), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(start),
			kgo.AutoCommitMarks())
	} else {
		m := make(map[int32]kgo.Offset, len(parts))
		for _, p := range parts {
			m[p] = start
		}
		opts = append(opts, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: m}))
	}
	cl, err := f.client(ctx, opts...)
	if err != nil {
		return err
	}
	defer cl.Close() // leaves the group

	w := bufio.NewWriterSize(os.Stdout, 64<<10)
	p := f.printer()
	p.Out = w
	seen := 0
	var buf []byte
	for {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			break
		}
		var fetchErr error
		fs.EachError(func(t string, part int32, err error) {
			if fetchErr == nil && !errors.Is(err, context.Canceled) {
				fetchErr = fmt.Errorf("partition %d: %w", part, err)
			}
		})
		if fetchErr != nil {
			w.Flush()
			return fmt.Errorf("consume %s: %w", topic, fetchErr)
		}
		done := false
		fs.EachRecord(func(r *kgo.Record) {
			if done {
				return
			}
			if f.json {
				_ = p.Encode(cli.ToJSON(r))
			} else {
				buf = tmpl.Append(buf[:0], r)
				w.Write(buf)
			}
			if cf.group != "" {
				cl.MarkCommitRecords(r)
			}
			seen++
			if cf.count > 0 && seen >= cf.count {
				done = true
			}
			if remaining != nil {
				if end, ok := remaining[r.Partition]; ok && r.Offset+1 >= end {
					delete(remaining, r.Partition)
				}
			}
		})
		if err := w.Flush(); err != nil {
			return fmt.Errorf("writing output: %w", err)
		}
		if done || (remaining != nil && len(remaining) == 0) {
			break
		}
	}
	if cf.group != "" {
		cctx, ccancel := f.ctx(context.Background())
		defer ccancel()
		if err := cl.CommitMarkedOffsets(cctx); err != nil {
			return fmt.Errorf("commit offsets for group %s: %w", cf.group, err)
		}
	}
	return w.Flush()
}

// topicPartitions returns want (checked) or every partition of topic.
func topicPartitions(ctx context.Context, adm *kadm.Client, topic string, want []int32) ([]int32, error) {
	md, err := adm.Metadata(ctx, topic)
	if err != nil {
		return nil, err
	}
	td, ok := md.Topics[topic]
	if !ok {
		return nil, errors.New("not in the metadata response")
	}
	if td.Err != nil {
		return nil, td.Err
	}
	if len(want) == 0 {
		return td.Partitions.Numbers(), nil
	}
	for _, p := range want {
		if _, ok := td.Partitions[p]; !ok {
			return nil, fmt.Errorf("partition %d does not exist (the topic has %d)", p, len(td.Partitions))
		}
	}
	return want, nil
}

// partitionsToDrain returns, for --exit-at-end, each partition that has
// records between the start position and the current end, mapped to that end.
// Partitions with an offset in committed start there instead.
func partitionsToDrain(ctx context.Context, adm *kadm.Client, topic string, parts []int32, offset string, startArg int64, committed map[int32]int64) (map[int32]int64, error) {
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err != nil {
		return nil, err
	}
	var starts kadm.ListedOffsets
	switch {
	case strings.HasPrefix(offset, "@"):
		starts, err = adm.ListOffsetsAfterMilli(ctx, startArg, topic)
	default:
		starts, err = adm.ListStartOffsets(ctx, topic)
	}
	if err != nil {
		return nil, err
	}
	out := make(map[int32]int64)
	for _, p := range parts {
		e, ok := ends.Lookup(topic, p)
		if !ok || e.Err != nil {
			return nil, fmt.Errorf("partition %d: no end offset", p)
		}
		s, ok := starts.Lookup(topic, p)
		if !ok || s.Err != nil {
			return nil, fmt.Errorf("partition %d: no start offset", p)
		}
		from := s.Offset
		switch {
		case startArg == -1: // latest
			from = e.Offset
		case startArg >= 0 && !strings.HasPrefix(offset, "@") && startArg > from:
			from = startArg
		}
		if c, ok := committed[p]; ok {
			from = c
		}
		if from >= 0 && from < e.Offset {
			out[p] = e.Offset
		}
	}
	return out, nil
}

// committedOffsets returns group's committed offsets on topic (none for a
// group that does not exist yet).
func committedOffsets(ctx context.Context, adm *kadm.Client, group, topic string) (map[int32]int64, error) {
	fetched, err := adm.FetchOffsetsForTopics(ctx, group, topic)
	if errors.Is(err, kerr.GroupIDNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := make(map[int32]int64)
	for p, o := range fetched[topic] {
		if o.Err == nil && o.At >= 0 {
			out[p] = o.At
		}
	}
	return out, nil
}
